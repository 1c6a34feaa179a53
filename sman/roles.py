"""The platform-wide roles a person may hold besides their memberships: FMIN jury member, COPIL member…

Each module declares its roles in its ``AppConfig`` (``sman.modules.ModuleConfig.roles``)::

    class FminConfig(ModuleConfig):
        roles = (Role("fmin.reviewer", "Évaluateur FMIN", "Membre du jury : évalue les candidatures confiées."),)

A user holds a role through a ``sman.RoleAssignment`` row, granted and revoked by the services
``sman.services.role_grant`` / ``role_revoke`` (with history), and read with ``sman.permissions.has_role`` and
``users_with_role``. A new role (moderator, coach, prize jury…) is one declaration: no column on
``User``, no migration.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
KEY_MAX_LENGTH = 60


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    description: str
    requires_mfa: bool = True


ROLES: dict[str, Role] = {}


def register_role(key: str, label: str, description: str, requires_mfa: bool = True) -> Role:
    """Declares a role: ``key`` is ``"<app>.<name>"``; ``label`` and ``description`` are shown to people (French);
    ``requires_mfa``: its holders reach the portal only on a session that passed TOTP (RequireMfaMiddleware).
    Declaring the same role twice (``ready()`` run again) is harmless; a key declared differently is an error."""
    if not KEY_PATTERN.match(key) or len(key) > KEY_MAX_LENGTH:
        raise ImproperlyConfigured(f"Role key {key!r}: expected '<app>.<name>' in lower case, {KEY_MAX_LENGTH} max.")
    role = Role(key, label, description, requires_mfa)
    if ROLES.setdefault(key, role) != role:
        raise ImproperlyConfigured(f"Role {key!r} is already declared differently: {ROLES[key]}.")
    return role


def get_role(key: str) -> Role:
    """The declared role ``key``; a key no app declared is a programming error (a typo), never a silent False."""
    try:
        return ROLES[key]
    except KeyError:
        raise ImproperlyConfigured(f"Unknown role {key!r}: no app declared it with register_role().") from None


def all_roles() -> list[Role]:
    return sorted(ROLES.values(), key=lambda role: role.label.casefold())


def role_choices() -> list[tuple[str, str]]:
    """Choices of ``RoleAssignment.role`` (a callable: the apps' declarations need no migration)."""
    return [(role.key, role.label) for role in all_roles()]


def role_requires_mfa(key: str) -> bool:
    """A row whose role no app declares any more (an app removed) still requires MFA until it is revoked."""
    role = ROLES.get(key)
    return role is None or role.requires_mfa

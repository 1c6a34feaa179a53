"""Who may do what on the participation platform.

- A citizen takes part (propose, support, comment, report, vote) with a verified e-mail address and when the
  space has not blocked them.
- A space's administrators (``SpaceMember`` admin, or an administrator of the space's collectivity) run its
  processes, answer proposals, enter paper ballots and follow results; its moderators (and administrators)
  moderate it. A moderator of one space can do nothing in another's.
- Métropole staff can do everything everywhere.
"""

from allauth.account.models import EmailAddress

from sman.models import Membership
from sman.permissions import is_metropole_staff, organisation_ids_of

from .models import Space, SpaceBlock, SpaceMember

_ROLES_ATTRIBUTE = "_participation_roles"
_VERIFIED_ATTRIBUTE = "_participation_verified"


def space_roles(user) -> dict[int, str]:
    """{space id: "admin" | "moderator"} for the user, read once per user object (one query)."""
    if not user.is_authenticated:
        return {}
    roles = getattr(user, _ROLES_ATTRIBUTE, None)
    if roles is None:
        admin_orgs = organisation_ids_of(user, role=Membership.Role.ADMIN)
        roles = dict(SpaceMember.objects.filter(user=user).values_list("space_id", "role"))
        if admin_orgs:
            for space_id in Space.objects.filter(organisation_id__in=admin_orgs).values_list("pk", flat=True):
                roles[space_id] = SpaceMember.Role.ADMIN
        setattr(user, _ROLES_ATTRIBUTE, roles)
    return roles


def forget(user) -> None:
    for attribute in (_ROLES_ATTRIBUTE, _VERIFIED_ATTRIBUTE):
        if hasattr(user, attribute):
            delattr(user, attribute)


def is_verified(user) -> bool:
    """The user's e-mail address is verified (allauth): what taking part requires."""
    if not user.is_authenticated:
        return False
    verified = getattr(user, _VERIFIED_ATTRIBUTE, None)
    if verified is None:
        verified = EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
        setattr(user, _VERIFIED_ATTRIBUTE, verified)
    return verified


def can_manage(user, space: Space) -> bool:
    return is_metropole_staff(user) or space_roles(user).get(space.pk) == SpaceMember.Role.ADMIN


def can_moderate(user, space: Space) -> bool:
    return is_metropole_staff(user) or space.pk in space_roles(user)


def managed_space_ids(user) -> set[int] | None:
    """Spaces the user administers; None for staff (all of them)."""
    if is_metropole_staff(user):
        return None
    return {pk for pk, role in space_roles(user).items() if role == SpaceMember.Role.ADMIN}


def moderated_space_ids(user) -> set[int] | None:
    """Spaces the user moderates; None for staff (all of them)."""
    if is_metropole_staff(user):
        return None
    return set(space_roles(user))


def has_a_space(user) -> bool:
    return is_metropole_staff(user) or bool(space_roles(user))


def standing(user, space: Space) -> tuple[bool, bool]:
    """(verified e-mail address, blocked in ``space``) in one query: what every citizen's action checks."""
    from django.db.models import Exists, OuterRef

    from sman.models import User

    verified = EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True)
    blocked = SpaceBlock.objects.filter(space=space, user=OuterRef("pk"))
    row = User.objects.filter(pk=user.pk).values_list(Exists(verified), Exists(blocked)).first()
    return (bool(row[0]), bool(row[1])) if row else (False, False)


def is_blocked(user, space: Space) -> bool:
    return SpaceBlock.objects.filter(space=space, user=user).exists()


def can_see_proposal(user, proposal) -> bool:
    """A hidden proposal stays visible to its author and to the space's moderators."""
    if not proposal.hidden:
        return True
    return user.is_authenticated and (proposal.author_id == user.pk or can_moderate(user, proposal.process.space))

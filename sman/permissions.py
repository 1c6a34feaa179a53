"""Permission helpers every app reuses. Each app's own rules live in ``<app>/permissions.py``.

Which organisations a user acts for (``organisation_ids_of`` / ``organisations_of``, by kind and membership role)
and which platform-wide roles they hold (``has_role``) are answered here, from one load per user object: the
first question reads the user's memberships and roles in one query and keeps them on the object, every later
check of the same request (``request.user`` is one object per request) reads them from memory. A test that
adds a membership or a role after a check must refetch the user (or call ``forget_access(user)``); the role
services forget the cache of the user object they are given.
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, CharField, IntegerField, Value

from .models import Membership, Organisation, RoleAssignment, Territory, User
from .roles import get_role

_CACHE_ATTRIBUTE = "_sman_access"


@dataclass(frozen=True)
class MembershipInfo:
    """What permission checks need of one membership, without loading the organisation."""

    organisation_id: int
    kind: str  # Organisation.Kind
    role: str  # Membership.Role
    territory_id: int
    is_active: bool  # the organisation's


@dataclass(frozen=True)
class Access:
    memberships: tuple[MembershipInfo, ...] = ()
    roles: frozenset[str] = frozenset()


_NOBODY = Access()


def access_of(user) -> Access:
    """The user's memberships and roles, read in one query the first time this user object is asked."""
    if not user.is_authenticated:
        return _NOBODY
    access = getattr(user, _CACHE_ATTRIBUTE, None)
    if access is None:
        access = _load_access(user)
        setattr(user, _CACHE_ATTRIBUTE, access)
    return access


def forget_access(user) -> None:
    """Drops the cached memberships and roles of this user object: the next check reads them again."""
    if hasattr(user, _CACHE_ATTRIBUTE):  # delattr, not __dict__: request.user is a lazy proxy
        delattr(user, _CACHE_ATTRIBUTE)


def _load_access(user) -> Access:
    # One UNION ALL: membership rows, then role rows (organisation columns empty, the role key in ``role``).
    memberships = (
        Membership.objects.filter(user=user)
        .order_by()
        .values_list(
            Value("m", output_field=CharField()),
            "organisation_id",
            "organisation__kind",
            "role",
            "organisation__territory_id",
            "organisation__is_active",
        )
    )
    roles = (
        RoleAssignment.objects.filter(user=user)
        .order_by()
        .values_list(
            Value("r", output_field=CharField()),
            Value(None, output_field=IntegerField()),
            Value(None, output_field=CharField()),
            "role",
            Value(None, output_field=IntegerField()),
            Value(None, output_field=BooleanField()),
        )
    )
    rows = list(memberships.union(roles, all=True))
    return Access(
        memberships=tuple(MembershipInfo(*row[1:]) for row in rows if row[0] == "m"),
        roles=frozenset(row[3] for row in rows if row[0] == "r"),
    )


def memberships_info(user, *, kind: str | None = None, role: str | None = None, active: bool | None = None):
    """The user's memberships (``MembershipInfo``), of organisations of ``kind``, as ``role`` (member/admin),
    of active (or inactive) organisations; ``None`` does not filter."""
    return [
        m
        for m in access_of(user).memberships
        if (kind is None or m.kind == kind)
        and (role is None or m.role == role)
        and (active is None or m.is_active == active)
    ]


def organisation_ids_of(user, *, kind: str | None = None, role: str | None = None, active: bool | None = None):
    """Ids of the organisations the user acts for (filters as ``memberships_info``). No query once loaded."""
    return {m.organisation_id for m in memberships_info(user, kind=kind, role=role, active=active)}


def organisations_of(user, *, kind: str | None = None, role: str | None = None, active: bool | None = None):
    """The organisations the user acts for, as a QuerySet (filters as ``memberships_info``)."""
    return Organisation.objects.filter(id__in=organisation_ids_of(user, kind=kind, role=role, active=active))


def roles_of(user) -> frozenset[str]:
    """Keys of the platform-wide roles the user holds (sman/roles.py)."""
    return access_of(user).roles


def has_role(user, key: str) -> bool:
    """Whether the user holds the role ``key`` (declared by an app with ``register_role``)."""
    get_role(key)  # a typo fails loudly
    return key in roles_of(user)


def users_with_role(key: str):
    """The users who hold the role ``key``, as a User QuerySet (any state: filter ``is_active`` where it matters)."""
    get_role(key)
    return User.objects.filter(pk__in=RoleAssignment.objects.filter(role=key).values("user_id"))


def is_metropole_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_member(user, organisation: Organisation) -> bool:
    return organisation.id in organisation_ids_of(user)


def is_org_admin(user, organisation: Organisation) -> bool:
    return organisation.id in organisation_ids_of(user, role=Membership.Role.ADMIN)


def can_manage_organisation(user, organisation: Organisation) -> bool:
    """Decides on join requests and roles: the organisation's admins, or Métropole staff."""
    return is_metropole_staff(user) or is_org_admin(user, organisation)


def territories_acted_for(user) -> set[int]:
    """Ids of the territories a user acts for through their collectivities.

    An agent of a commune acts for that commune (and its delegated communes); an agent of an EPT
    for the EPT and all its communes; Métropole staff and agents of the Métropole for every place.
    """
    if not user.is_authenticated:
        return set()
    if is_metropole_staff(user) or organisation_ids_of(user, kind=Organisation.Kind.METROPOLE):
        return set(Territory.objects.values_list("id", flat=True))
    roots = {m.territory_id for m in memberships_info(user, kind=Organisation.Kind.COLLECTIVITY)}
    if not roots:
        return set()
    return set(Territory.objects.within(sorted(roots)).values_list("id", flat=True))


def acts_for_territory(user, territory: Territory) -> bool:
    return territory.id in territories_acted_for(user)


def chosen_among(candidates, value, *, refusal: str):
    """The object a request parameter (hidden field, query string) names among ``candidates``, what the user
    acts for; the first of them when the parameter is absent. A parameter naming anything else (another
    organisation's id, or no id at all) is refused with ``refusal``, never replaced by one of the user's own:
    the user would act for an organisation they did not choose."""
    if value is None or value == "":
        return candidates.first()
    value = str(value).strip()
    found = candidates.filter(pk=int(value)).first() if value.isascii() and value.isdigit() else None
    if found is None:
        raise PermissionDenied(refusal)
    return found


def user_passes(test, *, raise_exception=True):
    """View decorator: anonymous users go to the login page, others get 403 when ``test`` fails."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_required(view):
    return user_passes(is_metropole_staff)(view)

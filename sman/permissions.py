"""Permission helpers every app reuses. Each app's own rules live in ``<app>/permissions.py``."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Membership, Organisation, Territory


def is_metropole_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def membership_of(user, organisation: Organisation) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organisation=organisation).first()


def is_member(user, organisation: Organisation) -> bool:
    return membership_of(user, organisation) is not None


def is_org_admin(user, organisation: Organisation) -> bool:
    membership = membership_of(user, organisation)
    return membership is not None and membership.role == Membership.Role.ADMIN


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
    if is_metropole_staff(user) or user.memberships.filter(organisation__kind=Organisation.Kind.METROPOLE).exists():
        return set(Territory.objects.values_list("id", flat=True))
    roots = user.memberships.filter(organisation__kind=Organisation.Kind.COLLECTIVITY).values(
        "organisation__territory_id"
    )
    return set(Territory.objects.within(roots).values_list("id", flat=True))


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

"""Who may do what in the support module.

- A collectivity's agents submit support requests and read their collectivity's requests, with their messages
  and documents; nobody else does, except the pôle: staff (triage, every request) and the expert a request is
  assigned to (that request only). Other experts and other collectivities see nothing of it.
- Staff triage (qualify with a service and an expert), the assigned expert and staff work and deliver, the
  collectivity closes with its satisfaction answer.
- Places: staff and the members of a place's managing organisation update its sheet; everyone reads the map.
- Start-up de métropole: collectivities submit problems; staff select and record phase decisions.
- Vacant spaces: collectivities and admitted social landlords offer spaces, admitted social and solidarity
  economy organisations apply, staff moderate.
"""

from sman.models import Organisation
from sman.permissions import has_role, is_metropole_staff, organisation_ids_of, users_with_role

EXPERT_ROLE = "engineering.expert"  # declared in EngineeringConfig


def is_expert(user) -> bool:
    return bool(user.is_authenticated and user.is_active and has_role(user, EXPERT_ROLE))


def experts():
    return users_with_role(EXPERT_ROLE).filter(is_active=True)


def collectivity_ids_of(user) -> set[int]:
    return organisation_ids_of(user, kind=Organisation.Kind.COLLECTIVITY, active=True)


def can_request(user) -> bool:
    return bool(collectivity_ids_of(user))


def is_pole(user) -> bool:
    """Staff or an expert: the people of the pôle."""
    return is_metropole_staff(user) or is_expert(user)


def can_see_request(user, request) -> bool:
    if not user.is_authenticated:
        return False
    return (
        is_metropole_staff(user)
        or (request.expert_id is not None and request.expert_id == user.id)
        or request.organisation_id in collectivity_ids_of(user)
    )


def is_requester(user, request) -> bool:
    return request.organisation_id in collectivity_ids_of(user)


def can_triage(user) -> bool:
    return is_metropole_staff(user)


def can_work_on(user, request) -> bool:
    """Start, write as the pôle, add deliverables, deliver: the assigned expert or staff."""
    return is_metropole_staff(user) or (request.expert_id is not None and request.expert_id == user.id)


def speaks_for_pole(user, request) -> bool:
    """A message from this user counts as the pôle's answer (delay to first answer)."""
    return can_work_on(user, request) and not is_requester(user, request)


# --- Places --------------------------------------------------------------------------------------------------
def can_edit_place(user, place) -> bool:
    if not user.is_authenticated:
        return False
    return is_metropole_staff(user) or (
        place.organisation_id is not None and place.organisation_id in organisation_ids_of(user, active=True)
    )


# --- Start-up de métropole -------------------------------------------------------------------------------
def can_submit_problem(user) -> bool:
    return can_request(user)


def can_see_problem(user, problem) -> bool:
    return is_metropole_staff(user) or problem.organisation_id in collectivity_ids_of(user)


# --- Vacant spaces -----------------------------------------------------------------------------------------
def exchange_ids_of(user, kind: str) -> set[int]:
    """The organisations the user acts for that the team admitted to the exchange as ``kind``."""
    from .models import ExchangeMember

    ids = organisation_ids_of(user, active=True)
    if not ids:
        return set()
    return set(
        ExchangeMember.objects.filter(organisation_id__in=ids, kind=kind).values_list("organisation_id", flat=True)
    )


def space_owner_ids_of(user) -> set[int]:
    from .models import ExchangeMember

    return collectivity_ids_of(user) | exchange_ids_of(user, ExchangeMember.Kind.SOCIAL_LANDLORD)


def space_applicant_ids_of(user) -> set[int]:
    from .models import ExchangeMember

    return exchange_ids_of(user, ExchangeMember.Kind.ESS)


def can_see_offer(user, offer) -> bool:
    """Published, matched and occupied offers are public; the others, their owner's members and staff only."""
    from .models import SpaceOffer

    if offer.status in (SpaceOffer.Status.PUBLISHED, SpaceOffer.Status.MATCHED, SpaceOffer.Status.OCCUPIED):
        return True
    return user.is_authenticated and (
        is_metropole_staff(user) or offer.owner_id in organisation_ids_of(user, active=True)
    )


def can_manage_offer(user, offer) -> bool:
    """Choose among applications and mark the space occupied: the owner's members and staff."""
    return user.is_authenticated and (
        is_metropole_staff(user) or offer.owner_id in organisation_ids_of(user, active=True)
    )

"""Who may do what in the marketplace.

- Buyers: agents of a collectivity (or of the Métropole). They post needs for their collectivity, edit them
  while drafts, publish, close and decide them; agents of every collectivity of a pooled need read its
  responses; any buyer may join a published need with their own collectivity.
- Members: agents of a digital actor. They sign the charter, keep their profile and solution sheets; an
  organisation answers needs and asks questions only while it has signed the current charter. A respondent
  reads its own response, never another's (equal treatment).
- Everybody reads published needs, published solutions, the directory and every answered question.
- Métropole staff read everything (drafts excepted) and moderate through the admin.
"""

from sman.models import Organisation
from sman.permissions import is_metropole_staff, organisation_ids_of, organisations_of

from .models import Charter, CharterSignature, Need, Response, Solution

BUYER_KINDS = (Organisation.Kind.COLLECTIVITY, Organisation.Kind.METROPOLE)


def buyer_ids_of(user) -> set[int]:
    return organisation_ids_of(user, kind=Organisation.Kind.COLLECTIVITY) | organisation_ids_of(
        user, kind=Organisation.Kind.METROPOLE
    )


def buyers_of(user):
    return Organisation.objects.filter(id__in=buyer_ids_of(user)).select_related("territory").order_by("name")


def member_ids_of(user) -> set[int]:
    """The digital actors the user acts for."""
    return organisation_ids_of(user, kind=Organisation.Kind.DIGITAL_ACTOR, active=True)


def members_of(user):
    return organisations_of(user, kind=Organisation.Kind.DIGITAL_ACTOR, active=True).order_by("name")


def is_buyer(user) -> bool:
    return bool(buyer_ids_of(user))


def is_member_agent(user) -> bool:
    return bool(member_ids_of(user))


def signed_member_ids(organisation_ids) -> set[int]:
    """Those of ``organisation_ids`` that signed the charter in force (official members)."""
    charter = Charter.objects.current()
    if charter is None or not organisation_ids:
        return set()
    return set(
        CharterSignature.objects.filter(charter=charter, organisation_id__in=organisation_ids).values_list(
            "organisation_id", flat=True
        )
    )


def official_member_ids_of(user) -> set[int]:
    return signed_member_ids(member_ids_of(user))


def need_buyer_ids(need: Need) -> set[int]:
    """The collectivities of the need's purchasing group (the lead included)."""
    ids = {p.organisation_id for p in need.participants.all()}
    ids.add(need.buyer_id)
    return ids


def is_need_buyer(user, need: Need) -> bool:
    """An agent of a collectivity of the need's purchasing group."""
    return bool(buyer_ids_of(user) & need_buyer_ids(need))


def is_need_owner(user, need: Need) -> bool:
    """An agent of the lead collectivity: edits, publishes, closes and decides the need."""
    return need.buyer_id in buyer_ids_of(user)


def can_view_need(user, need: Need) -> bool:
    """A draft: its lead collectivity; a need in review: also the staff who read it; otherwise everybody."""
    if need.state not in Need.PRIVATE_STATES:
        return True
    return is_need_owner(user, need) or (need.state == Need.State.IN_REVIEW and is_metropole_staff(user))


def can_respond(user, need: Need) -> bool:
    return need.is_open and bool(official_member_ids_of(user))


def can_read_response(user, response: Response) -> bool:
    """The buyers of the need and the respondent only: never another respondent."""
    if response.member_id in member_ids_of(user):
        return True
    if response.need.state in Need.PRIVATE_STATES:
        return False
    return is_need_buyer(user, response.need) or is_metropole_staff(user)


def can_edit_solution(user, solution: Solution) -> bool:
    return solution.member_id in member_ids_of(user)


def can_view_solution(user, solution: Solution) -> bool:
    return (
        solution.status == Solution.Status.PUBLISHED or can_edit_solution(user, solution) or (is_metropole_staff(user))
    )

"""Who may do what with prizes and contests.

- Everybody reads the contests but drafts, their call and rules, and their results once published.
- Candidates: for a prize, the agents of a member organisation of Grand Paris Métropole Tech that signed the
  charter in force (the organisation is the candidate); for a resource contest, any signed-in contributor with
  a published resource (the person is the candidate). They read and withdraw their own entries.
- Jurors: the people staff named on a contest's jury. They read its entries and score them while it deliberates,
  never an entry of an organisation they act for, nor one they declared a conflict of interest with.
- Métropole staff run the contests: open, close, name jurors, publish the winners.
"""

from marketplace.permissions import official_member_ids_of
from sman.permissions import is_metropole_staff, organisation_ids_of

from .models import Contest, Entry, Juror


def candidate_organisation_ids(user, contest: Contest) -> set[int]:
    """The organisations the user may enter a prize for (official members of the community)."""
    if not user.is_authenticated or not contest.is_prize:
        return set()
    return official_member_ids_of(user)


def may_enter(user, contest: Contest) -> bool:
    if not user.is_authenticated or not contest.accepts_entries:
        return False
    if contest.is_prize:
        return bool(candidate_organisation_ids(user, contest))
    return True


def is_candidate(user, entry: Entry) -> bool:
    if not user.is_authenticated:
        return False
    if entry.organisation_id:
        return entry.organisation_id in organisation_ids_of(user)
    return entry.user_id == user.pk


def juror_of(user, contest: Contest) -> Juror | None:
    if not user.is_authenticated:
        return None
    return Juror.objects.filter(contest=contest, user=user).first()


def is_conflicted(juror: Juror, entry: Entry, recused_ids: set[int] | None = None) -> bool:
    """A juror's own entry, an entry of an organisation they act for, or one they declared a conflict with."""
    if entry.user_id == juror.user_id:
        return True
    if entry.organisation_id and entry.organisation_id in organisation_ids_of(juror.user):
        return True
    if recused_ids is None:
        recused_ids = set(juror.recusals.values_list("pk", flat=True))
    return entry.pk in recused_ids


def can_view_entry(user, entry: Entry) -> bool:
    if is_candidate(user, entry) or is_metropole_staff(user):
        return True
    return entry.contest.status != Contest.Status.DRAFT and juror_of(user, entry.contest) is not None


def can_see_jury_page(user, contest: Contest) -> bool:
    if contest.status == Contest.Status.DRAFT:
        return is_metropole_staff(user)
    return is_metropole_staff(user) or juror_of(user, contest) is not None

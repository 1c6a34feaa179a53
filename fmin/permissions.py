"""Who may do what with FMIN files.

- Members of an applicant collectivity (lead or co-applicant) read their files; they edit them while
  they are drafts (or reopened for corrections). Only the lead's members submit or withdraw.
- Métropole staff read every submitted file, instruct, assign reviewers, rank and decide; they never
  edit an applicant's text.
- A reviewer reads only the files assigned to them, and never a file of a collectivity they belong to
  or on which they declared a conflict of interest. They see the other reviewers' scores only after
  submitting their own.
- Everyone sees funded projects (public page), never drafts.
"""

from sman.models import Membership, Organisation
from sman.permissions import is_metropole_staff

from .models import Application, Assignment


def collectivity_ids_of(user) -> set[int]:
    """The collectivities the user acts for; read once per user object (one request), as every check of a
    page asks for them."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_fmin_collectivity_ids"):
        user._fmin_collectivity_ids = set(
            Membership.objects.filter(user=user, organisation__kind=Organisation.Kind.COLLECTIVITY).values_list(
                "organisation_id", flat=True
            )
        )
    return user._fmin_collectivity_ids


def collectivities_of(user):
    return Organisation.objects.filter(id__in=collectivity_ids_of(user)).select_related("territory")


def can_apply(user) -> bool:
    return bool(collectivity_ids_of(user))


def participant_ids(application: Application) -> set[int]:
    return {p.organisation_id for p in application.participants.all()}


def is_applicant(user, application: Application) -> bool:
    return bool(collectivity_ids_of(user) & participant_ids(application))


def is_lead_member(user, application: Application) -> bool:
    return application.lead_id in collectivity_ids_of(user)


def can_edit(user, application: Application) -> bool:
    return application.is_editable and is_applicant(user, application)


def is_conflicted(user, application: Application) -> bool:
    """A reviewer may not judge a file of a collectivity they act for, nor one they declared a conflict on."""
    if is_applicant(user, application):
        return True
    return Assignment.objects.filter(
        application=application, reviewer=user, conflict_declared_at__isnull=False
    ).exists()


def assignment_of(user, application: Application) -> Assignment | None:
    if not (user.is_authenticated and user.is_reviewer):
        return None
    return Assignment.objects.filter(application=application, reviewer=user, conflict_declared_at__isnull=True).first()


def can_view(user, application: Application) -> bool:
    if not user.is_authenticated:
        return False
    if is_applicant(user, application):
        return True
    if application.status == Application.Status.DRAFT:
        return False  # drafts belong to their collectivities alone
    if is_metropole_staff(user):
        return True
    return assignment_of(user, application) is not None and not is_conflicted(user, application)


def can_instruct(user) -> bool:
    return is_metropole_staff(user)


def can_see_all_scores(user, application: Application) -> bool:
    """Staff see every score; a reviewer sees the others' once their own is submitted."""
    if is_metropole_staff(user) and not is_applicant(user, application):
        return True
    assignment = assignment_of(user, application)
    return assignment is not None and assignment.submitted_at is not None and not is_conflicted(user, application)


def can_report(user, application: Application) -> bool:
    return application.status == Application.Status.FUNDED and is_applicant(user, application)

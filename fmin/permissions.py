"""Who may do what with FMIN files.

- Members of an applicant organisation (lead or co-applicant: a collectivity for the FMIN, or another kind of
  organisation a call accepts, ``Call.applicant_kinds``) read their files; they edit them while
  they are drafts (or reopened for corrections). Only the lead's members submit or withdraw.
- Métropole staff read every submitted file, instruct, assign reviewers, rank and decide; they never
  edit an applicant's text.
- A reviewer reads only the files assigned to them, and never a file of a collectivity they belong to
  or on which they declared a conflict of interest. They see the other reviewers' scores only after
  submitting their own.
- Everyone sees funded projects (public page), never drafts.
"""

from sman.models import Organisation
from sman.permissions import (
    has_role,
    is_metropole_staff,
    memberships_info,
    organisation_ids_of,
    organisations_of,
    users_with_role,
)

from .models import APPLICANT_KINDS, Application, Assignment, Call

REVIEWER_ROLE = "fmin.reviewer"  # declared in FminConfig.ready()


def is_reviewer(user) -> bool:
    return has_role(user, REVIEWER_ROLE)


def reviewers():
    """The jury members (any state: filter ``is_active`` where it matters)."""
    return users_with_role(REVIEWER_ROLE)


def collectivity_ids_of(user) -> set[int]:
    """The collectivities the user acts for (sman's per-request cache: no query after the first check)."""
    return organisation_ids_of(user, kind=Organisation.Kind.COLLECTIVITY)


def collectivities_of(user):
    return organisations_of(user, kind=Organisation.Kind.COLLECTIVITY).select_related("territory")


def applicant_ids_of(user) -> set[int]:
    """The organisations the user acts for that some call may accept as applicants (``APPLICANT_KINDS``); a
    file's participants are always of a kind its call accepts, so this tells who carries a file."""
    return {m.organisation_id for m in memberships_info(user) if m.kind in APPLICANT_KINDS}  # cached: no query


def applicants_for(user, call: Call):
    """The user's organisations that ``call`` accepts as lead or co-applicant."""
    return organisations_of(user).filter(kind__in=call.applicant_kinds).select_related("territory")


def can_apply(user, call: Call | None = None) -> bool:
    """Whether the user acts for an organisation that ``call`` accepts (any call: a collectivity or another
    applicant kind)."""
    if call is None:
        return bool(applicant_ids_of(user))
    return any(m.kind in call.applicant_kinds for m in memberships_info(user))


def has_applications_page(user) -> bool:
    """A collectivity's agent always (the FMIN is theirs); another organisation's member once it carries a file or
    while a call open to its kind takes applications."""
    if collectivity_ids_of(user):
        return True
    ids = applicant_ids_of(user)
    if not ids:
        return False
    from . import selectors

    return Application.objects.filter(participants__organisation_id__in=ids).exists() or any(
        can_apply(user, call) for call in selectors.open_calls()
    )


def participant_ids(application: Application) -> set[int]:
    return {p.organisation_id for p in application.participants.all()}


def is_applicant(user, application: Application) -> bool:
    return bool(applicant_ids_of(user) & participant_ids(application))


def is_lead_member(user, application: Application) -> bool:
    return application.lead_id in applicant_ids_of(user)


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
    if not is_reviewer(user):
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

"""Writes of the Explorateurs du numérique: each checks who may, runs in a transaction, and locks the row
that guards a limited resource — the cohort's row for its seats, the event's row for its seats — so that two
concurrent requests never give away more seats than there are, and the waiting lists keep their order."""

from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from sman import jobs
from sman.emails import send_email_on_commit
from sman.models import Organisation, User
from sman.notifications import notify_many
from sman.permissions import is_metropole_staff

from . import permissions
from .models import Candidacy, Cohort, Event, Explorer, ExplorerDocument, Project, Registration, SupportNote

MANAGER_LINK_SALT = "explorateurs.candidacy.manager"
MANAGER_LINK_DAYS = 30
REMINDER_HOURS = 48


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- Candidacies ------------------------------------------------------------------------------------
def manager_token(candidacy: Candidacy) -> str:
    """The signed token of the link e-mailed to the agent's direction (valid MANAGER_LINK_DAYS days)."""
    return signing.dumps({"c": candidacy.pk, "m": candidacy.manager_email.lower()}, salt=MANAGER_LINK_SALT)


def candidacy_from_token(token: str) -> Candidacy:
    """The candidacy a manager's link names; ValidationError for a link altered, expired or re-addressed."""
    try:
        data = signing.loads(token, salt=MANAGER_LINK_SALT, max_age=timedelta(days=MANAGER_LINK_DAYS))
    except signing.SignatureExpired:
        raise ValidationError(
            "Ce lien a expiré : demandez à l'agent de renvoyer sa candidature, ou écrivez à l'équipe de la Métropole."
        ) from None
    except signing.BadSignature:
        raise ValidationError("Ce lien n'est pas valide : vérifiez qu'il a été copié en entier.") from None
    candidacy = Candidacy.objects.select_related("cohort", "agent", "collectivity").filter(pk=data.get("c")).first()
    if candidacy is None or candidacy.manager_email.lower() != data.get("m"):
        raise ValidationError("Ce lien ne correspond à aucune candidature en cours.")
    return candidacy


@transaction.atomic
def candidacy_submit(
    *,
    user: User,
    cohort: Cohort,
    collectivity: Organisation,
    role: str,
    department: str,
    motivation: str,
    manager_name: str,
    manager_email: str,
    project_idea: str = "",
) -> Candidacy:
    """An agent applies to a cohort for their collectivity; their direction is asked to confirm by e-mail."""
    _require(collectivity.pk in permissions.collectivity_ids_of(user))
    if not cohort.is_recruiting(timezone.localdate()):
        raise ValidationError("Les candidatures à cette promotion ne sont pas ouvertes.")
    if manager_email.strip().lower() == user.email.lower():
        raise ValidationError(
            {"manager_email": "Indiquez l'adresse de votre direction : c'est elle qui confirme votre candidature."}
        )
    candidacy = Candidacy(
        cohort=cohort, agent=user, collectivity=collectivity, role=role, department=department,
        motivation=motivation, project_idea=project_idea, manager_name=manager_name, manager_email=manager_email,
    )  # fmt: skip
    candidacy.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            candidacy.save()
    except IntegrityError:
        raise ValidationError("Vous avez déjà une candidature en cours pour cette promotion.") from None
    send_email_on_commit(
        name="explorateurs_manager_confirmation",
        context={
            "candidacy": candidacy,
            "link": reverse("explorateurs:manager_confirm", args=[manager_token(candidacy)]),
            "days": MANAGER_LINK_DAYS,
        },
        to=[candidacy.manager_email],
    )
    return candidacy


@transaction.atomic
def candidacy_manager_decide(*, candidacy: Candidacy, agree: bool, comment: str = "") -> Candidacy:
    """The direction agrees (the collectivity lets its agent join for a year) or declines, once."""
    locked = Candidacy.objects.select_for_update().select_related("agent", "cohort").get(pk=candidacy.pk)
    if locked.status != Candidacy.Status.AWAITING_MANAGER:
        raise ValidationError("La direction a déjà répondu pour cette candidature.")
    locked.status = Candidacy.Status.CONFIRMED if agree else Candidacy.Status.MANAGER_DECLINED
    locked.manager_decided_at = timezone.now()
    locked.manager_comment = comment
    locked.save(update_fields=["status", "manager_decided_at", "manager_comment"])
    send_email_on_commit(name="explorateurs_manager_answered", context={"candidacy": locked}, to=[locked.agent.email])
    if agree:  # the team has one more candidacy to examine: in its next digest (sman/notifications.py)
        notify_many(
            User.objects.filter(is_staff=True, is_active=True),
            module="explorateurs",
            subject=f"Candidature aux Explorateurs à examiner : {locked.agent.get_full_name() or locked.agent.email}",
            body=f"Sa direction a confirmé sa candidature à la {locked.cohort}.",
            url=reverse("explorateurs:candidacies") + "?status=confirmed",
            key=f"explorateurs-candidacy-{locked.pk}-confirmed",
        )
    return locked


def _next_rank(queryset) -> int:
    return (queryset.aggregate(m=Max("waitlist_position"))["m"] or 0) + 1


def _make_explorer(candidacy: Candidacy) -> Explorer:
    explorer, _ = Explorer.objects.update_or_create(
        cohort=candidacy.cohort,
        user=candidacy.agent,
        defaults={
            "collectivity": candidacy.collectivity, "candidacy": candidacy, "role": candidacy.role,
            "department": candidacy.department, "manager_name": candidacy.manager_name,
            "manager_email": candidacy.manager_email, "status": Explorer.Status.ACTIVE, "selected_at": timezone.now(),
        },
    )  # fmt: skip
    return explorer


def _seats_taken(cohort: Cohort) -> int:
    return Explorer.objects.filter(cohort=cohort, status=Explorer.Status.ACTIVE).count()


@transaction.atomic
def candidacy_select(*, candidacy: Candidacy, user: User) -> Candidacy:
    """The team selects a confirmed candidacy: an explorer while the cohort has seats, else the next on its
    waiting list. The cohort's row is locked: two selections of the last seat never both succeed."""
    _require(is_metropole_staff(user))
    cohort = Cohort.objects.select_for_update().get(pk=candidacy.cohort_id)
    return _select(cohort, candidacy, user)


def _select(cohort: Cohort, candidacy: Candidacy, user: User | None) -> Candidacy:
    """Selection under the cohort's lock (the caller holds it)."""
    locked = Candidacy.objects.select_for_update().select_related("agent", "collectivity").get(pk=candidacy.pk)
    if locked.status not in (Candidacy.Status.CONFIRMED, Candidacy.Status.WAITLISTED):
        raise ValidationError("Seule une candidature confirmée par la direction peut être retenue.")
    locked.cohort = cohort
    if _seats_taken(cohort) < cohort.seats:
        locked.status, locked.waitlist_position = Candidacy.Status.SELECTED, None
        _finish_decision(locked, user)
        explorer = _make_explorer(locked)
        send_email_on_commit(
            name="explorateurs_selected", context={"candidacy": locked, "explorer": explorer}, to=[locked.agent.email]
        )
    elif locked.status == Candidacy.Status.CONFIRMED:
        locked.status = Candidacy.Status.WAITLISTED
        locked.waitlist_position = _next_rank(Candidacy.objects.filter(cohort=cohort))
        _finish_decision(locked, user)
        send_email_on_commit(name="explorateurs_waitlisted", context={"candidacy": locked}, to=[locked.agent.email])
    else:
        raise ValidationError("La promotion est complète : cette candidature reste sur la liste d'attente.")
    return locked


def _finish_decision(candidacy: Candidacy, user: User | None) -> None:
    candidacy.decided_at, candidacy.decided_by = timezone.now(), user
    candidacy.save(update_fields=["status", "waitlist_position", "decided_at", "decided_by"])


@transaction.atomic
def candidacy_reject(*, candidacy: Candidacy, user: User) -> Candidacy:
    _require(is_metropole_staff(user))
    locked = Candidacy.objects.select_for_update().select_related("agent").get(pk=candidacy.pk)
    if locked.status not in (Candidacy.Status.CONFIRMED, Candidacy.Status.WAITLISTED):
        raise ValidationError("Cette candidature n'est pas en attente d'une décision.")
    locked.status, locked.waitlist_position = Candidacy.Status.REJECTED, None
    _finish_decision(locked, user)
    send_email_on_commit(name="explorateurs_rejected", context={"candidacy": locked}, to=[locked.agent.email])
    return locked


@transaction.atomic
def explorer_withdraw(*, explorer: Explorer, user: User) -> Candidacy | None:
    """An explorer leaves the cohort (themselves, or the team): their seat goes to the first candidacy of the
    waiting list, which becomes an explorer. Returns that candidacy, or None."""
    _require(is_metropole_staff(user) or explorer.user_id == user.pk)
    cohort = Cohort.objects.select_for_update().get(pk=explorer.cohort_id)
    locked = Explorer.objects.select_for_update().get(pk=explorer.pk)
    if locked.status != Explorer.Status.ACTIVE:
        raise ValidationError("Cet explorateur a déjà quitté la promotion.")
    locked.status = Explorer.Status.WITHDRAWN
    locked.save(update_fields=["status"])
    if locked.candidacy_id:
        Candidacy.objects.filter(pk=locked.candidacy_id).update(status=Candidacy.Status.WITHDRAWN)
    if cohort.is_over() or _seats_taken(cohort) >= cohort.seats:
        return None
    first = (
        Candidacy.objects.select_for_update()
        .filter(cohort=cohort, status=Candidacy.Status.WAITLISTED)
        .order_by("waitlist_position")
        .first()
    )
    if first is None:
        return None
    # The seat goes to the first who waits: the programme's rule, recorded as the team's decision only when
    # the team made the explorer leave.
    return _select(cohort, first, user if is_metropole_staff(user) else None)


@transaction.atomic
def candidacy_withdraw(*, candidacy: Candidacy, user: User) -> Candidacy:
    """The agent withdraws a candidacy not yet selected."""
    _require(candidacy.agent_id == user.pk)
    locked = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    if locked.status not in (
        Candidacy.Status.AWAITING_MANAGER,
        Candidacy.Status.CONFIRMED,
        Candidacy.Status.WAITLISTED,
    ):
        raise ValidationError("Cette candidature ne peut plus être retirée.")
    locked.status, locked.waitlist_position = Candidacy.Status.WITHDRAWN, None
    locked.save(update_fields=["status", "waitlist_position"])
    return locked


@transaction.atomic
def explorer_set_visibility(*, explorer: Explorer, user: User, **flags) -> Explorer:
    """What the directory shows of the explorer: their own choice."""
    _require(explorer.user_id == user.pk)
    allowed = {"in_directory", "show_email", "show_role", "show_projects"}
    for name, value in flags.items():
        if name in allowed:
            setattr(explorer, name, bool(value))
    explorer.save(update_fields=sorted(allowed & flags.keys()))
    return explorer


# --- Events --------------------------------------------------------------------------------------------
def may_attend(explorer: Explorer, event: Event) -> bool:
    """An explorer of the event's cohort, or an alumnus when the event is open to alumni."""
    if explorer.status != Explorer.Status.ACTIVE:
        return False
    if explorer.cohort_id == event.cohort_id:
        return True
    return event.open_to_alumni and explorer.cohort.ends_on < event.starts_at.date()


@transaction.atomic
def event_register(*, event: Event, explorer: Explorer, user: User) -> Registration:
    """Registers the explorer: within the seats, else at the end of the waiting list. The event's row is
    locked for the count and the rank: however many register at once, the seats are never exceeded, the
    waiting list keeps the order of arrival, and nobody is lost (a unique constraint refuses a double)."""
    _require(explorer.user_id == user.pk or is_metropole_staff(user))
    locked = Event.objects.select_for_update().get(pk=event.pk)
    if not may_attend(explorer, locked):
        raise ValidationError("Cet événement est réservé aux explorateurs de sa promotion.")
    if locked.starts_at <= timezone.now():
        raise ValidationError("Cet événement a déjà commencé : les inscriptions sont closes.")
    current = Registration.objects.filter(event=locked)
    if current.filter(explorer=explorer).exclude(status=Registration.Status.CANCELLED).exists():
        raise ValidationError("Vous êtes déjà inscrit à cet événement.")
    registration = Registration(event=locked, explorer=explorer)
    if current.filter(status=Registration.Status.REGISTERED).count() < locked.seats:
        registration.status = Registration.Status.REGISTERED
    else:
        registration.status = Registration.Status.WAITING
        registration.waitlist_position = _next_rank(current)
    registration.save()
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, user: User) -> Registration | None:
    """Cancels a registration; a seat set free goes to the first who waits (who is told by e-mail). Returns
    the registration promoted, or None."""
    _require(registration.explorer.user_id == user.pk or is_metropole_staff(user))
    event = Event.objects.select_for_update().get(pk=registration.event_id)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status == Registration.Status.CANCELLED:
        raise ValidationError("Cette inscription est déjà annulée.")
    freed = locked.status == Registration.Status.REGISTERED
    locked.status, locked.waitlist_position, locked.cancelled_at = Registration.Status.CANCELLED, None, timezone.now()
    locked.save(update_fields=["status", "waitlist_position", "cancelled_at"])
    if not freed or event.starts_at <= timezone.now():
        return None
    first = (
        Registration.objects.select_for_update()
        .filter(event=event, status=Registration.Status.WAITING)
        .order_by("waitlist_position")
        .select_related("explorer__user")
        .first()
    )
    if first is None:
        return None
    first.status, first.waitlist_position = Registration.Status.REGISTERED, None
    first.save(update_fields=["status", "waitlist_position"])
    send_email_on_commit(
        name="explorateurs_seat_freed", context={"registration": first, "event": event}, to=[first.explorer.user.email]
    )
    return first


@transaction.atomic
def attendance_record(*, event: Event, user: User, present: set[int]) -> int:
    """The team records who came (registration ids in ``present``; every other registered person is absent).
    Returns the number present."""
    _require(permissions.can_take_attendance(user))
    locked = Event.objects.select_for_update().get(pk=event.pk)
    registered = Registration.objects.filter(event=locked, status=Registration.Status.REGISTERED)
    unknown = set(present) - set(registered.values_list("pk", flat=True))
    if unknown:
        raise ValidationError("Une personne cochée n'est pas inscrite à cet événement : rechargez la page.")
    registered.filter(pk__in=present).update(attended=True)
    registered.exclude(pk__in=present).update(attended=False)
    locked.attendance_taken_at = timezone.now()
    locked.save(update_fields=["attendance_taken_at"])
    return len(present)


def event_reminders_send(*, now: datetime) -> int:
    """E-mails the registered explorers of the events starting within REMINDER_HOURS hours, once per event.
    Each event is claimed in one UPDATE, so two runs never send the same reminder twice."""
    sent = 0
    soon = Event.objects.filter(
        reminder_sent_at__isnull=True, starts_at__gt=now, starts_at__lte=now + timedelta(hours=REMINDER_HOURS)
    )
    for event in soon:
        with transaction.atomic():
            if not Event.objects.filter(pk=event.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                continue
            emails = list(
                Registration.objects.filter(event=event, status=Registration.Status.REGISTERED).values_list(
                    "explorer__user__email", flat=True
                )
            )
            for email in emails:
                send_email_on_commit(name="explorateurs_event_reminder", context={"event": event}, to=[email])
            sent += len(emails)
    return sent


# --- Projects ------------------------------------------------------------------------------------------
PROJECT_FIELDS = ("title", "irritant", "idea", "challenge")


@transaction.atomic
def project_create(*, user: User, explorer: Explorer, **fields) -> Project:
    """An explorer records a project for their collectivity."""
    _require(explorer.user_id == user.pk or is_metropole_staff(user))
    project = Project(
        explorer=explorer, collectivity=explorer.collectivity, cohort=explorer.cohort, carrier_role=explorer.role,
        **{k: v for k, v in fields.items() if k in PROJECT_FIELDS},
    )  # fmt: skip
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def project_update(*, project: Project, user: User, **fields) -> Project:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    _require(permissions.can_edit_project(user, locked))
    for name in PROJECT_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def project_set_status(*, project: Project, user: User, status: str, note: str = "") -> Project:
    """The team moves a project along (qualified after a workshop, generalised…), with a note."""
    _require(is_metropole_staff(user))
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if status not in Project.Status.values:
        raise ValidationError("Étape inconnue.")
    previous = locked.get_status_display()
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    text = f"« {previous} » → « {locked.get_status_display()} »" + (f" : {note}" if note else "")
    SupportNote.objects.create(project=locked, kind=SupportNote.Kind.STATUS, body=text, author=user)
    return locked


@transaction.atomic
def support_note_add(*, project: Project, user: User, kind: str, body: str) -> SupportNote:
    """The team records the support given: a qualification workshop, technical advice, a note."""
    _require(is_metropole_staff(user))
    note = SupportNote(project=project, kind=kind, body=body, author=user)
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def project_start_fmin(*, project: Project, user: User, call=None):
    """Starts the FMIN file of a project in one click: a draft of the open call, led by the project's
    collectivity, carrying its title, irritant, idea and défi (fmin.services.application_create). The project
    keeps the link to the file: the FMIN counts its files and funded projects « issus des Explorateurs » from it."""
    from fmin import selectors as fmin_selectors
    from fmin import services as fmin_services

    # of=("self",): the défi is optional (an outer join), only the project's row is locked.
    locked = Project.objects.select_for_update(of=("self",)).select_related("collectivity", "challenge")
    locked = locked.get(pk=project.pk)
    _require(_is_member(user, locked))
    if locked.fmin_application_id:
        raise ValidationError("Ce projet a déjà sa candidature au FMIN.")
    call = call or fmin_selectors.open_calls(timezone.localdate()).order_by("closes_on").first()
    if call is None:
        raise ValidationError("Aucun appel du FMIN n'est ouvert : le projet pourra candidater au prochain.")
    application = fmin_services.application_create(
        user=user,
        call=call,
        lead=locked.collectivity,
        title=locked.title,
        initial={"irritant": locked.irritant, "experiment": locked.idea},
        challenges=[locked.challenge] if locked.challenge else [],
    )
    locked.fmin_application = application
    if locked.status in (Project.Status.IDEA, Project.Status.QUALIFIED):
        locked.status = Project.Status.FMIN_APPLICATION
    locked.save(update_fields=["fmin_application", "status", "updated_at"])
    return application


def _is_member(user, project: Project) -> bool:
    """Only an agent of the project's collectivity may start its FMIN file (the FMIN asks the lead's agent)."""
    return project.collectivity_id in permissions.collectivity_ids_of(user)


def projects_follow_fmin() -> int:
    """Projects whose FMIN file was funded become « financé » (daily, and after a decision)."""
    from fmin.models import Application as FminApplication

    return Project.objects.filter(
        status__in=[Project.Status.IDEA, Project.Status.QUALIFIED, Project.Status.FMIN_APPLICATION],
        fmin_application__status=FminApplication.Status.FUNDED,
    ).update(status=Project.Status.FUNDED, updated_at=timezone.now())


# --- Documents -----------------------------------------------------------------------------------------
def document_request(*, explorer: Explorer, kind: str, user: User) -> ExplorerDocument:
    """Asks the worker for one of the explorer's PDFs; an earlier one pending, running or done answers (the
    certificate is produced again when asked: attendance may have changed); a failed one is sent again."""
    _require(permissions.can_see_document(user, explorer))
    if kind not in ExplorerDocument.Kind.values:
        raise ValidationError("Document inconnu.")
    attended = Registration.objects.filter(explorer=explorer, attended=True)
    if kind == ExplorerDocument.Kind.CERTIFICATE and not explorer.cohort.is_over() and not attended.exists():
        raise ValidationError("L'attestation sera disponible après votre première journée de présence.")
    latest = explorer.documents.filter(kind=kind).order_by("-created_at").first()
    if latest is not None and latest.state in jobs.ACTIVE:
        return latest
    if latest is not None and latest.state == jobs.DONE and kind != ExplorerDocument.Kind.CERTIFICATE:
        return latest
    if latest is not None and latest.retryable:
        return jobs.job_retry(job=latest)
    try:
        with transaction.atomic():
            document = ExplorerDocument.objects.create(explorer=explorer, kind=kind, requested_by=user)
    except IntegrityError:
        return explorer.documents.get(kind=kind, state__in=jobs.ACTIVE)
    from .tasks import render_explorer_document

    transaction.on_commit(lambda: render_explorer_document.delay(document.pk))
    return document


def document_render(*, document_id: int) -> ExplorerDocument:
    """Renders the PDF (WeasyPrint) and stores it as the job's private file. Run by the job task."""
    from .documents import document_pdf

    document = ExplorerDocument.objects.select_related("explorer__cohort", "explorer__user").get(pk=document_id)
    if document.state == jobs.DONE:
        return document
    pdf = document_pdf(document)
    name = f"{document.kind.replace('_', '-')}-{document.explorer.cohort.start_year}-{document.explorer.pk}.pdf"
    return jobs.job_result_write(job=document, content=pdf, filename=name)

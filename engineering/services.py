"""Writes of the support module: each checks who may do it, runs in a transaction, and moves a row from one
state to the next under a row lock (``select_for_update``), so that two people acting at once never both
succeed (two triages, two selections against the same budget, two accepted applications)."""

from datetime import date, timedelta
from pathlib import Path

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from sman.emails import send_email_on_commit
from sman.models import Membership, Organisation, Territory, User
from sman.money import format_euros
from sman.notifications import notify, notify_many
from sman.permissions import is_metropole_staff

from . import permissions
from .models import (
    EngineeringRequest,
    PhaseDecision,
    Place,
    Problem,
    Product,
    RequestDocument,
    RequestMessage,
    ServiceOffer,
    SpaceApplication,
    SpaceOffer,
    SponsorshipBudget,
)

# Experts are reminded of a request this many days before its due date (and once only).
REMINDER_DAYS = 3
# Modules whose records a request may name with ``subject_app``/``subject_id`` (built by other apps).
SUBJECT_APPS = {
    "explorateurs": "projet des Explorateurs du numérique",
    "marketplace": "besoin de la place de marché",
    "batisseurs": "groupe des Bâtisseurs du numérique",
}


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def _emails_of(organisation_id: int) -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(organisation_id=organisation_id, user__is_active=True).values_list(
                "user__email", flat=True
            )
        )
    )


# --- Places: where a point lies ------------------------------------------------------------------------------
def commune_at(point: Point) -> Territory:
    """The commune of the Métropole whose outline covers ``point`` (GiST index), a delegated commune's own outline
    before its commune's; refused when the point lies outside the Métropole."""
    found = (
        Territory.objects.filter(
            kind__in=[Territory.Kind.DELEGATED_COMMUNE, Territory.Kind.COMMUNE], geometry__covers=point
        )
        .without_geometry()
        .order_by("kind")  # "commune" < "delegated_commune": a commune first
        .first()
    )
    if found is None:
        raise ValidationError({"location": "Ce point n'est dans aucune commune de la Métropole du Grand Paris."})
    return found


# --- Pôle d'ingénierie: requests -------------------------------------------------------------------------
def _lock(request: EngineeringRequest) -> EngineeringRequest:
    return EngineeringRequest.objects.select_for_update().get(pk=request.pk)


def _expect(locked: EngineeringRequest, status: str) -> None:
    if locked.status != status:
        raise ValidationError(
            f"Cette demande est « {locked.get_status_display()} » : elle n'est plus "
            f"« {EngineeringRequest.Status(status).label} ». Rechargez la page."
        )


@transaction.atomic
def request_submit(
    *,
    user: User,
    organisation: Organisation,
    title: str,
    description: str,
    kind: str,
    stage: str,
    fmin_application=None,
    subject_app: str = "",
    subject_id: int | None = None,
    documents=(),
) -> EngineeringRequest:
    """A collectivity asks the pôle for support; documents are checked by sman/validators.py."""
    _require(organisation.id in permissions.collectivity_ids_of(user))
    if fmin_application is not None:
        from fmin import selectors as fmin_selectors

        if not fmin_selectors.applications_for_collectivities([organisation.id]).filter(pk=fmin_application.pk):
            raise ValidationError({"fmin_application": "Cette candidature FMIN n'est pas celle de votre collectivité."})
    if subject_app and subject_app not in SUBJECT_APPS:
        raise ValidationError({"subject_app": "Module inconnu."})
    request = EngineeringRequest(
        organisation=organisation, created_by=user, title=title.strip(), description=description.strip(), kind=kind,
        stage=stage, fmin_application=fmin_application, subject_app=subject_app, subject_id=subject_id,
    )  # fmt: skip
    request.full_clean()
    request.save()
    for upload in documents:
        _document_create(request=request, user=user, file=upload, deliverable=False)
    return request


@transaction.atomic
def request_qualify(
    *, request: EngineeringRequest, user: User, service: ServiceOffer, expert: User, today: date | None = None
) -> EngineeringRequest:
    """Staff triage: the service that answers, the expert who carries it, the due date the service promises."""
    _require(permissions.can_triage(user))
    locked = _lock(request)
    _expect(locked, EngineeringRequest.Status.RECEIVED)
    if not service.is_active:
        raise ValidationError({"service": "Ce service n'est plus proposé."})
    if not permissions.is_expert(expert):
        raise ValidationError({"expert": "Cette personne n'est pas experte du pôle d'ingénierie."})
    today = today or timezone.localdate()
    locked.service, locked.expert = service, expert
    locked.promised_days = service.typical_delay_days
    locked.due_on = today + timedelta(days=service.typical_delay_days)
    locked.qualified_at = timezone.now()
    locked.status = EngineeringRequest.Status.QUALIFIED
    locked.save()
    notify(
        user=expert, module="engineering", subject=f"Demande d'accompagnement confiée : {locked.title}",
        body=f"{locked.organisation.name} — échéance le {locked.due_on:%d/%m/%Y}.", url=locked.get_absolute_url(),
        key=f"engineering-request-{locked.pk}-assigned-{expert.pk}",
    )  # fmt: skip
    return locked


@transaction.atomic
def request_start(*, request: EngineeringRequest, user: User) -> EngineeringRequest:
    """The expert (or staff) takes the request in hand."""
    locked = _lock(request)
    _require(permissions.can_work_on(user, locked))
    _expect(locked, EngineeringRequest.Status.QUALIFIED)
    locked.status = EngineeringRequest.Status.IN_PROGRESS
    locked.started_at = timezone.now()
    locked.save(update_fields=["status", "started_at"])
    return locked


@transaction.atomic
def request_deliver(*, request: EngineeringRequest, user: User) -> EngineeringRequest:
    """The pôle hands over its deliverables (one at least); the collectivity is told and asked how satisfied it is."""
    locked = _lock(request)
    _require(permissions.can_work_on(user, locked))
    _expect(locked, EngineeringRequest.Status.IN_PROGRESS)
    if not locked.documents.filter(is_deliverable=True).exists():
        raise ValidationError("Déposez au moins un livrable avant de livrer la demande.")
    locked.status = EngineeringRequest.Status.DELIVERED
    locked.delivered_at = timezone.now()
    locked.save(update_fields=["status", "delivered_at"])
    send_email_on_commit(
        name="engineering_delivered", context={"request": locked}, to=_emails_of(locked.organisation_id)
    )
    return locked


@transaction.atomic
def request_close(
    *, request: EngineeringRequest, user: User, satisfaction: int, comment: str = ""
) -> EngineeringRequest:
    """The collectivity closes a delivered request and says how satisfied it is (1 to 5)."""
    locked = _lock(request)
    _require(permissions.is_requester(user, locked))
    _expect(locked, EngineeringRequest.Status.DELIVERED)
    if satisfaction not in range(1, 6):
        raise ValidationError({"satisfaction": "Choisissez une note de 1 à 5."})
    locked.status = EngineeringRequest.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.satisfaction, locked.satisfaction_comment = satisfaction, comment.strip()
    locked.save(update_fields=["status", "closed_at", "satisfaction", "satisfaction_comment"])
    return locked


@transaction.atomic
def message_post(*, request: EngineeringRequest, user: User, body: str) -> RequestMessage:
    """A private message; the pôle's first one dates its first answer."""
    locked = _lock(request)
    _require(permissions.can_see_request(user, locked))
    if locked.is_closed:
        raise ValidationError("Cette demande est close : elle ne reçoit plus de message.")
    if not body.strip():
        raise ValidationError({"body": "Écrivez votre message."})
    from_pole = permissions.speaks_for_pole(user, locked)
    message = RequestMessage.objects.create(request=locked, author=user, body=body.strip(), from_pole=from_pole)
    if from_pole and locked.first_answer_at is None:
        locked.first_answer_at = message.created_at
        locked.save(update_fields=["first_answer_at"])
    # The other side learns of it in its digest (sman/notifications.py), never by a mail of its own.
    if from_pole:
        readers = User.objects.filter(memberships__organisation_id=locked.organisation_id).exclude(pk=user.pk)
        subject = f"Le pôle d'ingénierie vous a écrit : {locked.title}"
    else:
        readers = User.objects.filter(pk=locked.expert_id).exclude(pk=user.pk)
        subject = f"{locked.organisation.name} vous a écrit : {locked.title}"
    notify_many(
        readers.distinct(), module="engineering", subject=subject, body=message.body[:300],
        url=locked.get_absolute_url() + "#messages", key=f"engineering-message-{message.pk}",
    )  # fmt: skip
    return message


def _document_create(*, request, user, file, deliverable: bool) -> RequestDocument:
    document = RequestDocument(
        request=request, file=file, name=(file.name or "document")[:200], is_deliverable=deliverable, uploaded_by=user
    )
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def document_add(*, request: EngineeringRequest, user: User, file, deliverable: bool = False) -> RequestDocument:
    """A document of the collectivity, or a deliverable of the pôle (expert or staff, while in progress)."""
    locked = _lock(request)
    _require(permissions.can_see_request(user, locked))
    if locked.is_closed:
        raise ValidationError("Cette demande est close.")
    if deliverable:
        _require(permissions.can_work_on(user, locked))
        if locked.status != EngineeringRequest.Status.IN_PROGRESS:
            raise ValidationError("Un livrable se dépose quand la demande est en cours.")
    return _document_create(request=locked, user=user, file=file, deliverable=deliverable)


def deliverable_to_resource_centre(*, document: RequestDocument, user: User):
    """A deliverable of the pôle becomes a draft of the resource centre, in one step: ``user`` (the expert or
    staff) reviews it — removing what belongs to the collectivity only — and submits it; a moderator publishes
    it. Asking twice opens the same draft. Returns the draft (a ``resources.Resource``)."""
    from resources import services as resources_services

    request = document.request
    _require(permissions.can_work_on(user, request))
    if not document.is_deliverable:
        raise ValidationError("Seul un livrable du pôle peut devenir une ressource.")
    name = document.name if Path(document.name).suffix else document.name + Path(document.file.name).suffix
    with document.file.open("rb") as f:
        content = f.read()
    return resources_services.draft_from_module(
        kind="guide",
        title=request.title,
        summary=f"Livrable du pôle d'ingénierie pour « {request.title} » ({request.organisation.name}).",
        body=(
            "<p>Ce livrable a été produit par le pôle d'ingénierie de la Métropole du Grand Paris. "
            "Relisez-le et retirez ce qui ne concerne que la collectivité avant de le proposer.</p>"
        ),
        author=user,
        organisation=request.organisation,
        source_app="engineering.deliverable",
        source_id=document.pk,
        attachment=(name, content),
        territories=[request.organisation.territory] if request.organisation.territory_id else (),
    )


def requests_to_remind(today: date):
    return EngineeringRequest.objects.filter(
        status__in=[EngineeringRequest.Status.QUALIFIED, EngineeringRequest.Status.IN_PROGRESS],
        due_on__lte=today + timedelta(days=REMINDER_DAYS),
        reminded_on__isnull=True,
        expert__isnull=False,
    )


@transaction.atomic
def remind_due_requests(*, today: date | None = None) -> int:
    """Reminds the expert, once, of each request due within ``REMINDER_DAYS`` (or late), in their digest
    (sman/notifications.py). Safe to run twice and concurrently: the rows are locked, marked reminded, and the
    notification's key makes a second one a no-op."""
    today = today or timezone.localdate()
    requests = list(
        requests_to_remind(today)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("expert", "organisation")
    )
    EngineeringRequest.objects.filter(pk__in=[r.pk for r in requests]).update(reminded_on=today)
    for request in requests:
        late = " (dépassée)" if request.due_on < today else ""
        notify(
            user=request.expert, module="engineering", subject=f"Échéance proche : {request.title}",
            body=f"{request.organisation.name} — échéance le {request.due_on:%d/%m/%Y}{late}.",
            url=request.get_absolute_url(), key=f"engineering-request-{request.pk}-due-{request.due_on}",
        )  # fmt: skip
    return len(requests)


# --- Places ------------------------------------------------------------------------------------------------
@transaction.atomic
def place_save(*, place: Place, user: User) -> Place:
    """Creates or updates a place (staff; its managing organisation's members for an existing one); its commune
    comes from its position."""
    if place.pk:
        _require(permissions.can_edit_place(user, Place.objects.select_for_update().get(pk=place.pk)))
    else:
        _require(is_metropole_staff(user))
    if place.location is None:
        raise ValidationError({"location": "Placez le lieu sur la carte (longitude et latitude)."})
    place.territory = commune_at(place.location)
    place.full_clean()
    place.save()
    return place


# --- Start-up de métropole --------------------------------------------------------------------------------
@transaction.atomic
def problem_submit(*, user: User, organisation: Organisation, **fields) -> Problem:
    """A collectivity answers the call for problems; the intrapreneur's manager must have agreed."""
    _require(organisation.id in permissions.collectivity_ids_of(user))
    if not fields.get("manager_agreement"):
        raise ValidationError({"manager_agreement": "L'accord du ou de la responsable hiérarchique est nécessaire."})
    problem = Problem(organisation=organisation, submitted_by=user, **fields)
    problem.full_clean()
    problem.save()
    return problem


def committed_cents(budget: SponsorshipBudget) -> int:
    return (
        Problem.objects.filter(budget=budget, status=Problem.Status.SELECTED).aggregate(total=Sum("sponsorship_cents"))[
            "total"
        ]
        or 0
    )


@transaction.atomic
def problem_select(
    *,
    problem: Problem,
    user: User,
    budget: SponsorshipBudget,
    sponsorship_cents: int,
    reason: str,
    product_name: str,
    pitch: str,
    team: str,
) -> Product:
    """Staff select a problem: the Métropole's sponsorship is taken from ``budget`` — never beyond it, whoever
    selects at the same time (the budget row is locked first) — and the problem becomes a product in its
    investigation phase."""
    _require(is_metropole_staff(user))
    locked_budget = SponsorshipBudget.objects.select_for_update().get(pk=budget.pk)
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.status != Problem.Status.SUBMITTED:
        raise ValidationError(f"Ce problème est déjà « {locked.get_status_display()} ».")
    if sponsorship_cents <= 0:
        raise ValidationError({"sponsorship_cents": "Indiquez le montant du parrainage."})
    available = locked_budget.amount_cents - committed_cents(locked_budget)
    if sponsorship_cents > available:
        raise ValidationError(
            {
                "sponsorship_cents": f"Le budget « {locked_budget} » n'a plus que {format_euros(available)} "
                f"disponibles : le parrainage de {format_euros(sponsorship_cents)} le dépasserait."
            }
        )
    locked.status = Problem.Status.SELECTED
    locked.budget, locked.sponsorship_cents = locked_budget, sponsorship_cents
    locked.decision_reason, locked.decided_by, locked.decided_at = reason.strip(), user, timezone.now()
    locked.save()
    product = Product(
        problem=locked, name=product_name.strip(), pitch=pitch.strip(), team=team.strip(),
        phase_started_on=timezone.localdate(),
    )  # fmt: skip
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def problem_reject(*, problem: Problem, user: User, reason: str) -> Problem:
    _require(is_metropole_staff(user))
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.status != Problem.Status.SUBMITTED:
        raise ValidationError(f"Ce problème est déjà « {locked.get_status_display()} ».")
    if not reason.strip():
        raise ValidationError({"reason": "Donnez le motif, il est communiqué à la collectivité."})
    locked.status, locked.decision_reason = Problem.Status.REJECTED, reason.strip()
    locked.decided_by, locked.decided_at = user, timezone.now()
    locked.save()
    return locked


@transaction.atomic
def product_decide(*, product: Product, user: User, decision: str, reasons: str) -> PhaseDecision:
    """The decision at the end of the current phase: continue (next phase; after acceleration, transfer), pivot
    (the phase starts again on a new footing) or stop. A transferred or stopped product takes no more decision."""
    _require(is_metropole_staff(user))
    locked = Product.objects.select_for_update().get(pk=product.pk)
    if locked.is_over:
        raise ValidationError(f"Ce produit est en phase « {locked.get_phase_display()} » : plus de décision à prendre.")
    if decision not in PhaseDecision.Decision.values:
        raise ValidationError({"decision": "Choisissez : continuer, pivoter ou arrêter."})
    if not reasons.strip():
        raise ValidationError({"reasons": "Motivez la décision."})
    recorded = PhaseDecision.objects.create(
        product=locked, phase=locked.phase, decision=decision, reasons=reasons.strip(), decided_by=user
    )
    if decision == PhaseDecision.Decision.CONTINUE:
        locked.phase = Product.NEXT_PHASE[locked.phase]
    elif decision == PhaseDecision.Decision.STOP:
        locked.phase = Product.Phase.STOPPED
    locked.phase_started_on = timezone.localdate()
    locked.save(update_fields=["phase", "phase_started_on"])
    return recorded


# --- Exchange of vacant spaces ---------------------------------------------------------------------------
@transaction.atomic
def offer_submit(*, user: User, owner: Organisation, **fields) -> SpaceOffer:
    """A collectivity or an admitted social landlord offers a vacant space; the team moderates it."""
    _require(owner.id in permissions.space_owner_ids_of(user))
    offer = SpaceOffer(owner=owner, created_by=user, **fields)
    if offer.location is None:
        raise ValidationError({"location": "Placez l'espace sur la carte (longitude et latitude)."})
    offer.territory = commune_at(offer.location)
    offer.full_clean()
    offer.save()
    return offer


@transaction.atomic
def offer_moderate(*, offer: SpaceOffer, user: User, publish: bool) -> SpaceOffer:
    _require(is_metropole_staff(user))
    locked = SpaceOffer.objects.select_for_update().get(pk=offer.pk)
    if locked.status != SpaceOffer.Status.SUBMITTED:
        raise ValidationError(f"Cet espace est déjà « {locked.get_status_display()} ».")
    locked.status = SpaceOffer.Status.PUBLISHED if publish else SpaceOffer.Status.REJECTED
    locked.moderated_by, locked.moderated_at = user, timezone.now()
    locked.save(update_fields=["status", "moderated_by", "moderated_at"])
    return locked


@transaction.atomic
def space_apply(*, offer: SpaceOffer, user: User, organisation: Organisation, project: str) -> SpaceApplication:
    _require(organisation.id in permissions.space_applicant_ids_of(user))
    locked = SpaceOffer.objects.select_for_update().get(pk=offer.pk)
    if locked.status != SpaceOffer.Status.PUBLISHED:
        raise ValidationError("Cet espace ne reçoit plus de candidature.")
    if not project.strip():
        raise ValidationError({"project": "Décrivez votre projet d'occupation."})
    try:
        with transaction.atomic():
            return SpaceApplication.objects.create(
                offer=locked, organisation=organisation, applicant=user, project=project.strip()
            )
    except IntegrityError:
        raise ValidationError("Votre structure a déjà candidaté à cet espace.") from None


@transaction.atomic
def application_accept(*, application: SpaceApplication, user: User) -> SpaceApplication:
    """The owner (or staff) chooses one application: the space is matched, the other applications declined."""
    locked_offer = SpaceOffer.objects.select_for_update().get(pk=application.offer_id)
    _require(permissions.can_manage_offer(user, locked_offer))
    if locked_offer.status != SpaceOffer.Status.PUBLISHED:
        raise ValidationError(f"Cet espace est déjà « {locked_offer.get_status_display()} ».")
    locked = SpaceApplication.objects.select_for_update().get(pk=application.pk)
    locked.status = SpaceApplication.Status.ACCEPTED
    locked.save(update_fields=["status"])
    locked_offer.applications.exclude(pk=locked.pk).update(status=SpaceApplication.Status.DECLINED)
    locked_offer.status = SpaceOffer.Status.MATCHED
    locked_offer.save(update_fields=["status"])
    return locked


@transaction.atomic
def offer_occupied(*, offer: SpaceOffer, user: User) -> SpaceOffer:
    locked = SpaceOffer.objects.select_for_update().get(pk=offer.pk)
    _require(permissions.can_manage_offer(user, locked))
    if locked.status != SpaceOffer.Status.MATCHED:
        raise ValidationError("Seul un espace attribué peut être déclaré occupé.")
    locked.status = SpaceOffer.Status.OCCUPIED
    locked.save(update_fields=["status"])
    return locked

"""Writes of the FMIN: every one checks who may do it, runs in a transaction and leaves a trace
(simple_history on the rows, ``ApplicationEvent`` for the readable life of a file)."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from sman.emails import send_email_on_commit
from sman.models import Membership, Organisation, User
from sman.money import format_euros
from sman.permissions import is_metropole_staff

from . import permissions, rules, selectors
from .models import (
    Application,
    ApplicationEvent,
    Assignment,
    BudgetLine,
    Call,
    Criterion,
    Decision,
    FollowUpReport,
    FundingLine,
    Participant,
    PaymentMilestone,
    QualificationWorkshop,
    Score,
    WorkingGroup,
    WorkingGroupMember,
    WorkshopRegistration,
)

# The six selection criteria of SMAN §4.2.1.1 « Le Fonds Métropolitain pour l'Innovation Numérique (FMIN) »,
# in its order.
DEFAULT_CRITERIA = (
    (
        "necessity",
        "Nécessité et utilité d'expérimenter une solution",
        "Le problème est-il réel et documenté ? Une expérimentation est-elle la bonne réponse ?",
    ),
    (
        "impact",
        "Impact à court et long terme de l'expérimentation",
        "Effets attendus pour les usagers et les services, pendant et après l'expérimentation.",
    ),
    (
        "method",
        "Lisibilité et transparence de la méthodologie d'expérimentation",
        "Étapes, calendrier, conditions de réussite et d'arrêt clairement décrits.",
    ),
    (
        "capacity",
        "Capacité de la collectivité à mobiliser des ressources en interne",
        "Équipe, temps et compétences dédiés au suivi de l'expérimentation.",
    ),
    (
        "evaluation",
        "Solidité du dispositif d'évaluation",
        "Indicateurs, situation de référence, mesure de l'impact et de la répliquabilité.",
    ),
    (
        "sharing",
        "Capacité de diffusion des enseignements tirés de l'expérimentation",
        "Partage avec les autres collectivités, centre de ressources, briques ouvertes.",
    ),
)

REQUIRED_ON_SUBMIT = {
    "irritant": "Décrivez le problème à résoudre.",
    "experiment": "Décrivez l'expérimentation.",
    "method": "Décrivez la méthode d'expérimentation.",
    "evaluation_design": "Décrivez le dispositif d'évaluation.",
    "sharing_plan": "Indiquez comment les enseignements seront diffusés.",
    "internal_team": "Présentez l'équipe interne mobilisée.",
    "starts_on": "Indiquez la date de début.",
    "ends_on": "Indiquez la date de fin.",
}
REMINDER_EVERY_DAYS = 7
# What another module may carry over into a new draft (application_create's ``initial``).
DRAFT_TEXT_FIELDS = ("irritant", "experiment", "method", "summary")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _event(application: Application, kind: str, user: User | None, message: str = "") -> None:
    ApplicationEvent.objects.create(application=application, kind=kind, user=user, message=message)


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _emails_of(organisation_ids) -> list[str]:
    return sorted(
        set(
            Membership.objects.filter(organisation_id__in=organisation_ids, user__is_active=True).values_list(
                "user__email", flat=True
            )
        )
    )


def _notify_applicants(application: Application, name: str, **context) -> None:
    ids = [p.organisation_id for p in application.participants.all()]
    send_email_on_commit(name=name, context={"application": application, **context}, to=_emails_of(ids))


# --- Calls ----------------------------------------------------------------------------------------
@transaction.atomic
def call_create(*, user: User, criteria=(), **fields) -> Call:
    """A call of a programme (the FMIN unless ``programme`` says otherwise), with its ``criteria`` (``(code, label,
    guidance, weight)``) or, given none, the six criteria of §4.2.1.1 (equal weights, staff may change them)."""
    _require(is_metropole_staff(user))
    call = Call(**fields)
    call.full_clean()
    call.save()
    Criterion.objects.bulk_create(
        Criterion(call=call, code=code, label=label, guidance=guidance, weight=weight, position=i)
        for i, (code, label, guidance, weight) in enumerate(criteria)
    )
    criteria_add_defaults(call=call)
    return call


@transaction.atomic
def call_save(*, call: Call, user: User) -> Call:
    """A call created or changed in the admin (the admin's form has checked its fields); its criteria follow
    (``criteria_add_defaults`` once the inline rows are saved)."""
    _require(is_metropole_staff(user))
    call.full_clean(validate_unique=False)
    call._history_user = user
    call.save()
    return call


def criteria_add_defaults(*, call: Call) -> bool:
    """The six criteria of §4.2.1.1 with equal weights, for a call that has none yet (True if added)."""
    if call.criteria.exists():
        return False
    Criterion.objects.bulk_create(
        Criterion(call=call, code=code, label=label, guidance=guidance, position=i)
        for i, (code, label, guidance) in enumerate(DEFAULT_CRITERIA)
    )
    return True


@transaction.atomic
def workshop_register(
    *, workshop: QualificationWorkshop, organisation: Organisation, user: User
) -> WorkshopRegistration:
    _require(organisation.id in permissions.applicant_ids_of(user))
    locked = QualificationWorkshop.objects.select_for_update().select_related("call").get(pk=workshop.pk)
    if not locked.call.accepts(organisation):
        raise ValidationError(f"Cet appel est réservé aux porteurs suivants : {locked.call.applicant_kinds_display()}.")
    if locked.starts_at <= timezone.now():
        raise ValidationError("Cet atelier a déjà eu lieu.")
    if locked.registrations.count() >= locked.capacity:
        raise ValidationError("Cet atelier est complet : choisissez une autre date.")
    try:
        with transaction.atomic():
            return WorkshopRegistration.objects.create(workshop=locked, organisation=organisation, user=user)
    except IntegrityError:
        raise ValidationError("Votre collectivité est déjà inscrite à cet atelier.") from None


# --- Drafting -------------------------------------------------------------------------------------
@transaction.atomic
def application_create(
    *, user: User, call: Call, lead: Organisation, title: str, initial: dict | None = None, challenges=()
) -> Application:
    """A draft led by one of the user's collectivities. ``initial``: text fields carried over from elsewhere
    (an Explorateurs project starts its file with its irritant and idea), ``challenges``: its défis."""
    _require(lead.id in permissions.applicant_ids_of(user))
    if not call.is_open(timezone.localdate()):
        raise ValidationError("Cet appel n'est pas ouvert aux candidatures.")
    if not call.accepts(lead):
        raise ValidationError(
            {"lead": f"Cet appel est réservé aux porteurs suivants : {call.applicant_kinds_display()}."}
        )
    carried = {name: value for name, value in (initial or {}).items() if name in DRAFT_TEXT_FIELDS and value}
    application = Application(call=call, lead=lead, title=title, created_by=user, **carried)
    application.full_clean()
    application._history_user = user
    application.save()
    if challenges:
        application.challenges.set(challenges)
    Participant.objects.create(
        application=application, organisation=lead, is_lead=True, confirmed_at=timezone.now(), confirmed_by=user
    )
    _event(application, ApplicationEvent.Kind.CREATED, user)
    return application


@dataclass
class Draft:
    """Everything the draft form carries, already cleaned (amounts in cents)."""

    fields: dict
    challenges: list
    territories: list
    lead_cost_cents: int
    lead_request_cents: int
    budget_lines: list[dict]
    funding_lines: list[dict]
    co_applicants: list[dict]  # {"organisation", "cost_share_cents", "request_cents"}


@transaction.atomic
def application_save_draft(*, application: Application, user: User, draft: Draft, version: int | None) -> Application:
    """Save the whole draft at once (autosave or button). ``version`` is the one the user's page was
    built from: if someone saved in between, nothing is overwritten and the user is told."""
    locked = _lock(application)
    _require(permissions.can_edit(user, locked))
    if version is not None and version != locked.version:
        raise ValidationError(
            "Ce dossier a été modifié par une autre personne depuis l'ouverture de la page : "
            "rechargez-la pour voir ses changements (votre saisie n'a pas été enregistrée)."
        )
    for name, value in draft.fields.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.full_clean()
    locked._history_user = user
    locked.save()
    locked.challenges.set(draft.challenges)
    locked.territories.set(draft.territories)

    BudgetLine.objects.filter(application=locked).delete()
    BudgetLine.objects.bulk_create(BudgetLine(application=locked, **line) for line in draft.budget_lines)
    FundingLine.objects.filter(application=locked).delete()
    FundingLine.objects.bulk_create(FundingLine(application=locked, **line) for line in draft.funding_lines)

    refused = sorted(
        {c["organisation"].name for c in draft.co_applicants if not locked.call.accepts(c["organisation"])}
    )
    if refused:
        raise ValidationError(
            f"Cet appel n'accepte comme co-porteurs que : {locked.call.applicant_kinds_display()} "
            f"({', '.join(refused)} n'en est pas)."
        )
    lead_ids = {locked.lead_id}
    wanted = {c["organisation"].id: c for c in draft.co_applicants if c["organisation"].id not in lead_ids}
    Participant.objects.filter(application=locked, is_lead=False).exclude(organisation_id__in=wanted).delete()
    Participant.objects.filter(application=locked, is_lead=True).update(
        cost_share_cents=draft.lead_cost_cents, request_cents=draft.lead_request_cents
    )
    existing = {p.organisation_id: p for p in Participant.objects.filter(application=locked, is_lead=False)}
    for org_id, data in wanted.items():
        participant = existing.get(org_id) or Participant(application=locked, organisation=data["organisation"])
        changed = (participant.cost_share_cents, participant.request_cents) != (
            data["cost_share_cents"],
            data["request_cents"],
        )
        participant.cost_share_cents = data["cost_share_cents"]
        participant.request_cents = data["request_cents"]
        if changed and participant.confirmed_at:  # they confirmed other figures: ask again
            participant.confirmed_at = participant.confirmed_by = None
        participant._history_user = user
        participant.save()
        if changed or org_id not in existing:
            send_email_on_commit(
                name="fmin_co_applicant_invited",
                context={"application": locked, "participant": participant},
                to=_emails_of([org_id]),
            )
    return locked


@transaction.atomic
def participation_confirm(*, application: Application, organisation: Organisation, user: User) -> Participant:
    """A co-applicant confirms its share of the cost and of the request."""
    locked = _lock(application)
    _require(organisation.id in permissions.applicant_ids_of(user))
    if not locked.is_editable:
        raise ValidationError("Ce dossier n'est plus modifiable.")
    participant = Participant.objects.select_for_update().filter(application=locked, organisation=organisation).first()
    if participant is None or participant.is_lead:
        raise ValidationError("Votre collectivité n'est pas co-porteuse de ce projet.")
    participant.confirmed_at = timezone.now()
    participant.confirmed_by = user
    participant._history_user = user
    participant.save()
    _event(locked, ApplicationEvent.Kind.CONFIRMED, user, organisation.name)
    return participant


def missing_fields(application: Application) -> list[str]:
    messages = [text for name, text in REQUIRED_ON_SUBMIT.items() if not getattr(application, name)]
    if not application.challenges.all():  # .all(): uses the prefetched défis when there are
        messages.append("Rattachez le projet à au moins un défi du SMAN.")
    if not application.territories.all():
        messages.append("Indiquez au moins un territoire où se déroule l'expérimentation.")
    return messages


@transaction.atomic
def application_submit(*, application: Application, user: User) -> Application:
    """Final submission: every grant rule (fmin/rules.py) must pass; the file is then locked."""
    locked = _lock(application)
    _require(permissions.is_lead_member(user, locked))
    if not locked.is_editable:
        raise ValidationError("Ce dossier a déjà été déposé.")
    reopened = locked.status == Application.Status.CORRECTIONS
    if not reopened and not locked.call.is_open(timezone.localdate()):
        raise ValidationError("L'appel est clos : le dossier ne peut plus être déposé.")
    problems = missing_fields(locked)
    result = selectors.rules_result(selectors.application_with_figures(locked.pk))
    problems += [f"{v.label} — {v.detail}" for v in result.failures]
    if problems:
        raise ValidationError(problems)
    locked.status = Application.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked._history_user = user
    locked.save()
    _event(locked, ApplicationEvent.Kind.SUBMITTED, user, "Dossier complété et redéposé." if reopened else "")
    _notify_applicants(locked, "fmin_submitted")
    from .tasks import render_application_pdf

    pk = locked.pk
    transaction.on_commit(lambda: render_application_pdf.apply_async([pk], requested_by=user))
    return locked


@transaction.atomic
def application_withdraw(*, application: Application, user: User, reason: str = "") -> Application:
    locked = _lock(application)
    _require(permissions.is_lead_member(user, locked))
    if locked.status in (Application.Status.FUNDED, Application.Status.REFUSED, Application.Status.WITHDRAWN):
        raise ValidationError("Ce dossier ne peut plus être retiré.")
    locked.status = Application.Status.WITHDRAWN
    locked._history_user = user
    locked.save()
    _event(locked, ApplicationEvent.Kind.WITHDRAWN, user, reason)
    return locked


def store_application_pdf(*, application: Application, pdf: bytes) -> None:
    application.submitted_pdf.save(
        f"candidature-{application.pk}-v{application.version}.pdf", ContentFile(pdf), save=False
    )
    application.submitted_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    Application.objects.filter(pk=application.pk).update(
        submitted_pdf=application.submitted_pdf.name, submitted_pdf_sha256=application.submitted_pdf_sha256
    )


# --- Instruction ----------------------------------------------------------------------------------
ELIGIBILITY_ITEMS = (
    ("applicant", "Le porteur est une collectivité de la Métropole (commune ou EPT)"),  # a call of collectivities
    ("experiment", "Le projet est une expérimentation numérique"),
    ("expenses", "Les dépenses présentées sont éligibles"),
    ("complete", "Le dossier est complet (budget, plan de financement, calendrier)"),
    ("evaluation", "Le porteur s'engage à évaluer l'impact et la répliquabilité"),
)


def eligibility_items(call: Call) -> tuple[tuple[str, str], ...]:
    """The eligibility checklist of ``call``: the same items, the first one naming the applicants it accepts."""
    if call.only_collectivities:
        return ELIGIBILITY_ITEMS
    applicant = ("applicant", f"Le porteur est d'un type accepté par l'appel ({call.applicant_kinds_display()})")
    return (applicant, *ELIGIBILITY_ITEMS[1:])


@transaction.atomic
def eligibility_record(*, application: Application, user: User, checklist: dict, note: str) -> Application:
    """Staff check each item; the file is eligible when all are ticked, otherwise a reason is required."""
    _require(permissions.can_instruct(user))
    locked = _lock(application)
    if locked.status not in (Application.Status.SUBMITTED, Application.Status.ELIGIBLE, Application.Status.INELIGIBLE):
        raise ValidationError("La recevabilité se vérifie sur un dossier déposé.")
    eligible = all(checklist.get(code) for code, _ in ELIGIBILITY_ITEMS)
    if not eligible and not note.strip():
        raise ValidationError({"note": "Motivez l'irrecevabilité : le porteur la recevra."})
    locked.eligibility_checklist = {code: bool(checklist.get(code)) for code, _ in ELIGIBILITY_ITEMS}
    locked.eligibility_note = note
    locked.status = Application.Status.ELIGIBLE if eligible else Application.Status.INELIGIBLE
    locked._history_user = user
    locked.save()
    kind = ApplicationEvent.Kind.ELIGIBLE if eligible else ApplicationEvent.Kind.INELIGIBLE
    _event(locked, kind, user, note)
    if not eligible:
        _notify_applicants(locked, "fmin_ineligible", note=note)
    return locked


@transaction.atomic
def corrections_request(*, application: Application, user: User, message: str) -> Application:
    """Reopen a submitted file with a message; the applicant completes and submits it again."""
    _require(permissions.can_instruct(user))
    if not message.strip():
        raise ValidationError({"message": "Précisez ce que le porteur doit compléter."})
    locked = _lock(application)
    if locked.status not in (Application.Status.SUBMITTED, Application.Status.ELIGIBLE):
        raise ValidationError("Seul un dossier déposé peut être rouvert pour compléments.")
    locked.status = Application.Status.CORRECTIONS
    locked._history_user = user
    locked.save()
    _event(locked, ApplicationEvent.Kind.CORRECTIONS, user, message)
    _notify_applicants(locked, "fmin_corrections", message=message)
    return locked


@transaction.atomic
def assignment_create(*, application: Application, reviewer: User, user: User) -> Assignment:
    _require(permissions.can_instruct(user))
    locked = _lock(application)
    if not permissions.is_reviewer(reviewer):
        raise ValidationError({"reviewer": "Cette personne n'est pas membre du jury."})
    if permissions.is_conflicted(reviewer, locked):
        raise ValidationError(
            {
                "reviewer": "Conflit d'intérêts : cet évaluateur appartient à une collectivité porteuse du projet "
                "ou l'a déclaré."
            }
        )
    if locked.status != Application.Status.ELIGIBLE:
        raise ValidationError("Seul un dossier recevable est confié aux évaluateurs.")
    try:
        with transaction.atomic():
            assignment = Assignment(application=locked, reviewer=reviewer, assigned_by=user)
            assignment._history_user = user
            assignment.save()
    except IntegrityError:
        raise ValidationError({"reviewer": "Cet évaluateur est déjà affecté à ce dossier."}) from None
    send_email_on_commit(name="fmin_assigned", context={"application": locked}, to=[reviewer.email])
    return assignment


@transaction.atomic
def conflict_declare(*, assignment: Assignment, user: User, reason: str) -> Assignment:
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _require(locked.reviewer_id == user.id)
    if not reason.strip():
        raise ValidationError({"reason": "Indiquez la nature du conflit d'intérêts."})
    if locked.submitted_at:
        raise ValidationError("Évaluation déjà remise : signalez le conflit à l'équipe de la Métropole.")
    locked.conflict_declared_at = timezone.now()
    locked.conflict_reason = reason
    locked._history_user = user
    locked.save()
    locked.scores.all().delete()
    return locked


@transaction.atomic
def review_save(*, assignment: Assignment, user: User, scores: dict, comment: str, submit: bool) -> Assignment:
    """``scores``: {criterion_id: (value, comment)}. Saving keeps a draft; submitting needs every criterion
    scored and commented, and is final."""
    locked = Assignment.objects.select_for_update().select_related("application__call").get(pk=assignment.pk)
    _require(locked.reviewer_id == user.id and locked.is_active)
    _require(not permissions.is_conflicted(user, locked.application))
    if locked.submitted_at:
        raise ValidationError("Évaluation déjà remise : elle n'est plus modifiable.")
    call = locked.application.call
    criteria = {c.id: c for c in call.criteria.all()}
    errors = []
    for criterion_id, (value, text) in scores.items():
        if criterion_id not in criteria:
            raise PermissionDenied
        if value is None:
            continue
        if not 0 <= value <= call.score_max:
            errors.append(f"{criteria[criterion_id].label} : la note va de 0 à {call.score_max}.")
            continue
        score, _ = Score.objects.get_or_create(
            assignment=locked, criterion_id=criterion_id, defaults={"value": value, "comment": text}
        )
        score.value, score.comment = value, text
        score._history_user = user
        score.save()
    if errors:
        raise ValidationError(errors)
    locked.comment = comment
    if submit:
        saved = {s.criterion_id: s for s in locked.scores.all()}
        missing = [c.label for cid, c in criteria.items() if cid not in saved or not saved[cid].comment.strip()]
        if missing:
            raise ValidationError([f"Notez et commentez : {label}." for label in missing])
        locked.submitted_at = timezone.now()
    locked._history_user = user
    locked.save()
    return locked


# --- Decision ---------------------------------------------------------------------------------------
@transaction.atomic
def decision_record(*, application: Application, user: User, outcome: str, amount_cents: int, reason: str) -> Decision:
    """The selection committee's decision. The call's row is locked first, so two decisions racing for the
    last euros of the envelope are taken one after the other and the second sees the first."""
    _require(permissions.can_instruct(user))
    call = Call.objects.select_for_update().get(pk=application.call_id)
    locked = _lock(application)
    if locked.status != Application.Status.ELIGIBLE:
        raise ValidationError("Seul un dossier recevable, non encore décidé, peut faire l'objet d'une décision.")
    if not reason.strip():
        raise ValidationError({"reason": "Motivez la décision : elle est transmise au porteur."})
    if outcome == Decision.Outcome.FUNDED:
        result = selectors.rules_result(selectors.application_with_figures(locked.pk))
        if amount_cents <= 0:
            raise ValidationError({"amount": "Indiquez le montant accordé."})
        if amount_cents > result.capped_amount_cents:
            cap = format_euros(result.capped_amount_cents)
            raise ValidationError(
                {"amount": f"Le montant dépasse le plafond de ce dossier ({cap}, {rules.Limits.of(call).section})."}
            )
        committed = selectors.committed_cents(call)
        if not rules.envelope_allows(
            envelope_cents=call.envelope_cents, committed_cents=committed, amount_cents=amount_cents
        ):
            left = format_euros(call.envelope_cents - committed)
            raise ValidationError({"amount": f"L'enveloppe de l'appel est dépassée : il reste {left}."})
        status = Application.Status.FUNDED
    else:
        amount_cents = 0
        status = Application.Status.REFUSED
    decision = Decision(application=locked, outcome=outcome, amount_cents=amount_cents, reason=reason, decided_by=user)
    decision._history_user = user
    decision.save()
    locked.status = status
    locked._history_user = user
    locked.save()
    if status == Application.Status.FUNDED:
        _plan_follow_up(locked, decision)
    _event(locked, ApplicationEvent.Kind.DECIDED, user, f"{decision.get_outcome_display()} — {reason}")
    _notify_applicants(locked, "fmin_decided", decision=decision)
    from .tasks import render_decision_letter

    transaction.on_commit(lambda: render_decision_letter.apply_async([decision.pk], requested_by=user))
    return decision


def _plan_follow_up(application: Application, decision: Decision) -> None:
    """Default schedule: half on signature, half on the final report; a progress report half-way, the
    evaluation at the end, the final report three months later. Staff adjust dates in the admin."""
    start = application.starts_on or timezone.localdate()
    end = application.ends_on or start + timedelta(days=365)
    middle = start + (end - start) / 2
    first = decision.amount_cents // 2
    PaymentMilestone.objects.bulk_create(
        [
            PaymentMilestone(
                application=application,
                label="Avance à la signature de la convention",
                amount_cents=first,
                due_on=timezone.localdate(),
            ),
            PaymentMilestone(
                application=application,
                label="Solde après le rapport final",
                amount_cents=decision.amount_cents - first,
                due_on=end + timedelta(days=120),
            ),
        ]
    )
    FollowUpReport.objects.bulk_create(
        [
            FollowUpReport(application=application, kind=FollowUpReport.Kind.PROGRESS, due_on=middle),
            FollowUpReport(application=application, kind=FollowUpReport.Kind.EVALUATION, due_on=end),
            FollowUpReport(application=application, kind=FollowUpReport.Kind.FINAL, due_on=end + timedelta(days=90)),
        ]
    )


def store_decision_letter(*, decision: Decision, pdf: bytes) -> None:
    decision.letter.save(f"decision-{decision.application_id}.pdf", ContentFile(pdf), save=False)
    Decision.objects.filter(pk=decision.pk).update(letter=decision.letter.name)


# --- After the grant ----------------------------------------------------------------------------------
@transaction.atomic
def milestone_pay(*, milestone: PaymentMilestone, user: User, on: date) -> PaymentMilestone:
    """Paying needs every collectivity of the project in a Bâtisseurs working group (SMAN §4.2.1.2:
    « le subventionnement des projets dans le cadre du FMIN est conditionné à la participation des
    collectivités à ce programme »), where the call keeps that rule (``Call.requires_working_group``)."""
    _require(permissions.can_instruct(user))
    locked = (
        PaymentMilestone.objects.select_for_update(of=("self",))
        .select_related("application__call")
        .get(pk=milestone.pk)
    )
    if locked.paid_on:
        raise ValidationError("Cette échéance est déjà versée.")
    participants = list(locked.application.participants.select_related("organisation"))
    missing = []
    if locked.application.call.requires_working_group:  # a rule of the FMIN; each call says whether it applies
        in_groups = selectors.collectivities_in_groups([p.organisation_id for p in participants])
        missing = [p.organisation.name for p in participants if p.organisation_id not in in_groups]
    if missing:
        raise ValidationError(
            f"Versement impossible : {', '.join(missing)} n'a pas rejoint un groupe des Bâtisseurs du numérique "
            f"({rules.SECTION_BATISSEURS})."
        )
    locked.paid_on = on
    locked.paid_by = user
    locked._history_user = user
    locked.save()
    _event(
        locked.application,
        ApplicationEvent.Kind.PAYMENT,
        user,
        f"{locked.label} : {format_euros(locked.amount_cents)}",
    )
    return locked


@transaction.atomic
def report_submit(*, report: FollowUpReport, user: User, **fields) -> FollowUpReport:
    locked = FollowUpReport.objects.select_for_update().select_related("application").get(pk=report.pk)
    _require(permissions.can_report(user, locked.application))
    if locked.submitted_at:
        raise ValidationError("Ce rapport a déjà été remis.")
    for name, value in fields.items():
        setattr(locked, name, value)
    if locked.kind == FollowUpReport.Kind.EVALUATION and not (locked.impact and locked.replicability):
        raise ValidationError({"impact": "Le rapport d'évaluation présente l'impact et la répliquabilité."})
    if not (locked.progress or locked.impact):
        raise ValidationError({"progress": "Décrivez l'avancement du projet."})
    locked.submitted_at = timezone.now()
    locked.submitted_by = user
    locked._history_user = user
    locked.save()
    _event(locked.application, ApplicationEvent.Kind.REPORT, user, locked.get_kind_display())
    if locked.kind in (FollowUpReport.Kind.EVALUATION, FollowUpReport.Kind.FINAL):
        _draft_resource(locked, user)
    return locked


# The FMIN's themes in the resource centre's words (the others are the same codes).
RESOURCE_THEMES = {"data": "open_data"}


def _draft_resource(report: FollowUpReport, user: User) -> None:
    """The lessons of a funded project feed the resource centre (§4.2.1.1: « les évaluations conduites doivent
    enrichir le centre de ressources »): its evaluation or final report becomes a draft resource of the person
    who submitted it, who reviews it and proposes it to the moderators."""
    from django.utils.html import escape, linebreaks

    from resources import services as resources

    application = (
        Application.objects.select_related("lead")
        .prefetch_related("challenges", "territories")
        .get(pk=report.application_id)
    )
    parts = [
        ("Avancement", report.progress),
        ("Impact mesuré", report.impact),
        ("Externalités", report.externalities),
        ("Répliquabilité à l'échelle métropolitaine", report.replicability),
    ]
    body = "".join(f"<h2>{escape(title)}</h2>{linebreaks(text, autoescape=True)}" for title, text in parts if text)
    resources.draft_from_module(
        kind="fmin_evaluation",
        title=f"{report.get_kind_display().capitalize()} — {application.title}",
        summary=application.summary or application.title,
        body=body,
        author=user,
        organisation=application.lead,
        source_app="fmin.report",
        source_id=report.pk,
        fmin_application=application,
        themes=[RESOURCE_THEMES.get(application.theme, application.theme)],
        challenges=list(application.challenges.all()),
        territories=list(application.territories.all()),
    )


def reports_remind(*, today: date) -> int:
    """E-mail the project's collectivities about each late report, at most once a week per report."""
    sent = 0
    for report in selectors.late_reports(today):
        with transaction.atomic():
            locked = FollowUpReport.objects.select_for_update().get(pk=report.pk)
            if locked.submitted_at or (
                locked.last_reminder_on and locked.last_reminder_on > today - timedelta(days=REMINDER_EVERY_DAYS)
            ):
                continue
            locked.last_reminder_on = today
            locked.save(update_fields=["last_reminder_on"])
            _notify_applicants(
                report.application, "fmin_report_late", report=report, days_late=(today - report.due_on).days
            )
            sent += 1
    return sent


@transaction.atomic
def working_group_join(
    *, group: WorkingGroup, organisation: Organisation, user: User, accepts_charter: bool
) -> WorkingGroupMember:
    """A collectivity joins a Bâtisseurs group by signing its charter (opening the bricks it co-creates)."""
    _require(organisation.id in permissions.collectivity_ids_of(user))
    if not accepts_charter:
        raise ValidationError({"accepts_charter": "Rejoindre le groupe suppose de signer sa convention."})
    if not group.is_active:
        raise ValidationError("Ce groupe ne reçoit plus de nouveaux membres.")
    try:
        with transaction.atomic():
            member = WorkingGroupMember(
                group=group, organisation=organisation, charter_signed_at=timezone.now(), signed_by=user
            )
            member._history_user = user
            member.save()
    except IntegrityError:
        raise ValidationError("Votre collectivité est déjà membre de ce groupe.") from None
    return member

"""Writes of the roadmap and the COPIL: every one checks its rule and runs in a transaction."""

import logging
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sman import jobs
from sman.indicators import TerritoryTree, providers
from sman.models import User

from . import permissions
from .models import (
    Action,
    ActionReview,
    CopilSession,
    Indicator,
    IndicatorValue,
    Milestone,
    Recommendation,
    Report,
    Roadmap,
)
from .rules import follow

logger = logging.getLogger(__name__)

# IndicatorValue.value's decimal places: a computed value is compared to the stored one at that precision.
VALUE_PLACES = Decimal("0.001")

ACTION_FOLLOW_FIELDS = ("status", "progress", "notes")
# What a correction repeats from the review it corrects, and what a drafted roadmap carries over.
REVIEW_FACTS = (
    "session", "action", "progress", "schedule_status", "budget_status", "justification", "owner_presentation",
)  # fmt: skip
CARRIED_FIELDS = (
    "challenge_id", "title", "summary", "pain_point", "concept", "project_owner",
    "potential_providers", "contract_type", "institutional_partners", "module",
)  # fmt: skip


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@transaction.atomic
def action_update(*, action: Action, user: User, **fields) -> Action:
    """An owner (or staff) updates status, progress and notes; simple_history keeps before/after."""
    _require(permissions.can_edit_action(user, action))
    locked = Action.objects.select_for_update().get(pk=action.pk)
    for name in ACTION_FOLLOW_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    locked.full_clean()
    locked._history_user = user
    locked.save()
    if "collectivities" in fields:  # the collectivities taking part (partner-led actions list them)
        locked.collectivities.set(fields["collectivities"])
    return locked


# Milestones added by owners come after the reference data's (upserted by their order, actions/reference.py).
OWNER_MILESTONE_ORDER = 100


@transaction.atomic
def milestone_add(*, action: Action, user: User, milestone: Milestone) -> Milestone:
    """An owner adds a milestone to the action's calendar (history kept)."""
    _require(permissions.can_edit_action(user, action))
    last = action.milestones.filter(order__gte=OWNER_MILESTONE_ORDER).order_by("-order").first()
    milestone.action = action
    milestone.order = last.order + 1 if last else OWNER_MILESTONE_ORDER
    milestone._history_user = user
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def milestones_and_budget_save(*, action: Action, user: User, formsets) -> None:
    """Save the milestone and budget formsets of the follow-up page, atomically, with history."""
    _require(permissions.can_edit_action(user, action))
    for formset in formsets:
        for obj in formset.save(commit=False):
            obj.action = action
            obj._history_user = user
            obj.full_clean()
            obj.save()
        for obj in formset.deleted_objects:
            obj._history_user = user
            obj.delete()


@transaction.atomic
def indicator_save(*, indicator: Indicator, user: User) -> Indicator:
    _require(permissions.can_edit_action(user, indicator.action))
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def indicator_value_add(*, indicator: Indicator, user: User, value, on: date, comment: str = "") -> IndicatorValue:
    _require(permissions.can_edit_action(user, indicator.action))
    item = IndicatorValue(indicator=indicator, date=on, value=value, author=user, comment=comment)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def indicator_values_record_computed(*, today: date) -> int:
    """Record today's value of every registered provider: the Métropole's and, for a territorial provider, each
    EPT's, commune's and delegated commune's; once for each action indicator that uses it, or once with no
    indicator for a provider that none uses (the observatory's trends). Returns how many values were created.

    Idempotent per (indicator, territory, date): a re-run the same day updates the values that changed and
    never adds a row (two runs at once wait for each other on an advisory lock). A bounded number of
    queries whatever the number of territories: the territories are read once, each provider computes every
    territory at once (its batch form, sman/indicators.py) once for all the indicators that use it.
    """
    with connection.cursor() as cursor:  # two runs at once: the second waits, then updates what the first wrote
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('actions.indicator_values_record_computed'))")
    indicators = list(Indicator.objects.exclude(provider_key="").order_by("pk"))
    by_provider: dict[str, list[Indicator | None]] = {key: [] for key in providers}
    for indicator in indicators:
        by_provider.setdefault(indicator.provider_key, []).append(indicator)
    for group in by_provider.values():
        if not group:
            group.append(None)  # a provider no action indicator uses: its own series (no indicator)
    tree = TerritoryTree()
    recorded = {
        (v.provider, v.indicator_id, v.territory_id): v
        for v in IndicatorValue.objects.filter(date=today).exclude(provider="")
    }
    created, changed = [], []
    for key, group in by_provider.items():
        provider = providers.get(key)
        if provider is None:
            for indicator in group:
                logger.warning("indicator %s: unknown provider %s", indicator.pk, key)
            continue
        comment = f"Calcul automatique : {provider.label}"
        for territory_id, value in provider.values(today, tree).items():
            value = Decimal(value).quantize(VALUE_PLACES)
            for indicator in group:
                indicator_id = indicator.pk if indicator is not None else None
                item = recorded.get((key, indicator_id, territory_id))
                if item is None:
                    created.append(
                        IndicatorValue(
                            indicator_id=indicator_id, territory_id=territory_id, date=today, value=value,
                            provider=key, comment=comment,
                        )
                    )  # fmt: skip
                elif (item.value, item.comment) != (value, comment):
                    item.value, item.comment = value, comment
                    changed.append(item)
    # One INSERT … SELECT FROM UNNEST (a fixed number of array parameters whatever the rows): a day of every
    # provider for every territory (about 5,000 rows for 31 providers) goes in one statement.
    IndicatorValue.objects.bulk_create(created, batch_size=20_000)
    IndicatorValue.objects.bulk_update(changed, ["value", "provider", "comment"], batch_size=500)
    return len(created)


@transaction.atomic
def copil_session_create(*, user: User, year: int, semester: int, on: date) -> CopilSession:
    """A session with its agenda: one review per active action, prefilled from the follow-up data."""
    _require(permissions.can_manage_sessions(user))
    session = CopilSession(year=year, semester=semester, date=on)
    session.full_clean()
    session.save()
    _agenda_add_missing(session)
    return session


def _agenda_add_missing(session: CopilSession) -> int:
    """One review per active action that has none in the session yet, prefilled from its follow-up data at
    the session's date. Returns how many were added."""
    reviewed = set(session.reviews.filter(corrects__isnull=True).values_list("action_id", flat=True))
    added = 0
    for action in Action.objects.active().exclude(pk__in=reviewed).with_related().order_by("number"):
        computed = follow(action, session.date)
        ActionReview.objects.create(
            session=session,
            action=action,
            progress=action.progress,
            schedule_status=computed.schedule_flag,
            budget_status=computed.budget_flag,
        )
        added += 1
    return added


@transaction.atomic
def session_agenda_build(*, session: CopilSession, user: User) -> int:
    """Build (or complete) the agenda of an open session: a review for each active action that has none.
    Idempotent: a second call adds nothing. Returns how many reviews were added (SMAN §4.1.2: each session
    reviews every action)."""
    _require(permissions.can_manage_sessions(user))
    locked = CopilSession.objects.select_for_update().get(pk=session.pk)
    if locked.is_closed:
        raise ValidationError("La séance est close : son ordre du jour ne change plus.")
    return _agenda_add_missing(locked)


def _open_session_review(review: ActionReview) -> ActionReview:
    locked = ActionReview.objects.select_for_update().select_related("session", "action").get(pk=review.pk)
    if locked.session.is_closed:
        raise ValidationError("La séance est close : ses avis ne se modifient plus (saisissez une correction).")
    return locked


@transaction.atomic
def review_record_opinion(
    *, review: ActionReview, user: User, version: int, opinion: str, reasons: str, **facts
) -> ActionReview:
    """A COPIL member records the opinion (keep / scale up / abandon) and may adjust the prefilled facts.

    ``version`` is the review's version the member saw: if someone saved in between, the save is refused
    rather than silently overwriting their work.
    """
    _require(permissions.can_give_opinion(user))
    locked = _open_session_review(review)
    if locked.version != version:
        raise ValidationError("Cette revue a été modifiée entre-temps par quelqu'un d'autre : rechargez la page.")
    if not opinion:
        raise ValidationError({"opinion": "Choisissez l'avis du COPIL."})
    if not reasons.strip():
        raise ValidationError({"reasons": "Motivez l'avis du COPIL."})
    changed_facts = any(
        facts.get(k) not in (None, getattr(locked, k)) for k in ("progress", "schedule_status", "budget_status")
    )
    if changed_facts and not (facts.get("justification") or locked.justification).strip():
        raise ValidationError({"justification": "Justifiez la modification des éléments préremplis."})
    for name, value in facts.items():
        if value is not None:
            setattr(locked, name, value)
    locked.opinion, locked.reasons = opinion, reasons
    locked.decided_by, locked.decided_at = user, timezone.now()
    locked.version += 1
    locked.full_clean()
    locked._history_user = user
    locked.save()
    return locked


@transaction.atomic
def review_present(*, review: ActionReview, user: User, text: str) -> ActionReview:
    """The action's owner writes the short presentation shown to the COPIL."""
    _require(permissions.can_present(user, review))
    locked = _open_session_review(review)
    locked.owner_presentation = text
    locked.version += 1
    locked._history_user = user
    locked.save(update_fields=["owner_presentation", "version"])
    return locked


@transaction.atomic
def review_correct(*, review: ActionReview, user: User, opinion: str, reasons: str) -> ActionReview:
    """After the session is closed, a correction is a new entry pointing to the one it corrects."""
    _require(permissions.can_give_opinion(user))
    original = ActionReview.objects.select_for_update().select_related("session").get(pk=review.pk)
    if not original.session.is_closed:
        raise ValidationError("La séance est ouverte : modifiez directement l'avis.")
    if not reasons.strip():
        raise ValidationError({"reasons": "Motivez la correction."})
    correction = ActionReview(
        **{name: getattr(original, name) for name in REVIEW_FACTS},
        opinion=opinion,
        reasons=reasons,
        decided_by=user,
        decided_at=timezone.now(),
        corrects=original,
    )
    correction.full_clean()
    correction.save()
    return correction


@transaction.atomic
def session_update(*, session: CopilSession, user: User, minutes: str, attendees) -> CopilSession:
    _require(permissions.can_manage_sessions(user))
    locked = CopilSession.objects.select_for_update().get(pk=session.pk)
    if locked.is_closed:
        raise ValidationError("La séance est close.")
    locked.minutes = minutes
    locked.save(update_fields=["minutes"])
    locked.attendees.set(attendees)
    return locked


@transaction.atomic
def session_close(*, session: CopilSession, user: User) -> CopilSession:
    """Closing makes every decision final. Refused while an action has no opinion."""
    _require(permissions.can_manage_sessions(user))
    locked = CopilSession.objects.select_for_update().get(pk=session.pk)
    if locked.is_closed:
        raise ValidationError("La séance est déjà close.")
    missing = locked.reviews.filter(opinion="", corrects__isnull=True).select_related("action")
    if missing:
        numbers = ", ".join(f"#{r.action.number}" for r in missing)
        raise ValidationError(f"Avis manquant pour les actions {numbers} : la séance ne peut pas être close.")
    locked.status = CopilSession.Status.CLOSED
    locked.closed_at, locked.closed_by = timezone.now(), user
    locked.save(update_fields=["status", "closed_at", "closed_by"])
    return locked


@transaction.atomic
def recommendation_add(*, session: CopilSession, user: User, programme: str, text: str) -> Recommendation:
    _require(permissions.can_follow_copil(user))
    session = CopilSession.objects.select_for_update().get(pk=session.pk)
    if session.is_closed:
        raise ValidationError("La séance est close.")
    item = Recommendation(session=session, programme=programme, text=text, author=user)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def roadmap_draft_from(*, session: CopilSession, user: User, target: Roadmap) -> Roadmap:
    """Draft the next roadmap from the session's opinions: kept and scaled-up actions are carried over,
    abandoned ones are not. New actions are then added in the admin."""
    _require(permissions.can_manage_sessions(user))
    from .selectors import effective_reviews, session_detail

    target = Roadmap.objects.select_for_update().get(pk=target.pk)
    if target.actions.exists():
        raise ValidationError(f"{target} contient déjà des actions.")
    session = session_detail(session.pk)
    carried = [r for r in effective_reviews(session) if r.opinion != ActionReview.Opinion.ABANDON]
    for number, review in enumerate(carried, start=1):
        source = review.action
        Action.objects.create(
            **{name: getattr(source, name) for name in CARRIED_FIELDS},
            roadmap=target,
            number=number,
            carried_from=source,
            scaled_up=review.opinion == ActionReview.Opinion.SCALE_UP,
        )
    target.status = Roadmap.Status.DRAFT
    target.drafted_from = session.reviews.first().action.roadmap if session.reviews.exists() else None
    target.save(update_fields=["status", "drafted_from"])
    return target


def report_request(*, session: CopilSession, user: User) -> Report:
    """Ask for the session's report; a request while one is pending or running returns that one. Refused for a
    session with nothing to review (no action on its agenda): its report would be empty."""
    _require(permissions.can_follow_copil(user))
    if not session.reviews.exists():
        raise ValidationError(
            "Cette séance n'a aucune action à son ordre du jour : il n'y a pas de rapport à produire. "
            "Constituez d'abord l'ordre du jour."
        )
    existing = session.reports.filter(state__in=jobs.ACTIVE).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            report = Report.objects.create(session=session, requested_by=user)
            transaction.on_commit(lambda: _enqueue_report(report.pk))
    except IntegrityError:  # a concurrent request created it first
        return session.reports.get(state__in=jobs.ACTIVE)
    return report


def report_retry(*, report: Report, user: User) -> Report:
    """Render a failed report again (sman/jobs.py); while another report of the session is in progress,
    that one."""
    _require(permissions.can_follow_copil(user))
    if report.state != Report.State.FAILED:
        raise ValidationError("Seul un rapport en échec peut être relancé.")
    in_progress = report.session.reports.filter(state__in=jobs.ACTIVE).first()
    return in_progress or jobs.job_retry(job=report)


def _enqueue_report(report_id: int) -> None:
    from .tasks import generate_report

    generate_report.delay(report_id)


def report_generate(*, report_id: int) -> Report:
    """Render the PDF (WeasyPrint) and store it as the report's file, with its SHA-256 checksum (sman/jobs.py).
    Run by the job task, which marks the report running before and done after. A failure to render is
    recorded on the report (a French reason, the detail for staff) without failing the task."""
    from .reports import render_report_pdf

    report = Report.objects.select_related("session").get(pk=report_id)
    if report.state == Report.State.DONE:
        return report  # a redelivered task: nothing to do
    try:
        pdf = render_report_pdf(report.session)
    except Exception as exc:  # noqa: BLE001 — any failure is shown on the report's page, with its reason
        logger.exception("report %s failed", report_id)
        jobs.job_fail(job=report, exc=exc)
        report.refresh_from_db()
        return report
    session = report.session
    name = f"rapport-copil-{session.year}-s{session.semester}-{report.pk}.pdf"
    return jobs.job_result_write(job=report, content=pdf, filename=name)

"""Reads of the FMIN, with the joins they need (fixed query counts on list pages)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, Sum

from sman.models import Organisation, Territory

from . import rules
from .models import (
    FMIN_PROGRAMME,
    Application,
    Assignment,
    Call,
    Decision,
    FollowUpReport,
    FundingLine,
    Participant,
    Programme,
    WorkingGroup,
)


def open_calls(today: date | None = None):
    today = today or date.today()
    return Call.objects.filter(is_published=True, opens_on__lte=today, closes_on__gte=today).select_related("programme")


def programmes():
    """The programmes that have at least one published call, in their order."""
    return Programme.objects.filter(calls__is_published=True).distinct().order_by("position", "short_name")


def published_calls():
    return (
        Call.objects.filter(is_published=True)
        .select_related("programme")
        .annotate(funded_count=Count("applications", filter=Q(applications__status=Application.Status.FUNDED)))
    )


def figures_of(application: Application) -> rules.Figures:
    """The figures the rules need. Uses prefetched participants, budget and funding lines when present."""
    eligible_types = set(application.call.eligible_expense_types)
    lines = list(application.budget_lines.all())
    eligible = sum(line.amount_ht_cents for line in lines if line.expense_type in eligible_types)
    ineligible = sum(line.amount_ht_cents for line in lines if line.expense_type not in eligible_types)
    funding = dict.fromkeys(FundingLine.Source.values, 0)
    for line in application.funding_lines.all():
        funding[line.source] += line.amount_cents
    participants = sorted(application.participants.all(), key=lambda p: (not p.is_lead, p.organisation.name))
    shares = tuple(
        rules.Share(
            name=p.organisation.name,
            # A project carried alone: the lead bears the whole cost.
            cost_cents=p.cost_share_cents if len(participants) > 1 else eligible,
            request_cents=p.request_cents,
            confirmed=p.is_lead or p.confirmed_at is not None,
            is_lead=p.is_lead,
        )
        for p in participants
    )
    return rules.Figures(
        eligible_cost_cents=eligible,
        ineligible_cost_cents=ineligible,
        own_funds_cents=funding[FundingLine.Source.OWN_FUNDS],
        other_public_cents=funding[FundingLine.Source.OTHER_PUBLIC],
        private_cents=funding[FundingLine.Source.PRIVATE],
        shares=shares,
        commits_to_evaluate=application.commits_to_evaluate,
    )


def rules_result(application: Application) -> rules.Result:
    return rules.check(figures_of(application), rules.Limits.of(application.call))


def application_with_figures(pk: int) -> Application:
    return Application.objects.with_figures().prefetch_related("challenges", "territories").get(pk=pk)


def applications_for_collectivities(organisation_ids):
    return (
        Application.objects.visible_to_collectivities(organisation_ids)
        .select_related("call__programme", "lead")
        .prefetch_related("participants__organisation")
        .order_by("-created_at")
    )


def submitted_applications():
    """Every file but the drafts, for staff."""
    return (
        Application.objects.exclude(status=Application.Status.DRAFT)
        .select_related("call__programme", "lead")
        .prefetch_related("participants__organisation")
        .order_by("-created_at")
    )


def committed_cents(call: Call) -> int:
    return (
        Decision.objects.filter(application__call=call, outcome=Decision.Outcome.FUNDED).aggregate(
            total=Sum("amount_cents")
        )["total"]
        or 0
    )


@dataclass
class RankingRow:
    application: Application
    average: Decimal | None  # weighted, over reviewers who submitted
    spread: Decimal | None  # highest minus lowest reviewer average
    disagreement: bool
    reviews_submitted: int
    reviews_expected: int
    request_cents: int
    capped_cents: int
    cumulative_cents: int = 0
    within_envelope: bool = True
    rules_result: rules.Result | None = None


def ranking(call: Call) -> list[RankingRow]:
    """Applications under review or decided, best weighted average first, with the cumulative requested
    (capped) amounts against the envelope. A fixed number of queries whatever the number of files; each
    reviewer's weighted average is summed in SQL (no score rows loaded)."""
    submitted = (
        Assignment.objects.filter(submitted_at__isnull=False, conflict_declared_at__isnull=True)
        .annotate(
            weighted=Sum(F("scores__value") * F("scores__criterion__weight")),
            weight=Sum("scores__criterion__weight"),
        )
        .only("id", "application_id")
    )
    applications = (
        Application.objects.filter(
            call=call,
            status__in=[Application.Status.ELIGIBLE, Application.Status.FUNDED, Application.Status.REFUSED],
        )
        .select_related("call__programme", "lead", "decision")
        .prefetch_related(
            "participants__organisation",
            "budget_lines",
            "funding_lines",
            Prefetch("assignments", queryset=submitted, to_attr="submitted_assignments"),
        )
        .annotate(assignment_count=Count("assignments", filter=Q(assignments__conflict_declared_at__isnull=True)))
    )
    limits = rules.Limits.of(call)
    rows = []
    for application in applications:
        averages = [Decimal(x.weighted) / Decimal(x.weight) for x in application.submitted_assignments if x.weight]
        average = sum(averages) / len(averages) if averages else None
        spread = (max(averages) - min(averages)) if len(averages) > 1 else None
        figures = figures_of(application)
        result = rules.check(figures, limits)
        rows.append(
            RankingRow(
                application=application,
                average=average.quantize(Decimal("0.01"), ROUND_HALF_UP) if average is not None else None,
                spread=spread.quantize(Decimal("0.01"), ROUND_HALF_UP) if spread is not None else None,
                disagreement=spread is not None and spread >= call.disagreement_threshold,
                reviews_submitted=len(averages),
                reviews_expected=application.assignment_count,
                request_cents=figures.request_cents,
                capped_cents=result.capped_amount_cents,
                rules_result=result,
            )
        )
    rows.sort(key=lambda r: (r.average is None, -(r.average or 0), r.application.title))
    cumulative = 0
    for row in rows:
        decided = getattr(row.application, "decision", None)
        if decided is not None and decided.outcome == Decision.Outcome.REFUSED:
            row.cumulative_cents = cumulative
            continue
        cumulative += decided.amount_cents if decided is not None else row.capped_cents
        row.cumulative_cents = cumulative
        row.within_envelope = cumulative <= call.envelope_cents
    return rows


def funded_projects():
    return (
        Application.objects.funded()
        .select_related("call__programme", "lead__territory", "decision")
        .prefetch_related("challenges", "territories", "participants__organisation")
        .order_by("-call__year", "title")
    )


def published_evaluations(application):
    """The evaluation and final reports a funded project has delivered: public, since the SMAN wants these
    lessons shared with every collectivity (§4.2.1.1: « les évaluations conduites doivent enrichir le centre
    de ressources »)."""
    return application.reports.filter(
        kind__in=[FollowUpReport.Kind.EVALUATION, FollowUpReport.Kind.FINAL], submitted_at__isnull=False
    ).order_by("due_on")


def reviewer_assignments(user):
    return (
        Assignment.objects.filter(reviewer=user)
        .select_related("application__call__programme", "application__lead")
        .order_by("submitted_at", "-assigned_at")
    )


def late_reports(today: date):
    return FollowUpReport.objects.filter(submitted_at__isnull=True, due_on__lt=today).select_related(
        "application__lead"
    )


def working_groups():
    return WorkingGroup.objects.filter(is_active=True).annotate(member_count=Count("members"))


def collectivities_in_groups(organisation_ids) -> set[int]:
    return set(
        Organisation.objects.filter(id__in=organisation_ids, fmin_groups__isnull=False).values_list("id", flat=True)
    )


def carried_within(territory) -> Q:
    """Applications carried by a collectivity of ``territory`` or within it, as lead or as co-applicant."""
    co_carried = Participant.objects.filter(Territory.objects.within_q(territory, "organisation__territory"))
    return Territory.objects.within_q(territory, "lead__territory") | Q(pk__in=co_carried.values("application"))


def totals(until: date | None = None, territory=None, programme: str = FMIN_PROGRAMME) -> dict:
    """Figures for the indicators and the public page: the Métropole's (None), or those of the applications
    carried by collectivities of ``territory`` or within it (``carried_within``), the grants committed being
    counted in full for the lead's territory only. The envelope is the Métropole's whatever the territory.
    Only the calls of ``programme`` (a slug: the FMIN unless told) count."""
    until = until or date.today()
    applications = Application.objects.filter(submitted_at__date__lte=until, call__programme__slug=programme)
    funded = Decision.objects.filter(
        outcome=Decision.Outcome.FUNDED, decided_at__date__lte=until, application__call__programme__slug=programme
    )
    evaluations = FollowUpReport.objects.filter(
        kind=FollowUpReport.Kind.EVALUATION, submitted_at__date__lte=until, application__call__programme__slug=programme
    )
    committed = funded
    if territory is not None:
        carried = Application.objects.filter(carried_within(territory))
        applications = applications.filter(pk__in=carried.values("pk"))
        funded = funded.filter(application__in=carried.values("pk"))
        evaluations = evaluations.filter(application__in=carried.values("pk"))
        committed = committed.filter(Territory.objects.within_q(territory, "application__lead__territory"))
    envelope = Call.objects.filter(is_published=True, opens_on__lte=until, programme__slug=programme).aggregate(
        total=Sum("envelope_cents")
    )["total"]
    funded_apps = Application.objects.filter(decision__in=funded)
    return {
        "applications": applications.count(),
        "funded": funded.count(),
        "committed_cents": committed.aggregate(total=Sum("amount_cents"))["total"] or 0,
        "envelope_cents": envelope or 0,
        # The Explorateurs project that started a file (explorateurs.Project.fmin_application) says it came from
        # the programme (SMAN §4.2.2.1: « près de 70 % des projets retenus … sont issus du programme »).
        "funded_from_explorateurs": funded_apps.filter(explorateurs_project__isnull=False).count(),
        "evaluations": evaluations.count(),
    }


def application_carriers(programme: str = FMIN_PROGRAMME):
    """``(territory id, application id)`` of every application's lead and co-applicants, in one query."""
    leads = Application.objects.filter(call__programme__slug=programme).order_by().values_list("lead__territory", "pk")
    co = Participant.objects.filter(application__call__programme__slug=programme)
    return leads.union(co.order_by().values_list("organisation__territory", "application"))


def application_facts(*, until: date, programme: str = FMIN_PROGRAMME):
    """What totals() counts, per application of ``programme``, in one query: submitted until ``until``, funded
    until then (and the grant), from the Explorateurs, its evaluation reports submitted until then, its lead's
    territory."""
    funded = Q(decision__outcome=Decision.Outcome.FUNDED, decision__decided_at__date__lte=until)
    return (
        Application.objects.filter(call__programme__slug=programme)
        .order_by()
        .annotate(
            submitted=ExpressionWrapper(Q(submitted_at__date__lte=until), output_field=BooleanField()),
            funded=ExpressionWrapper(funded, output_field=BooleanField()),
            from_explorateurs=ExpressionWrapper(Q(explorateurs_project__isnull=False), output_field=BooleanField()),
            evaluations=Count(
                "reports",
                filter=Q(reports__kind=FollowUpReport.Kind.EVALUATION, reports__submitted_at__date__lte=until),
            ),
        )
        .values(
            "pk", "submitted", "funded", "from_explorateurs", "evaluations",
            lead_territory=F("lead__territory"), grant_cents=F("decision__amount_cents"),
        )
    )  # fmt: skip

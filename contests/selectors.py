"""Reads of prizes and contests, with the joins their pages need."""

from dataclasses import dataclass, field
from decimal import Decimal
from statistics import mean, pstdev

from django.db.models import Count, Prefetch, Q

from marketplace.selectors import solutions_of_members
from resources.selectors import resources_of

from . import permissions
from .models import Contest, Entry, Evaluation, Juror


def public_contests():
    return (
        Contest.objects.public()
        .select_related("challenge")
        .annotate(entry_count=Count("entries", filter=Q(entries__withdrawn_at__isnull=True)))
        .order_by("-opens_on", "title", "pk")
    )


def contest_for_page(slug: str) -> Contest | None:
    return Contest.objects.select_related("challenge").prefetch_related("prizes", "criteria").filter(slug=slug).first()


def winners(contest: Contest):
    return (
        contest.entries.active()
        .filter(prize__isnull=False)
        .select_related("organisation", "user", "prize", "solution", "resource")
        .order_by("prize__position", "prize__pk")
    )


def entries_of(user):
    """« Mes candidatures »: the entries of the user and of the organisations they act for."""
    org_ids = permissions.organisation_ids_of(user)
    return (
        Entry.objects.filter(Q(user=user) | Q(organisation_id__in=org_ids))
        .select_related("contest", "organisation", "user", "prize", "solution", "resource")
        .order_by("-submitted_at", "-pk")
    )


def solutions_for_entry(organisation_ids):
    return solutions_of_members(organisation_ids).filter(status="published")


def resources_for_entry(user):
    return resources_of(user).filter(current_version__isnull=False)


@dataclass
class Ranked:
    entry: Entry
    totals: list[Decimal] = field(default_factory=list)
    average: Decimal | None = None
    spread: Decimal | None = None  # max − min of the jurors' totals: where the jury disagrees
    deviation: Decimal | None = None
    mine: Evaluation | None = None
    conflicted: bool = False


def ranking(contest: Contest, *, juror: Juror | None = None) -> list[Ranked]:
    """The active entries with their jurors' weighted totals, average and disagreement, best average first
    (entries not scored yet last). ``juror``: marks their own evaluation and the entries they may not score."""
    evaluations = Evaluation.objects.select_related("juror")
    entries = (
        contest.entries.active()
        .select_related("organisation", "user", "solution", "resource")
        .prefetch_related(Prefetch("evaluations", queryset=evaluations))
        .order_by("submitted_at", "pk")
    )
    recused = set(juror.recusals.values_list("pk", flat=True)) if juror else set()
    rows = []
    for entry in entries:
        row = Ranked(entry)
        row.totals = [e.total for e in entry.evaluations.all()]
        if row.totals:
            row.average = Decimal(mean(row.totals)).quantize(Decimal("0.01"))
            row.spread = max(row.totals) - min(row.totals)
            row.deviation = Decimal(pstdev(row.totals)).quantize(Decimal("0.01"))
        if juror is not None:
            row.mine = next((e for e in entry.evaluations.all() if e.juror_id == juror.pk), None)
            row.conflicted = permissions.is_conflicted(juror, entry, recused)
        rows.append(row)
    rows.sort(key=lambda r: (r.average is None, -(r.average or 0), r.entry.submitted_at))
    return rows


def juries_of(user):
    return Juror.objects.filter(user=user).exclude(contest__status=Contest.Status.DRAFT).select_related("contest")


def to_score_count(juror: Juror) -> int:
    """Active entries of a deliberating contest the juror may score and has not scored yet."""
    if juror.contest.status != Contest.Status.JUDGING:
        return 0
    recused = set(juror.recusals.values_list("pk", flat=True))
    pending = juror.contest.entries.active().exclude(evaluations__juror=juror).select_related("organisation")
    return sum(1 for entry in pending if not permissions.is_conflicted(juror, entry, recused))


def awards_of(obj) -> list[Entry]:
    """The published prizes won by a marketplace solution or a resource (« lauréat du prix … »)."""
    field_name = {"solution": "solution", "resource": "resource"}.get(obj._meta.model_name)
    if field_name is None:
        return []
    return list(
        Entry.objects.filter(
            **{field_name: obj},
            prize__isnull=False,
            withdrawn_at__isnull=True,
            contest__status=Contest.Status.PUBLISHED,
        )
        .select_related("prize", "contest")
        .order_by("-contest__results_published_at")
    )

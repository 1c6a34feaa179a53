"""Indicators of the prizes and contests (actions #6 and #7): entries received and winners, per territory of
the candidate (the organisation's territory; for a contributor, the territory of their resource's
organisation). An entry without a territory counts for the Métropole only."""

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from sman.indicators import TerritoryTree, register
from sman.models import Territory

from .models import Contest, Entry


def _end_of(today: date) -> datetime:
    return timezone.make_aware(datetime.combine(today, time.max))


def _entries(today: date, *, winners: bool):
    entries = Entry.objects.filter(submitted_at__lte=_end_of(today), withdrawn_at__isnull=True)
    if winners:
        entries = entries.filter(
            prize__isnull=False,
            contest__status=Contest.Status.PUBLISHED,
            contest__results_published_at__lte=_end_of(today),
        )
    return entries


def _indicator(winners: bool):
    def per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
        rows = _entries(today, winners=winners).order_by().values("territory").annotate(n=Count("pk"))
        return {pk: Decimal(f["n"]) for pk, f in tree.sum_up(rows, "territory").items()}

    def compute(today: date, territory=None) -> Decimal:
        entries = _entries(today, winners=winners)
        if territory is not None:
            entries = entries.filter(Territory.objects.within_q(territory, field="territory"))
        return Decimal(entries.count())

    return per_territory, compute


for _winners, _key, _label, _unit in (
    (False, "contests.entries", "Candidatures aux prix et concours", "candidatures"),
    (True, "contests.winners", "Lauréats des prix et concours", "lauréats"),
):
    _batch, _compute = _indicator(_winners)
    _compute.__doc__ = f"{_label} until ``today``, by the candidate's territory."
    register(_key, label=_label, unit=_unit, per_territory=_batch)(_compute)

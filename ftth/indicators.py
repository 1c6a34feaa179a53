"""The indicator of action #2 that the COPIL follows, for the Métropole and for each commune and EPT."""

from datetime import date
from decimal import Decimal

from sman.indicators import TerritoryTree, register

from . import selectors
from .models import coverage_rate


def _rate(rate: float | None) -> Decimal:
    return Decimal(str(rate)) if rate is not None else Decimal(0)


def premises_connectable_rate_per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
    """Every commune's figures in one grouped query, added up to its EPT and the Métropole: each rate is
    computed from its territory's sums of premises, not averaged over communes."""
    totals = tree.sum_up(selectors.coverage_per_commune(), "commune")
    return {
        pk: _rate(
            coverage_rate(
                premises=t["premises_total"], premises_connectable=t["premises_connectable"],
                buildings=t["building_count"], buildings_connectable=t["buildings_connectable"],
            )
        )
        for pk, t in totals.items()
    }  # fmt: skip


@register(
    "ftth.premises_connectable_rate",
    label="Logements raccordables à la fibre",
    unit="%",
    # A delegated commune's buildings are counted in its commune's.
    kinds=selectors.COVERAGE_KINDS,
    per_territory=premises_connectable_rate_per_territory,
)
def premises_connectable_rate(today: date, territory=None) -> Decimal:
    """The share of known premises that can be connected today, in a commune, an EPT or (None) the Métropole;
    0 where no building is known."""
    return _rate(selectors.coverage(territory)["rate"])

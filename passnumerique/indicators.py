"""Indicators the COPIL follows for action #3, for the Métropole and for each commune and EPT.

Where a ticket counts: tickets and hours are counted where they were delivered, in the territory of the
mediation place that redeemed the ticket (the place's organisation), as the Pass Numérique's dashboard and
map count them; beneficiaries where they live, their commune as the distributor recorded it. The ordering
funder's territory says who paid and which territory the booklets were meant for, not where the training
happened nor who received it, so it is not used.
"""

from datetime import date
from decimal import Decimal

from sman.indicators import TerritoryTree, register

from . import selectors


def _figures(today: date, tree: TerritoryTree) -> dict[int, dict]:
    """Tickets, hours and beneficiaries of every territory: two grouped queries, shared by the three indicators."""

    def compute():
        redeemed = tree.sum_up(selectors.redemptions_per_territory(until=today), "territory")
        reached = tree.sum_up(selectors.beneficiaries_per_territory(), "territory")
        return {pk: {**redeemed.get(pk, {}), **reached.get(pk, {})} for pk in redeemed.keys() | reached.keys()}

    return tree.memo(("passnumerique", today), compute)


def _per_territory(name: str):
    def per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
        return {pk: Decimal(figures.get(name, 0)) for pk, figures in _figures(today, tree).items()}

    return per_territory


@register(
    "passnumerique.tickets_redeemed",
    label="Tickets Pass Numérique utilisés",
    unit="tickets",
    per_territory=_per_territory("tickets_redeemed"),
)
def tickets_redeemed(today: date, territory=None) -> Decimal:
    """Tickets redeemed until ``today`` by the mediation places of ``territory`` (or within it)."""
    return Decimal(selectors.totals(until=today, territory=territory)["tickets_redeemed"])


@register(
    "passnumerique.hours_delivered",
    label="Heures de formation délivrées (Pass Numérique)",
    unit="heures",
    per_territory=_per_territory("hours_delivered"),
)
def hours_delivered(today: date, territory=None) -> Decimal:
    """Training hours of the tickets redeemed until ``today`` by the mediation places of ``territory``."""
    return Decimal(selectors.totals(until=today, territory=territory)["hours_delivered"])


@register(
    "passnumerique.beneficiaries_reached",
    label="Bénéficiaires du Pass Numérique",
    unit="personnes",
    per_territory=_per_territory("beneficiaries"),
)
def beneficiaries_reached(today: date, territory=None) -> Decimal:
    """Beneficiaries who received a booklet and live in ``territory`` (their commune, or within the EPT)."""
    return Decimal(selectors.totals(until=today, territory=territory)["beneficiaries"])

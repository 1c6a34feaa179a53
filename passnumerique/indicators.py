"""Indicators the COPIL follows for action #3 (registered in actions' registry)."""

from datetime import date
from decimal import Decimal

from actions.registry import register

from . import selectors


@register("passnumerique.tickets_redeemed", label="Tickets Pass Numérique utilisés", unit="tickets")
def tickets_redeemed(today: date) -> Decimal:
    return Decimal(selectors.totals(until=today)["tickets_redeemed"])


@register("passnumerique.hours_delivered", label="Heures de formation délivrées (Pass Numérique)", unit="heures")
def hours_delivered(today: date) -> Decimal:
    return Decimal(selectors.totals(until=today)["hours_delivered"])


@register("passnumerique.beneficiaries_reached", label="Bénéficiaires du Pass Numérique", unit="personnes")
def beneficiaries_reached(today: date) -> Decimal:
    return Decimal(selectors.totals(until=today)["beneficiaries"])

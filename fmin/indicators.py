"""Indicators the COPIL follows for action #10 (registered in actions' registry)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from actions.registry import register

from . import selectors


def _rate(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@register("fmin.applications_received", label="Candidatures FMIN déposées", unit="candidatures")
def applications_received(today: date) -> Decimal:
    return Decimal(selectors.totals(until=today)["applications"])


@register("fmin.projects_funded", label="Projets financés par le FMIN", unit="projets")
def projects_funded(today: date) -> Decimal:
    return Decimal(selectors.totals(until=today)["funded"])


@register("fmin.amount_committed", label="Subventions FMIN engagées", unit="€")
def amount_committed(today: date) -> Decimal:
    return Decimal(selectors.totals(until=today)["committed_cents"]) / 100


@register("fmin.envelope_committed_rate", label="Part de l'enveloppe FMIN engagée", unit="%")
def envelope_committed_rate(today: date) -> Decimal:
    totals = selectors.totals(until=today)
    return _rate(totals["committed_cents"], totals["envelope_cents"])


@register("fmin.share_from_explorateurs", label="Part des projets financés issus des Explorateurs", unit="%")
def share_from_explorateurs(today: date) -> Decimal:
    totals = selectors.totals(until=today)
    return _rate(totals["funded_from_explorateurs"], totals["funded"])


@register("fmin.evaluations_delivered", label="Rapports d'évaluation FMIN remis", unit="rapports")
def evaluations_delivered(today: date) -> Decimal:
    return Decimal(selectors.totals(until=today)["evaluations"])

"""The indicator of action #2 that the COPIL follows."""

from datetime import date
from decimal import Decimal

from actions.registry import register

from . import selectors


@register("ftth.premises_connectable_rate", label="Logements raccordables à la fibre (Métropole)", unit="%")
def premises_connectable_rate(today: date) -> Decimal:
    rate = selectors.coverage()["rate"]
    return Decimal(str(rate)) if rate is not None else Decimal(0)

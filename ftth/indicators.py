"""The indicator of action #2 that the COPIL follows, for the Métropole and for each commune and EPT."""

from datetime import date
from decimal import Decimal

from actions.registry import register

from . import selectors


@register("ftth.premises_connectable_rate", label="Logements raccordables à la fibre (Métropole)", unit="%")
def premises_connectable_rate(today: date, territory=None) -> Decimal:
    """The share of known premises that can be connected today, in a commune, an EPT or (None) the Métropole;
    0 where no building is known."""
    rate = selectors.coverage(territory)["rate"]
    return Decimal(str(rate)) if rate is not None else Decimal(0)

"""Indicators this app computes from the portal's own data."""

from datetime import date
from decimal import Decimal

from sman import selectors as sman_selectors

from .registry import register


@register("actions.share_on_schedule", label="Part des actions actives sans retard", unit="%")
def share_on_schedule(today: date) -> Decimal:
    from .models import Action
    from .rules import schedule_delay

    actions = list(Action.objects.active().prefetch_related("milestones"))
    if not actions:
        return Decimal(0)
    on_time = sum(1 for a in actions if not schedule_delay(a.milestones.all(), today))
    return (Decimal(on_time) * 100 / len(actions)).quantize(Decimal("0.1"))


@register("sman.collectivities_with_agents", label="Collectivités ayant au moins un agent inscrit", unit="nombre")
def collectivities_with_agents(today: date) -> Decimal:
    return Decimal(sman_selectors.collectivities_with_members_count())

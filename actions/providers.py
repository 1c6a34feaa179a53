"""Indicators this app computes from the portal's own data."""

from datetime import date
from decimal import Decimal

from sman import selectors as sman_selectors
from sman.indicators import TerritoryTree, register


@register(
    "actions.share_on_schedule",
    label="Part des actions actives sans retard, parmi celles dont le suivi est renseigné",
    unit="%",
    territorial=False,
    reason="Les actions de la feuille de route sont métropolitaines : aucune n'est rattachée à un territoire.",
)
def share_on_schedule(today: date) -> Decimal:
    """Among the active actions whose follow-up is entered, the share without delay: an action nobody
    reported on is neither late nor on time (actions/rules.py)."""
    from .models import Action
    from .rules import follow

    follows = [follow(a, today) for a in Action.objects.active().prefetch_related("milestones", "budget_lines")]
    reported = [f for f in follows if f.reported]
    if not reported:
        return Decimal(0)
    on_time = sum(1 for f in reported if not f.delay)
    return (Decimal(on_time) * 100 / len(reported)).quantize(Decimal("0.1"))


def collectivities_with_agents_per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
    counts = tree.sum_up(sman_selectors.collectivities_with_members_per_territory(), "territory")
    return {pk: Decimal(figures["count"]) for pk, figures in counts.items()}


@register(
    "sman.collectivities_with_agents",
    label="Collectivités ayant au moins un agent inscrit",
    unit="nombre",
    per_territory=collectivities_with_agents_per_territory,
)
def collectivities_with_agents(today: date, territory=None) -> Decimal:
    """The collectivities of ``territory`` and within it (an EPT: itself and its communes) that have at least
    one agent; each collectivity administers one territory, so an EPT's count is its own plus its communes'."""
    return Decimal(sman_selectors.collectivities_with_members_count(territory))

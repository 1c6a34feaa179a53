"""Voting rules of a participatory budget: pure functions over integers (amounts in cents).

Sheet #6 of Annex 2 (roadmap action #5) asks for a platform « disposant de nombreuses fonctionnalités pour
animer des budgets participatifs »; each budget chooses its rule:

- approval: the voter picks between 1 and ``max_projects`` projects, whatever their cost;
- basket: the voter fills a basket whose total cost stays within the budget's amount and spends at least
  ``min_share_percent`` of it (a basket of one cheap project does not say how to spend the budget).
"""

from dataclasses import dataclass

from sman.money import format_euros

APPROVAL = "approval"
BASKET = "basket"


@dataclass(frozen=True)
class BallotCheck:
    ok: bool
    message: str = ""
    total_cents: int = 0


def check_ballot(
    *, rule: str, costs: list[int], amount_cents: int, max_projects: int | None, min_share_percent: int
) -> BallotCheck:
    """Whether a ballot choosing projects of ``costs`` respects the budget's rule; the message says why not."""
    total = sum(costs)
    if not costs:
        return BallotCheck(False, "Choisissez au moins un projet.", total)
    if rule == APPROVAL:
        if max_projects is not None and len(costs) > max_projects:
            return BallotCheck(
                False,
                f"Vous pouvez choisir {max_projects} projet{'s' if max_projects > 1 else ''} au plus ; "
                f"vous en avez choisi {len(costs)}.",
                total,
            )
        return BallotCheck(True, "", total)
    if total > amount_cents:
        return BallotCheck(
            False,
            f"Votre panier ({format_euros(total)}) dépasse le montant du budget ({format_euros(amount_cents)}) : "
            "retirez un projet.",
            total,
        )
    minimum = amount_cents * min_share_percent // 100
    if total < minimum:
        return BallotCheck(
            False,
            f"Votre panier ({format_euros(total)}) doit dépenser au moins {min_share_percent} % du budget, "
            f"soit {format_euros(minimum)} : ajoutez un projet.",
            total,
        )
    return BallotCheck(True, "", total)


def winners(*, rule: str, projects: list[tuple[int, int, int]], amount_cents: int) -> list[int]:
    """The winning projects, ``projects`` being (id, cost, votes): by votes (ties: the cheaper, then the
    older), each taken while it fits in what remains of the amount (both rules: the budget is an envelope)."""
    remaining = amount_cents
    chosen = []
    for pk, cost, votes in sorted(projects, key=lambda p: (-p[2], p[1], p[0])):
        if votes and cost <= remaining:
            chosen.append(pk)
            remaining -= cost
    return chosen

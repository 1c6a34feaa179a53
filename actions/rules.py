"""Computed follow-up of an action: schedule deviation, budget deviation and the traffic light.

The rule is written once, here, and shown on the action page (``RULE_TEXT``). A deviation is computed only
from data someone entered: an action loaded from the SMAN with no follow-up data has no delay, no status and
no progress to show — its follow-up is « non renseigné » (``follow_reported``), not « non démarrée, 0 % ».
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

SCHEDULE_RED_DAYS = 90
BUDGET_RED_PERCENT = Decimal(10)

RULE_TEXT = (
    "Le suivi d'une action est renseigné dès que son responsable a saisi un statut autre que « non démarrée », "
    "un avancement, une note de suivi, la date de réalisation d'un jalon ou une ligne budgétaire ; tant qu'il ne "
    "l'est pas, l'action est « suivi non renseigné » et aucun retard n'est calculé. "
    f"Vert : aucun jalon en retard et aucun dépassement budgétaire. "
    f"Orange : au moins un jalon en retard (de 1 à {SCHEDULE_RED_DAYS} jours) ou un dépassement du budget alloué "
    f"jusqu'à {BUDGET_RED_PERCENT} %. "
    f"Rouge : un retard de plus de {SCHEDULE_RED_DAYS} jours, ou un dépassement de plus de {BUDGET_RED_PERCENT} % "
    "(ou une dépense sans budget alloué). "
    "Gris : ni jalon ni budget renseigné. Un jalon non réalisé est en retard dès que sa fin prévue est passée ; "
    "un jalon réalisé après sa fin prévue garde ce retard."
)


class Light:
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"
    LABELS = {GREEN: "dans les temps", AMBER: "à surveiller", RED: "en difficulté", GREY: "non renseigné"}
    NOT_REPORTED = "suivi non renseigné"


# The status an action is loaded with: keeping it says nothing about the action.
INITIAL_STATUS = "not_started"


def follow_reported(*, status: str, progress: int, notes: str, milestones, budget_lines) -> bool:
    """Whether someone entered follow-up data for the action: a status other than the initial one, a
    progress, notes, a milestone's actual date or a budget line. The reference data (the SMAN's planned
    milestones and budget estimate) is not follow-up."""
    return bool(
        status != INITIAL_STATUS
        or progress
        or notes.strip()
        or any(m.actual_date for m in milestones)
        or len(budget_lines)
    )


def milestone_delay(*, planned_end: date, actual_date: date | None, today: date) -> int:
    """Days late: for a done milestone, how late it was done; otherwise how late it is today."""
    reference = actual_date or today
    return max(0, (reference - planned_end).days)


def schedule_delay(milestones, today: date) -> int | None:
    """The action's delay is its worst milestone's; ``None`` when it has no milestone."""
    delays = [milestone_delay(planned_end=m.planned_end, actual_date=m.actual_date, today=today) for m in milestones]
    return max(delays) if delays else None


@dataclass(frozen=True)
class BudgetStatus:
    allocated_cents: int
    committed_cents: int
    spent_cents: int

    @property
    def known(self) -> bool:
        return bool(self.allocated_cents or self.committed_cents or self.spent_cents)

    @property
    def exact_deviation(self) -> Decimal | None:
        """Spending above (positive) or below (negative) the allocation, in %; None without allocation."""
        if not self.allocated_cents:
            return None
        return Decimal(self.spent_cents - self.allocated_cents) / self.allocated_cents * 100

    @property
    def deviation_percent(self) -> Decimal | None:
        """The deviation rounded for display; the flags use the exact value."""
        exact = self.exact_deviation
        return None if exact is None else exact.quantize(Decimal("0.1"))

    @property
    def overspent_without_allocation(self) -> bool:
        return not self.allocated_cents and self.spent_cents > 0


def budget_status(lines) -> BudgetStatus:
    lines = list(lines)
    return BudgetStatus(
        allocated_cents=sum(line.allocated_cents for line in lines),
        committed_cents=sum(line.committed_cents for line in lines),
        spent_cents=sum(line.spent_cents for line in lines),
    )


def schedule_flag(delay: int | None) -> str:
    if delay is None:
        return "unknown"
    if delay == 0:
        return "ok"
    return "at_risk" if delay <= SCHEDULE_RED_DAYS else "off_track"


def budget_flag(budget: BudgetStatus) -> str:
    if budget.overspent_without_allocation:
        return "off_track"
    deviation = budget.exact_deviation
    if deviation is None:
        return "unknown"
    if deviation <= 0:
        return "ok"
    return "at_risk" if deviation <= BUDGET_RED_PERCENT else "off_track"


def traffic_light(delay: int | None, budget: BudgetStatus) -> str:
    flags = {schedule_flag(delay), budget_flag(budget)}
    if "off_track" in flags:
        return Light.RED
    if "at_risk" in flags:
        return Light.AMBER
    if flags == {"unknown"}:
        return Light.GREY
    return Light.GREEN


@dataclass(frozen=True)
class Follow:
    """Everything computed for one action, ready for templates and reports."""

    delay: int | None
    budget: BudgetStatus
    schedule_flag: str
    budget_flag: str
    light: str
    reported: bool = True

    @property
    def light_label(self) -> str:
        return Light.LABELS[self.light] if self.reported else Light.NOT_REPORTED


def follow(action, today: date) -> Follow:
    """Uses the action's prefetched ``milestones`` and ``budget_lines``. Without follow-up data, no delay:
    a milestone nobody reported on is not late, its state is unknown."""
    milestones = list(action.milestones.all())
    budget_lines = list(action.budget_lines.all())
    reported = follow_reported(
        status=action.status, progress=action.progress, notes=action.notes, milestones=milestones,
        budget_lines=budget_lines,
    )  # fmt: skip
    delay = schedule_delay(milestones, today) if reported else None
    budget = budget_status(budget_lines)
    return Follow(delay, budget, schedule_flag(delay), budget_flag(budget), traffic_light(delay, budget), reported)

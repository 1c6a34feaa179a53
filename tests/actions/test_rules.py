"""Deviation and traffic-light rules on their edge cases (pure functions, no database)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from actions.rules import (
    Light,
    budget_flag,
    budget_status,
    follow,
    follow_reported,
    milestone_delay,
    schedule_delay,
    schedule_flag,
    traffic_light,
)

TODAY = date(2020, 6, 30)


@dataclass
class M:
    planned_end: date
    actual_date: date | None = None


@dataclass
class B:
    allocated_cents: int = 0
    committed_cents: int = 0
    spent_cents: int = 0


def test_no_milestone_means_no_schedule_information():
    assert schedule_delay([], TODAY) is None
    assert schedule_flag(None) == "unknown"


def test_milestone_without_actual_date():
    assert milestone_delay(planned_end=date(2020, 7, 31), actual_date=None, today=TODAY) == 0  # upcoming
    assert milestone_delay(planned_end=date(2020, 6, 30), actual_date=None, today=TODAY) == 0  # due today
    assert milestone_delay(planned_end=date(2020, 5, 31), actual_date=None, today=TODAY) == 30  # overdue


def test_done_milestones_keep_their_delay_and_early_is_not_negative():
    assert milestone_delay(planned_end=date(2019, 6, 30), actual_date=date(2019, 8, 14), today=TODAY) == 45
    assert milestone_delay(planned_end=date(2019, 6, 30), actual_date=date(2019, 5, 1), today=TODAY) == 0


def test_action_delay_is_the_worst_milestone():
    milestones = [M(date(2019, 4, 30), date(2019, 4, 1)), M(date(2020, 1, 31)), M(date(2020, 12, 31))]
    assert schedule_delay(milestones, TODAY) == 151
    assert schedule_flag(151) == "off_track"
    assert schedule_flag(90) == "at_risk"
    assert schedule_flag(0) == "ok"


def test_budget_deviation():
    on_budget = budget_status([B(100_000, 50_000, 80_000)])
    assert on_budget.deviation_percent == Decimal("-20.0") and budget_flag(on_budget) == "ok"
    slight = budget_status([B(100_000, spent_cents=60_000), B(100_000, spent_cents=145_000)])
    assert slight.allocated_cents == 200_000 and slight.deviation_percent == Decimal("2.5")
    assert budget_flag(slight) == "at_risk"
    overspend = budget_status([B(100_000, spent_cents=110_001)])
    assert budget_flag(overspend) == "off_track"


def test_zero_budget():
    nothing = budget_status([])
    assert not nothing.known and nothing.deviation_percent is None and budget_flag(nothing) == "unknown"
    zero_allocated_and_spent = budget_status([B()])
    assert budget_flag(zero_allocated_and_spent) == "unknown"
    spent_without_allocation = budget_status([B(spent_cents=1)])
    assert spent_without_allocation.overspent_without_allocation
    assert spent_without_allocation.deviation_percent is None
    assert budget_flag(spent_without_allocation) == "off_track"


def test_traffic_light():
    ok_budget = budget_status([B(10, spent_cents=5)])
    assert traffic_light(None, budget_status([])) == Light.GREY
    assert traffic_light(0, budget_status([])) == Light.GREEN
    assert traffic_light(None, ok_budget) == Light.GREEN
    assert traffic_light(10, ok_budget) == Light.AMBER
    assert traffic_light(91, ok_budget) == Light.RED
    assert traffic_light(0, budget_status([B(spent_cents=1)])) == Light.RED


class _Related(list):
    def all(self):
        return self


@dataclass
class A:
    """An action as ``follow`` reads it: loaded from the SMAN, nothing entered."""

    milestones: _Related
    budget_lines: _Related
    status: str = "not_started"
    progress: int = 0
    notes: str = ""


def _action(milestones=(), budget_lines=(), **fields) -> A:
    return A(_Related(milestones), _Related(budget_lines), **fields)


def test_follow_up_is_reported_only_by_data_someone_entered():
    overdue = [M(date(2019, 4, 30)), M(date(2019, 6, 30))]
    assert not follow_reported(status="not_started", progress=0, notes=" ", milestones=overdue, budget_lines=[])
    for entered in (
        {"status": "in_progress"},
        {"progress": 10},
        {"notes": "Convention signée."},
        {"milestones": [M(date(2019, 4, 30), date(2019, 5, 2))]},
        {"budget_lines": [B(100)]},
    ):
        figures = {"status": "not_started", "progress": 0, "notes": "", "milestones": overdue, "budget_lines": []}
        assert follow_reported(**(figures | entered)), entered


def test_no_delay_is_computed_from_missing_actual_dates():
    """Loaded from the SMAN, planned in 2019, nothing entered: no « Retard 2772 jours », no « 0 % »."""
    loaded = follow(_action([M(date(2019, 4, 30)), M(date(2020, 12, 31))]), date(2026, 12, 1))
    assert not loaded.reported and loaded.delay is None and loaded.schedule_flag == "unknown"
    assert loaded.light == Light.GREY and loaded.light_label == "suivi non renseigné"


def test_once_follow_up_is_entered_an_undone_overdue_milestone_is_late():
    action = _action([M(date(2019, 4, 30), date(2019, 5, 10)), M(date(2020, 1, 31))], status="in_progress")
    followed = follow(action, TODAY)
    assert followed.reported and followed.delay == 151 and followed.light == Light.RED
    assert followed.light_label == "en difficulté"
    on_time = follow(_action([M(date(2020, 12, 31))], progress=20), TODAY)
    assert on_time.delay == 0 and on_time.light == Light.GREEN

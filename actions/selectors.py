"""Reads of the roadmap and the COPIL, with the joins they need (fixed query counts)."""

from django.db.models import Prefetch
from django.utils import timezone

from sman.models import Challenge, Territory
from sman.modules import ACTIONS_ROADMAP, module_of_action
from sman.modules import action_panels as module_action_panels

from .models import Action, ActionReview, CopilSession, Indicator, IndicatorValue, Report, Roadmap
from .rules import follow


def roadmaps():
    return Roadmap.objects.all()


def plan_grid():
    """Défis × roadmaps, as the roadmap table of the SMAN: rows of (challenge, [actions per roadmap])."""
    all_roadmaps = list(Roadmap.objects.exclude(status=Roadmap.Status.DRAFT))
    actions = Action.objects.select_related("roadmap").order_by("number")
    challenges = Challenge.objects.prefetch_related("workstreams", Prefetch("actions", queryset=actions))
    rows = []
    for challenge in challenges:
        cells = [[a for a in challenge.actions.all() if a.roadmap_id == r.id] for r in all_roadmaps]
        rows.append((challenge, cells))
    return all_roadmaps, rows


def action_by_number(roadmap_code: str, number: int):
    return (
        Action.objects.with_related()
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.select_related("owner").prefetch_related(
                    Prefetch(
                        "values",
                        queryset=IndicatorValue.objects.for_metropole().select_related("author").order_by("date"),
                    )
                ),
            ),
            Prefetch(
                "reviews",
                queryset=ActionReview.objects.select_related("session", "decided_by").order_by(
                    "-session__date", "-created_at"
                ),
            ),
        )
        .filter(roadmap__code=roadmap_code, number=number)
        .first()
    )


def action_module(action) -> dict | None:
    """The portal module that implements ``action``, as its module declares it (``ModuleConfig.action_numbers``,
    numbers of the 2019-2020 roadmap table): ``{"label", "url"}``, or None where no module is built."""
    if action.roadmap.code != ACTIONS_ROADMAP:
        return None
    return module_of_action(action.number)


def action_panels(action) -> list[tuple[str, dict]]:
    """What the modules implementing ``action`` show on its page (``ModuleConfig.action_panel``)."""
    if action.roadmap.code != ACTIONS_ROADMAP:
        return []
    return module_action_panels(action.number)


def indicator_series(indicator: Indicator, territory: Territory | None = None):
    """The values of ``indicator`` for ``territory`` by date: None or the Métropole's territory, the Métropole's
    (typed in and computed), as the action's page shows them; an EPT, a commune or a delegated commune, the
    values computed for it (none where the provider computes the Métropole's value only)."""
    return IndicatorValue.objects.filter(indicator=indicator).for_territory(territory).order_by("date", "pk")


def latest_opinions(actions) -> dict[int, ActionReview]:
    """The latest review with an opinion, per action id (one query)."""
    reviews = (
        ActionReview.objects.filter(action__in=actions)
        .exclude(opinion="")
        .select_related("session")
        .order_by("action_id", "-session__date", "-created_at")
        .distinct("action_id")
    )
    return {r.action_id: r for r in reviews}


def dashboard_actions(queryset=None):
    queryset = queryset if queryset is not None else Action.objects.all()
    return queryset.with_related().order_by("roadmap__start_year", "number")


def with_follow(actions, today=None):
    """Attach the computed follow-up (delay, budget, light) and the latest opinion to each action."""
    today = today or timezone.localdate()
    actions = list(actions)
    opinions = latest_opinions(actions)
    for action in actions:
        action.follow = follow(action, today)
        action.latest_review = opinions.get(action.id)
    return actions


def sessions():
    return CopilSession.objects.all()


def session_detail(pk: int):
    return (
        CopilSession.objects.prefetch_related(
            "attendees",
            "recommendations__author",
            Prefetch(
                "reviews",
                queryset=ActionReview.objects.select_related("action", "action__roadmap", "decided_by", "corrects")
                .prefetch_related("action__owners")
                .order_by("action__number", "created_at"),
            ),
            Prefetch("reports", queryset=Report.objects.order_by("-created_at")),
        )
        .filter(pk=pk)
        .first()
    )


def effective_reviews(session) -> list[ActionReview]:
    """One review per action: the latest correction if any, else the original."""
    latest: dict[int, ActionReview] = {}
    for review in session.reviews.all():
        current = latest.get(review.action_id)
        if current is None or review.created_at >= current.created_at:
            latest[review.action_id] = review
    return sorted(latest.values(), key=lambda r: r.action.number)


def semesters_without_session(today=None, first_year: int = 2019) -> list[tuple[int, int]]:
    """Semesters from 2019 up to the current one that have no COPIL session (SMAN §4.1: one per semester)."""
    today = today or timezone.localdate()
    held = set(CopilSession.objects.values_list("year", "semester"))
    current = (today.year, 1 if today.month <= 6 else 2)
    missing = []
    for year in range(first_year, today.year + 1):
        for semester in (1, 2):
            if (year, semester) <= current and (year, semester) not in held:
                missing.append((year, semester))
    return missing


def change_history(action, limit: int = 30) -> list[dict]:
    """Who changed what and when on an action, its milestones and budget lines (before → after)."""
    from .models import BudgetLine, Milestone

    entries = []
    sources = [
        (action.history.select_related("history_user"), "Action"),
        (Milestone.history.filter(action_id=action.pk).select_related("history_user"), "Jalon"),
        (BudgetLine.history.filter(action_id=action.pk).select_related("history_user"), "Budget"),
    ]
    for queryset, label in sources:
        records = list(queryset.order_by("id", "history_date"))
        previous_by_object = {}
        for record in records:
            previous = previous_by_object.get(record.id)
            if previous is not None:
                delta = record.diff_against(previous)
                changes = [_readable_change(record.instance, c) for c in delta.changes]
                if changes:
                    entries.append({"when": record.history_date, "who": record.history_user, "what": label,
                                    "object": str(record.instance), "changes": changes})  # fmt: skip
            previous_by_object[record.id] = record
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


def _readable_change(instance, change) -> tuple[str, object, object]:
    """(« avancement (%) », 0, 35), (« statut », « non démarrée », « en cours »): what people read."""
    field = instance._meta.get_field(change.field)
    choices = dict(field.flatchoices) if field.choices else {}
    return (str(field.verbose_name), choices.get(change.old, change.old), choices.get(change.new, change.new))

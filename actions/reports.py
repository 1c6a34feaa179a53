"""The semi-annual evaluation report: HTML templates rendered to PDF by WeasyPrint.

Report CSS is kept small (static/css/report.css) and tables are split per action, which keeps
rendering fast (see bench/copil_report.py).

Content (issue #14): cover, table of contents with page numbers, executive summary (traffic lights, delays,
budget, this session's opinions against the previous session's), one section per action (sheet in brief,
milestones, budget, indicators with a text alternative, the module's computed figures, the owner's
presentation, the opinion, what changed since the previous session), the territories (every territorial
computed indicator per EPT, per commune in an annex, with the Métropole's figure beside), the
recommendations and the indicators' values.
"""

import base64
import re
from collections import Counter
from datetime import date

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from sman import modules
from sman.documents import render_pdf
from sman.money import euros_decimal

from . import charts, selectors
from .models import ActionReview, CopilSession, Indicator, IndicatorValue
from .report_figures import RegistryFigures
from .rules import RULE_TEXT, Light

# A series longer than this (computed values are recorded every day) is shown by the last value of each
# month, in the chart and in the annex: a year of daily points would say no more and cost pages.
MAX_POINTS = 24

OPINION_ROWS = [*ActionReview.Opinion.choices, ("", "avis non rendu")]


_SVG_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S)


def as_image(svg: str) -> SafeString:
    """A chart as an ``<img>`` of SVG rather than inline markup: WeasyPrint then draws it without cascading
    the HTML's CSS over each of its elements (thousands per report), which was half the layout time. The
    chart's title, already escaped, is its ``alt``; its figures are in the text after it."""
    match = _SVG_TITLE.search(svg)
    alt = match.group(1) if match else ""
    data = base64.b64encode(svg.encode()).decode("ascii")
    return mark_safe(f'<img class="chart" alt="{alt}" src="data:image/svg+xml;base64,{data}">')


def previous_session(session) -> CopilSession | None:
    """The last session held before this one."""
    return CopilSession.objects.filter(date__lt=session.date).exclude(pk=session.pk).order_by("-date", "-pk").first()


def _with_reviews(*sessions) -> None:
    reviews = ActionReview.objects.select_related("action").order_by("action__number", "created_at")
    prefetch_related_objects([s for s in sessions if s], Prefetch("reviews", queryset=reviews))


def monthly(values: list) -> tuple[list, bool]:
    """``values`` sorted by date, reduced to the last value of each month when there are too many."""
    values = sorted(values, key=lambda v: (v.date, v.pk or 0))
    if len(values) <= MAX_POINTS:
        return values, False
    last_of_month = {}
    for value in values:
        last_of_month[(value.date.year, value.date.month)] = value
    return list(last_of_month.values()), True


def _indicators_by_action(actions) -> dict[int, list]:
    indicators = (
        Indicator.objects.filter(action__in=actions)
        .select_related("action")
        .prefetch_related(Prefetch("values", queryset=IndicatorValue.objects.for_metropole()))
        .order_by("action__number", "kind", "name")
    )
    by_action: dict[int, list] = {}
    for indicator in indicators:
        indicator.sorted_values, indicator.sampled = monthly(list(indicator.values.all()))
        points = [(v.date, v.value) for v in indicator.sorted_values]
        # The action in the title: a chart's ids derive from it and must be unique in the document.
        indicator.chart = as_image(charts.line_chart(
            points, title=f"Action #{indicator.action.number} – {indicator.name}", unit=indicator.unit,
            target=indicator.target_value,
        ))  # fmt: skip
        indicator.text_alternative = charts.line_summary(points, unit=indicator.unit, target=indicator.target_value)
        if points and indicator.target_value:
            indicator.target_share = charts.fr_number(points[-1][1] * 100 / indicator.target_value, 0)
        by_action.setdefault(indicator.action_id, []).append(indicator)
    return by_action


def _changes(action, review, before: ActionReview | None, since: date | None, until: date) -> dict:
    """What changed for ``action`` since the previous session: opinion, progress, milestones completed."""
    if since is None:
        return {"first": True}
    done = [m for m in action.milestones.all() if m.actual_date and since < m.actual_date <= until]
    return {
        "first": False,
        "reviewed": before is not None,
        "opinion_before": before.get_opinion_display() if before and before.opinion else "",
        "opinion_changed": before is not None and before.opinion != review.opinion,
        "progress_before": before.progress if before else None,
        "progress_delta": _points(review.progress - before.progress) if before else "",
        "milestones_done": sorted(done, key=lambda m: m.actual_date),
    }


def _points(delta: int) -> str:
    """« +5 points », « 0 point », « −1 point » (French puts 0 and 1 in the singular)."""
    sign = "+" if delta > 0 else "−" if delta < 0 else ""
    return f"{sign}{abs(delta)} point{'s' if abs(delta) > 1 else ''}"


def _opinions_table(reviews, previous_reviews) -> list[dict]:
    now = Counter(r.opinion for r in reviews)
    before = Counter(r.opinion for r in previous_reviews)
    return [{"label": label, "before": before[key], "now": now[key]} for key, label in OPINION_ROWS]


def _executive_summary(sections) -> dict:
    lights = Counter(s["action"].follow.light for s in sections)
    budgets = [s["action"].follow.budget for s in sections]
    allocated = sum(b.allocated_cents for b in budgets)
    spent = sum(b.spent_cents for b in budgets)
    return {
        "lights": [(key, Light.LABELS[key], lights[key]) for key in (Light.GREEN, Light.AMBER, Light.RED, Light.GREY)],
        "late": [s for s in sections if s["action"].follow.delay],
        "allocated_cents": allocated,
        "committed_cents": sum(b.committed_cents for b in budgets),
        "spent_cents": spent,
        "opinion_changes": [s for s in sections if s["changes"].get("opinion_changed")],
    }


def report_context(session, *, today: date | None = None) -> dict:
    """Everything the report's templates show; ``today`` (the session's date by default) is the date of the
    follow-up and of the computed figures."""
    today = today or session.date
    previous = previous_session(session)
    _with_reviews(session, previous)
    reviews = selectors.effective_reviews(session)
    previous_reviews = selectors.effective_reviews(previous) if previous else []
    before_by_action = {r.action_id: r for r in previous_reviews}
    actions = selectors.with_follow(
        selectors.dashboard_actions().filter(pk__in=[r.action_id for r in reviews]), today=today
    )
    by_id = {a.id: a for a in actions}
    indicators_by_action = _indicators_by_action(actions)
    figures = RegistryFigures(today)
    sections = []
    for review in reviews:
        action = by_id[review.action_id]
        sections.append(
            {
                "review": review,
                "action": action,
                "timeline": as_image(
                    charts.timeline(
                        [
                            {
                                "title": m.title,
                                "planned_start": m.planned_start,
                                "planned_end": m.planned_end,
                                "actual_date": m.actual_date,
                            }
                            for m in action.milestones.all()
                        ],
                        title=f"Jalons de l'action #{action.number}",
                        today=today,
                    )
                ),  # fmt: skip
                "budget": as_image(
                    charts.budget_bars(
                        [
                            (
                                str(b.year),
                                euros_decimal(b.allocated_cents),
                                euros_decimal(b.committed_cents),
                                euros_decimal(b.spent_cents),
                            )
                            for b in action.budget_lines.all()
                        ],
                        title=f"Budget de l'action #{action.number}",
                    )
                ),
                "indicators": indicators_by_action.get(action.id, []),
                "computed": figures.action_figures(action),
                "module_section": modules.report_section(action.module, today) if action.module else None,
                "changes": _changes(
                    action, review, before_by_action.get(action.id), previous.date if previous else None, today
                ),
            }
        )
    # The territorial indicators in the order of the actions whose modules compute them, the others last.
    numbers = {s["action"].module: s["action"].number for s in reversed(sections) if s["action"].module}

    def order(provider):
        return (numbers.get(provider.key.split(".", 1)[0], 1000), provider.key)

    commune_columns, commune_groups, commune_empty = figures.commune_matrix(order)
    return {
        "session": session,
        "previous": previous,
        "sections": sections,
        "summary": _executive_summary(sections),
        "opinions": _opinions_table(reviews, previous_reviews),
        "territorial": figures.territorial_tables(order=order),
        "commune_columns": commune_columns,
        "commune_groups": commune_groups,
        "commune_empty": commune_empty,
        "figures_date": today,
        "recommendations": session.recommendations.all(),
        # One row per indicator with its values in one cell: a row per value made the annex the
        # slowest part of the layout (bench/copil_report.py).
        "annex": [(section["action"], indicator) for section in sections for indicator in section["indicators"]],
        "rule_text": RULE_TEXT,
        "generated_at": timezone.localtime(),
    }


def render_report_pdf(session) -> bytes:
    return render_pdf("actions/report/report.html", report_context(session))

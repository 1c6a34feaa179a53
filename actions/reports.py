"""The semi-annual evaluation report: HTML templates rendered to PDF by WeasyPrint.

Report CSS is kept small (static/css/report.css) and tables are split per action, which keeps
rendering fast (see bench/copil_report.py).
"""

from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML

from sman.money import euros_decimal

from . import charts, selectors
from .models import Indicator, IndicatorValue
from .rules import RULE_TEXT


def report_context(session) -> dict:
    reviews = selectors.effective_reviews(session)
    actions = selectors.with_follow(
        selectors.dashboard_actions().filter(pk__in=[r.action_id for r in reviews]), today=session.date
    )
    by_id = {a.id: a for a in actions}
    indicators = (
        Indicator.objects.filter(action__in=actions)
        .prefetch_related(Prefetch("values", queryset=IndicatorValue.objects.for_metropole()))
        .order_by("action__number", "kind", "name")
    )
    indicators_by_action: dict[int, list] = {}
    for indicator in indicators:
        points = [(v.date, v.value) for v in indicator.values.all()]
        indicator.sorted_values = sorted(indicator.values.all(), key=lambda v: v.date)
        indicator.chart = charts.line_chart(
            points, title=indicator.name, unit=indicator.unit, target=indicator.target_value
        )
        indicators_by_action.setdefault(indicator.action_id, []).append(indicator)
    sections = []
    for review in reviews:
        action = by_id[review.action_id]
        sections.append(
            {
                "review": review,
                "action": action,
                "timeline": charts.timeline(
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
                    today=session.date,
                ),  # fmt: skip
                "budget": charts.budget_bars(
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
                ),
                "indicators": indicators_by_action.get(action.id, []),
            }
        )
    return {
        "session": session,
        "sections": sections,
        "recommendations": session.recommendations.all(),
        # One row per indicator with its values in one cell: a row per value made the annex the
        # slowest part of the layout (bench/copil_report.py).
        "annex": [(section["action"], indicator) for section in sections for indicator in section["indicators"]],
        "rule_text": RULE_TEXT,
        "generated_at": timezone.localtime(),
    }


def render_report_pdf(session) -> bytes:
    html = render_to_string("actions/report/report.html", report_context(session))
    stylesheet = CSS(filename=finders.find("css/report.css"))
    return HTML(string=html, base_url=str(finders.find("css/report.css"))).write_pdf(stylesheets=[stylesheet])

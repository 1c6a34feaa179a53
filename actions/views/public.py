"""Pages of the plan for everyone: the roadmap, the actions, their indicators."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from sman.models import Challenge
from sman.money import euros_decimal

from .. import charts, permissions, reference, selectors
from ..models import Action
from ..rules import RULE_TEXT, follow, milestone_delay
from .common import action_or_404, plan_crumbs


def plan(request):
    roadmaps, rows = selectors.plan_grid()
    return render(
        request,
        "actions/plan.html",
        {"roadmaps": roadmaps, "rows": rows, "section_roadmap_table": reference.SECTION_ROADMAP_TABLE},
    )


def challenge_detail(request, number):
    challenge = get_object_or_404(Challenge.objects.prefetch_related("workstreams"), number=number)
    actions = selectors.with_follow(
        selectors.dashboard_actions(Action.objects.filter(challenge=challenge).exclude(roadmap__status="draft"))
    )
    return render(
        request,
        "actions/challenge_detail.html",
        {
            "challenge": challenge,
            "actions": actions,
            "crumbs": plan_crumbs(),
            "section_roadmap_table": reference.SECTION_ROADMAP_TABLE,
        },
    )


def action_detail(request, roadmap, number):
    action = action_or_404(roadmap, number)
    today = timezone.localdate()
    milestones = list(action.milestones.all())  # prefetched
    computed = follow(action, today)
    for m in milestones:
        # No follow-up entered: a milestone's state is unknown, so is its delay (rules.follow_reported).
        m.delay = (
            milestone_delay(planned_end=m.planned_end, actual_date=m.actual_date, today=today)
            if computed.reported
            else None
        )
    indicators = list(action.indicators.all())
    for indicator in indicators:
        indicator.chart = charts.line_chart(
            [(v.date, v.value) for v in indicator.values.all()],
            title=indicator.name,
            unit=indicator.unit,
            target=indicator.target_value,
        )
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "follow": computed,
            "module": selectors.action_module(action),
            "module_panels": selectors.action_panels(action),
            "today": today,
            "rule_text": RULE_TEXT,
            "section_roadmap_table": reference.SECTION_ROADMAP_TABLE,
            "section_sheets": reference.SECTION_SHEETS,
            "can_edit": permissions.can_edit_action(request.user, action),
            "reviews": [r for r in action.reviews.all() if r.opinion],
            "indicators": indicators,
            # Without follow-up data the chart would draw planned milestones as late: the table says enough.
            "timeline_chart": computed.reported
            and charts.timeline(
                [
                    {
                        "title": m.title,
                        "planned_start": m.planned_start,
                        "planned_end": m.planned_end,
                        "actual_date": m.actual_date,
                    }
                    for m in milestones
                ],
                title="Calendrier des opérations",
                today=today,
            ),  # fmt: skip
            "budget_chart": charts.budget_bars(
                [
                    (
                        str(b.year),
                        euros_decimal(b.allocated_cents),
                        euros_decimal(b.committed_cents),
                        euros_decimal(b.spent_cents),
                    )
                    for b in action.budget_lines.all()
                ],
                title="Budget alloué, engagé et dépensé par année",
            ),
            "crumbs": plan_crumbs(),
            "short_title": f"Action #{action.number}",
            "history": selectors.change_history(action) if permissions.can_edit_action(request.user, action) else None,
        },
    )

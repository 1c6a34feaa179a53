"""The demo data (`load_demo`): the plan after a year and a COPIL with something to review, loaded once."""

import pytest

from actions.models import (
    Action,
    ActionReview,
    BudgetLine,
    CopilSession,
    Indicator,
    IndicatorValue,
    Milestone,
    Recommendation,
    Report,
)
from fmin.models import Application, Assignment
from sman import demo
from sman.models import User

from ..auth import login

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    querysets = {
        "owners": Action.owners.through.objects.all(),
        "milestones done": Milestone.objects.exclude(actual_date=None),
        "budget lines": BudgetLine.objects.all(),
        "indicators": Indicator.objects.all(),
        "indicator values": IndicatorValue.objects.all(),
        "sessions": CopilSession.objects.all(),
        "reviews": ActionReview.objects.all(),
        "recommendations": Recommendation.objects.all(),
        "reports": Report.objects.all(),
        "fmin applications": Application.objects.all(),
        "fmin assignments": Assignment.objects.all(),
    }
    return {name: queryset.count() for name, queryset in querysets.items()}


@pytest.fixture
def demo_users(reference):
    demo.load_demo()
    return {a.role: User.objects.get(email=a.email) for a in demo.ACCOUNTS}


def test_the_demo_copil_has_two_closed_sessions_an_upcoming_one_and_a_report_once(demo_users):
    closed = list(CopilSession.objects.filter(status="closed").order_by("date"))
    assert [(s.year, s.semester) for s in closed] == [(2019, 2), (2020, 1)]
    for session in closed:
        reviews = session.reviews.all()
        assert reviews.count() == 17
        assert {r.action.number for r in reviews} == set(range(1, 18))
        assert all(r.opinion and "(données de démonstration)" in r.reasons for r in reviews)
        assert set(session.attendees.all()) == {demo_users["copil"], demo_users["staff"]}
        assert "(données de démonstration)" in session.minutes
        assert session.recommendations.count() >= 4
    assert {r.opinion for r in closed[1].reviews.all()} == {"keep", "scale_up", "abandon"}

    upcoming = CopilSession.objects.get(status="planned")
    assert (upcoming.year, upcoming.semester) == (2020, 2)
    assert upcoming.reviews.count() == Action.objects.active().count() == 16  # #16 abandoned in 2020 S1
    assert not upcoming.reviews.exclude(opinion="").exists()

    report = Report.objects.get()
    assert (report.session, report.state) == (closed[1], Report.State.DONE)
    assert report.file and report.size and report.checksum

    before = _counts()
    demo.load_demo()  # `make run` again
    assert _counts() == before


def test_every_action_with_a_sheet_has_its_follow_up_and_the_members_their_work(demo_users, client):
    with_sheet = Action.objects.filter(roadmap__code="2019-2020", annex_sheet_number__isnull=False)
    assert with_sheet.count() == 10
    for action in with_sheet:
        assert demo_users["staff"] in action.owners.all()
        assert action.status == Action.Status.IN_PROGRESS and action.progress > 0
        assert "(données de démonstration)" in action.notes
        years = {line.year: line for line in action.budget_lines.all()}
        assert set(years) == {2019, 2020}
        assert all(line.allocated_cents and line.spent_cents <= line.committed_cents * 2 for line in years.values())
        values = IndicatorValue.objects.for_metropole().filter(indicator__action=action)
        assert values.count() >= 2 and all(v.author in action.owners.all() for v in values)
    done = Milestone.objects.filter(action__in=with_sheet, actual_date__isnull=False)
    assert done.exists() and all(m.actual_date.year in (2019, 2020) for m in done)
    # The actions with no sheet keep no follow-up data.
    assert not BudgetLine.objects.exclude(action__in=with_sheet).exists()

    report = Report.objects.get()
    login(client, demo_users["copil"])
    html = client.get("/espace/").content.decode()
    assert "Préparer la séance du COPIL du 10/12/2020" in html
    assert report.get_absolute_url() in html
    response = client.get(f"/copil/rapports/{report.pk}/telecharger/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    reviewer = demo_users["reviewer"]
    pending = Assignment.objects.filter(reviewer=reviewer, submitted_at__isnull=True, conflict_declared_at=None)
    assert pending.count() >= 2
    for assignment in pending:
        assert not assignment.application.participants.filter(organisation__memberships__user=reviewer).exists()
        assert assignment.application.status == Application.Status.ELIGIBLE
    login(client, reviewer)
    assert "dossiers à évaluer" in client.get("/espace/").content.decode()

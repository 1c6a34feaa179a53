"""A session with nothing to review: it says so, offers to build its agenda, and has no report."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from actions import services
from actions.models import Action, ActionReview, Report

from ..auth import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_session(staff, reference):
    """A session created while no action was active: its agenda is empty."""
    statuses = dict(Action.objects.values_list("pk", "status"))
    Action.objects.update(status=Action.Status.DONE)
    session = services.copil_session_create(user=staff, year=2020, semester=2, on=date(2020, 12, 10))
    for pk, status in statuses.items():
        Action.objects.filter(pk=pk).update(status=status)
    assert not session.reviews.exists()
    return session


def test_building_the_agenda_adds_a_review_per_active_action_once(empty_session, staff):
    Action.objects.filter(number=16).update(status=Action.Status.ABANDONED)

    assert services.session_agenda_build(session=empty_session, user=staff) == 16
    assert services.session_agenda_build(session=empty_session, user=staff) == 0  # idempotent
    reviews = empty_session.reviews.all()
    assert sorted(r.action.number for r in reviews) == [n for n in range(1, 18) if n != 16]
    assert all(r.opinion == "" and r.schedule_status and r.budget_status for r in reviews)


def test_building_the_agenda_completes_a_partial_one(empty_session, staff):
    services.session_agenda_build(session=empty_session, user=staff)
    empty_session.reviews.filter(action__number=3).delete()

    assert services.session_agenda_build(session=empty_session, user=staff) == 1
    assert empty_session.reviews.filter(action__number=3).count() == 1


def test_only_staff_build_an_agenda_and_never_a_closed_sessions(empty_session, staff, copil_member, owner):
    for user in (copil_member, owner):
        with pytest.raises(PermissionDenied):
            services.session_agenda_build(session=empty_session, user=user)
    assert not empty_session.reviews.exists()
    services.session_close(session=empty_session, user=staff)  # nothing to give an opinion on
    with pytest.raises(ValidationError, match="close"):
        services.session_agenda_build(session=empty_session, user=staff)
    assert not empty_session.reviews.exists()


def test_the_report_of_a_session_with_nothing_to_review_is_refused(empty_session, copil_member, client):
    with pytest.raises(ValidationError, match="aucune action à son ordre du jour"):
        services.report_request(session=empty_session, user=copil_member)
    login(client, copil_member)
    response = client.post(reverse("actions:report_request", args=[empty_session.pk]), follow=True)
    assert response.redirect_chain[-1][0] == empty_session.get_absolute_url()
    assert "aucune action à son ordre du jour" in response.content.decode()
    assert not Report.objects.exists()


def test_the_empty_session_page_says_so_and_offers_the_agenda_to_staff(empty_session, staff, copil_member, client):
    build_url = reverse("actions:session_agenda_build", args=[empty_session.pk])
    report_url = reverse("actions:report_request", args=[empty_session.pk])

    login(client, copil_member)
    html = client.get(empty_session.get_absolute_url()).content.decode()
    assert "aucune action n'est à l'ordre du jour de cette séance" in html
    assert "L'équipe de la Métropole constitue l'ordre du jour" in html
    assert build_url not in html and report_url not in html  # no button that would be refused

    login(client, staff)
    html = client.get(empty_session.get_absolute_url()).content.decode()
    assert build_url in html and "Constituer l'ordre du jour" in html
    assert report_url not in html

    response = client.post(build_url, follow=True)
    html = response.content.decode()
    assert "Ordre du jour constitué : 17 actions ajoutées." in html
    assert ActionReview.objects.filter(session=empty_session).count() == 17
    assert build_url not in html and report_url in html


def test_a_session_with_its_agenda_offers_no_build_button(staff, reference, client):
    session = services.copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))
    login(client, staff)
    html = client.get(session.get_absolute_url()).content.decode()
    assert reverse("actions:session_agenda_build", args=[session.pk]) not in html
    assert reverse("actions:report_request", args=[session.pk]) in html

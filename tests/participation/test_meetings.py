"""Meetings: registration within the capacity, the iCalendar file, the minutes; the matrix of their pages."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from participation import services
from participation.models import Registration

from ..auth import login
from ..factories import MeetingFactory, UserFactory
from ..matrix import Case, check, matrix_params
from .conftest import PART_ROLES

pytestmark = pytest.mark.django_db
P = "participation:"
OPEN = dict.fromkeys(PART_ROLES, 200)


def _meeting(w):
    return MeetingFactory(process=w.extra["part"].process)


CASES = [
    Case("meetings", lambda w: reverse(P + "meetings", args=[w.extra["part"].process.slug]), OPEN,
         covers=P + "meetings"),
    Case("meeting", lambda w: _meeting(w).get_absolute_url(), OPEN, covers=P + "meeting"),
    Case("meeting-ical", lambda w: reverse(P + "meeting_ical", args=[_meeting(w).pk]), OPEN, covers=P + "meeting_ical"),
    Case("meeting-registration", lambda w: reverse(P + "meeting_registration", args=[_meeting(w).pk]),
         dict.fromkeys(PART_ROLES, 302), method="post", covers=P + "meeting_registration"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, PART_ROLES))
def test_matrix(part_world, case, role):
    check(part_world, case, role)


def test_registration_stops_at_the_capacity(part):
    meeting = MeetingFactory(process=part.process, capacity=2)
    first, second, third = UserFactory.create_batch(3)
    services.meeting_register(meeting=meeting, user=first)
    services.meeting_register(meeting=meeting, user=first)  # twice: once
    services.meeting_register(meeting=meeting, user=second)
    with pytest.raises(ValidationError, match="complète"):
        services.meeting_register(meeting=meeting, user=third)
    services.meeting_unregister(meeting=meeting, user=first)
    services.meeting_register(meeting=meeting, user=third)
    assert set(Registration.objects.values_list("user_id", flat=True)) == {second.pk, third.pk}
    with pytest.raises(ValidationError, match="sans inscription"):
        services.meeting_register(meeting=MeetingFactory(process=part.process, open_to_all=True), user=first)
    with pytest.raises(ValidationError, match="déjà commencé"):
        services.meeting_register(meeting=MeetingFactory(process=part.process, past=True), user=first)


def test_the_icalendar_file_and_the_minutes(part):
    meeting = MeetingFactory(process=part.process, title="Atelier vélo")
    response = Client().get(reverse(P + "meeting_ical", args=[meeting.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Atelier vélo" and event.decoded("dtstart") == meeting.starts_at.replace(
        microsecond=0
    )
    past = MeetingFactory(process=part.process, past=True)
    assert "Trente présents." in Client().get(past.get_absolute_url()).content.decode()
    client = login(Client(), UserFactory())
    client.post(reverse(P + "meeting_registration", args=[meeting.pk]))
    assert "Vous êtes inscrit·e." in client.get(meeting.get_absolute_url()).content.decode()

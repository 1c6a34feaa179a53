"""Events « Métropole d'intelligences »: seats then a waiting list that moves up in order, attendance, the
indicator per territory, the iCal file, and two people asking for the last seat at once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace import indicators, services
from marketplace.models import CommunityEvent, EventRegistration
from sman.models import Notification, Territory

from ..auth import login
from ..factories import UserFactory
from .conftest import signed_member
from .test_races_and_panels import _race

pytestmark = pytest.mark.django_db
REG, WAIT, CANCELLED = "registered", "waitlisted", "cancelled"


def make_event(staff=None, seats=2, days=7):
    staff = staff or UserFactory(staff=True)
    starts = timezone.now() + timedelta(days=days)
    return services.event_save(
        user=staff,
        fields={
            "title": "Rencontre Métropole d'intelligences : l'IA dans les services publics",
            "description": "Une matinée d'échanges entre collectivités et membres.",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=3),
            "place": "Hôtel de la Métropole",
            "territory": Territory.objects.get(code="93048"),
            "seats": seats,
        },
    )


def people(n):
    found = []
    for i in range(n):
        member, user = signed_member(f"Membre {i}")
        found.append((member, user))
    return found


def test_seats_then_a_waiting_list_that_moves_up_in_order_when_someone_cancels():
    event = make_event(seats=2)
    (m1, u1), (m2, u2), (m3, u3), (m4, u4) = people(4)
    pairs = ((m1, u1), (m2, u2), (m3, u3), (m4, u4))
    statuses = [services.event_register(user=u, event=event, organisation=m).status for m, u in pairs]
    assert statuses == [REG, REG, WAIT, WAIT]
    with pytest.raises(ValidationError, match="déjà inscrit"):
        services.event_register(user=u1, event=event, organisation=m1)
    with pytest.raises(PermissionDenied):  # only for a member the person acts for
        services.event_register(user=u1, event=event, organisation=m2)
    promoted = services.event_cancel(user=u1, event=event)
    assert promoted.user == u3 and promoted.status == REG  # the first on the list, not the last
    assert Notification.objects.filter(user=u3, key__startswith=f"marketplace-event-{event.pk}-seat").count() == 1
    assert services.event_cancel(user=u4, event=event) is None  # a waiting person leaves: nobody moves
    assert dict(EventRegistration.objects.values_list("user", "status")) == {
        u1.pk: CANCELLED,
        u2.pk: REG,
        u3.pk: REG,
        u4.pk: CANCELLED,
    }
    with pytest.raises(ValidationError, match="pas inscrit"):
        services.event_cancel(user=u1, event=event)
    assert services.event_register(user=u1, event=event, organisation=m1).status == WAIT  # back, at the end
    with pytest.raises(ValidationError, match="au moins autant de places"):
        services.event_save(user=UserFactory(staff=True), event=event, fields={"seats": 1})


def test_attendance_feeds_the_event_participants_indicator_per_territory():
    staff = UserFactory(staff=True)
    event = make_event(staff, seats=5)
    (m1, u1), (m2, u2), (m3, u3) = people(3)
    r1 = services.event_register(user=u1, event=event, organisation=m1)
    services.event_register(user=u2, event=event, organisation=m2)
    with pytest.raises(ValidationError, match="une fois l'événement commencé"):
        services.event_attendance(user=staff, event=event, present_ids=[r1.pk])
    with pytest.raises(PermissionDenied):
        services.event_attendance(user=u1, event=event, present_ids=[r1.pk])
    CommunityEvent.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert services.event_attendance(user=staff, event=event, present_ids=[r1.pk]) == 1
    today = timezone.localdate()
    assert indicators.event_participants(today) == 1
    assert indicators.event_participants(today, m1.territory) == 1
    assert indicators.event_participants(today, Territory.objects.get(code="93055")) == 0  # Pantin: nobody
    with pytest.raises(ValidationError, match="a commencé"):
        services.event_register(user=u3, event=event, organisation=m3)


def test_the_event_pages_register_cancel_take_attendance_and_give_an_ical_file():
    staff = UserFactory(staff=True)
    event = make_event(staff, seats=1)
    (m1, u1), (m2, u2) = people(2)
    client = login(Client(), u1)
    assert "M'inscrire" in client.get(event.get_absolute_url()).content.decode()
    register_url = reverse("marketplace:event_register", args=[event.pk])
    assert client.post(register_url, {"organisation": m1.pk}).status_code == 302
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Votre inscription : <strong>inscrit</strong>" in page
    other = login(Client(), u2)
    assert "M'inscrire sur la liste d'attente" in other.get(event.get_absolute_url()).content.decode()
    other.post(reverse("marketplace:event_register", args=[event.pk]), {"organisation": m2.pk})
    assert EventRegistration.objects.get(user=u2).status == WAIT
    cancel_url = reverse("marketplace:event_cancel", args=[event.pk])
    assert "Annuler votre inscription" in client.get(cancel_url).content.decode()
    client.post(cancel_url)
    assert EventRegistration.objects.get(user=u2).status == REG
    ics = Client().get(reverse("marketplace:event_ical", args=[event.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    text = ics.content.decode()
    assert f"UID:marketplace-event-{event.pk}@" in text and "LOCATION:Hôtel de la Métropole" in text
    listing = Client().get(reverse("marketplace:event_list")).content.decode()
    assert "1 inscrit sur 1 place" in listing


@pytest.mark.django_db(transaction=True)
def test_two_people_asking_for_the_last_seat_at_once_get_one_seat_and_one_waiting_place(reference):
    event = make_event(seats=1)
    (m1, u1), (m2, u2) = people(2)
    outcomes = _race(
        [
            lambda: services.event_register(user=u1, event=event, organisation=m1),
            lambda: services.event_register(user=u2, event=event, organisation=m2),
        ]
    )
    assert outcomes == ["ok", "ok"]
    assert sorted(EventRegistration.objects.values_list("status", flat=True)) == [REG, WAIT]

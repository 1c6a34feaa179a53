"""The one digest of the portal (sman/notifications.py): stored once, e-mailed at the chosen rhythm, one click out."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from sman import notifications
from sman.models import Notification, NotificationFrequency
from sman.tasks import send_notification_digests

from ..auth import login
from ..factories import UserFactory
from ..queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MORNING = datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)


def note(user, key="", module="sman", **kwargs):
    return notifications.notify(
        user=user, module=module, subject=kwargs.pop("subject", f"Objet {key}"), key=key, **kwargs
    )


def test_a_key_notifies_once_and_no_key_always():
    user = UserFactory()
    assert note(user, "besoin-1") is True
    assert note(user, "besoin-1") is False
    assert note(user) is True and note(user) is True
    assert Notification.objects.filter(user=user).count() == 3
    assert note(UserFactory(), "besoin-1") is True, "keys are per person"
    assert note(UserFactory(is_active=False), "x") is False


@pytest.mark.django_db(transaction=True)
def test_two_workers_notifying_the_same_key_store_one_notification():
    user = UserFactory()
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            results.append(note(user, "course"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert Notification.objects.filter(user=user, key="course").count() == 1


def test_one_digest_gathers_every_module_with_a_one_click_unsubscribe():
    user = UserFactory(first_name="Awa")
    note(user, "a", module="fmin", subject="Un dossier à relire", url="/fmin/")
    note(user, "b", module="ftth", subject="La fibre arrive", body="Votre immeuble est raccordable.")
    assert notifications.digest_send(user_id=user.pk, now=MORNING) == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "2 nouveautés" in message.subject
    assert "Un dossier à relire" in message.body and "La fibre arrive" in message.body
    assert "Votre immeuble est raccordable." in message.body
    token = notifications.preference_of(user).token
    assert message.extra_headers["List-Unsubscribe"].endswith(f"/notifications/{token}/desabonnement/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/notifications/{token}/desabonnement/" in message.body
    assert not Notification.objects.filter(user=user, emailed_at__isnull=True).exists()
    assert notifications.digest_send(user_id=user.pk, now=MORNING) == 0, "nothing pending: no second mail"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("frequency", "since_last", "due"),
    [
        (NotificationFrequency.IMMEDIATE, timedelta(minutes=1), True),
        (NotificationFrequency.DAILY, timedelta(hours=2), False),
        (NotificationFrequency.DAILY, timedelta(hours=24), True),
        (NotificationFrequency.WEEKLY, timedelta(days=3), False),
        (NotificationFrequency.WEEKLY, timedelta(days=7), True),
        (NotificationFrequency.NEVER, timedelta(days=30), False),
    ],
)
def test_the_digest_is_due_at_the_chosen_rhythm(frequency, since_last, due):
    user = UserFactory()
    preference = notifications.preference_set(user=user, frequency=frequency)
    preference.last_digest_at = MORNING - since_last
    preference.save()
    note(user, "x")
    assert (user.pk in list(notifications.users_due(MORNING))) is due
    assert bool(notifications.digest_send(user_id=user.pk, now=MORNING)) is due


def test_a_daily_digest_waits_for_the_morning_but_an_immediate_one_does_not():
    night = datetime(2026, 12, 1, 3, 0, tzinfo=PARIS)
    daily, immediate = UserFactory(), UserFactory()
    notifications.preference_set(user=immediate, frequency=NotificationFrequency.IMMEDIATE)
    note(daily, "x")
    note(immediate, "x")
    assert list(notifications.users_due(night)) == [immediate.pk]
    assert set(notifications.users_due(MORNING)) == {daily.pk, immediate.pk}, "no preference row means daily"


def test_the_beat_task_sends_one_mail_per_person_due():
    first, second, nothing = UserFactory(), UserFactory(), UserFactory()
    for user in (first, second):
        notifications.preference_set(user=user, frequency=NotificationFrequency.IMMEDIATE)
        note(user, "a")
        note(user, "b")
    notifications.preference_set(user=nothing, frequency=NotificationFrequency.IMMEDIATE)
    assert send_notification_digests.apply().get() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])


def test_unsubscribing_in_one_click_stops_the_mails_and_keeps_the_notifications():
    user = UserFactory()
    token = notifications.preference_of(user).token
    url = f"/notifications/{token}/desabonnement/"
    page = Client().get(url)
    assert page.status_code == 200 and "Ne plus recevoir de courriel" in page.content.decode()
    # A mail client posts with no session and no CSRF token (RFC 8058).
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert notifications.preference_of(user).frequency == NotificationFrequency.NEVER
    note(user, "après")
    assert user.pk not in list(notifications.users_due(MORNING))
    assert Notification.objects.filter(user=user).count() == 1
    assert Client().get("/notifications/pas-un-jeton/desabonnement/").status_code == 404


def test_my_notifications_page_lists_them_and_saves_the_frequency():
    user = UserFactory()
    note(user, "a", subject="Un besoin correspond à vos solutions", url="/marche/")
    client = login(Client(), user)
    assert "Mes notifications (1 non lue)" in client.get("/espace/").content.decode()
    page = client.get("/espace/notifications/").content.decode()
    assert "Un besoin correspond à vos solutions" in page and "non lue" in page
    response = client.post("/espace/notifications/", {"frequency": "weekly"})
    assert response.status_code == 302
    assert notifications.preference_of(user).frequency == NotificationFrequency.WEEKLY
    invalid = client.post("/espace/notifications/", {"frequency": "hourly"})
    assert invalid.status_code == 200 and "Erreur" in invalid.content.decode()
    client.post("/espace/notifications/", {"read": "1"})
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert "non lue" not in client.get("/espace/").content.decode()
    empty = login(Client(), UserFactory()).get("/espace/notifications/").content.decode()
    assert "Aucune notification pour le moment" in empty


def test_my_notifications_page_makes_the_same_queries_at_any_size():
    user = UserFactory()
    note(user, "first")
    assert_queries_do_not_grow(
        login(Client(), user),
        "/espace/notifications/",
        lambda: [note(user, f"k{i}") for i in range(40)],
        warm=True,
    )

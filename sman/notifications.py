"""The one digest of the portal: modules ``notify``, each person chooses how often one e-mail gathers it all.

A module never mails people who did not act about « something new for you » (a matching need, a reply, a
resource of a saved search): it calls ``notify``, which stores a ``Notification``. Every few minutes the beat
task ``send_notification_digests`` finds the people whose digest is due (``NotificationPreference``:
immediate, daily, weekly or never) and sends each of them one e-mail listing all their pending notifications
of every module, with a one-click unsubscribe (``List-Unsubscribe`` and ``List-Unsubscribe-Post``, RFC 8058).
Mails that answer a person's own action (a confirmation, a decision on their file) stay direct e-mails.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from .emails import render_email
from .models import Notification, NotificationFrequency, NotificationPreference, User

# A digest is due once its period has passed since the last one (a little less, so that a daily digest sent
# at 7:02 one day is not pushed to 7:07 the next by the task's rhythm), and never before this local hour.
PERIODS = {
    NotificationFrequency.DAILY: timedelta(hours=23, minutes=30),
    NotificationFrequency.WEEKLY: timedelta(days=6, hours=23, minutes=30),
}
EARLIEST_HOUR = 7


def notify(*, user: User, module: str, subject: str, body: str = "", url: str = "", key: str = "") -> bool:
    """Tell ``user`` something in their next digest; with a ``key`` already used for them, do nothing.

    Returns whether a notification was stored. Safe under concurrency: the unique constraint decides.
    """
    if not user.is_active:
        return False
    if key and Notification.objects.filter(user=user, key=key).exists():
        return False
    try:
        with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's transaction usable
            Notification.objects.create(user=user, module=module, subject=subject[:200], body=body, url=url, key=key)
    except IntegrityError:
        return False
    return True


def notify_many(users: Iterable[User], **kwargs) -> int:
    """``notify`` each of ``users``; returns how many were newly notified."""
    return sum(notify(user=user, **kwargs) for user in users)


def preference_of(user: User) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.get_or_create(user=user)
    return preference


def preference_set(*, user: User, frequency: str) -> NotificationPreference:
    if frequency not in NotificationFrequency.values:
        raise ValueError(f"unknown frequency {frequency!r}")
    preference = preference_of(user)
    preference.frequency = frequency
    preference.save(update_fields=["frequency"])
    return preference


def unsubscribe(*, token: str) -> NotificationPreference | None:
    """The one-click unsubscribe: no more e-mail for the person of ``token`` (the portal still lists them)."""
    preference = NotificationPreference.objects.filter(token=token).first()
    if preference is not None and preference.frequency != NotificationFrequency.NEVER:
        preference.frequency = NotificationFrequency.NEVER
        preference.save(update_fields=["frequency"])
    return preference


def mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def _due_q(now: datetime) -> Q:
    """People whose digest is due at ``now`` (no preference row means a daily digest)."""
    local = timezone.localtime(now)
    immediate = Q(notification_preference__frequency=NotificationFrequency.IMMEDIATE)
    if local.hour < EARLIEST_HOUR:
        return immediate
    periodic = Q()
    for frequency, period in PERIODS.items():
        chosen = Q(notification_preference__frequency=frequency)
        if frequency == NotificationFrequency.DAILY:
            chosen |= Q(notification_preference__isnull=True)
        periodic |= chosen & (
            Q(notification_preference__last_digest_at__isnull=True)
            | Q(notification_preference__last_digest_at__lte=now - period)
        )
    return immediate | periodic


def users_due(now: datetime | None = None):
    """The ids of the active people with pending notifications whose digest is due."""
    now = now or timezone.now()
    pending = Notification.objects.filter(user=OuterRef("pk"), emailed_at__isnull=True)
    return (
        User.objects.filter(Exists(pending), is_active=True)
        .filter(_due_q(now))
        .values_list("pk", flat=True)
        .order_by("pk")
    )


def _module_label(module: str) -> str:
    try:
        return apps.get_app_config(module).verbose_name
    except LookupError:
        return module


def digest_send(*, user_id: int, now: datetime | None = None) -> int:
    """Send ``user_id`` their digest if it is (still) due; returns the number of notifications it carried.

    The preference row is locked, so two workers never send the same digest twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            return 0
        preference_of(user)
        preference = NotificationPreference.objects.select_for_update().get(user=user)
        if not User.objects.filter(pk=user_id).filter(_due_q(now)).exists():
            return 0
        pending = list(Notification.objects.filter(user=user, emailed_at__isnull=True).order_by("module", "created_at"))
        if not pending:
            return 0
        groups: dict[str, list[Notification]] = {}
        for notification in pending:
            groups.setdefault(_module_label(notification.module), []).append(notification)
        unsubscribe_url = settings.SITE_URL + reverse("notifications_unsubscribe", args=[preference.token])
        subject, body = render_email(
            "notification_digest",
            {
                "user": user,
                "groups": groups,
                "count": len(pending),
                "preference": preference,
                "unsubscribe_url": unsubscribe_url,
                "settings_url": settings.SITE_URL + reverse("notifications"),
            },
        )
        message = EmailMultiAlternatives(
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
        preference.last_digest_at = now
        preference.save(update_fields=["last_digest_at"])
        # Sent last: if the mail server refuses, the transaction rolls back and the next run tries again.
        message.send()
    return len(pending)

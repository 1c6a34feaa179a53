"""Alerts: double opt-in subscription, one-click unsubscribe and erasure, e-mails after imports; retry of
a failed import."""

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from sman import jobs
from sman.emails import send_email_on_commit
from sman.permissions import is_metropole_staff

from .models import AlertSubscription, Building, BuildingStatusChange, ImportRun


@transaction.atomic
def alert_subscribe(*, building: Building, email: str) -> AlertSubscription:
    """Record the request and send the confirmation link; nothing is sent about the building before."""
    email = email.strip().lower()
    subscription, _ = AlertSubscription.objects.get_or_create(
        email=email, building=building, defaults={"token": secrets.token_urlsafe(32)}
    )
    if subscription.confirmed_at is None:
        send_email_on_commit(
            name="ftth_alert_confirm",
            context={"building": building, "url": reverse("ftth:alert_confirm", args=[subscription.token])},
            to=[email],
        )
    return subscription


@transaction.atomic
def alert_confirm(*, token: str) -> AlertSubscription | None:
    subscription = AlertSubscription.objects.select_for_update().filter(token=token).first()
    if subscription and subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


@transaction.atomic
def alert_unsubscribe(*, token: str, everything: bool = False) -> int:
    """Delete the subscription (and, if asked, every alert of the same address): nothing is kept."""
    subscription = AlertSubscription.objects.filter(token=token).first()
    if subscription is None:
        return 0
    targets = AlertSubscription.objects.filter(email=subscription.email) if everything else subscription
    deleted, _ = targets.delete()
    return deleted


def notify_status_changes(*, run_id: int) -> int:
    """After an import: one e-mail per confirmed subscriber of a building whose status changed (only the
    changes of buildings someone follows are read, however many the import made)."""
    confirmed = AlertSubscription.objects.filter(confirmed_at__isnull=False)
    changes = (
        BuildingStatusChange.objects.filter(run_id=run_id, building__in=confirmed.values("building"))
        .select_related("building", "building__commune")
        .prefetch_related(Prefetch("building__alerts", queryset=confirmed, to_attr="confirmed_alerts"))
        .order_by("id")
    )
    sent = 0
    for change in changes:
        for subscription in change.building.confirmed_alerts:
            with transaction.atomic():
                send_email_on_commit(
                    name="ftth_alert_change",
                    context={
                        "change": change,
                        "building": change.building,
                        "url": reverse("ftth:building", args=[change.building_id]),
                        "unsubscribe": reverse("ftth:alert_unsubscribe", args=[subscription.token]),
                    },
                    to=[subscription.email],
                )
            sent += 1
    return sent


def import_retry(*, run: ImportRun, user) -> ImportRun:
    """Import a failed run's file again, from its first attempt (sman/jobs.py): staff only, as the pages."""
    if not is_metropole_staff(user):
        raise PermissionDenied
    return jobs.job_retry(job=run)

"""Alerts (double opt-in subscription, one-click unsubscribe and erasure, e-mails after imports), and staff's
decision on an import that waits for the confirmation of a mass retirement."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from sman.emails import send_email_on_commit
from sman.models import User

from . import uploads
from .models import AlertSubscription, Building, BuildingStatusChange, ImportRun
from .permissions import can_decide_import


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


def import_awaiting_notify(*, run: ImportRun) -> None:
    """Tell staff (with the link to decide) and the requester that an import waits for a confirmation."""
    context = {"run": run, "url": reverse("ftth:import_confirm", args=[run.pk])}
    staff = list(User.objects.filter(is_staff=True, is_active=True).exclude(email="").values_list("email", flat=True))
    with transaction.atomic():
        send_email_on_commit(name="ftth_import_awaiting", context={**context, "for_staff": True}, to=staff)
        requester = run.requested_by
        if requester and requester.is_active and requester.email and requester.email not in staff:
            to = [requester.email]
            send_email_on_commit(name="ftth_import_awaiting", context={**context, "for_staff": False}, to=to)


def _awaiting(run: ImportRun, user) -> ImportRun:
    if not can_decide_import(user):
        raise PermissionDenied("Seule l'équipe de la Métropole confirme ou annule un import.")
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.state != ImportRun.State.AWAITING_CONFIRMATION:
        raise ValidationError(f"Cet import n'attend pas de confirmation (état : {run.get_state_display()}).")
    return run


@transaction.atomic
def import_confirm(*, run: ImportRun, user) -> ImportRun:
    """Staff confirm the retirement: the import is queued again and applied without the guard. Refused when
    a later import of the same operator was applied since (confirming would bring an older file back)."""
    run = _awaiting(run, user)
    later = ImportRun.objects.filter(
        operator_code=run.operator_code, created_at__gt=run.created_at, state=ImportRun.State.DONE, dry_run=False
    )
    if later.exists():
        raise ValidationError(
            "Un import plus récent de cet opérateur a été appliqué depuis : confirmer celui-ci remettrait en "
            "place un fichier plus ancien. Annulez-le."
        )
    run.state, run.error = ImportRun.State.PENDING, ""
    run.confirmed_by, run.confirmed_at = user, timezone.now()
    run.save(update_fields=["state", "error", "confirmed_by", "confirmed_at"])
    from .tasks import import_file

    path = run.file_path
    transaction.on_commit(lambda: import_file.delay(run.pk, path))
    return run


@transaction.atomic
def import_cancel(*, run: ImportRun, user, reason: str = "") -> ImportRun:
    """Staff refuse the retirement: the run ends, nothing was written, and the stored file is deleted."""
    run = _awaiting(run, user)
    who = user.get_full_name() or user.email
    reason = reason.strip()
    run.state = ImportRun.State.CANCELLED
    run.error = f"Annulé par {who} (équipe de la Métropole)" + (f" : {reason}" if reason else ".")
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "finished_at"])
    path = run.file_path
    transaction.on_commit(lambda: uploads.delete_upload(path))
    return run

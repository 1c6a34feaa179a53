"""Shared Celery tasks: thin wrappers (see sman/celery.py for the retry policy)."""

import os
import socket

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.utils import timezone

from . import jobs


@shared_task
def send_email(*, subject: str, body: str, to: list[str]) -> int:
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


@shared_task
def clear_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def recover_jobs() -> dict:
    """Every minute (beat): long jobs whose worker died are sent again or failed (sman/jobs.py)."""
    return jobs.recover_jobs()


@shared_task
def worker_identity(value: int) -> dict:
    """Round trip used by health checks and tests: which process answered, and a computed value."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "square": value * value}


@shared_task
def send_notification_digests() -> int:
    """Every five minutes (beat): one task per person whose digest is due (sman/notifications.py)."""
    from .notifications import users_due

    due = list(users_due())
    for user_id in due:
        send_notification_digest.delay(user_id)
    return len(due)


@shared_task
def send_notification_digest(user_id: int) -> int:
    from .notifications import digest_send

    return digest_send(user_id=user_id)

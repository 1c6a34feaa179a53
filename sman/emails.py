"""French e-mails from templates: ``templates/email/<name>_subject.txt`` and ``<name>_body.txt``."""

import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def render_email(name: str, context: dict) -> tuple[str, str]:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"email/{name}_subject.txt", context).strip()
    body = render_to_string(f"email/{name}_body.txt", context)
    return subject, body


def send_email_on_commit(*, name: str, context: dict, to: list[str]) -> None:
    """Render now (the data is at hand), send from a Celery worker once the transaction commits."""
    if not to:
        return
    from .tasks import send_email

    subject, body = render_email(name, context)
    transaction.on_commit(lambda: _send(send_email, subject=subject, body=body, to=list(to)))


def _send(task, **kwargs) -> None:
    """Queue the e-mail; with the broker unreachable, send it from this process rather than lose it."""
    from .jobs import BROKER_UNREACHABLE

    try:
        task.delay(**kwargs)
    except BROKER_UNREACHABLE:
        logger.warning("Broker unreachable: e-mail « %s » sent from the web process.", kwargs["subject"])
        task.apply(kwargs=kwargs)

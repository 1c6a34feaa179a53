"""French e-mails from templates: ``templates/email/<name>_subject.txt`` and ``<name>_body.txt``."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string


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
    transaction.on_commit(lambda: send_email.delay(subject=subject, body=body, to=list(to)))

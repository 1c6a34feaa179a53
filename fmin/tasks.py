from celery import shared_task
from django.utils import timezone

from sman.jobs import job_task

from . import documents, services
from .models import Application, Decision


@job_task()
def render_application_pdf(application_id: int) -> str:
    """The submitted file as a PDF, kept for the record (idempotent: rendering twice gives the same file)."""
    application = Application.objects.get(pk=application_id)
    services.store_application_pdf(application=application, pdf=documents.application_pdf(application_id))
    return application.submitted_pdf.name


@job_task()
def render_decision_letter(decision_id: int) -> str:
    decision = Decision.objects.select_related("application").get(pk=decision_id)
    services.store_decision_letter(decision=decision, pdf=documents.decision_letter_pdf(decision))
    return decision.letter.name


@shared_task
def remind_late_reports() -> int:
    return services.reports_remind(today=timezone.localdate())

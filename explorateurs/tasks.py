from celery import shared_task
from django.utils import timezone

from sman.jobs import job_task

from . import services


@job_task("explorateurs.ExplorerDocument")
def render_explorer_document(document_id: int) -> str:
    """An explorer's mission letter, welcome kit or certificate of attendance, as a PDF (its private file)."""
    return services.document_render(document_id=document_id).file.name


@shared_task
def send_event_reminders() -> int:
    """Daily: reminds the registered explorers of the exploration days and expeditions of the next two days, and
    moves the projects whose FMIN file was funded to « financé »."""
    services.projects_follow_fmin()
    return services.event_reminders_send(now=timezone.now())

from celery import shared_task
from django.utils import timezone

from sman.jobs import job_task

from . import services


@job_task()
def monthly_statements() -> int:
    """On the 1st of each month: the statements of the previous month."""
    return len(services.statements_generate(month=services.previous_month(timezone.localdate())))


@job_task("passnumerique.BookletSheets")
def render_booklet_sheets(sheets_id: int) -> str:
    """The printable sheets of an order, as a PDF (its private file's name)."""
    return services.booklet_sheets_render(sheets_id=sheets_id).file.name


@shared_task
def expiry_daily() -> dict:
    return services.expiry_run(today=timezone.localdate())

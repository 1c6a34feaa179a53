from celery import shared_task
from django.utils import timezone

from sman.jobs import job_task

from . import services


@job_task("actions.Report")
def generate_report(report_id: int) -> str:
    """The report's PDF (its file's name; empty when the render failed, the report says why)."""
    return services.report_generate(report_id=report_id).file.name


@shared_task
def record_computed_indicators() -> int:
    return services.indicator_values_record_computed(today=timezone.localdate())

from celery import shared_task
from django.utils import timezone

from sman.jobs import job_task

from . import services


@job_task("actions.Report")
def generate_report(report_id: int) -> str:
    return services.report_generate(report_id=report_id).status


@shared_task
def record_computed_indicators() -> int:
    return services.indicator_values_record_computed(today=timezone.localdate())

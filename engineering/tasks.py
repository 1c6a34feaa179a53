"""Celery entry points of the support module: thin wrappers over services."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task
def remind_due_requests() -> int:
    """Daily (beat): each expert is reminded once of their requests due within a few days."""
    return services.remind_due_requests(today=timezone.localdate())

"""Celery application. Configuration comes from Django settings (prefix CELERY_)."""

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")


class BaseTask(Task):
    """Default base for project tasks: late acks, bounded retries with exponential backoff.

    Tasks must therefore be idempotent: a task may run again after a worker crash.
    """

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5


app = Celery("sman", task_cls=BaseTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

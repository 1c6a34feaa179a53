from pathlib import Path

from celery import shared_task

from . import imports, services
from .models import ImportRun


@shared_task
def import_file(run_id: int, path: str) -> str:
    run = ImportRun.objects.get(pk=run_id)
    if run.state in (
        ImportRun.State.DONE, ImportRun.State.REFUSED, ImportRun.State.AWAITING_CONFIRMATION,
        ImportRun.State.CANCELLED,
    ):  # fmt: skip
        return run.state  # a redelivered task: the import already happened, or waits for staff to confirm it
    run = imports.run_import(run=run, path=Path(path))
    imports.vacuum(run)
    if run.state == ImportRun.State.AWAITING_CONFIRMATION:
        services.import_awaiting_notify(run=run)
    if run.state == ImportRun.State.DONE and run.status_changes and not run.dry_run:
        notify_subscribers.delay(run.pk)
    return run.state


@shared_task
def notify_subscribers(run_id: int) -> int:
    return services.notify_status_changes(run_id=run_id)

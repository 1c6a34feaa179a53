from pathlib import Path

from celery import shared_task

from sman.jobs import job_task

from . import imports, services
from .models import ImportRun


@job_task("ftth.ImportRun")
def import_file(run_id: int, path: str) -> str:
    """A long job (sman/jobs.py): a redelivered message of a run that is done, refused or running elsewhere
    does nothing; a run whose worker died is imported again from scratch (its transaction was rolled back)."""
    try:
        run = imports.run_import(run=ImportRun.objects.get(pk=run_id), path=Path(path))
    except (ConnectionError, TimeoutError):
        raise  # retried (sman/celery.py): the run waits for its next attempt
    except Exception as exc:
        imports.record_failure(run_id=run_id, exc=exc)  # a French reason, before sman/jobs.py records the exception
        raise
    imports.vacuum(run)
    if run.state == ImportRun.State.AWAITING_CONFIRMATION:
        services.import_awaiting_notify(run=run)
    if run.state == ImportRun.State.DONE and run.status_changes and not run.dry_run:
        notify_subscribers.delay(run.pk)
    return run.state


@shared_task
def notify_subscribers(run_id: int) -> int:
    return services.notify_status_changes(run_id=run_id)

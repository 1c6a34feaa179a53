from pathlib import Path

from celery import shared_task

from . import imports
from .models import ImportRun


@shared_task
def import_file(run_id: int, path: str) -> str:
    run = ImportRun.objects.get(pk=run_id)
    if run.state in (ImportRun.State.DONE, ImportRun.State.REFUSED):
        return run.state  # a redelivered task: the import already happened
    return imports.run_import(run=run, path=Path(path)).state

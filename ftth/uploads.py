"""Files sent by staff (upload page) or operators (API): checked, stored privately, imported by Celery."""

import uuid
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from .formats import FormatError, operator_needed, read_head, sniff_head
from .models import ImportRun

ALLOWED_EXTENSIONS = {".csv", ".txt"}
MAX_UPLOAD_BYTES = 2 * 1024**3  # the national ARCEP file is a few GB
UPLOAD_FOLDER = "ftth/uploads"


def import_upload(*, uploaded, operator_code: str, user, operator=None, dry_run: bool = False) -> ImportRun:
    """Check the file (extension, size, a header we know, from its first bytes only), store it, and queue its
    import. Who may import under which operator code is the caller's check (ftth/permissions.py)."""
    suffix = Path(uploaded.name).suffix.lower()
    if suffix not in ALLOWED_EXTENSIONS:
        raise ValidationError({"file": "Déposez un fichier CSV (.csv ou .txt)."})
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": "Fichier trop volumineux (2 Go au plus)."})
    uploaded.seek(0)
    head, whole = read_head(uploaded)
    try:
        fmt, _, header = sniff_head(head, whole=whole)
    except FormatError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if not operator_code and (reason := operator_needed(fmt, header)):
        raise ValidationError({"operator_code": reason})
    name = default_storage.save(f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}{suffix}", uploaded)
    path = str(Path(default_storage.path(name)))
    with transaction.atomic():
        run = ImportRun.objects.create(
            file_name=uploaded.name, operator_code=operator_code, operator=operator, requested_by=user,
            dry_run=dry_run, file_path=path,
        )  # fmt: skip
        from .tasks import import_file

        transaction.on_commit(lambda: import_file.delay(run.pk, path))
    return run


def delete_upload(path: str) -> None:
    """Delete a stored upload; a file given to the management command (anywhere on disk) is never deleted."""
    folder = Path(default_storage.path(UPLOAD_FOLDER)).resolve()
    if path and Path(path).resolve().is_relative_to(folder):
        Path(path).unlink(missing_ok=True)

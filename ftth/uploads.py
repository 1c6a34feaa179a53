"""Files sent by staff (upload page) or operators (API): checked, stored privately, imported by Celery."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from .formats import FormatError, operator_needed, read_head, sniff_head
from .models import MAX_REJECTED_SHARE, ImportRun

ALLOWED_EXTENSIONS = {".csv", ".txt"}
MAX_UPLOAD_BYTES = 2 * 1024**3  # the national ARCEP file is a few GB
UPLOAD_FOLDER = "ftth/uploads"


def check_max_rejected_share(value: float | None) -> float:
    """The share of rejected lines a run tolerates: ``value`` when it is between 0 and MAX_REJECTED_SHARE (a
    ValidationError in French otherwise), FTTH_REJECTION_THRESHOLD when it is None."""
    if value is None:
        return settings.FTTH_REJECTION_THRESHOLD
    if not 0 <= value <= MAX_REJECTED_SHARE:  # NaN included
        raise ValidationError(
            {
                "max_rejected_share": "La part de lignes rejetées tolérée doit être comprise entre 0 et "
                f"{MAX_REJECTED_SHARE:g} (par exemple 0.2 pour tolérer 20 % de lignes rejetées)."
            }
        )
    return float(value)


def import_upload(
    *,
    uploaded,
    operator_code: str,
    user,
    operator=None,
    dry_run: bool = False,
    max_rejected_share: float | None = None,
) -> ImportRun:
    """Check the file (extension, size, a header we know, from its first bytes only) and the share of rejected
    lines to tolerate (``max_rejected_share``, None: the setting's), store the file, and queue its import. Who may
    import under which operator code is the caller's check (ftth/permissions.py)."""
    share = check_max_rejected_share(max_rejected_share)
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
            dry_run=dry_run, file_path=path, max_rejected_share=share,
        )  # fmt: skip
        from .tasks import import_file

        transaction.on_commit(lambda: import_file.delay(run.pk, path))
    return run


def delete_upload(path: str) -> None:
    """Delete a stored upload; a file given to the management command (anywhere on disk) is never deleted."""
    folder = Path(default_storage.path(UPLOAD_FOLDER)).resolve()
    if path and Path(path).resolve().is_relative_to(folder):
        Path(path).unlink(missing_ok=True)

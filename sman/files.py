"""Private files go out through here, and only here (DESIGN.md, « Files »).

Each app's view checks who may read the file (its permissions.py), then answers with
``private_file_response``: 404 with a French message when the file is missing, the file streamed with its
content type and a safe name, never cached nor sniffed, and its SHA-256 in ``ETag`` and ``Repr-Digest``
(RFC 9530) so that whoever downloads it can check it. A file whose checksum was recorded when it was
written (job result files, the FMIN submitted application) is checked against it first: a file changed
on disk since is refused (server error, logged), never served as if it were the original.
"""

import base64
import hashlib
import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.text import get_valid_filename

from .jobs import DONE, AbstractJob

CHUNK = 1024 * 1024
MISSING = "Ce fichier n'est pas disponible : il n'a pas encore été produit, ou il a été supprimé."
NOT_READY = "Ce fichier n'est pas encore prêt : suivez l'avancement de sa production sur sa page."
FALLBACK_NAME = "fichier"


class FileAltered(Exception):
    """A private file no longer matches the SHA-256 checksum recorded when it was written."""


def safe_filename(name: str) -> str:
    """The last part of ``name``, reduced to letters, digits, dashes, underscores and dots (spaces become
    underscores): no path, no quote, no control character can reach the Content-Disposition header."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    try:
        return get_valid_filename(base)
    except SuspiciousFileOperation:  # nothing left, or only dots
        return FALLBACK_NAME


def private_file_response(
    file: FieldFile | None, *, filename: str, as_attachment: bool = True, checksum: str = ""
) -> FileResponse:
    """Stream a private file after the caller's permission check. ``filename``: the name the browser saves it
    under (made safe); ``checksum``: the SHA-256 (hex) recorded when the file was written, if any — the file
    must still match it (FileAltered otherwise)."""
    if not file or not file.name or not file.storage.exists(file.name):
        raise Http404(MISSING)
    handle = file.storage.open(file.name, "rb")
    try:
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
        if checksum and digest.hexdigest() != checksum.lower():
            raise FileAltered(f"{file.name}: SHA-256 {digest.hexdigest()}, {checksum} recorded when it was written")
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    name = safe_filename(filename)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=as_attachment, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["ETag"] = f'"{digest.hexdigest()}"'
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
    return response


def job_file_response(job: AbstractJob, *, filename: str = "", as_attachment: bool = True) -> FileResponse:
    """The result file of a job (sman/jobs.py), once it is done, checked against its recorded checksum. The
    caller checks who may read it. ``filename`` defaults to the stored file's own name."""
    if job.state != DONE:
        raise Http404(NOT_READY)
    return private_file_response(
        job.file, filename=filename or job.file.name, as_attachment=as_attachment, checksum=job.checksum
    )

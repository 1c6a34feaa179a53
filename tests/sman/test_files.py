"""Private files go out through one response (sman/files.py): after each app's permission check, with a safe
name, never cached nor sniffed, with their SHA-256, and checked against the one recorded when written."""

import base64
import hashlib
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actions.models import Report
from actions.services import copil_session_create
from sman import jobs
from sman.files import MISSING, NOT_READY, FileAltered, job_file_response, private_file_response, safe_filename
from sman.models import Job

from ..auth import login
from ..factories import UserFactory
from ..matrix import close

pytestmark = pytest.mark.django_db

CONTENT = b"Date;Ticket\n01/03/2026;ABCD-EFGH\n"


def _done_job(content: bytes = CONTENT, filename: str = "releve.csv") -> Job:
    job = Job.objects.create(task_name="passnumerique.tasks.monthly_statements", task_args=[], state="done")
    return jobs.job_result_write(job=job, content=content, filename=filename)


def body(response) -> bytes:
    """The streamed file, its handle closed (without closing the test's database connection)."""
    try:
        return b"".join(response.streaming_content)
    finally:
        close(response)


def assert_private_headers(response, content: bytes):
    digest = hashlib.sha256(content)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["ETag"] == f'"{digest.hexdigest()}"'
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
    assert response["Content-Length"] == str(len(content))


def test_a_private_file_is_streamed_with_private_headers_and_its_checksum():
    job = _done_job()
    response = private_file_response(job.file, filename="relevé de mars.csv", checksum=job.checksum)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''relev%C3%A9_de_mars.csv"
    assert_private_headers(response, CONTENT)
    assert body(response) == CONTENT
    inline = private_file_response(job.file, filename="releve.pdf", as_attachment=False)
    assert inline["Content-Disposition"] == 'inline; filename="releve.pdf"'
    assert inline["Content-Type"] == "application/pdf"
    close(inline)


@pytest.mark.parametrize(
    ("asked", "sent"),
    [
        ("../../etc/passwd", "passwd"),
        ('rapport"; filename="autre.exe', "rapport_filenameautre.exe"),
        ("dossier\\sous-dossier\\lettre.pdf", "lettre.pdf"),
        ("carnets\r\nSet-Cookie: x=1.pdf", "carnetsSet-Cookie_x1.pdf"),
        ("..", "fichier"),
    ],
)
def test_the_name_sent_is_safe(asked, sent):
    assert safe_filename(asked) == sent
    response = private_file_response(_done_job().file, filename=asked)
    assert response["Content-Disposition"] == f'attachment; filename="{sent}"'
    close(response)


def test_a_missing_file_is_a_french_404():
    job = _done_job()
    for file in (None, Job().file):
        with pytest.raises(Http404, match="Ce fichier n'est pas disponible"):
            private_file_response(file, filename="x.csv")
    default_storage.delete(job.file.name)
    with pytest.raises(Http404) as exc:
        private_file_response(job.file, filename="x.csv", checksum=job.checksum)
    assert str(exc.value) == MISSING


def test_a_file_changed_since_it_was_written_is_not_served():
    job = _done_job()
    with default_storage.open(job.file.name, "wb") as f:
        f.write(CONTENT.replace(b"ABCD", b"ZZZZ"))
    with pytest.raises(FileAltered):
        private_file_response(job.file, filename="x.csv", checksum=job.checksum)
    # Without a recorded checksum, the file's own is sent.
    response = private_file_response(job.file, filename="x.csv")
    assert_private_headers(response, CONTENT.replace(b"ABCD", b"ZZZZ"))
    close(response)


def test_the_file_of_a_job_is_served_once_the_job_is_done():
    job = _done_job()
    for state in ("pending", "running", "failed"):
        Job.objects.filter(pk=job.pk).update(state=state)
        job.refresh_from_db()
        with pytest.raises(Http404) as exc:
            job_file_response(job)
        assert str(exc.value) == NOT_READY
    Job.objects.filter(pk=job.pk).update(state="done")
    job.refresh_from_db()
    response = job_file_response(job)
    assert response["Content-Disposition"] == f'attachment; filename="{job.file.name.rsplit("/", 1)[-1]}"'
    assert body(response) == CONTENT


# --- The download views that moved onto it ---------------------------------------------------------------
def test_the_copil_report_download_goes_through_the_private_file_response(reference):
    staff, member = UserFactory(staff=True), UserFactory(copil=True)
    session = copil_session_create(user=staff, year=2022, semester=1, on=date(2022, 6, 1))
    report = Report.objects.create(session=session, requested_by=member)
    pdf = b"%PDF-1.7 rapport du COPIL"
    jobs.job_result_write(job=report, content=pdf, filename="rapport-copil-2022-s1.pdf")
    Report.objects.filter(pk=report.pk).update(state="done", finished_at=timezone.now())
    client = login(Client(), member)
    response = client.get(reverse("actions:report_download", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="rapport-copil-2022-s1-{report.pk}.pdf"'
    assert_private_headers(response, pdf)
    assert body(response) == pdf
    # Altered on disk: refused (a server error, logged), never served as the report.
    report.refresh_from_db()
    with default_storage.open(report.file.name, "wb") as f:
        f.write(b"%PDF-1.7 autre chose")
    broken = Client(raise_request_exception=False)
    login(broken, member)
    response = broken.get(reverse("actions:report_download", args=[report.pk]))
    assert response.status_code == 500 and "Le service rencontre un problème" in response.content.decode()

"""Printable booklet sheets as a long job (sman/jobs.py): asked for on the order's page, rendered by the task
(eagerly here; tests/passnumerique/test_worker.py with a real worker), followed by the status partial and
downloaded as a private file (sman/files.py). Statements go out through the same private file response."""

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from passnumerique import codes, services
from passnumerique.models import BookletSheets, Ticket
from sman import jobs
from sman.models import Territory

from ..auth import login
from ..fmin.test_lifecycle import pdf_text
from ..sman.test_files import assert_private_headers, body
from .conftest import distribute

pytestmark = pytest.mark.django_db


def _urls(order) -> tuple[str, str, str]:
    return tuple(
        reverse(f"passnumerique:{name}", args=[order.pk])
        for name in ("order_sheets_request", "order_sheets_status", "order_sheets")
    )


def test_the_funder_asks_for_the_sheets_and_downloads_them_once_rendered(pn, django_capture_on_commit_callbacks):
    order = pn.order
    request_url, status_url, download_url = _urls(order)
    client = login(Client(), pn.funder_agent)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'action="{request_url}"' in page and "Produire les planches de carnets" in page
    assert download_url not in page and "js/job_status.js" not in page
    assert client.get(download_url).status_code == 404  # nothing rendered yet
    assert client.get(status_url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):  # the task runs (eagerly) once the request commits
        response = client.post(request_url)
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url() + "#planches"
    sheets = BookletSheets.objects.get(order=order)
    assert (sheets.state, sheets.requested_by, sheets.attempts) == ("done", pn.funder_agent, 1)
    assert sheets.created_at <= sheets.started_at <= sheets.finished_at
    assert (sheets.task_name, sheets.task_args) == ("passnumerique.tasks.render_booklet_sheets", [sheets.pk])
    with default_storage.open(sheets.file.name) as f:
        pdf = f.read()
    assert sheets.file.name.startswith("pass/sheets/") and pdf.startswith(b"%PDF")
    assert (sheets.checksum, sheets.size) == (hashlib.sha256(pdf).hexdigest(), len(pdf))
    text = pdf_text(sheets.file)
    for ticket in Ticket.objects.filter(booklet__order=order):
        assert codes.display(ticket.code) in text

    page = client.get(order.get_absolute_url()).content.decode()
    assert "Les planches sont prêtes." not in page  # the message was shown once, on the redirect
    assert download_url in page and f"<code>{sheets.checksum}</code>" in page and "js/job_status.js" in page
    status = client.get(status_url).json()
    assert (status["state"], status["active"]) == ("done", False) and download_url in status["html"]
    download = client.get(download_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="carnets-{order.reference}.pdf"'
    assert_private_headers(download, pdf)
    assert body(download) == pdf
    # Asked again once done: the same sheets (an order's codes never change), nothing rendered again.
    assert client.post(request_url).status_code == 302
    assert BookletSheets.objects.filter(order=order).count() == 1


def test_a_second_request_while_the_sheets_are_pending_or_running_reuses_them(pn):
    first = services.order_sheets_request(order=pn.order, user=pn.funder_agent)  # on_commit never fires here
    assert first.state == "pending" and first.requested_by == pn.funder_agent
    page = login(Client(), pn.staff).get(pn.order.get_absolute_url()).content.decode()
    assert "en attente" in page and "Produire les planches" not in page and 'aria-live="polite"' in page
    assert services.order_sheets_request(order=pn.order, user=pn.staff).pk == first.pk
    BookletSheets.objects.filter(pk=first.pk).update(state="running", started_at=timezone.now())
    response = login(Client(), pn.staff).post(_urls(pn.order)[0], follow=True)
    assert "Les planches sont en cours de production." in response.content.decode()
    assert BookletSheets.objects.filter(order=pn.order).count() == 1
    # One in progress per order, whatever the concurrency: the database says no to a second one.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        BookletSheets.objects.create(order=pn.order)


def test_failed_sheets_say_why_and_are_retried_from_the_partial(pn, monkeypatch, django_capture_on_commit_callbacks):
    def broken(order):
        raise RuntimeError("police introuvable")

    monkeypatch.setattr("passnumerique.documents.booklet_sheets_pdf", broken)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        services.order_sheets_request(order=pn.order, user=pn.funder_agent)
    sheets = BookletSheets.objects.get(order=pn.order)
    assert sheets.state == "failed" and not sheets.file and not sheets.checksum and sheets.finished_at
    assert sheets.error == jobs.UNEXPECTED_FAILURE and "RuntimeError: police introuvable" in sheets.error_detail
    request_url, status_url, download_url = _urls(pn.order)
    client = login(Client(), pn.funder_agent)
    html = client.get(status_url).json()["html"]
    assert "erreur inattendue" in html and "police introuvable" not in html  # the detail is for staff
    assert f'action="{request_url}"' in html and "Relancer la production des planches" in html
    assert "police introuvable" in login(Client(), pn.staff).get(status_url).json()["html"]
    assert client.get(download_url).status_code == 404

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(request_url).status_code == 302
    sheets.refresh_from_db()
    assert (sheets.state, sheets.attempts, sheets.error, sheets.error_detail) == ("done", 1, "", "")
    assert BookletSheets.objects.filter(order=pn.order).count() == 1 and sheets.checksum
    download = client.get(download_url)
    assert download.status_code == 200 and body(download).startswith(b"%PDF")


def test_aptic_orders_have_no_sheets(pn):
    order, _ = services.order_import_aptic(
        user=pn.funder_agent, funder=pn.funder, rows=[{"carnet": "APTIC-B1", "ticket": f"APT-{i}"} for i in range(5)],
        face_value_cents=1000, territory=Territory.objects.get(code="T8"), target_public="all",
        valid_until=pn.order.valid_until,
    )  # fmt: skip
    client = login(Client(), pn.funder_agent)
    assert "planches" not in client.get(order.get_absolute_url()).content.decode().lower()
    request_url, status_url, download_url = _urls(order)
    for response in (client.post(request_url), client.get(status_url), client.get(download_url)):
        assert response.status_code == 404
    assert not BookletSheets.objects.exists()


def test_a_statement_file_goes_through_the_private_file_response(pn):
    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    services.ticket_redeem(code=booklet.tickets.first().code, place=pn.place, training=pn.training, user=pn.place_agent)
    (statement,) = services.statements_generate(month=timezone.localdate().replace(day=1))
    client = login(Client(), pn.place_agent)
    response = client.get(reverse("passnumerique:statement_file", args=[statement.pk, "csv"]))
    with default_storage.open(statement.csv.name) as f:
        content = f.read()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="{statement.csv.name.rsplit("/", 1)[-1]}"'
    assert_private_headers(response, content)
    assert body(response) == content
    default_storage.delete(statement.pdf.name)
    assert client.get(reverse("passnumerique:statement_file", args=[statement.pk, "pdf"])).status_code == 404

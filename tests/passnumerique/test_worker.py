"""The booklet sheets in a real worker process: asked for on the order's page, rendered by the Celery task
(WeasyPrint, passnumerique/documents.py), followed on the page and downloaded as a private file."""

import hashlib
import time

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from passnumerique import codes
from passnumerique.models import BookletSheets, Ticket
from sman.celery import app

from ..auth import login
from ..fmin.test_lifecycle import pdf_text
from ..sman.test_files import body

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sent_to_the_broker():
    """The web process sends tasks to the broker, as in production (the test settings run them eagerly). Not
    monkeypatch: it would restore the attribute on the instance, where Celery's settings do not keep it."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def test_a_real_worker_renders_the_sheets_the_order_page_asked_for(celery_worker_process, pn, sent_to_the_broker):
    order = pn.order
    client = login(Client(), pn.funder_agent)
    request_url = reverse("passnumerique:order_sheets_request", args=[order.pk])
    assert client.post(request_url).status_code == 302
    sheets = BookletSheets.objects.get(order=order)
    assert sheets.requested_by == pn.funder_agent and sheets.queued_at
    # Asked again while the worker has it: the same job.
    assert client.post(request_url).status_code == 302
    assert BookletSheets.objects.filter(order=order).count() == 1

    status_url = reverse("passnumerique:order_sheets_status", args=[order.pk])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and client.get(status_url).json()["active"]:
        time.sleep(0.5)
    sheets.refresh_from_db()
    assert sheets.state == "done", sheets.error_detail
    assert sheets.attempts == 1 and sheets.started_at <= sheets.finished_at
    with default_storage.open(sheets.file.name) as f:
        pdf = f.read()
    assert hashlib.sha256(pdf).hexdigest() == sheets.checksum and sheets.size == len(pdf)
    text = pdf_text(sheets.file)
    for ticket in Ticket.objects.filter(booklet__order=order).select_related("booklet"):
        assert codes.display(ticket.code) in text and codes.display(ticket.booklet.code) in text

    page = client.get(order.get_absolute_url()).content.decode()
    assert "Télécharger les planches de carnets" in page and f"<code>{sheets.checksum}</code>" in page
    download = client.get(reverse("passnumerique:order_sheets", args=[order.pk]))
    assert download["ETag"] == f'"{sheets.checksum}"' and body(download) == pdf

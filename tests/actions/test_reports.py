import hashlib
import io
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.template import TemplateSyntaxError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from actions import services
from actions.models import Indicator, IndicatorValue, Report
from sman import jobs
from sman.celery import app

from ..auth import login
from ..factories import UserFactory


def _session_with_opinions(staff, copil):
    session = services.copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))
    for review in session.reviews.all():
        opinion = {17: "abandon", 10: "scale_up"}.get(review.action.number, "keep")
        services.review_record_opinion(
            review=review, user=copil, version=0, opinion=opinion, reasons=f"Motif de l'avis n°{review.action.number}."
        )
    indicator = Indicator.objects.create(
        action=session.reviews.get(action__number=2).action, name="Logements raccordables", definition="Part.",
        kind="result", unit="%", target_value=100, target_date=date(2022, 12, 31), source="ARCEP",
    )  # fmt: skip
    for month, value in ((1, 60), (6, 72)):
        IndicatorValue.objects.create(
            indicator=indicator, date=date(2020, month, 1), value=Decimal(value), author=copil
        )
    services.recommendation_add(session=session, user=copil, programme="fmin", text="Renouveler le fonds.")
    return session


def _pdf_text(data: bytes) -> str:
    return "".join("".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_report(celery_worker_process, reference, client):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    session = _session_with_opinions(staff, copil)
    report = Report.objects.create(session=session, requested_by=copil)
    app.send_task("actions.tasks.generate_report", args=[report.pk])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.state in (Report.State.DONE, Report.State.FAILED):
            break
        time.sleep(0.5)
    assert report.state == Report.State.DONE, report.error
    with default_storage.open(report.file.name) as f:
        data = f.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == report.checksum
    text = _pdf_text(data)
    for review in session.reviews.select_related("action"):
        assert "".join(review.action.title.split()) in text, review.action.number
        assert "".join(review.get_opinion_display().split()) in text
    assert "Renouvelerlefonds." in text and "Sommaire" in text and "Page1sur" not in text[:50]
    login(client, copil)
    assert "prêt" in client.get(report.get_absolute_url()).content.decode()
    download = client.get(f"/copil/rapports/{report.pk}/telecharger/")
    assert download["Content-Type"] == "application/pdf" and b"".join(download.streaming_content) == data


@pytest.mark.django_db
def test_a_failing_render_ends_failed_without_a_file(
    reference, monkeypatch, client, django_capture_on_commit_callbacks
):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    session = services.copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))

    def broken(_session):
        raise TemplateSyntaxError("balise inconnue « chart »")

    monkeypatch.setattr("actions.reports.render_report_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(session=session, user=copil)  # its task runs (eagerly)
    report.refresh_from_db()
    assert report.state == Report.State.FAILED and report.finished_at
    # People read a French sentence; the exception is the technical detail, for staff only.
    assert report.error == jobs.UNEXPECTED_FAILURE
    assert "TemplateSyntaxError" in report.error_detail and "balise inconnue" in report.error_detail
    assert not report.file and not report.checksum
    # The page's button sends the same report again (sman/jobs.py), from its first attempt.
    login(client, copil)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Relancer la production" in page and "s&#x27;est arrêté sur une erreur inattendue" in page
    assert "TemplateSyntaxError" not in page
    staff_page = login(Client(), staff).get(report.get_absolute_url()).content.decode()
    assert "Détail technique" in staff_page and "TemplateSyntaxError" in staff_page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("actions:report_retry", args=[report.pk]))
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    report.refresh_from_db()
    assert (report.state, report.attempts, report.error, report.error_detail) == (Report.State.DONE, 1, "", "")
    assert report.checksum and Report.objects.filter(session=session).count() == 1


@pytest.mark.django_db
def test_a_second_request_while_one_is_pending_starts_no_second_job(reference):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    session = services.copil_session_create(user=staff, year=2020, semester=2, on=date(2020, 12, 1))
    first = services.report_request(session=session, user=copil)  # on_commit never fires inside a test transaction
    second = services.report_request(session=session, user=staff)
    assert first.pk == second.pk and Report.objects.filter(session=session).count() == 1


@pytest.mark.django_db
def test_report_pdf_in_process(reference, django_capture_on_commit_callbacks):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    session = _session_with_opinions(staff, copil)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(session=session, user=copil)
    report.refresh_from_db()
    assert report.state == Report.State.DONE, report.error
    with default_storage.open(report.file.name) as f:
        text = _pdf_text(f.read())
    assert "Diffusion(passageàl'échelle)" in text or "diffusion(passageàl'échelle)" in text

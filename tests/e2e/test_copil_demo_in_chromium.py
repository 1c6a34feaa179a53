"""After the demo data is loaded (as `make run` does), the demo COPIL member signs in with their second factor,
finds the next session waiting in « Mon espace », opens it, opens the last closed session and its report, and
reads the report: 17 action sections and the territorial section. axe-core on every page."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from pypdf import PdfReader

from actions.models import Action, CopilSession, Report
from sman.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo
from sman.models import Territory

from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_after_the_demo_a_copil_member_reviews_the_plan_and_reads_the_last_report(page, reference, tmp_path):
    accounts = {account.role: account for account in load_demo()}
    upcoming = CopilSession.objects.get(status=CopilSession.Status.PLANNED)
    closed = CopilSession.objects.filter(status=CopilSession.Status.CLOSED).order_by("-date").first()
    report = Report.objects.get(session=closed, state="done")

    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(accounts["copil"].email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.get_by_label("Code").fill(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30)))
    page.get_by_label("Code").press("Enter")
    page.wait_for_url("**/espace/")
    assert_no_axe_violation(page)

    # « Mon espace » says what waits: the next session to prepare, the last report.
    page.get_by_role("link", name=f"Préparer la séance du COPIL du {upcoming.date:%d/%m/%Y}").click()
    page.wait_for_url(f"**{upcoming.get_absolute_url()}")
    assert page.get_by_role("link", name="Rendre l'avis pour l'action #2").count() == 1
    assert_no_axe_violation(page)

    page.goto(closed.get_absolute_url())
    assert "close" in page.locator("main").inner_text()
    assert_no_axe_violation(page)

    page.goto(report.get_absolute_url())
    assert_no_axe_violation(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le rapport").click()
    path = tmp_path / "rapport.pdf"
    download_info.value.save_as(path)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
    reviewed = Action.objects.filter(reviews__session=closed).distinct()
    assert reviewed.count() == 17
    for action in reviewed:
        assert f"Action #{action.number}" in text
    assert "Les territoires : le plan dans chaque EPT" in text
    for ept in Territory.objects.filter(kind="ept"):
        assert ept.name in text

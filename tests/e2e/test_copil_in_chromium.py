"""A COPIL member's session in headless Chromium: opinion, report, download; axe-core on the plan pages."""

from datetime import date

import pytest
from pypdf import PdfReader

from actions import services

from ..factories import UserFactory
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, user):
    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()


@pytest.mark.parametrize(
    "path", ["/feuille-de-route/", "/feuille-de-route/2019-2020/actions/2/", "/feuille-de-route/defis/1/"]
)
def test_plan_pages_have_no_accessibility_violation(page, reference, path):
    page.goto(path)
    assert page.locator("h1").count() == 1
    assert_no_axe_violation(page)


def test_copil_member_gives_an_opinion_and_downloads_the_report(page, reference, tmp_path):
    staff = UserFactory(staff=True)
    member = UserFactory(copil=True)
    session = services.copil_session_create(user=staff, year=2020, semester=2, on=date(2020, 12, 1))
    # The member's TOTP device exists; allauth asks for the code at login: sign in through the browser
    # with the code of the factory's secret.
    from allauth.mfa.models import Authenticator

    device = Authenticator.objects.get(user=member, type=Authenticator.Type.TOTP)
    _login(page, member)
    page.get_by_label("Code").fill(_current_code(device))
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")

    page.goto("/copil/")
    assert page.locator("h1").inner_text() == "Tableau de bord du COPIL"
    assert_no_axe_violation(page)

    page.goto(session.get_absolute_url())
    assert_no_axe_violation(page)
    page.get_by_role("link", name="Rendre l'avis pour l'action #2").click()
    page.get_by_label("diffusion (passage à l'échelle)").check()
    page.get_by_label("Motifs de l'avis").fill("Le service est prêt à être étendu à toute la Métropole.")
    page.get_by_role("button", name="Enregistrer l'avis").click()
    page.wait_for_url(f"**{session.get_absolute_url()}")
    assert "Avis enregistré pour l'action #2" in page.content()
    review = session.reviews.get(action__number=2)
    assert (review.opinion, review.decided_by_id) == ("scale_up", member.pk)

    page.get_by_role("button", name="Produire le rapport PDF").click()
    page.wait_for_selector("text=Télécharger le rapport", timeout=60_000)
    assert_no_axe_violation(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le rapport").click()
    path = tmp_path / "rapport.pdf"
    download_info.value.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert "Le service est prêt à être étendu" in " ".join(text.split())


def _current_code(device) -> str:
    import time

    from allauth.mfa.adapter import get_adapter
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    secret = get_adapter().decrypt(device.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))

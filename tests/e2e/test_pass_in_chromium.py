"""A place agent validates a ticket on a phone-sized screen; axe-core finds nothing."""

from datetime import date
from decimal import Decimal

import pytest

from passnumerique import codes, services
from passnumerique.models import DistributorAuthorisation, MediationPlace, Redemption, Training
from sman.models import Membership, Organisation, Territory

from ..factories import MembershipFactory, OrganisationFactory
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


def test_place_agent_validates_a_code_on_a_phone(phone, reference):
    montreuil = Territory.objects.get(code="93048")
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="CCAS de test")
    funder_agent = MembershipFactory(organisation=funder).user
    distributor = Organisation.objects.get(kind="collectivity", territory=montreuil)
    DistributorAuthorisation.objects.create(funder=funder, distributor=distributor)
    place_org = OrganisationFactory(
        kind=Organisation.Kind.MEDIATION_PLACE, name="Espace numérique du test", territory=montreuil
    )
    place = MediationPlace.objects.create(organisation=place_org, place_type="association", aptic_label=True)
    training = Training.objects.create(title="Envoyer un courriel", theme="Communication", duration_hours=Decimal(1))
    place.trainings.add(training)
    agent = MembershipFactory(organisation=place_org, role=Membership.Role.MEMBER).user
    order = services.order_create(
        user=funder_agent, funder=funder, booklet_count=1, tickets_per_booklet=5, face_value_cents=1000,
        territory=Territory.objects.get(code="T8"), target_public="all", valid_until=date(2030, 12, 31),
    )  # fmt: skip
    booklet = order.booklets.get()
    services.booklet_distribute(
        user=MembershipFactory(organisation=distributor).user, distributor=distributor, booklet_code=booklet.code,
        age_band="65-79", territory=montreuil, target_public="all",
    )  # fmt: skip
    ticket = booklet.tickets.first()

    phone.goto("/comptes/login/")
    phone.get_by_label("Courriel").fill(agent.email)
    phone.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    phone.get_by_role("button", name="Connexion").click()
    phone.wait_for_url("**/espace/")

    phone.goto("/pass-numerique/valider/")
    assert_no_axe_violation(phone)
    phone.get_by_label("Code du ticket").fill(codes.display(ticket.code).lower())
    phone.get_by_label("Formation suivie").select_option(label="Envoyer un courriel")
    phone.get_by_role("button", name="Vérifier le ticket").click()
    phone.wait_for_selector("text=Ticket valable")
    assert_no_axe_violation(phone)
    phone.get_by_role("button", name="Valider le ticket").click()
    phone.wait_for_selector("text=Ticket validé")
    assert_no_axe_violation(phone)
    redemption = Redemption.objects.get()
    assert (redemption.ticket_id, redemption.place_id, redemption.agent_id) == (ticket.pk, place.pk, agent.pk)
    # The same code again: refused, and the page says why.
    phone.get_by_label("Code du ticket").fill(ticket.code)
    phone.get_by_label("Formation suivie").select_option(label="Envoyer un courriel")
    phone.get_by_role("button", name="Vérifier le ticket").click()
    phone.wait_for_selector("text=Ce ticket a déjà été utilisé.")
    # No horizontal scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_public_pass_pages_have_no_accessibility_violation(page, reference):
    for path in ("/pass-numerique/", "/pass-numerique/lieux/", "/pass-numerique/formations/", "/pass-numerique/solde/"):
        page.goto(path)
        assert_no_axe_violation(page)


def test_a_funder_follows_the_booklet_sheets_then_downloads_them(page, reference, tmp_path):
    """The sheets' status block (templates/sman/_job_status.html) updates itself while they are rendered (its
    live region says so), then offers the private file; axe-core finds nothing on the way."""
    from io import BytesIO

    from django.utils import timezone
    from pypdf import PdfReader

    from passnumerique.models import BookletSheets
    from passnumerique.services import booklet_sheets_render
    from sman.jobs import claim

    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="CCAS des planches")
    agent = MembershipFactory(organisation=funder).user
    order = services.order_create(
        user=agent, funder=funder, booklet_count=2, tickets_per_booklet=5, face_value_cents=1000,
        territory=Territory.objects.get(code="T8"), target_public="all", valid_until=date(2030, 12, 31),
    )  # fmt: skip
    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(agent.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")

    # Sheets asked for, not yet taken by a worker: the page shows them pending and polls their state.
    sheets = BookletSheets.objects.create(order=order, requested_by=agent, task_name="x", task_args=[])
    page.goto(order.get_absolute_url())
    live = page.locator("#planches [aria-live=polite]")
    assert "en attente" in live.inner_text()
    assert_no_axe_violation(page)
    # The worker takes them and renders them (here, in the test's own process).
    claim(BookletSheets, sheets.pk, task_name="x", args=[], kwargs={})
    booklet_sheets_render(sheets_id=sheets.pk)
    BookletSheets.objects.filter(pk=sheets.pk).update(state="done", finished_at=timezone.now())
    page.get_by_role("link", name="Télécharger les planches de carnets").wait_for(timeout=30_000)
    assert "terminé" in live.inner_text()  # updated in place, without reloading the page
    assert_no_axe_violation(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger les planches de carnets").click()
    path = tmp_path / "carnets.pdf"
    download_info.value.save_as(path)
    assert download_info.value.suggested_filename == f"carnets-{order.reference}.pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(path.read_bytes())).pages)
    assert codes.display(order.booklets.first().tickets.first().code) in text

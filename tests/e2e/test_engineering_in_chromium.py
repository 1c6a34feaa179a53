"""The support module in headless Chromium: the places map with its table, a request's page, the start-ups;
axe-core finds nothing and no request leaves the portal."""

import pytest

from engineering import services
from engineering.models import ServiceOffer
from sman.models import Organisation

from ..factories import (
    MembershipFactory,
    PlaceFactory,
    ProductFactory,
    UserFactory,
)
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user):
    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")


def test_the_places_map_draws_the_places_listed_in_its_table(page, reference, no_request_leaves):
    PlaceFactory(name="Fablab de Montreuil")
    PlaceFactory(name="Micro-Folie de Montreuil", micro_folie=True)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/accompagnement/lieux/")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.locator(".leaflet-marker-icon").count() == 2
    assert page.locator("table tbody tr").count() == 2
    assert_no_axe_violation(page)
    page.get_by_label("Type de lieu").select_option(label="Micro-Folie")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_selector("text=1 lieu.")
    assert page.locator("table tbody tr").count() == 1
    assert_no_axe_violation(page)
    for path in ("/accompagnement/", "/accompagnement/services/", "/accompagnement/start-up/",
                 ProductFactory().get_absolute_url(), "/accompagnement/espaces/"):  # fmt: skip
        page.goto(path)
        assert_no_axe_violation(page)
    assert errors == []


def test_an_agent_asks_for_support_and_reads_the_poles_answer(page, reference, no_request_leaves):
    montreuil = Organisation.objects.get(kind="collectivity", territory__code="93048")
    agent = MembershipFactory(organisation=montreuil).user
    staff, expert = UserFactory(staff=True, mfa=False), UserFactory(roles=["engineering.expert"])
    service = ServiceOffer.objects.create(title="Trouver des financements", description="d", audience="communes",
                                          kind="financial", typical_delay_days=15)  # fmt: skip
    _sign_in(page, agent)
    page.goto("/accompagnement/demandes/nouvelle/")
    assert_no_axe_violation(page)
    page.get_by_role("button", name="Envoyer la demande").click()
    page.wait_for_selector(".error-summary")
    assert_no_axe_violation(page)  # the error summary and the fields in error
    page.get_by_label("Objet de la demande").fill("Cofinancer la fibre des écoles")
    page.get_by_label("financier").check()
    page.get_by_label("amont (définir le besoin)").check()
    page.get_by_label("Votre besoin").fill("Trouver des financements européens.")
    page.get_by_role("button", name="Envoyer la demande").click()
    page.wait_for_selector("text=Votre demande est envoyée")
    from engineering.models import EngineeringRequest

    req = EngineeringRequest.objects.get()
    services.request_qualify(request=req, user=staff, service=service, expert=expert)
    services.request_start(request=req, user=expert)
    services.message_post(request=req, user=expert, body="Deux programmes européens vous concernent.")
    page.goto(req.get_absolute_url())
    page.wait_for_selector("text=Deux programmes européens vous concernent.")
    assert_no_axe_violation(page)

"""The territorial observatory in Chromium: a commune chosen with the form (no JavaScript needed), its figures beside
the Métropole's, its trend as charts with a text alternative, on a phone's width; axe-core finds nothing."""

from datetime import date

import pytest

from actions import services
from actions.models import Action, Indicator
from sman.models import Organisation

from ..factories import MembershipFactory
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_commune_in_the_observatory_is_accessible(page, reference):
    action = Action.objects.get(roadmap__code="2019-2020", number=2)
    Indicator.objects.create(
        action=action, name="Collectivités inscrites", definition="Calcul du portail.", kind="result", unit="nombre",
        target_value=10, target_date=date(2027, 12, 31), source="Portail",
        provider_key="sman.collectivities_with_agents",
    )  # fmt: skip
    montreuil = Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code="93048")
    MembershipFactory(organisation=montreuil)
    services.indicator_values_record_computed(today=date(2026, 1, 31))
    MembershipFactory(organisation=Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code="T8"))
    services.indicator_values_record_computed(today=date(2026, 2, 28))

    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/observatoire/")
    assert page.locator("h1").inner_text() == "Observatoire territorial : Métropole du Grand Paris"
    assert_no_axe_violation(page)

    page.get_by_label("Territoire ou commune").select_option("93048")
    page.get_by_role("button", name="Afficher ses indicateurs").click()
    page.wait_for_url("**/observatoire/93048/")
    assert page.locator("h1").inner_text() == "Observatoire territorial : Montreuil"
    table = page.get_by_role("table", name="Indicateurs calculés pour Montreuil, avec la valeur de la Métropole")
    assert table.is_visible()
    row = table.get_by_role("row", name="Collectivités ayant au moins un agent inscrit")
    assert "28/02/2026" in row.inner_text()
    chart = page.get_by_role("img", name="Collectivités ayant au moins un agent inscrit — Montreuil")
    assert chart.count() == 1
    # The table scrolls within its region; the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_axe_violation(page)

"""Partner-led actions (#1, #8, #14, #17): the partner's service, the collectivities involved, milestones and
indicator values entered by the owners."""

import html

import pytest
from django.test import Client

from actions.models import Action, Milestone

from ..auth import login
from ..factories import UserFactory, collectivity_of

pytestmark = pytest.mark.django_db


def test_partner_led_actions_link_to_the_partners_service(reference):
    partners = dict(Action.objects.filter(number__in=[1, 8, 14, 17]).values_list("number", "partner_url"))
    assert partners == {
        1: "https://www.societedesgrandsprojets.fr/", 8: "https://www.parisandco.paris/",
        14: "https://beta.gouv.fr/startups/plante-et-moi.html", 17: "https://pop.culture.gouv.fr/",
    }  # fmt: skip
    page = html.unescape(Client().get("/feuille-de-route/2019-2020/actions/8/").content.decode())
    assert 'href="https://www.parisandco.paris/"' in page and "Aucune collectivité engagée" in page


def test_an_owner_lists_the_collectivities_and_adds_a_milestone(reference):
    action = Action.objects.get(roadmap__code="2019-2020", number=14)
    owner = UserFactory()
    action.owners.add(owner)
    client = login(Client(), owner)
    montreuil, pantin = collectivity_of("93048"), collectivity_of("93055")
    data = {
        "status": "in_progress", "progress": "20", "notes": "", "collectivities": [montreuil.pk, pantin.pk],
        "jalons-TOTAL_FORMS": "0", "jalons-INITIAL_FORMS": "0", "budget-TOTAL_FORMS": "0", "budget-INITIAL_FORMS": "0",
        "nouveau-jalon-title": "Lancement avec deux communes pilotes", "nouveau-jalon-planned_start": "2020-01-01",
        "nouveau-jalon-planned_end": "2020-06-30",
    }  # fmt: skip
    response = client.post("/feuille-de-route/2019-2020/actions/14/suivi/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(action.collectivities.all()) == {montreuil, pantin}
    milestone = Milestone.objects.get(action=action)
    assert (milestone.title, milestone.order) == ("Lancement avec deux communes pilotes", 100)
    page = html.unescape(Client().get("/feuille-de-route/2019-2020/actions/14/").content.decode())
    assert "Collectivités engagées :" in page and "Commune de Montreuil" in page
    assert "Lancement avec deux communes pilotes" in page
    # Saved without a new milestone: nothing is added.
    data = {k: v for k, v in data.items() if not k.startswith("nouveau-jalon")}
    assert client.post("/feuille-de-route/2019-2020/actions/14/suivi/", data).status_code == 302
    assert Milestone.objects.filter(action=action).count() == 1

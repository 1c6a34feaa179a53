"""The resource centre in headless Chromium: a Montreuil agent contributes a resource (the form keeps what was
typed after an error), a moderator publishes it, a visitor finds it by a French search with facets and reads
it. axe-core checks the search, the resource page, the contribute form, the review page and the moderation
queue."""

import pytest

from resources.models import Resource

from ..factories import ResourceFactory, UserFactory
from ..resources.conftest import agent_of
from .test_copil_in_chromium import _login
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _submit(page, name: str):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def test_contribute_moderate_and_find_a_resource(page, browser, live_server, reference):
    from sman.models import Organisation

    montreuil = Organisation.objects.get(kind="collectivity", territory__code="93048")
    author = agent_of(montreuil)
    ResourceFactory(published=True, title="Fiche synthétique sur la blockchain", kind="fact_sheet",
                    themes=["blockchain"])  # fmt: skip

    _login(page, author)
    page.wait_for_url("**/espace/")
    page.goto("/ressources/contribuer/")
    assert_no_axe_violation(page)
    page.get_by_label("Nature de la ressource").select_option(label="retour d'expérience")
    page.get_by_label("Résumé").fill("Un an de médiation numérique dans les bibliothèques de Montreuil.")
    _submit(page, "Enregistrer le brouillon")  # no title: refused, what was typed is kept
    assert "Donnez un titre à la ressource." in page.content()
    assert page.get_by_label("Résumé").input_value().startswith("Un an de médiation")
    assert_no_axe_violation(page)
    page.get_by_label("Titre").fill("Médiation numérique en bibliothèque")
    page.get_by_label("Contenu").fill("<h2>Bilan</h2><p>Deux cents ateliers.</p><script>alert(1)</script>")
    page.get_by_label("inclusion et médiation numériques").check()
    _submit(page, "Enregistrer le brouillon")
    page.wait_for_url("**/relecture/")
    assert_no_axe_violation(page)
    _submit(page, "Proposer la ressource aux modérateurs")
    assert Resource.objects.get(title="Médiation numérique en bibliothèque").state == "submitted"

    moderator = browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    staff = UserFactory(staff=True)
    _sign_in_staff(moderator, staff)
    moderator.goto("/ressources/moderation/")
    assert_no_axe_violation(moderator)
    moderator.get_by_role("link", name="Médiation numérique en bibliothèque").click()
    _submit(moderator, "Prendre en relecture")
    _submit(moderator, "Publier")
    moderator.wait_for_url("**/fiches/**")
    moderator.context.close()

    visitor = browser.new_context(base_url=live_server.url, locale="fr-FR").new_page()
    visitor.goto("/ressources/?q=mediation+numerique")
    assert visitor.get_by_role("link", name="Médiation numérique en bibliothèque").count() == 1
    assert visitor.get_by_role("link", name="Fiche synthétique sur la blockchain").count() == 0
    assert_no_axe_violation(visitor)
    visitor.goto("/ressources/")
    visitor.get_by_role("link", name="fiche synthétique (1)").click()
    assert visitor.get_by_role("link", name="Fiche synthétique sur la blockchain").count() == 1
    visitor.goto("/ressources/?q=mediation")
    visitor.get_by_role("link", name="Médiation numérique en bibliothèque").click()
    assert visitor.locator("h1").inner_text() == "Médiation numérique en bibliothèque"
    assert "<script" not in visitor.locator(".prose").inner_html()
    assert_no_axe_violation(visitor)
    visitor.context.close()


def _sign_in_staff(page, user):
    from allauth.mfa.models import Authenticator

    from .test_copil_in_chromium import _current_code

    _login(page, user)
    device = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    page.get_by_label("Code").fill(_current_code(device))
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")

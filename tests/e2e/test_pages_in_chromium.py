"""The public pages and the signed-in shell in headless Chromium, checked by axe-core."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from sman.models import Organisation

from ..factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

axe = Axe()
# WCAG 2.1 A and AA rules, the RGAA 4.1 baseline.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def assert_no_axe_violation(page):
    results = axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Métropole d'intelligences"),
        ("/territoires/", "Les territoires de la Métropole"),
        ("/territoires/T8/", "T8 — Est Ensemble"),
        ("/communes/93066/", "Saint-Denis"),
        ("/accessibilite/", "Déclaration d'accessibilité"),
        ("/accessibilite/audit/", "Grille de l'audit d'accessibilité"),
        ("/accessibilite/schema-pluriannuel/", "Schéma pluriannuel de mise en accessibilité 2026-2028"),
        ("/accessibilite/plan-d-actions/", "Plan d'actions d'accessibilité 2027"),
        ("/plan-du-site/", "Plan du site"),
        ("/comptes/login/", None),
        ("/comptes/signup/", None),
    ],
)
def test_public_pages_have_no_accessibility_violation(page, reference, path, heading):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path)
    if heading:
        assert page.locator("h1").inner_text() == heading
    assert_no_axe_violation(page)
    assert errors == []


def test_maps_draw_the_outlines(page, reference):
    page.goto("/territoires/T8/")
    # One outline per commune of Est Ensemble, drawn by Leaflet from the embedded GeoJSON.
    page.wait_for_selector(".leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 9
    page.goto("/communes/93048/")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 1


def test_a_request_to_another_host_is_recorded(page, no_request_leaves):
    """The guard of every browser test (conftest.py) sees a request to another host; here it is aborted
    before leaving the machine, then forgiven. A request the portal's CSP refuses never leaves: not recorded."""
    page.route("http://tuiles.example.invalid/**", lambda route: route.abort())
    page.goto("/")
    assert no_request_leaves == []
    page.evaluate(
        """() => new Promise(done => { const img = new Image(); img.onerror = done;
        img.src = "http://tuiles.example.invalid/1/1/1.png"; document.body.append(img); })"""
    )
    page.wait_for_timeout(200)
    assert no_request_leaves == []  # refused by the page's img-src
    page.goto("about:blank")  # no CSP: the request is made (and aborted by the route above)
    page.set_content('<img src="http://tuiles.example.invalid/10/518/352.png" alt="">')
    page.wait_for_load_state()
    assert no_request_leaves == ["http://tuiles.example.invalid/10/518/352.png"]
    no_request_leaves.clear()


def test_keyboard_user_reaches_the_skip_link_first(page, reference):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_signed_in_agent_joins_a_commune(page, reference):
    user = UserFactory()
    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")
    assert_no_axe_violation(page)

    page.goto("/espace/rejoindre/")
    page.get_by_role("button", name="Envoyer la demande").click()
    # The error summary takes the focus and links to the fields.
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert_no_axe_violation(page)

    page.get_by_label("Organisation").select_option(label="Commune de Montreuil (collectivité)")
    page.get_by_label("Votre fonction").fill("Chargée de mission numérique")
    page.get_by_role("button", name="Envoyer la demande").click()
    page.wait_for_url("**/espace/")
    assert "Votre demande a été envoyée" in page.content()
    assert page.locator(".request").filter(has_text="Commune de Montreuil").count() == 1


def test_an_operator_creates_then_revokes_an_api_token(page, reference):
    operator = OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI d'essai", siren="123456789")
    user = MembershipFactory(organisation=operator).user
    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")
    page.get_by_role("link", name="Jetons d'API", exact=True).click()
    page.get_by_role("button", name="Créer le jeton").click()
    assert page.locator(".error-summary").is_visible()
    assert_no_axe_violation(page)
    page.get_by_label("Nom du jeton").fill("Serveur IPE")
    page.get_by_label("dépôt et suivi des imports FttH de son opérateur").check()
    page.get_by_role("button", name="Créer le jeton").click()
    key = page.get_by_label("Clé du jeton").input_value()
    assert key.startswith("smi_") and len(key) > 40
    assert_no_axe_violation(page)
    page.get_by_role("link", name="J'ai copié la clé").click()
    assert key not in page.content() and "Serveur IPE" in page.content()
    page.get_by_role("link", name="Révoquer le jeton Serveur IPE").click()
    assert_no_axe_violation(page)
    page.get_by_role("button", name="Révoquer le jeton").click()
    assert "révoqué" in page.locator("table").inner_text()


def test_a_person_reads_notifications_chooses_a_rhythm_and_unsubscribes(page, reference):
    from sman.notifications import notify, preference_of

    user = UserFactory()
    notify(user=user, module="fmin", subject="Un dossier vous attend", url="/fmin/", key="e2e")
    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")
    page.get_by_role("link", name="Mes notifications").click()
    assert page.get_by_role("link", name="Un dossier vous attend").is_visible()
    assert_no_axe_violation(page)
    page.get_by_label("Un résumé par semaine").check()
    page.get_by_role("button", name="Enregistrer mon choix").click()
    assert "Votre choix est enregistré" in page.content()
    assert page.get_by_label("Un résumé par semaine").is_checked()
    page.goto(f"/notifications/{preference_of(user).token}/desabonnement/")
    assert_no_axe_violation(page)
    page.get_by_role("button", name="Ne plus recevoir de courriel").click()
    assert "vous ne recevrez plus de résumé" in page.content()
    assert_no_axe_violation(page)

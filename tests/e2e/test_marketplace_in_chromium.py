"""« J'adopte une innovation » in headless Chromium: the public pages and events, the buyer's need with its
responses and funnel, an FMIN project's page with the solution it experiments and the confirmation to remove the
link, the member's space and response form, the staff's review and attendance pages; axe-core finds nothing on
any of them."""

import pytest
from allauth.mfa.models import Authenticator

from ..marketplace.conftest import market  # noqa: F401 — the marketplace's world, a fixture
from .test_copil_in_chromium import _current_code, _login
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _check(page, path, heading, errors):
    page.goto(path)
    assert page.locator("h1").inner_text() == heading, path
    assert_no_axe_violation(page)
    assert errors == [], path


def test_marketplace_pages_have_no_accessibility_violation(browser, live_server, market):  # noqa: F811
    need, solution, member = market.extra["published"], market.extra["solution"], market.extra["member"]
    errors = []

    def new_page():
        context = browser.new_context(base_url=live_server.url, locale="fr-FR")
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return context, page

    context, page = new_page()
    for path, heading in [
        ("/adopte-une-innovation/", "J'adopte une innovation"),
        ("/adopte-une-innovation/besoins/?q=guichet", "Besoins des collectivités"),
        (f"/adopte-une-innovation/besoins/{need.pk}/", need.title),
        ("/adopte-une-innovation/solutions/", "Solutions des membres de Grand Paris Métropole Tech"),
        (f"/adopte-une-innovation/solutions/{solution.pk}/", solution.title),
        ("/adopte-une-innovation/annuaire/", "Annuaire des membres de Grand Paris Métropole Tech"),
        (f"/adopte-une-innovation/annuaire/{member.slug}/", member.name),
        ("/adopte-une-innovation/charte/", "Charte de participation de la communauté Grand Paris Métropole Tech"),
        ("/adopte-une-innovation/evenements/", "Événements « Métropole d'intelligences »"),
        (f"/adopte-une-innovation/evenements/{market.extra['event'].pk}/", market.extra["event"].title),
    ]:
        _check(page, path, heading, errors)
    context.close()

    from marketplace import services

    from ..factories import ApplicationFactory

    project = ApplicationFactory(funded=True, title="Guichet numérique de Montreuil")
    link = services.experiment_link(user=market.users["commune_agent"], application=project, solution=solution)
    context, page = new_page()
    _login(page, market.users["commune_agent"])
    for path, heading in [
        (f"/fmin/projets/{project.pk}/", project.title),  # « Solution expérimentée », with « retirer ce lien »
        (
            f"/adopte-une-innovation/espace-collectivite/projets-fmin/{link.pk}/retirer/",
            f"Retirer le lien vers « {solution.title} » ?",
        ),
        ("/adopte-une-innovation/espace-collectivite/", "Les besoins de ma collectivité"),
        ("/adopte-une-innovation/besoins/nouveau/", "Publier un besoin"),
        (f"/adopte-une-innovation/besoins/{need.pk}/reponses/", f"Réponses à « {need.title} »"),
        ("/adopte-une-innovation/espace-collectivite/projets-fmin/", "Projets FMIN et solutions expérimentées"),
    ]:
        _check(page, path, heading, errors)
    page.goto("/adopte-une-innovation/besoins/nouveau/")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()  # the error summary, with links to the fields
    assert_no_axe_violation(page)
    context.close()

    context, page = new_page()
    _login(page, market.users["member"])
    for path, heading in [
        ("/adopte-une-innovation/espace-membre/", "Mon espace membre"),
        (f"/adopte-une-innovation/besoins/{need.pk}/repondre/", f"Répondre à « {need.title} »"),
        (f"/adopte-une-innovation/solutions/{solution.pk}/modifier/", f"Fiche « {solution.title} »"),
    ]:
        _check(page, path, heading, errors)
    context.close()

    context, page = new_page()
    _login(page, market.users["staff"])  # staff sign in with their second factor
    device = Authenticator.objects.get(user=market.users["staff"], type=Authenticator.Type.TOTP)
    page.get_by_label("Code").fill(_current_code(device))
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")
    in_review, event = market.extra["in_review"], market.extra["event"]
    for path, heading in [
        ("/adopte-une-innovation/equipe/relecture/", "Besoins à relire"),
        (f"/adopte-une-innovation/equipe/relecture/{in_review.pk}/", f"Relire « {in_review.title} »"),
        (f"/adopte-une-innovation/evenements/{event.pk}/presences/", f"Présences à « {event.title} »"),
    ]:
        _check(page, path, heading, errors)
    context.close()

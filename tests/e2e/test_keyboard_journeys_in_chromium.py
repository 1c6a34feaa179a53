"""The main journeys of the portal by keyboard alone (Tab, Shift+Tab, Enter, Space, arrows; never a click): at
each step the focus is visible and never lost after an update; error summaries are announced and link to
their fields."""

import pytest
from django.conf import settings
from django.test import Client

from ftth.models import AlertSubscription, ImportRun
from participation.models import Ballot

from ..auth import login
from ..factories import BudgetFactory, BudgetProjectFactory, ProcessFactory, SpaceFactory, UserFactory, collectivity_of
from ..ftth.test_imports import IPE_HEADER, IPE_ROWS, _import, _write
from ..marketplace.conftest import market  # noqa: F401 — the marketplace's world, a fixture
from ..passnumerique.conftest import distribute, pn  # noqa: F401 — a place, its agent, an order
from .keyboard import assert_error_summary_announced, focus_is_visible, tab_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _signed_in_page(browser, live_server, user, **options):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **options)
    cookie = login(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context, context.new_page()


def test_search_an_address_and_subscribe_by_keyboard(page, reference, tmp_path):
    rows = [IPE_ROWS[0], IPE_ROWS[1].replace("3;;;8", "12;;;8")]
    assert _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *rows]) + "\n")).state == ImportRun.State.DONE
    page.goto("/fibre/")
    tab_to(page, "input", "Adresse")
    page.keyboard.type("12 rue de la republique saint-denis")
    page.wait_for_selector("#suggestions a")  # suggestions are announced (aria-live) and the focus stays put
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.press("Enter")
    page.wait_for_selector("#titre-resultats")
    tab_to(page, "a", "12 RUE DE LA RÉPUBLIQUE", exact=False)
    page.keyboard.press("Enter")
    page.wait_for_selector("text=En cours de déploiement.")
    tab_to(page, "input", "Votre adresse électronique", exact=False)
    page.keyboard.type("habitant@exemple.fr")
    tab_to(page, "button", "M'alerter")
    page.keyboard.press("Space")
    page.wait_for_selector("text=C'est presque fini")
    assert AlertSubscription.objects.get().email == "habitant@exemple.fr"


def test_vote_in_a_budget_by_keyboard(browser, live_server, reference):
    space = SpaceFactory(organisation=collectivity_of("93048"))
    process = ProcessFactory(space=space, slug="idees", title="Vos idées pour Montreuil")
    budget = BudgetFactory(process=process, title="Budget participatif 2026", max_projects=2)
    for title, cost in [("Bornes numériques", 30_000_00), ("Atelier de réparation", 20_000_00), ("Wifi", 25_000_00)]:
        BudgetProjectFactory(budget=budget, title=title, cost_cents=cost)
    citizen = UserFactory()
    context, page = _signed_in_page(browser, live_server, citizen)
    page.goto(budget.get_absolute_url())
    tab_to(page, "input", "Bornes numériques", exact=False)
    page.keyboard.press("Space")
    tab_to(page, "input", "Atelier de réparation", exact=False)
    page.keyboard.press("Space")
    # The running total is updated; the focus stays on the box just ticked.
    assert "50\u202f000,00\u00a0€" in page.locator("[data-total]").inner_text()
    assert page.evaluate("document.activeElement.type") == "checkbox" and focus_is_visible(page)
    tab_to(page, "button", "Voter")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Votre vote est enregistré.")
    # Too many projects: refused, the message announced, the ticks kept.
    tab_to(page, "input", "Wifi", exact=False)
    page.keyboard.press("Space")
    tab_to(page, "button", "Modifier mon vote")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=au plus")
    announced = page.locator("text=au plus").first.evaluate(
        "e => e.closest('[role=alert],[aria-live],[role=status],[data-autofocus]') !== null"
    )
    assert announced, "le refus n'est pas annoncé"
    tab_to(page, "input", "Bornes numériques", exact=False)
    page.keyboard.press("Space")
    tab_to(page, "button", "Modifier mon vote")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Votre vote est modifié.")
    assert {p.title for p in Ballot.objects.get(voter=citizen).projects.all()} == {"Atelier de réparation", "Wifi"}
    context.close()


def test_post_a_need_by_keyboard(browser, live_server, market):  # noqa: F811
    from marketplace.models import Need

    before = Need.objects.count()
    context, page = _signed_in_page(browser, live_server, market.users["commune_agent"])
    page.goto("/adopte-une-innovation/besoins/nouveau/")
    tab_to(page, "button", "Enregistrer le brouillon")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_error_summary_announced(page)
    # The summary holds the focus; its first link leads to the field in error.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    tab_to(page, "a", None)
    target = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    assert page.evaluate("'#' + document.activeElement.id") == target
    assert focus_is_visible(page)
    page.keyboard.type("Un guichet numérique pour les démarches")
    tab_to(page, "button", "Enregistrer le brouillon")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Still in error (the other required fields) or saved: either way the title typed is kept.
    assert "Un guichet numérique pour les démarches" in page.content() or Need.objects.count() > before
    context.close()


def test_validate_a_ticket_on_a_phone_by_keyboard(browser, live_server, pn):  # noqa: F811
    from passnumerique import codes
    from passnumerique.models import Redemption

    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    ticket = booklet.tickets.first()
    context, page = _signed_in_page(browser, live_server, pn.place_agent, viewport={"width": 360, "height": 740})
    page.goto("/pass-numerique/valider/")
    # An empty code: the error summary is announced and leads to the field.
    tab_to(page, "button", "Vérifier le ticket")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_error_summary_announced(page)
    tab_to(page, "input", "Code du ticket", exact=False)
    page.keyboard.type(codes.display(ticket.code).lower())
    tab_to(page, "select", "Formation suivie", exact=False)
    page.keyboard.press("ArrowDown")  # the first training offered
    tab_to(page, "button", "Vérifier le ticket")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("text=Ticket valable")
    tab_to(page, "button", "Valider le ticket")
    with page.expect_navigation():
        page.keyboard.press("Space")
    page.wait_for_selector("text=Ticket validé")
    assert Redemption.objects.get().ticket_id == ticket.pk
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth + 1")
    context.close()


def test_register_to_an_exploration_day_by_keyboard(browser, live_server, reference):
    from explorateurs.models import Registration

    from ..factories import ExplorationEventFactory, ExplorerFactory

    event = ExplorationEventFactory(title="Ouvrir les données publiques")
    explorer = ExplorerFactory(cohort=event.cohort)
    context, page = _signed_in_page(browser, live_server, explorer.user)
    page.goto("/explorateurs/journees/")
    tab_to(page, "a", "Ouvrir les données publiques", exact=False)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "button", "M'inscrire")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("text=Vous êtes inscrit.")
    assert Registration.objects.get(event=event, explorer=explorer).status == Registration.Status.REGISTERED
    # The confirmation is announced where the page starts (the messages' live region).
    message = page.locator("text=Vous êtes inscrit.").first
    assert message.evaluate("e => e.closest('[role=status],[role=alert],[aria-live]') !== null")
    context.close()


def test_fill_and_submit_an_fmin_draft_by_keyboard(browser, live_server, reference):
    from fmin.models import Application

    from ..fmin.conftest import agent_of, collectivity, open_call

    call = open_call(UserFactory(staff=True))
    agent = agent_of(collectivity("93048"))
    context, page = _signed_in_page(browser, live_server, agent)
    page.goto("/fmin/")
    tab_to(page, "a", "Préparer une candidature")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"/fmin/appels/{call.pk}/candidater/" in page.url
    tab_to(page, "input", "Titre du projet", exact=False)
    page.keyboard.type("Prise de rendez-vous en ligne mutualisée")
    tab_to(page, "button", "Créer le brouillon")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url("**/fmin/candidatures/*/modifier/")
    application = Application.objects.get(title="Prise de rendez-vous en ligne mutualisée")
    # A mistyped amount: the summary is announced, takes the focus and leads to the field.
    tab_to(page, "input", "Montant HT (€), ligne 1")
    page.keyboard.type("douze")
    tab_to(page, "button", "Enregistrer le brouillon")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_error_summary_announced(page)
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    tab_to(page, "a", "Montant HT (€) (ligne 1)", exact=False)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.value") == "douze"  # what was typed is kept
    assert focus_is_visible(page)
    page.keyboard.press("Control+A")
    page.keyboard.type("12 000")
    tab_to(page, "select", "Type de dépense, ligne 1", backwards=True)
    page.keyboard.press("ArrowDown")
    tab_to(page, "input", "Libellé, ligne 1")
    page.keyboard.type("Licence du logiciel de rendez-vous")
    tab_to(page, "input", "Montant TTC (€), ligne 1")
    page.keyboard.type("14 400")
    tab_to(page, "button", "Enregistrer le brouillon")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("text=Brouillon enregistré.")
    assert list(application.budget_lines.values_list("label", "amount_ht_cents")) == [
        ("Licence du logiciel de rendez-vous", 1_200_000)
    ]
    context.close()

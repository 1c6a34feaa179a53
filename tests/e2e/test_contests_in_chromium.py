"""Prizes and contests in headless Chromium: the public list and contest pages, the candidate's entry form and
« Mes candidatures », the juror's ranking and scoring page (an error summary, then a saved score, typed with
the keyboard only), the staff's results page; axe-core finds nothing on any of them."""

import pytest

from ..contests.conftest import arena  # noqa: F401 — the contests' world, a fixture
from .test_copil_in_chromium import _login
from .test_pages_in_chromium import assert_no_axe_violation
from .test_resources_in_chromium import _sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_contest_pages_have_no_accessibility_violation(browser, live_server, arena):  # noqa: F811
    errors = []

    def new_page(role=None):
        context = browser.new_context(base_url=live_server.url, locale="fr-FR")
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if role == "staff":
            _sign_in_staff(page, arena.users[role])
        elif role:
            _login(page, arena.users[role])
            page.wait_for_url(lambda url: "/comptes/login/" not in url)
        return context, page

    def check(page, path, heading):
        page.goto(path)
        assert page.locator("h1").inner_text() == heading, path
        assert_no_axe_violation(page)
        assert errors == [], path

    judging, published, entry = arena.extra["judging"], arena.extra["published"], arena.extra["entry"]
    context, page = new_page()
    check(page, "/prix-et-concours/", "Prix et concours")
    check(page, published.get_absolute_url(), published.title)
    check(page, judging.get_absolute_url(), judging.title)
    context.close()

    context, page = new_page("candidate")
    check(page, "/prix-et-concours/prix-ouvert/candidater/", f"Candidater : {arena.extra['open_prize'].title}")
    check(page, "/prix-et-concours/mes-candidatures/", "Mes candidatures")
    context.close()

    context, page = new_page("juror")
    check(page, f"/prix-et-concours/{judging.slug}/jury/", f"Jury : {judging.title}")
    check(page, f"/prix-et-concours/candidatures/{entry.pk}/evaluer/", f"Évaluer « {entry.title} »")
    first = page.locator("input[type=number]").first
    first.focus()
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    page.keyboard.type("6")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form
    assert page.locator(".error-summary").is_visible()
    assert_no_axe_violation(page)
    page.locator("input[type=number]").first.fill("")
    page.locator("input[type=number]").first.press_sequentially("9")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer l'évaluation").press("Enter")
    assert page.url.endswith(f"/{judging.slug}/jury/")
    assert "Évaluation de" in page.content()
    check(page, f"/prix-et-concours/{judging.slug}/jury/", f"Jury : {judging.title}")
    context.close()

    context, page = new_page("staff")
    check(page, f"/prix-et-concours/{judging.slug}/resultats/", f"Publier les résultats : {judging.title}")
    context.close()

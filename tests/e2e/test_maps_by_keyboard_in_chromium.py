"""Every map of the portal by keyboard alone: the « liste des points » under a map moves it to the feature and
opens its bubble, the focus goes into the bubble and comes back with Escape; a marker is itself focusable; what
a bubble shows is said in a live region; the equivalent table stays on the page."""

import pytest

from ..factories import PlaceFactory
from .keyboard import focus_is_visible, tab_to
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_places_map_by_keyboard(page, reference):
    fablab = PlaceFactory(name="Fablab de Montreuil")
    PlaceFactory(name="Micro-Folie de Montreuil", micro_folie=True)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/accompagnement/lieux/")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.locator("table tbody tr").count() == 2  # the equivalent table
    # The markers are focusable and named.
    assert sorted(page.locator(".leaflet-marker-icon").evaluate_all("els => els.map(e => e.alt)")) == [
        "Fablab de Montreuil",
        "Micro-Folie de Montreuil",
    ]
    summary = tab_to(page, "summary", "Liste des points de la carte (2)")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    tab_to(page, "button", "Fablab de Montreuil")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    bubble = page.locator("#carte-lieux .map-bubble")
    bubble.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('map-bubble')")
    assert "Fablab de Montreuil" in page.locator("#carte-lieux-annonce").inner_text()
    assert page.locator("#carte-lieux-annonce").get_attribute("aria-live") == "polite"
    # The bubble's link is next by Tab.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == fablab.get_absolute_url()
    assert focus_is_visible(page)
    assert_no_axe_violation(page)
    page.keyboard.press("Escape")
    bubble.wait_for(state="detached")
    assert page.evaluate("document.activeElement.textContent") == "Fablab de Montreuil"
    assert page.locator("#carte-lieux-annonce").inner_text() == ""
    # Shift+Tab back to the markers: Enter on a marker opens its bubble too.
    assert summary.is_visible()
    page.locator(".leaflet-marker-icon").first.focus()
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    bubble.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('map-bubble')")
    page.keyboard.press("Escape")
    bubble.wait_for(state="detached")
    assert page.evaluate("document.activeElement.classList.contains('leaflet-marker-icon')")
    assert errors == []


def test_a_click_on_an_outline_is_announced(page, reference):
    page.goto("/territoires/T8/")
    page.wait_for_selector("path.leaflet-interactive")
    page.locator("path.leaflet-interactive").first.dispatch_event("click")
    page.locator("#carte-territoire .map-bubble").wait_for()
    announced = page.locator("#carte-territoire-annonce").inner_text()
    assert announced.startswith(page.locator("#carte-territoire .map-bubble strong").inner_text())
    # The same by keyboard, from the list of the communes.
    tab_to(page, "summary", "Liste des points de la carte (9)")
    page.keyboard.press("Enter")
    tab_to(page, "button", "Montreuil")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('map-bubble')")
    # The bubble opened by the click has faded out (Leaflet's animation): one bubble, read by axe at rest.
    page.wait_for_function("() => document.querySelectorAll('#carte-territoire .leaflet-popup').length === 1")
    page.wait_for_timeout(300)
    assert "Montreuil" in page.locator("#carte-territoire-annonce").inner_text()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/communes/93048/"
    assert_no_axe_violation(page)

"""A citizen looks up their address, reads the answer and asks to be told; on the map, a click on a building
or the keyboard opens its card; axe-core finds nothing."""

import re

import pytest
from playwright.sync_api import expect

from ftth.models import AlertSubscription, Building, ImportRun

from ..ftth.test_imports import IPE_HEADER, IPE_ROWS, _import, _write
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_searches_reads_and_subscribes(page, reference, tmp_path):
    rows = [IPE_ROWS[0], IPE_ROWS[1].replace("3;;;8", "12;;;8")]
    assert _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *rows]) + "\n")).state == ImportRun.State.DONE
    page.goto("/fibre/")
    assert_no_axe_violation(page)
    page.get_by_label("Adresse").fill("12 bd de la Libération, Saint-Denis")
    # Suggestions appear while typing (the form works without them).
    page.wait_for_selector("#suggestions a")
    assert "BOULEVARD" in page.locator("#suggestions a").first.inner_text()
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_selector("#titre-resultats")
    assert_no_axe_violation(page)
    page.get_by_role("link", name="12 B BOULEVARD").click()
    assert "Raccordable." in page.content()
    assert_no_axe_violation(page)

    page.goto("/fibre/?q=12 rue de la republique saint-denis")
    page.get_by_role("link", name="12 RUE DE LA RÉPUBLIQUE").click()
    assert "En cours de déploiement." in page.content()
    page.get_by_label("Votre adresse électronique").fill("habitant@exemple.fr")
    page.get_by_role("button", name="M'alerter").click()
    page.wait_for_selector("text=C'est presque fini")
    assert_no_axe_violation(page)
    assert AlertSubscription.objects.get().email == "habitant@exemple.fr"


def test_maps_and_coverage_page(page, reference, tmp_path):
    assert _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *IPE_ROWS[:2]]) + "\n")).state == "done"
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/fibre/")
    # The vector-tile layer draws Saint-Denis's coverage at the starting zoom.
    page.wait_for_selector("#carte-fibre .leaflet-interactive, #carte-fibre canvas", timeout=15_000)
    page.goto("/fibre/couverture/")
    page.wait_for_selector("#carte-couverture path.leaflet-interactive")
    assert_no_axe_violation(page)
    assert errors == []


def _two_buildings(tmp_path):
    """12 B bd de la Libération (connectable) and, 30 m away, 3 rue de la République (in progress), Saint-Denis."""
    assert _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *IPE_ROWS[:2]]) + "\n")).state == "done"
    return Building.objects.get(building_id="IMB/93066/1"), Building.objects.get(building_id="IMB/93066/2")


def test_a_click_on_a_building_opens_its_card(page, reference, tmp_path):
    boulevard, _ = _two_buildings(tmp_path)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The map opens on the building (the view is kept in the address), drawn at the centre of the map.
    page.goto(f"/fibre/#17/{boulevard.location.y}/{boulevard.location.x}")
    page.wait_for_selector("#carte-fibre .ftth-layer path.leaflet-interactive")
    page.locator("#carte-fibre").scroll_into_view_if_needed()
    box = page.locator("#carte-fibre").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    try:
        page.wait_for_selector("#fiche-immeuble h3", timeout=10_000)
    finally:
        assert errors == []  # e.g. Leaflet's "Cannot read properties of undefined (reading 'lat')"
    card = page.locator("#fiche-immeuble")
    assert card.locator("h3").inner_text() == "12 B BOULEVARD DE LA LIBÉRATION; CÔTÉ PAIR, Saint-Denis"
    assert "Raccordable.\n\nRaccordable depuis le 15 mars 2021" in card.inner_text()
    assert card.get_by_role("link").get_attribute("href") == f"/fibre/immeubles/{boulevard.pk}/"
    assert page.evaluate("document.activeElement.id") == "fiche-immeuble-titre"
    assert_no_axe_violation(page)
    card.get_by_role("link").click()
    page.wait_for_url(f"**/fibre/immeubles/{boulevard.pk}/")


def test_the_keyboard_reaches_the_same_card(page, reference, tmp_path):
    boulevard, street = _two_buildings(tmp_path)
    page.goto(f"/fibre/#17/{boulevard.location.y}/{boulevard.location.x}")
    # The buildings in view, listed next to the map, nearest to its centre first.
    page.wait_for_selector("#immeubles-vue button")
    assert page.locator("#immeubles-vue button").all_inner_texts() == [
        "12 B BOULEVARD DE LA LIBÉRATION; CÔTÉ PAIR, Saint-Denis — raccordable",
        "3 RUE DE LA RÉPUBLIQUE, Saint-Denis — en cours de déploiement",
    ]
    assert page.locator("#immeubles-vue-etat").inner_text() == "2 immeubles sur la carte :"
    page.locator("#carte-fibre").focus()
    for _ in range(10):  # from the map, past its zoom buttons and credits, to the list
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#immeubles-vue') !== null"):
            break
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.id") == str(street.pk)
    page.keyboard.press("Enter")
    page.wait_for_selector("#fiche-immeuble h3 >> text=3 RUE DE LA RÉPUBLIQUE")
    assert page.evaluate("document.activeElement.id") == "fiche-immeuble-titre"
    # One building in service in Saint-Denis is too few for an estimate: what is known, as on its page.
    card = page.locator("#fiche-immeuble").inner_text()
    assert "En cours de déploiement." in card and "Pas de date annoncée." in card
    assert "Le point de mutualisation de l'immeuble a été installé le 10 janvier 2020." in card
    assert_no_axe_violation(page)
    # Zoomed out beyond the street, the list gives way to a hint.
    page.locator("#carte-fibre").focus()
    page.keyboard.press("Minus")  # 16: still a street
    expect(page).to_have_url(re.compile(r"/fibre/#16/"))
    page.keyboard.press("Minus")
    page.wait_for_selector("#immeubles-vue button", state="detached")
    assert page.locator("#immeubles-vue-etat").inner_text().startswith("Zoomez jusqu'à l'échelle de la rue")


def test_the_wheel_zooms_and_the_map_reads_offline(page, reference, tmp_path):
    _two_buildings(tmp_path)
    base_tiles = []
    page.on("request", lambda request: "/tiles/territories/" in request.url and base_tiles.append(request.url))
    page.goto("/fibre/#12/48.93/2.36")
    # No basemap is configured: the portal's own outlines and names are the map's ground.
    page.wait_for_selector("#carte-fibre .map-label >> text=Saint-Denis")
    page.wait_for_selector("#carte-fibre .base-layer path")
    assert base_tiles and page.locator("#carte-fibre .leaflet-tile-pane img").count() == 0
    page.locator("#carte-fibre").scroll_into_view_if_needed()
    box = page.locator("#carte-fibre").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    expect(page).to_have_url(re.compile(r"/fibre/#1[3-8]/"))  # the view kept in the address, zoomed in
    page.wait_for_selector("#carte-fibre .map-label >> text=Saint-Denis")


def test_the_coverage_page_fits_a_360_px_screen(page, reference, tmp_path):
    _two_buildings(tmp_path)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/fibre/couverture/")
    page.wait_for_selector("#carte-couverture path.leaflet-interactive")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The wide table scrolls inside its own box, which the keyboard can reach and which says what it holds.
    communes = page.get_by_role("region", name="Couverture par commune, triée par taux")
    assert communes.evaluate("e => e.scrollWidth > e.clientWidth && e.tabIndex === 0")
    communes.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)  # Chromium scrolls the focused box smoothly
    assert communes.evaluate("e => e.scrollLeft > 0")
    assert_no_axe_violation(page)

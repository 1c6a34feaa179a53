"""A citizen looks up their address, reads the answer and asks to be told; axe-core finds nothing."""

import pytest

from ftth.models import AlertSubscription, ImportRun

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

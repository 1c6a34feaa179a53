"""A commune's coverage trend (chart and table) and the coverage page's open-data links: axe-core finds
nothing."""

import pytest

from ftth.models import ImportRun

from ..ftth.test_imports import IPE_HEADER, IPE_ROWS, _import, _write
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_trend_of_a_commune_is_accessible(page, reference, tmp_path):
    first = _import(_write(tmp_path, "ipe-1.csv", "\n".join([IPE_HEADER, *IPE_ROWS[:2]]) + "\n"))
    newer = IPE_ROWS[1].replace("EN COURS DE DEPLOIEMENT", "DEPLOYE")
    second = _import(_write(tmp_path, "ipe-2.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], newer]) + "\n"))
    assert (first.state, second.state) == (ImportRun.State.DONE, ImportRun.State.DONE)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/communes/93066/")
    chart = page.get_by_role("img", name="Part des logements et locaux raccordables à la fibre — Saint-Denis")
    assert chart.is_visible()
    table = page.get_by_role("table", name="Part raccordable après les derniers imports")
    assert table.locator("tbody tr").count() == 2 and "ipe-2.csv" in table.inner_text()
    # The chart fits the phone's width: the page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_axe_violation(page)
    page.goto("/fibre/couverture/")
    assert page.get_by_role("link", name="télécharger le tableau (CSV)").get_attribute("href") == (
        "/api/ftth/coverage/?format=csv"
    )

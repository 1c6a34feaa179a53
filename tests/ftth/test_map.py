"""The FttH map's server side: the building card it opens, the addresses its street-level tiles carry for
the list of the buildings in view, and the page that holds it (no basemap from another host by default)."""

import math
import re
from datetime import timedelta

import mapbox_vector_tile
import pytest
from django.utils import timezone

from ftth import tiles
from ftth.models import Building, ImportRun

from ..matrix import ROLES, Case, check, matrix_params
from .test_imports import IPE_HEADER, _import, _write

pytestmark = pytest.mark.django_db


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def _row(building_id, number, state, service="", pm_date="", suffix="", x=652869.51, y=6870396.25):
    return (f"{building_id};h;93066;93200;SAINT-DENIS;RUE;DE LA RÉPUBLIQUE;{number};{suffix};;10;{state};{service};"
            f"PM-1;DEPLOYE;{pm_date};IMMEUBLE;{x};{y};RGF93")  # fmt: skip


@pytest.fixture
def buildings(tmp_path):
    today = timezone.localdate()
    announced = f"{today.year + 2}0315"
    recent_pm = (today - timedelta(days=30)).strftime("%Y%m%d")
    rows = [
        _row("M1", 1, "DEPLOYE", service="20200601", pm_date="20191201", suffix="BIS"),
        _row("M2", 3, "EN COURS DE DEPLOIEMENT", pm_date=recent_pm, x=652900),
        _row("M3", 5, "CIBLE", x=652930),
        _row("M4", 7, "SIGNE", service=announced, x=652960),
        # Four more in service: five delays between a PM's installation and the service, enough for an estimate.
        *(_row(f"M{n}", 2 * n + 1, "DEPLOYE", service="20200101", pm_date=f"201906{n:02d}", x=652960 + 30 * n)
          for n in range(5, 9)),
    ]  # fmt: skip
    run = _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert run.state == ImportRun.State.DONE, (run.error, list(run.rejections.values_list("line", "reason")))
    return {b.building_id: b for b in Building.objects.all()}


def _card(client, building) -> str:
    response = client.get(f"/fibre/carte/immeubles/{building.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and f'href="/fibre/immeubles/{building.pk}/"' in html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_card_says_the_status_and_when_fibre_arrives(client, buildings):
    """In the words of the building's page (ftth/_answer.html), shorter: no « Que faire ? », no alert form."""
    year = timezone.localdate().year + 2
    connectable = _card(client, buildings["M1"])
    assert connectable.startswith(
        "1 BIS RUE DE LA RÉPUBLIQUE, Saint-Denis Raccordable. Raccordable depuis le 1er juin 2020"
    )
    estimated = _card(client, buildings["M2"])
    assert re.search(
        r"^3 RUE DE LA RÉPUBLIQUE, Saint-Denis En cours de déploiement\. Arrivée estimée .+ \(une estimation", estimated
    )
    unknown = _card(client, buildings["M3"])
    assert "Ciblé. Pas de date annoncée." in unknown and "% des logements sont déjà raccordables" in unknown
    assert f"Convention signée. Date d'arrivée annoncée : 15 mars {year}" in _card(client, buildings["M4"])
    assert "Que faire" not in unknown and "M'alerter" not in unknown


def test_no_card_for_an_unknown_or_retired_building(client, buildings):
    retired = buildings["M5"]
    retired.retired_at = timezone.now()
    retired.save(update_fields=["retired_at"])
    assert client.get(f"/fibre/carte/immeubles/{retired.pk}/").status_code == 404
    assert client.get("/fibre/carte/immeubles/999999/").status_code == 404


def test_street_level_tiles_carry_the_address_for_the_list_in_view(client, buildings):
    def properties(z):
        z, x, y = tile_of(2.3569, 48.9318, z)
        layers = mapbox_vector_tile.decode(client.get(f"/tiles/ftth/{z}/{x}/{y}.pbf").content)
        return {f["properties"]["id"]: f["properties"] for f in layers["buildings"]["features"]}

    street = properties(tiles.ADDRESS_MIN_ZOOM)
    assert street[buildings["M1"].pk] == {
        "id": buildings["M1"].pk,
        "status": "connectable",
        "address": "1 BIS RUE DE LA RÉPUBLIQUE",
        "commune": "Saint-Denis",
    }
    assert set(properties(18)[buildings["M3"].pk]) == {"id", "status", "address", "commune"}
    # Below, a tile holds too many buildings for their addresses: the id and the status only.
    assert set(properties(tiles.ADDRESS_MIN_ZOOM - 1)[buildings["M1"].pk]) == {"id", "status"}


def test_the_map_page_asks_no_other_host_unless_a_basemap_is_configured(client, settings):
    page = client.get("/fibre/").content.decode()
    assert 'data-tiles-url=""' in page and 'data-base-tiles="/tiles/territories/{z}/{x}/{y}.pbf"' in page
    assert 'data-card-url="/fibre/carte/immeubles/0/"' in page
    assert f'data-list-min-zoom="{tiles.ADDRESS_MIN_ZOOM}"' in page
    assert '"in_progress": "en cours de d\\u00e9ploiement"' in page  # the list's status labels
    assert not re.search(r"""(src|href)="(https?:)?//""", page)  # every script, style and image is the portal's
    settings.MAP_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "&copy; les contributeurs d'OpenStreetMap"
    page = client.get("/fibre/").content.decode()
    assert 'data-tiles-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page


CASES = [
    Case(
        "card", lambda w: f"/fibre/carte/immeubles/{w.extra['building'].pk}/", {}, default=200, covers="ftth:map_card"
    ),
    Case("ftth-tile", "/tiles/ftth/16/33196/22525.pbf", {}, default=200),
    Case("search", "/fibre/?q=republique", {}, default=200),
    Case("coverage", "/fibre/couverture/", {}, default=200),
    Case("building", lambda w: f"/fibre/immeubles/{w.extra['building'].pk}/", {}, default=200, covers="ftth:building"),
    Case(
        "alert-subscribe-without-an-address",
        lambda w: f"/fibre/immeubles/{w.extra['building'].pk}/alerte/",
        {},
        default=400,  # open to everyone: an empty form is answered with its errors
        method="post",
        covers="ftth:alert_subscribe",
    ),
    Case("api-addresses", "/api/ftth/addresses/?q=republique", {}, default=200),
    Case(
        "api-building",
        lambda w: f"/api/ftth/buildings/{w.extra['building'].pk}/",
        {},
        default=200,
        covers="api_ftth_building",
    ),
    Case("api-imports", "/api/ftth/imports/", {"anonymous": 401}, default=200),
    Case("base-tile", "/tiles/territories/12/2074/1407.pbf", {}, default=200),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, ROLES))
def test_the_map_is_public(world, buildings, case, role):
    world.extra["building"] = buildings["M1"]
    check(world, case, role)

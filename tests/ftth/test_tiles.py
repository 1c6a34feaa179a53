"""Vector tiles: valid MVT bytes, empty tiles for empty areas, aggregates at low zoom, cache invalidation."""

import math

import mapbox_vector_tile
import pytest
from django.core.cache import cache

from ftth import tiles
from ftth.models import CommuneCoverage, CoverageCell

from .test_imports import IPE_HEADER, IPE_ROWS, _import, _write

pytestmark = pytest.mark.django_db


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.fixture
def imported(tmp_path):
    _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], IPE_ROWS[1]]) + "\n"))


def test_buildings_at_high_zoom(client, imported):
    z, x, y = tile_of(2.3569, 48.9318, 16)  # Saint-Denis, where the two buildings are
    response = client.get(f"/tiles/ftth/{z}/{x}/{y}.pbf")
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    statuses = sorted(f["properties"]["status"] for f in decoded["buildings"]["features"])
    assert statuses == ["connectable", "in_progress"]


def test_empty_area_gives_an_empty_tile(client, imported):
    z, x, y = tile_of(-30.0, 40.0, 16)  # the Atlantic
    response = client.get(f"/tiles/ftth/{z}/{x}/{y}.pbf")
    assert response.status_code == 200 and response.content == b""
    assert client.get("/tiles/ftth/3/9/1.pbf").status_code == 404  # x out of range


def test_aggregates_below_the_building_zoom(client, imported):
    assert CoverageCell.objects.count() >= 1
    coverage = CommuneCoverage.objects.get(commune__code="93066")
    assert (coverage.buildings, coverage.buildings_connectable, coverage.rate) == (2, 1, 75.0)  # 24 of 32 premises
    cells = mapbox_vector_tile.decode(
        client.get("/tiles/ftth/{}/{}/{}.pbf".format(*tile_of(2.3569, 48.9318, 12))).content
    )
    assert sum(f["properties"]["buildings"] for f in cells["cells"]["features"]) == 2
    communes = mapbox_vector_tile.decode(
        client.get("/tiles/ftth/{}/{}/{}.pbf".format(*tile_of(2.3569, 48.9318, 10))).content
    )
    names = {f["properties"]["name"]: f["properties"]["rate"] for f in communes["communes"]["features"]}
    assert names == {"Saint-Denis": 75.0}


def test_tiles_are_cached_and_invalidated_by_imports(client, imported, tmp_path):
    z, x, y = tile_of(2.3569, 48.9318, 16)
    first = tiles.tile(z, x, y)
    version = cache.get(tiles.VERSION_KEY)
    assert cache.get(f"ftth:tile:{tiles.LAYOUT}:{version}:{z}:{x}:{y}") == first
    newer = IPE_ROWS[1].replace("EN COURS DE DEPLOIEMENT", "DEPLOYE")
    _import(_write(tmp_path, "ipe2.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], newer]) + "\n"))
    assert cache.get(tiles.VERSION_KEY) == version + 1
    decoded = mapbox_vector_tile.decode(tiles.tile(z, x, y))
    assert {f["properties"]["status"] for f in decoded["buildings"]["features"]} == {"connectable"}


def test_coverage_page_sorts_and_shows_the_trend(client, imported, tmp_path):
    newer = IPE_ROWS[1].replace("EN COURS DE DEPLOIEMENT", "DEPLOYE")
    _import(_write(tmp_path, "ipe2.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], newer]) + "\n"))
    page = client.get("/fibre/couverture/").content.decode()
    assert "Saint-Denis" in page and "75 % → 100 %" in page
    assert 'aria-sort="descending"' in page and "#1e6b34" in page  # choropleth colour of 100 %
    assert client.get("/fibre/couverture/", {"tri": "nom", "ordre": "asc"}).status_code == 200

"""The portal's own base map: no basemap from another host by default, commune and territory outlines
with their names as vector tiles, simplified per zoom, cached and refreshed with the outlines."""

import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from sman import tiles
from sman.models import Territory

ROOT = Path(__file__).resolve().parents[2]
IGN_PLAN = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&FORMAT=image/png"
)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def _map_settings(**env_changes) -> dict:
    """The map settings as the portal computes them from this environment (a fresh process)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAP_TILES_")}
    env.update(env_changes, DJANGO_SETTINGS_MODULE="sman.settings")
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({'url': s.MAP_TILES_URL, "
        "'tiles': s.LEAFLET_CONFIG['TILES'], 'img': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


def test_no_basemap_from_another_host_by_default():
    assert _map_settings() == {"url": "", "tiles": [], "img": ["'self'", "data:"]}


def test_a_configured_basemap_reaches_the_maps_and_the_csp():
    configured = _map_settings(MAP_TILES_URL=IGN_PLAN, MAP_TILES_ATTRIBUTION="&copy; IGN")
    assert configured["url"] == IGN_PLAN
    assert configured["tiles"] == [["Plan", IGN_PLAN, {"attribution": "&copy; IGN"}]]
    assert configured["img"] == ["'self'", "data:", "https://data.geopf.fr"]


@pytest.mark.django_db
def test_outlines_and_names_per_zoom(client):
    response = client.get("/tiles/territories/{}/{}/{}.pbf".format(*tile_of(2.3569, 48.9318, 12)))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Cache-Control"] == "public, max-age=3600"
    layers = mapbox_vector_tile.decode(response.content)
    communes = {f["properties"]["code"]: f["properties"]["name"] for f in layers["communes"]["features"]}
    assert communes["93066"] == "Saint-Denis" and "93070" in communes  # Saint-Ouen-sur-Seine next door
    assert {f["properties"]["code"] for f in layers["territories"]["features"]} >= {"T6", "MGP"}
    # From zoom 12, the communes' names; one label per commune whose inside point is in the tile.
    labels = [(f["properties"]["kind"], f["properties"]["name"]) for f in layers["labels"]["features"]]
    assert ("commune", "Saint-Denis") in labels and len(labels) == len(set(labels))
    assert {kind for kind, _ in labels} == {"commune"}
    # Below, the territories' names only.
    low = mapbox_vector_tile.decode(tiles.render(*tile_of(2.3569, 48.9318, 10)))
    low_labels = [(f["properties"]["kind"], f["properties"]["name"]) for f in low["labels"]["features"]]
    assert ("ept", "Plaine Commune") in low_labels and {kind for kind, _ in low_labels} == {"ept"}
    # Far from the Métropole, an empty tile.
    assert client.get("/tiles/territories/{}/{}/{}.pbf".format(*tile_of(-30.0, 40.0, 12))).content == b""
    assert client.get("/tiles/territories/3/8/1.pbf").status_code == 404


def _detailed_outline(code: str) -> MultiPolygon:
    """Gives a commune an outline as detailed as IGN's: a vertex every 20 m, each moved by a few metres
    (straight runs of vertices would be simplified at any zoom)."""
    territory = Territory.objects.get(code=code)
    ring = max(territory.geometry.transform(2154, clone=True), key=lambda polygon: polygon.area).exterior_ring
    points = []
    for (x1, y1), (x2, y2) in itertools.pairwise(ring.coords):
        length = math.hypot(x2 - x1, y2 - y1)
        if not length:
            continue
        steps = max(1, int(length // 20))
        nx, ny = (y1 - y2) / length, (x2 - x1) / length  # across the border, 4 m either side
        for i in range(steps):
            side = 4 if i % 2 else -4
            points.append((x1 + (x2 - x1) * i / steps + nx * side, y1 + (y2 - y1) * i / steps + ny * side))
    outline = MultiPolygon(Polygon([*points, points[0]]), srid=2154)
    outline.transform(4326)
    territory.geometry = outline
    territory.save(update_fields=["geometry"])
    return outline


def _vertex_count(data: bytes, code: str) -> int:
    layers = mapbox_vector_tile.decode(data)
    (feature,) = [f for f in layers["communes"]["features"] if f["properties"]["code"] == code]
    geometry = feature["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return sum(len(ring) for polygon in polygons for ring in polygon)


@pytest.mark.django_db
def test_outlines_are_simplified_to_the_zoom():
    outline = _detailed_outline("93066")
    on_the_outline = outline[0].exterior_ring[0]  # (lon, lat) of a vertex: the zoom-16 tile crosses the border
    kept = {}
    for z, (lon, lat) in ((9, (2.3569, 48.9318)), (12, (2.3569, 48.9318)), (16, on_the_outline)):
        with connection.cursor() as cursor:
            cursor.execute(tiles.TILE_SQL, {**tiles.parameters(*tile_of(lon, lat, z)), "tolerance": 0})
            unsimplified = _vertex_count(bytes(cursor.fetchone()[0]), "93066")
        kept[z] = _vertex_count(tiles.render(*tile_of(lon, lat, z)), "93066") / unsimplified
    # Metres of detail vanish at the scale of the Métropole and of a few communes, not in a street.
    assert kept[9] < 0.25 and kept[12] < 0.25 and kept[16] > 0.5, kept


@pytest.mark.django_db(transaction=True)
def test_tiles_are_cached_then_refreshed_when_the_outlines_change(reference, tmp_path):
    z, x, y = tile_of(2.3569, 48.9318, 12)
    first = tiles.tile(z, x, y)
    version = cache.get(tiles.VERSION_KEY)
    assert cache.get(f"territories:tile:{version}:{z}:{x}:{y}") == first
    # An official outline for Saint-Denis, 500 m wider: the tile that is served changes with it.
    wider = json.loads(Territory.objects.get(code="93066").geometry.transform(2154, clone=True).buffer(500).geojson)
    path = tmp_path / "communes.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
                "features": [{"type": "Feature", "properties": {"INSEE_COM": "93066"}, "geometry": wider}],
            }
        )
    )
    call_command("import_territory_outlines", str(path))
    assert cache.get(tiles.VERSION_KEY) == version + 1
    assert tiles.tile(z, x, y) != first

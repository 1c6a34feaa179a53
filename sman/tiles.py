"""The portal's own base map: commune and territory outlines with their names, as vector tiles (PostGIS
ST_AsMVT), so that a map reads as a map without any basemap from another host (MAP_TILES_URL empty).

Three layers: ``communes`` and ``territories`` (the 12 EPTs and the Métropole), outlines simplified to a
pixel of the tile's zoom; ``labels``, one point inside each outline to write its name at — the EPTs'
names up to LABEL_COMMUNES_ZOOM, the communes' from there on. Cached in Redis like the FttH tiles and
invalidated when the outlines change (reference data, official outlines)."""

from django.core.cache import cache
from django.db import connection, transaction
from django.http import Http404, HttpResponse

LABEL_COMMUNES_ZOOM = 12
VERSION_KEY = "territories:tiles:version"
TIMEOUT = 24 * 3600

# A pixel of the tile in Web Mercator metres (:tolerance) simplifies each outline before it is clipped;
# the index on the WGS-84 geometry finds the outlines that touch the tile.
TILE_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS mercator),
area AS (SELECT mercator, ST_Transform(mercator, 4326) AS wgs84 FROM bounds),
outlines AS (
  SELECT t.code, t.name, t.kind, t.geometry,
         ST_AsMVTGeom(ST_Simplify(ST_Transform(t.geometry, 3857), %(tolerance)s, true), area.mercator, 4096, 64, true)
           AS geom
  FROM sman_territory t, area
  WHERE t.kind IN ('commune', 'ept', 'metropole') AND t.geometry && area.wgs84
),
labels AS (
  SELECT code, name, kind, ST_Transform(ST_PointOnSurface(geometry), 3857) AS point
  FROM outlines WHERE kind = %(label_kind)s
)
SELECT coalesce((SELECT ST_AsMVT(c, 'communes', 4096, 'geom') FROM (
         SELECT code, name, geom FROM outlines WHERE kind = 'commune' AND geom IS NOT NULL) c), '')
    || coalesce((SELECT ST_AsMVT(t, 'territories', 4096, 'geom') FROM (
         SELECT code, name, kind, geom FROM outlines WHERE kind <> 'commune' AND geom IS NOT NULL) t), '')
    || coalesce((SELECT ST_AsMVT(l, 'labels', 4096, 'geom') FROM (
         SELECT code, name, kind, ST_AsMVTGeom(point, area.mercator, 4096, 0, true) AS geom
         FROM labels, area WHERE ST_Intersects(point, area.mercator)) l), '')
"""


def cached(*, namespace: str, version_key: str, z: int, x: int, y: int, render, timeout: int) -> bytes:
    """A vector tile from the cache, rendered on a miss. Bumping ``version_key`` retires every cached tile of
    the layer at once (the FttH tiles after an import, the base map after the outlines change)."""
    version = cache.get_or_set(version_key, 1, timeout=None)
    key = f"{namespace}:{version}:{z}:{x}:{y}"
    data = cache.get(key)
    if data is None:
        data = render(z, x, y)
        cache.set(key, data, timeout=timeout)
    return data


def tile_response(tile, z: int, x: int, y: int, *, max_age: int) -> HttpResponse:
    """The HTTP answer of a tile view: 404 outside the tile grid, a Mapbox vector tile otherwise."""
    if not (0 <= z <= 20 and 0 <= x < 2**z and 0 <= y < 2**z):
        raise Http404
    response = HttpResponse(tile(z, x, y), content_type="application/vnd.mapbox-vector-tile")
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


def tile(z: int, x: int, y: int) -> bytes:
    return cached(namespace="territories:tile", version_key=VERSION_KEY, z=z, x=x, y=y, render=render, timeout=TIMEOUT)


def render(z: int, x: int, y: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(TILE_SQL, parameters(z, x, y))
        (data,) = cursor.fetchone()
    return bytes(data or b"")


def parameters(z: int, x: int, y: int) -> dict:
    return {
        "z": z,
        "x": x,
        "y": y,
        "tolerance": 40075016.686 / (256 * 2**z),  # a pixel of the tile, in Web Mercator metres
        "label_kind": "commune" if z >= LABEL_COMMUNES_ZOOM else "ept",
    }


def invalidate() -> None:
    """Once the outlines' transaction commits, every cached tile becomes stale at once."""

    def bump():
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 2, timeout=None)

    transaction.on_commit(bump)

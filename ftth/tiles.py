"""Vector tiles of the FttH map (PostGIS ST_AsMVT): buildings at high zoom (with their address from
ADDRESS_MIN_ZOOM on, for the list of the buildings in view), precomputed aggregates below (a ~250 m grid at
zooms 12–13, communes up to 11), cached in Redis and invalidated by each import."""

from django.core.cache import cache
from django.db import connection

from sman.tiles import cached

from .models import CONNECTABLE_STATUSES, TILE_ZOOM

BUILDINGS_MIN_ZOOM = TILE_ZOOM
# From this zoom (a street), a building also carries its address and commune: the page lists the buildings
# in view from the tiles it has, and a tile holds few enough buildings for the text to stay small.
ADDRESS_MIN_ZOOM = 16
GRID_MIN_ZOOM = 12
VERSION_KEY = "ftth:tiles:version"
LAYOUT = 2  # in the cache key: tiles cached before a change of their content are not served after it

# The buildings of the zoom-14 tile that holds this one (B-tree), then those inside this tile.
BUILDINGS_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS mercator)
SELECT ST_AsMVT(t, 'buildings', 4096, 'geom') FROM (
  SELECT b.id, b.status, ST_AsMVTGeom(b.mercator, bounds.mercator, 4096, 16, true) AS geom
  FROM ftth_building b, bounds
  WHERE b.tile = %(tile)s AND b.retired_at IS NULL AND b.mercator && bounds.mercator
) t
"""
BUILDINGS_WITH_ADDRESS_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS mercator)
SELECT ST_AsMVT(t, 'buildings', 4096, 'geom') FROM (
  SELECT b.id, b.status,
         concat_ws(' ', nullif(b.number, ''), nullif(b.number_suffix, ''), nullif(b.street_type, ''),
                   nullif(b.street_name, '')) AS address,
         c.name AS commune, ST_AsMVTGeom(b.mercator, bounds.mercator, 4096, 16, true) AS geom
  FROM ftth_building b JOIN sman_territory c ON c.id = b.commune_id, bounds
  WHERE b.tile = %(tile)s AND b.retired_at IS NULL AND b.mercator && bounds.mercator
) t
"""

GRID_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS mercator)
SELECT ST_AsMVT(t, 'cells', 4096, 'geom') FROM (
  SELECT c.buildings, round(100.0 * c.connectable / c.buildings) AS rate,
         ST_AsMVTGeom(c.center, bounds.mercator, 4096, 16, true) AS geom
  FROM ftth_coveragecell c, bounds
  WHERE c.center && bounds.mercator
) t
"""

COMMUNES_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS mercator),
latest AS (
  SELECT DISTINCT ON (commune_id) commune_id, rate, buildings FROM ftth_communecoverage
  ORDER BY commune_id, computed_at DESC
)
SELECT ST_AsMVT(t, 'communes', 4096, 'geom') FROM (
  SELECT c.code, c.name, l.rate, l.buildings,
         ST_AsMVTGeom(ST_Simplify(ST_Transform(c.geometry, 3857), %(tolerance)s), bounds.mercator, 4096, 16, true)
           AS geom
  FROM sman_territory c JOIN latest l ON l.commune_id = c.id, bounds
  WHERE c.kind = 'commune' AND c.geometry && ST_Transform(bounds.mercator, 4326)
) t
"""


def tile(z: int, x: int, y: int) -> bytes:
    return cached(namespace=f"ftth:tile:{LAYOUT}", version_key=VERSION_KEY, z=z, x=x, y=y, render=render, timeout=86400)


def render(z: int, x: int, y: int) -> bytes:
    if z >= ADDRESS_MIN_ZOOM:
        sql = BUILDINGS_WITH_ADDRESS_SQL
    elif z >= BUILDINGS_MIN_ZOOM:
        sql = BUILDINGS_SQL
    elif z >= GRID_MIN_ZOOM:
        sql = GRID_SQL
    else:
        sql = COMMUNES_SQL
    # A pixel at this zoom, in metres: outlines are simplified to what can be seen.
    tolerance = 40075016.686 / (256 * 2**z)
    # Above TILE_ZOOM, the tile's ancestor at TILE_ZOOM (Building.tile).
    shift = max(z - TILE_ZOOM, 0)
    tile = (x >> shift) * 2**TILE_ZOOM + (y >> shift)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"z": z, "x": x, "y": y, "tolerance": tolerance, "tile": tile})
        (data,) = cursor.fetchone()
    return bytes(data or b"")


def invalidate() -> None:
    """Called after an import that changed something: every cached tile becomes stale at once."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


CONNECTABLE = "status IN ({})".format(", ".join(f"'{status}'" for status in CONNECTABLE_STATUSES))
CELL = "ST_SnapToGrid(mercator, 250)"  # the map's grid at middle zooms (Web Mercator metres)

# From one reading of the buildings: the map's grid, and (in ftth_aggregates, until the transaction
# ends) each commune's coverage, which COMMUNE_COVERAGE_SQL keeps after an import so that its trend can
# be followed across imports.
AGGREGATES_SQL = f"""
CREATE TEMP TABLE ftth_aggregates ON COMMIT DROP AS
SELECT GROUPING(commune_id) = 0 AS per_commune, {CELL} AS cell, commune_id, count(*) AS buildings,
       count(*) FILTER (WHERE {CONNECTABLE}) AS connectable, sum(premises) AS premises,
       sum(premises) FILTER (WHERE {CONNECTABLE}) AS premises_connectable
FROM ftth_building WHERE retired_at IS NULL
GROUP BY GROUPING SETS (({CELL}), (commune_id));
DELETE FROM ftth_coveragecell;
INSERT INTO ftth_coveragecell (center, buildings, connectable)
SELECT cell, buildings, connectable FROM ftth_aggregates WHERE NOT per_commune;
"""
COMMUNE_COVERAGE_SQL = """
INSERT INTO ftth_communecoverage (commune_id, run_id, computed_at, buildings, buildings_connectable, premises,
                                  premises_connectable, rate)
SELECT commune_id, %(run)s, %(now)s, buildings, connectable, premises, premises_connectable,
       CASE WHEN premises > 0 THEN round(100.0 * coalesce(premises_connectable, 0) / premises, 1)
            ELSE round(100.0 * connectable / buildings, 1) END
FROM ftth_aggregates WHERE per_commune
"""

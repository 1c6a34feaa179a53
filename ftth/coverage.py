"""The coverage time series: what an import's coverage refresh records, one point per territory it touched.

The refresh (imports._apply) first reads the buildings once into ftth_aggregates (tiles.AGGREGATES_SQL: the
map's grid and each commune's figures); SNAPSHOTS_SQL then adds, in one INSERT … SELECT, a CoverageSnapshot
for each commune where the import wrote a building (created, updated or retired: every such write sets
``updated_at`` to the import's ``now``), for the EPT of each of these communes, and for the Métropole. A
commune or an EPT that lost its last buildings gets a point with zeros. The figures of an EPT and of the
Métropole are sums over all their communes, touched or not.
"""

SNAPSHOTS_SQL = """
WITH communes AS (
  SELECT t.id AS commune_id, t.parent_id AS ept_id, coalesce(a.buildings, 0) AS buildings,
         coalesce(a.connectable, 0) AS connectable, coalesce(a.premises, 0) AS premises,
         coalesce(a.premises_connectable, 0) AS premises_connectable
  FROM sman_territory t LEFT JOIN ftth_aggregates a ON a.per_commune AND a.commune_id = t.id
  WHERE t.kind = 'commune'
),
touched AS (SELECT DISTINCT commune_id FROM ftth_building WHERE updated_at = %(now)s),
levels AS (
  SELECT GROUPING(c.ept_id, c.commune_id) AS level, c.ept_id, c.commune_id,
         bool_or(c.commune_id IN (SELECT commune_id FROM touched)) AS touched,
         sum(c.buildings) AS buildings, sum(c.connectable) AS connectable, sum(c.premises) AS premises,
         sum(c.premises_connectable) AS premises_connectable
  FROM communes c
  GROUP BY GROUPING SETS ((c.ept_id, c.commune_id), (c.ept_id), ())
)
INSERT INTO ftth_coveragesnapshot (territory_id, run_id, computed_at, buildings, buildings_connectable, premises,
                                   premises_connectable)
SELECT CASE l.level WHEN 0 THEN l.commune_id WHEN 1 THEN l.ept_id ELSE m.id END, %(run)s, %(now)s, l.buildings,
       l.connectable, l.premises, l.premises_connectable
FROM levels l, (SELECT id FROM sman_territory WHERE kind = 'metropole') m
WHERE l.touched OR l.level = 3
"""

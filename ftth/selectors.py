"""Reads of the FttH data: address search, a building's answer, coverage, imports waiting for staff."""

import re
from datetime import date

from django.db import connection
from django.db.models import Case, Count, Q, Sum, Value, When
from django.db.models.functions import Length
from django.utils import timezone

from actions import charts
from sman.models import Territory

from .models import (
    CONNECTABLE_STATUSES,
    Building,
    BuildingStatusChange,
    CoverageSnapshot,
    ImportRun,
    coverage_rate,
)

NUMBER = re.compile(r"^\s*(\d{1,4})\s*(BIS|TER|QUATER|[A-Z](?![A-Z]))?[\s,.]*(.*)$", re.IGNORECASE)

# The streets first (about 30,000, indexed by name), then their buildings by the (commune, street)
# B-tree. Candidate streets, by the first rule that finds some:
# 1. named exactly as the text begins, the longest such name ("BOULEVARD DE LA LIBERATION" for
#    "BOULEVARD DE LA LIBERATION SAINT DENIS"): what people type once they have typed the street;
# 2. whose name starts with the text ("BOULEVARD DE LA LIB"): typing in progress;
# 3. the five nearest to the text by trigrams among those that contain it well enough (word similarity
#    above pg_trgm's threshold, found by the GIN index): typos, missing words, another order.
# Then the five that best contain the text (word similarity: the commune decides between streets of the
# same name), and their buildings, the typed house number first, then the nearest. The text is
# normalised once; normalised names only use A-Z, 0-9 and spaces, so "~" bounds a prefix.
SEARCH_SQL = """
WITH q AS MATERIALIZED (SELECT ftth_normalise(%(text)s) AS key),
named AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.search, s.buildings
  FROM ftth_street s
  WHERE s.key = ANY (ARRAY(SELECT array_to_string(x.words[1:i], ' ')
                           FROM (SELECT string_to_array(key, ' ') AS words FROM q) x,
                                generate_subscripts(x.words, 1) i))
),
started AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.search, s.buildings
  FROM ftth_street s
  WHERE NOT EXISTS (SELECT 1 FROM named) AND (SELECT key FROM q) <> ''
    AND s.key ~>=~ (SELECT key FROM q) AND s.key ~<~ (SELECT key || '~' FROM q)
  ORDER BY s.buildings DESC, s.id
  LIMIT 20
),
near AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.search, s.buildings
  FROM ftth_street s
  WHERE NOT EXISTS (SELECT 1 FROM named) AND NOT EXISTS (SELECT 1 FROM started)
    AND (SELECT key FROM q) <%% s.search
  ORDER BY (SELECT key FROM q) <<-> s.search, s.buildings DESC, s.id
  LIMIT 5
),
candidates AS (
  SELECT * FROM named WHERE length(key) = (SELECT max(length(key)) FROM named)
  UNION ALL SELECT * FROM started
  UNION ALL SELECT * FROM near
),
best AS (
  SELECT n.commune_id, n.key, row_number() OVER (ORDER BY q.key <<-> n.search, n.buildings DESC, n.id) AS rank
  FROM candidates n, q
  WHERE q.key <%% n.search
  ORDER BY q.key <<-> n.search, n.buildings DESC, n.id
  LIMIT 5
)
SELECT b.id, b.number, b.number_suffix, b.street_type, b.street_name, b.postcode, b.status, b.label,
       b.commune_id, t.name, t.code
FROM best
JOIN ftth_building b ON b.commune_id = best.commune_id AND b.street_key = best.key AND b.retired_at IS NULL
JOIN sman_territory t ON t.id = b.commune_id
ORDER BY
  CASE WHEN %(number)s::int IS NULL THEN 0
       WHEN b.number ~ '^[0-9]+$' THEN abs(b.number::int - %(number)s::int) ELSE 100000 END,
  best.rank,
  (upper(b.number_suffix) = %(suffix)s) DESC,
  CASE WHEN b.number ~ '^[0-9]+$' THEN b.number::int END, b.number_suffix, b.id
LIMIT %(limit)s
"""


def search_addresses(text: str, limit: int = 10) -> list[Building]:
    """Buildings matching what a citizen typed: the street (SEARCH_SQL: by name, prefix or trigrams among
    the ~30,000 streets, any accents, case or abbreviation), then the house number (exact first, then the
    nearest)."""
    text = (text or "").strip()
    if len(text) < 3:
        return []
    match = NUMBER.match(text)
    number, suffix, rest = (None, "", text)
    if match and match.group(3):
        number, suffix, rest = int(match.group(1)), (match.group(2) or "").upper(), match.group(3)
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SQL, {"text": rest, "number": number, "suffix": suffix, "limit": limit})
        rows = cursor.fetchall()
    # What an address shows (the API's AddressSerializer, the search page), read by the same query: not
    # the positions, whose reading (GEOS) would cost more than the rest.
    buildings = []
    for *fields, commune_id, commune_name, commune_code in rows:
        building = _loaded(Building, dict(zip(ADDRESS_FIELDS, [*fields, commune_id], strict=True)))
        building.commune = _loaded(Territory, {"id": commune_id, "name": commune_name, "code": commune_code})
        buildings.append(building)
    return buildings


def _loaded(model, values: dict):
    """An instance as the ORM loads it with .only(): these values, the other fields deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


ADDRESS_FIELDS = ("id", "number", "number_suffix", "street_type", "street_name", "postcode", "status", "label",
                  "commune_id")  # fmt: skip


def building_detail(pk: int):
    return (
        Building.objects.select_related("commune", "commune__parent")
        .prefetch_related("status_changes")
        .filter(pk=pk)
        .first()
    )


def coverage(territory=None) -> dict:
    """Premises connectable / total for a commune, an EPT or the whole Métropole (None or its territory),
    from the active buildings as they are now."""
    kind = territory.kind if territory is not None else Territory.Kind.METROPOLE
    buildings = Building.objects.filter(retired_at__isnull=True)
    if kind == Territory.Kind.COMMUNE:
        buildings = buildings.filter(commune=territory)
    elif kind == Territory.Kind.EPT:
        buildings = buildings.filter(commune__parent=territory)
    elif kind != Territory.Kind.METROPOLE:
        # A delegated commune's buildings are counted in its commune's.
        raise ValueError(f"coverage of a commune, an EPT or the Métropole, not of {territory} ({kind})")
    connectable = Q(status__in=CONNECTABLE_STATUSES)
    totals = buildings.aggregate(
        building_count=Count("id"),
        premises_total=Sum("premises"),
        premises_connectable=Sum("premises", filter=connectable),
        buildings_connectable=Count("id", filter=connectable),
    )
    totals["rate"] = coverage_rate(
        premises=totals["premises_total"], premises_connectable=totals["premises_connectable"],
        buildings=totals["building_count"], buildings_connectable=totals["buildings_connectable"],
    )  # fmt: skip
    return totals


# The panel's trend: its latest points (all of them in the API), the last few also as a table.
PANEL_SERIES_POINTS, PANEL_SERIES_ROWS = 100, 10


def coverage_panel(territory):
    """The fibre block of a commune's or a territory's page: today's coverage and its trend across imports."""
    totals = coverage(territory)
    if not totals["building_count"]:
        return None
    series = list(coverage_series(territory).reverse()[:PANEL_SERIES_POINTS])[::-1]
    chart = charts.line_chart(
        [(timezone.localdate(point.computed_at), point.rate) for point in series if point.rate is not None],
        title=f"Part des logements et locaux raccordables à la fibre — {territory}",
        unit="%",
        width=560,
        height=200,
    )
    return "ftth/_coverage_panel.html", {
        "totals": totals,
        "territory": territory,
        "series": series,
        "chart": chart,
        "recent": series[::-1][:PANEL_SERIES_ROWS],
    }


def median_pm_to_service_days(commune) -> int | None:
    """Median delay observed in the commune between a PM's installation and commercial service."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY commercial_service_date - pm_installed_on)
            FROM ftth_building
            WHERE commune_id = %s AND commercial_service_date IS NOT NULL AND pm_installed_on IS NOT NULL
              AND commercial_service_date >= pm_installed_on
            """,
            [commune.pk],
        )
        (median,) = cursor.fetchone()
    return int(median) if median is not None else None


def became_connectable_on(building) -> date | None:
    if building.first_status in CONNECTABLE_STATUSES:
        return timezone.localdate(building.first_seen_at)
    change = (
        BuildingStatusChange.objects.filter(building=building, status_to__in=CONNECTABLE_STATUSES)
        .order_by("changed_at")
        .first()
    )
    return change.changed_at.date() if change else None


def quarter_of(day: date) -> str:
    return f"{(day.month - 1) // 3 + 1}e trimestre {day.year}".replace("1e ", "1er ")


def next_quarter_start(day: date) -> date:
    month = ((day.month - 1) // 3 + 1) * 3 + 1
    return date(day.year + 1, 1, 1) if month > 12 else date(day.year, month, 1)


def latest_commune_coverage() -> list[dict]:
    """Each commune's coverage after the last import, with the previous value (trend) and the outline."""
    from .models import CommuneCoverage

    rows = list(
        CommuneCoverage.objects.order_by("commune_id", "-computed_at")
        .distinct("commune_id")
        .values(
            "commune_id",
            "commune__name",
            "commune__code",
            "commune__parent__code",
            "buildings",
            "buildings_connectable",
            "premises",
            "premises_connectable",
            "rate",
        )  # fmt: skip
    )
    previous = {}
    for row in (
        CommuneCoverage.objects.order_by("commune_id", "-computed_at")
        .values("commune_id", "rate")
    ):  # fmt: skip
        previous.setdefault(row["commune_id"], []).append(row["rate"])
    geometries = dict(Territory.objects.filter(pk__in=[r["commune_id"] for r in rows]).values_list("pk", "geometry"))
    for row in rows:
        history = previous.get(row["commune_id"], [])
        row["previous_rate"] = history[1] if len(history) > 1 else None
        row["geometry"] = geometries.get(row["commune_id"])
    return rows


def territory_coverage() -> list[dict]:
    return [{"territory": t, **coverage(t)} for t in Territory.objects.filter(kind=Territory.Kind.EPT).order_by("id")]


# What the coverage API lists, in this order: the Métropole, its EPTs (T1…T12), their communes.
COVERAGE_KINDS = (Territory.Kind.METROPOLE, Territory.Kind.EPT, Territory.Kind.COMMUNE)


def coverage_territories():
    """The territories that have a coverage: the Métropole, the EPTs and the communes, in that order."""
    rank = Case(*(When(kind=kind, then=Value(i)) for i, kind in enumerate(COVERAGE_KINDS)))
    return (
        Territory.objects.filter(kind__in=COVERAGE_KINDS)
        .select_related("parent")
        .only("code", "name", "kind", "parent__code")
        .order_by(rank, Length("code"), "code")
    )


def coverage_within(territories, territory):
    """Of ``territories``, ``territory`` itself and those it contains (an EPT's communes; everything for the
    Métropole)."""
    return territories.filter(Q(pk=territory.pk) | Q(parent=territory) | Q(parent__parent=territory))


def coverage_rows(territories) -> list[dict]:
    """Each territory's coverage as its latest snapshot has it (the figures after the last import that
    touched it), and the files it comes from: per operator code (a blank one for a file of several operators,
    ARCEP's), the last import among its snapshots'. Each operator's file replaces that operator's buildings,
    so these are the files its current figures were computed from. Three queries, whatever the number."""
    territories = list(territories)
    ids = [t.pk for t in territories]
    snapshots = CoverageSnapshot.objects.filter(territory_id__in=ids)
    latest = {
        s.territory_id: s for s in snapshots.order_by("territory_id", "-computed_at", "-pk").distinct("territory_id")
    }
    sources: dict[int, list[dict]] = {}
    for snapshot in (
        snapshots.filter(run__isnull=False)
        .select_related("run", "run__operator")
        .order_by("territory_id", "run__operator_code", "-computed_at", "-pk")
        .distinct("territory_id", "run__operator_code")
    ):
        sources.setdefault(snapshot.territory_id, []).append(snapshot_source(snapshot))
    rows = []
    for territory in territories:
        snapshot = latest.get(territory.pk)
        rows.append(
            {
                "code": territory.code,
                "name": territory.name,
                "kind": territory.kind,
                "parent": territory.parent.code if territory.parent_id else None,
                "buildings": snapshot.buildings if snapshot else 0,
                "buildings_connectable": snapshot.buildings_connectable if snapshot else 0,
                "premises": snapshot.premises if snapshot else 0,
                "premises_connectable": snapshot.premises_connectable if snapshot else 0,
                "rate": snapshot.rate if snapshot else None,
                "computed_at": snapshot.computed_at if snapshot else None,
                "sources": sorted(sources.get(territory.pk, []), key=lambda s: s["imported_at"], reverse=True),
            }
        )
    return rows


def snapshot_source(snapshot) -> dict | None:
    """The import a snapshot comes from: its file, operator and date (None when the run was deleted)."""
    run = snapshot.run
    if run is None:
        return None
    return {
        "file_name": run.file_name,
        "file_format": run.file_format,
        "operator_code": run.operator_code,
        "operator": run.operator.name if run.operator_id else None,
        "imported_at": snapshot.computed_at,
    }


def coverage_snapshots():
    """Coverage snapshots oldest first, with their import and its operator."""
    return CoverageSnapshot.objects.select_related("run", "run__operator").order_by("computed_at", "pk")


def coverage_series(territory):
    """A territory's coverage after each import that touched it, oldest first, with the import."""
    return coverage_snapshots().filter(territory=territory)


def imports_awaiting_confirmation():
    """The imports that wait for staff to confirm a mass retirement, oldest first."""
    awaiting = ImportRun.objects.filter(state=ImportRun.State.AWAITING_CONFIRMATION)
    return awaiting.select_related("requested_by").order_by("created_at")

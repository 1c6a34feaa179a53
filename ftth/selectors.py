"""Reads of the FttH data: address search, a building's answer, coverage, imports waiting for staff."""

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Case, Count, Q, Sum, Value, When
from django.db.models.functions import Length
from django.utils import timezone

from actions import charts
from sman.models import Territory

from . import places
from .models import (
    CONNECTABLE_STATUSES,
    AlertSubscription,
    Building,
    CoverageSnapshot,
    ImportRun,
    coverage_rate,
)

NUMBER = re.compile(r"^\s*(\d{1,4})\s*(BIS|TER|QUATER|[A-Z](?![A-Z]))?[\s,.]*(.*)$", re.IGNORECASE)

# The buildings of the streets chosen (``best``: commune, key, how it was found, rank), by the (commune,
# street) B-tree: the typed house number first, then the nearest (or the streets' rank first).
BUILDINGS_SQL = """
SELECT b.id, b.number, b.number_suffix, b.street_type, b.street_name, b.postcode, b.status, b.label,
       b.commune_id, t.name, t.code, best.found
FROM best
JOIN ftth_building b ON b.commune_id = best.commune_id AND b.street_key = best.key AND b.retired_at IS NULL
JOIN sman_territory t ON t.id = b.commune_id
ORDER BY {first}
  CASE WHEN %(number)s::int IS NULL THEN 0
       WHEN b.number ~ '^[0-9]+$' THEN abs(b.number::int - %(number)s::int) ELSE 100000 END,
  best.rank,
  (upper(b.number_suffix) = %(suffix)s) DESC,
  CASE WHEN b.number ~ '^[0-9]+$' THEN b.number::int END, b.number_suffix, b.id
LIMIT %(limit)s
"""

# When the text names no commune. The streets first (about 30,000, indexed by name), then their
# buildings. Candidate streets, by the first rule that finds some:
# 1. named exactly as the text begins, the longest such name ("BOULEVARD DE LA LIBERATION" for
#    "BOULEVARD DE LA LIBERATION SAINT DEN"): what people type once they have typed the street;
# 2. whose name starts with the text ("BOULEVARD DE LA LIB"): typing in progress;
# 3. the five nearest to the text by trigrams among those that contain it well enough (word similarity
#    above pg_trgm's threshold, found by the GIN index): typos, missing words, another order.
# Then the five that best contain the text (word similarity: words of a commune decide between streets of
# the same name), and their buildings. The text is normalised once; normalised names only use A-Z, 0-9
# and spaces, so "~" bounds a prefix.
SEARCH_SQL = """
WITH q AS MATERIALIZED (SELECT ftth_normalise(%(text)s) AS key),
named AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.search, s.buildings, 'named' AS found
  FROM ftth_street s
  WHERE s.key = ANY (ARRAY(SELECT array_to_string(x.words[1:i], ' ')
                           FROM (SELECT string_to_array(key, ' ') AS words FROM q) x,
                                generate_subscripts(x.words, 1) i))
),
started AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.search, s.buildings, 'started' AS found
  FROM ftth_street s
  WHERE NOT EXISTS (SELECT 1 FROM named) AND (SELECT key FROM q) <> ''
    AND s.key ~>=~ (SELECT key FROM q) AND s.key ~<~ (SELECT key || '~' FROM q)
  ORDER BY s.buildings DESC, s.id
  LIMIT 20
),
near AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.search, s.buildings, 'near' AS found
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
  SELECT n.commune_id, n.key, n.found,
         row_number() OVER (ORDER BY q.key <<-> n.search, n.buildings DESC, n.id) AS rank
  FROM candidates n, q
  WHERE q.key <%% n.search
  ORDER BY q.key <<-> n.search, n.buildings DESC, n.id
  LIMIT 5
)
""" + BUILDINGS_SQL.format(first="")

# When the text ends with a commune (ftth/places.py: « … Saint-Denis », « … 93200 », « … Paris 20e »): the
# street (the words before the commune) among that commune's streets only, by the same rules (named,
# started, near), through the (commune, name) index. Between « started » and « near »: a street, anywhere,
# whose name goes on with the words read as the commune (a street named after a town without « de »).
# Found only by trigrams, or not at all: the caller says that the commune has no street of that name (and
# then looks further: NEAREST_IN_COMMUNE_SQL).
IN_COMMUNE_SQL = """
WITH q AS MATERIALIZED (
  SELECT ftth_normalise(%(street)s) AS key, string_to_array(ftth_normalise(%(text)s), ' ') AS words
),
prefixes AS MATERIALIZED (
  SELECT array_to_string(q.words[1:i], ' ') AS key, i > cardinality(string_to_array(q.key, ' ')) AS beyond
  FROM q, generate_subscripts(q.words, 1) i
),
named AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.buildings, 'named' AS found
  FROM ftth_street s
  WHERE s.commune_id = ANY (%(communes)s) AND s.key = ANY (ARRAY(SELECT key FROM prefixes))
),
started AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.buildings, 'started' AS found
  FROM ftth_street s
  WHERE NOT EXISTS (SELECT 1 FROM named) AND s.commune_id = ANY (%(communes)s)
    AND s.key ~>=~ (SELECT key FROM q) AND s.key ~<~ (SELECT key || '~' FROM q)
  ORDER BY s.buildings DESC, s.id
  LIMIT 20
),
elsewhere AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.buildings, 'elsewhere' AS found
  FROM ftth_street s
  WHERE NOT EXISTS (SELECT 1 FROM named) AND NOT EXISTS (SELECT 1 FROM started)
    AND s.key = ANY (ARRAY(SELECT key FROM prefixes WHERE beyond))
),
near AS MATERIALIZED (
  SELECT s.id, s.commune_id, s.key, s.buildings, 'near' AS found
  FROM ftth_street s
  WHERE NOT EXISTS (SELECT 1 FROM named) AND NOT EXISTS (SELECT 1 FROM started)
    AND NOT EXISTS (SELECT 1 FROM elsewhere)
    AND s.commune_id = ANY (%(communes)s) AND (SELECT key FROM q) <%% s.search
  ORDER BY (SELECT key FROM q) <<-> s.search, s.buildings DESC, s.id
  LIMIT 5
),
candidates AS (
  SELECT * FROM named WHERE length(key) = (SELECT max(length(key)) FROM named)
  UNION ALL SELECT * FROM started
  UNION ALL SELECT * FROM elsewhere WHERE length(key) = (SELECT max(length(key)) FROM elsewhere)
  UNION ALL SELECT * FROM near
),
best AS (
  SELECT n.commune_id, n.key, n.found,
         row_number() OVER (ORDER BY q.key <<-> n.key, n.buildings DESC, n.id) AS rank
  FROM candidates n, q
  ORDER BY rank
  LIMIT 5
)
""" + BUILDINGS_SQL.format(first="")

# No street of that name in the commune: its streets nearest to the distinctive words typed (« BELLEVILLE »
# for « rue de Belleville »: the street type and « de » would make every « rue de … » look near), a street
# after another. Read among the commune's streets by the (commune, name) index: a few thousand at most.
NEAREST_IN_COMMUNE_SQL = """
WITH best AS (
  SELECT s.commune_id, s.key, 'nearest' AS found,
         row_number() OVER (ORDER BY word_similarity(%(words)s, s.key) DESC, s.buildings DESC, s.id) AS rank
  FROM ftth_street s
  WHERE s.commune_id = ANY (%(communes)s) AND word_similarity(%(words)s, s.key) >= %(similarity)s
  ORDER BY rank
  LIMIT 5
)
""" + BUILDINGS_SQL.format(first="best.rank,")
NEAREST_SIMILARITY = 0.5


@dataclass
class AddressSearch:
    """The buildings found for a typed address and, when they are not what was asked (no street of that
    name in the commune typed), the notice that says so."""

    buildings: list[Building] = field(default_factory=list)
    notice: str = ""
    place: places.Place | None = None


def search_addresses(text: str, limit: int = 10) -> AddressSearch:
    """Buildings matching what a citizen typed: the street (by name, prefix or trigrams among the ~30,000
    streets, any accents, case or abbreviation), in the commune typed at the end if any (a name, a former
    name, a postcode, an INSEE code), then the house number (exact first, then the nearest)."""
    text = (text or "").strip()
    if len(text) < 3:
        return AddressSearch()
    match = NUMBER.match(text)
    number, suffix, rest = (None, "", text)
    if match and match.group(3):
        number, suffix, rest = int(match.group(1)), (match.group(2) or "").upper(), match.group(3)
    params = {"number": number, "suffix": suffix, "limit": limit}
    address = places.read(rest)
    place = address.place
    if place is None:
        return AddressSearch(_buildings(SEARCH_SQL, {**params, "text": rest}))
    communes = list(place.commune_ids)
    found = _buildings(IN_COMMUNE_SQL, {**params, "street": address.street, "text": address.text, "communes": communes})
    missing = f"Aucune rue de ce nom {place.where}"
    if found and found[0].found == "near":  # by trigrams: a typo, or another street with some of the words
        return _with_notice(found, f"{missing} ; voici les plus proches.", place)
    if found:
        return AddressSearch(found, place=place)
    words = " ".join(w for w in address.street.split() if w not in places.STREET_TYPES | places.PARTICLES)
    if words:
        nearest = _buildings(
            NEAREST_IN_COMMUNE_SQL,
            {**params, "words": words, "communes": communes, "similarity": NEAREST_SIMILARITY},
        )
        if nearest:
            return _with_notice(nearest, f"{missing} ; voici les plus proches.", place)
    # Streets of exactly that name elsewhere: perhaps the commune typed is not the right one.
    named = [b for b in _buildings(SEARCH_SQL, {**params, "text": address.street}) if b.found == "named"]
    if named:
        return _with_notice(named, f"{missing} ; voici les rues de ce nom dans d'autres communes.", place)
    return AddressSearch([], f"{missing}.", place)


def _with_notice(buildings: list[Building], notice: str, place) -> AddressSearch:
    for building in buildings:
        building.notice = notice
    return AddressSearch(buildings, notice, place)


def _buildings(sql: str, params: dict) -> list[Building]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # What an address shows (the API's AddressSerializer, the search page), read by the same query: not
    # the positions, whose reading (GEOS) would cost more than the rest.
    buildings = []
    for *fields, commune_id, commune_name, commune_code, found in rows:
        building = _loaded(Building, dict(zip(ADDRESS_FIELDS, [*fields, commune_id], strict=True)))
        building.commune = _loaded(Territory, {"id": commune_id, "name": commune_name, "code": commune_code})
        building.found, building.notice = found, ""
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
    if kind == Territory.Kind.DELEGATED_COMMUNE:
        # A delegated commune's buildings are counted in its commune's.
        raise ValueError(f"coverage of a commune, an EPT or the Métropole, not of {territory} ({kind})")
    if kind != Territory.Kind.METROPOLE:
        buildings = buildings.filter(Territory.objects.within_q(territory, "commune"))
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


def coverage_per_commune():
    """coverage()'s figures per commune, in one grouped query over the active buildings (rows ``commune``,
    ``building_count``, ``premises_total``, ``premises_connectable``, ``buildings_connectable``): they add up
    to an EPT's and the Métropole's, whose rates are then computed from the sums."""
    connectable = Q(status__in=CONNECTABLE_STATUSES)
    return (
        Building.objects.filter(retired_at__isnull=True)
        .order_by()
        .values("commune")
        .annotate(
            building_count=Count("id"),
            premises_total=Sum("premises"),
            premises_connectable=Sum("premises", filter=connectable),
            buildings_connectable=Count("id", filter=connectable),
        )
    )


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


@dataclass(frozen=True)
class Delays:
    """Days between a point de mutualisation's installation and the commercial service of its buildings,
    as observed in a commune: how many buildings, the quartiles."""

    count: int
    p25: int
    median: int
    p75: int


@dataclass(frozen=True)
class Surroundings:
    """What the data says around a building, read in one pass over its commune's buildings (by the
    (commune, street) index): the commune's rate (as coverage() counts it), its observed delays, and the
    share of the building's PM already connectable (the PM's buildings in this commune)."""

    commune_rate: float | None
    delays: Delays | None
    pm_buildings: int
    pm_connectable: int


SURROUNDINGS_SQL = """
WITH b AS (
  SELECT retired_at IS NULL AS active, status = ANY (%(connectable)s) AS connectable, premises,
         CASE WHEN commercial_service_date >= pm_installed_on THEN commercial_service_date - pm_installed_on END
           AS delay,
         %(pm)s <> '' AND operator_code = %(operator)s AND pm_reference = %(pm)s AS same_pm
  FROM ftth_building
  WHERE commune_id = %(commune)s
)
SELECT count(*) FILTER (WHERE active), count(*) FILTER (WHERE active AND connectable),
       sum(premises) FILTER (WHERE active), sum(premises) FILTER (WHERE active AND connectable),
       count(delay), percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY delay),
       count(*) FILTER (WHERE active AND same_pm), count(*) FILTER (WHERE active AND same_pm AND connectable)
FROM b
"""


def surroundings(building) -> Surroundings:
    with connection.cursor() as cursor:
        cursor.execute(
            SURROUNDINGS_SQL,
            {
                "commune": building.commune_id,
                "connectable": list(CONNECTABLE_STATUSES),
                "operator": building.operator_code,
                "pm": building.pm_reference or "",
            },
        )
        count, connectable, premises, premises_connectable, delays, quartiles, pm_count, pm_connectable = (
            cursor.fetchone()
        )
    rate = coverage_rate(
        premises=premises, premises_connectable=premises_connectable, buildings=count, buildings_connectable=connectable
    )
    observed = Delays(delays, *(round(q) for q in quartiles)) if delays else None
    return Surroundings(rate, observed, pm_count, pm_connectable)


def became_connectable_on(building) -> date | None:
    """The day the data first said the building could be connected, this time (the first import that saw
    it so, or the status change): when we saw it, not when it happened."""
    since = timezone.localdate(building.first_seen_at) if building.first_status in CONNECTABLE_STATUSES else None
    for change in building.status_changes.all():  # in order; prefetched by building_detail()
        if change.status_to not in CONNECTABLE_STATUSES:
            since = None
        elif since is None:
            since = timezone.localdate(change.changed_at)
    return since


def quarter_of(day: date) -> str:
    return f"{(day.month - 1) // 3 + 1}e trimestre {day.year}".replace("1e ", "1er ")


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
    return territories.within(territory)


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


# The tokens services.alert_subscribe() makes (secrets.token_urlsafe(32): 43 characters), with some room.
ALERT_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def alert_by_token(token: str) -> AlertSubscription | None:
    """The alert a link names, or None for anything else (a token cut short, garbage, a NUL character)."""
    if not ALERT_TOKEN.fullmatch(token or ""):
        return None
    return AlertSubscription.objects.select_related("building", "building__commune").filter(token=token).first()


def imports():
    """Every import, newest first, with who asked for it (staff's list)."""
    return ImportRun.objects.select_related("requested_by").order_by("-created_at")


def imports_awaiting_confirmation():
    """The imports that wait for staff to confirm a mass retirement, oldest first."""
    awaiting = ImportRun.objects.filter(state=ImportRun.State.AWAITING_CONFIRMATION)
    return awaiting.select_related("requested_by").order_by("created_at")

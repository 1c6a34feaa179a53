"""Reads of the resource centre: the French full-text search with its facets, similar resources, the
moderation queue, a contributor's resources, usage figures."""

import hashlib
from dataclasses import dataclass, fields
from datetime import date

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils import timezone

from sman.models import Challenge, Organisation, Territory
from sman.search import SEARCH_CONFIG, rank_search

from .models import EditSuggestion, Kind, Resource, ResourceUse, SearchMiss, Theme

FACET_CACHE_SECONDS = 600
FACET_GENERATION_KEY = "resources:facets:generation"
TERRITORY_FACET_SIZE = 15
ORGANISATION_FACET_SIZE = 15


@dataclass(frozen=True)
class SearchParams:
    """What a search asks, read from the query string (the page's, or a saved search's)."""

    q: str = ""
    kind: str = ""
    defi: str = ""  # a défi's number
    theme: str = ""
    territoire: str = ""  # a territory's code (INSEE, T1…T12)
    organisation: str = ""  # an organisation's id
    annee: str = ""
    tri: str = ""  # "date" or relevance (default with a text)

    @classmethod
    def from_query(cls, query: str | QueryDict) -> "SearchParams":
        data = QueryDict(query) if isinstance(query, str) else query
        values = {f.name: (data.get(f.name) or "").strip()[:200] for f in fields(cls)}
        # Only values that can be what they name: anything else is dropped, never passed to SQL as is.
        if values["kind"] not in Kind.values:
            values["kind"] = ""
        if values["theme"] not in Theme.values:
            values["theme"] = ""
        for name in ("defi", "organisation", "annee"):
            if not values[name].isascii() or not values[name].isdigit() or len(values[name]) > 9:
                values[name] = ""
        if not (values["territoire"].isascii() and values["territoire"].isalnum()) or len(values["territoire"]) > 12:
            values["territoire"] = ""
        if values["tri"] != "date":
            values["tri"] = ""
        return cls(**values)

    def as_query(self, **changes) -> str:
        data = QueryDict(mutable=True)
        for name, value in {**{f.name: getattr(self, f.name) for f in fields(self)}, **changes}.items():
            if value:
                data[name] = value
        return data.urlencode()

    def items(self) -> list[tuple[str, str]]:
        """The given parameters as (name, value) pairs (for a form's hidden fields)."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)]

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "tri")


def published():
    return Resource.objects.published()


def _filtered(params: SearchParams) -> QuerySet:
    rows = published()
    if params.kind:
        rows = rows.filter(kind=params.kind)
    if params.theme:
        rows = rows.filter(themes__contains=[params.theme])
    if params.annee:
        rows = rows.filter(published_year=int(params.annee))
    if params.organisation:
        rows = rows.filter(organisation_id=int(params.organisation))
    if params.defi:
        through = Resource.challenges.through.objects.filter(challenge__number=int(params.defi))
        rows = rows.filter(pk__in=through.values("resource_id"))
    if params.territoire:
        territory = Territory.objects.filter(code=params.territoire).first()
        if territory is None:
            return rows.none()
        if not territory.is_metropole:
            through = Resource.territories.through.objects.filter(
                territory_id__in=Territory.objects.within(territory).values("pk")
            )
            rows = rows.filter(pk__in=through.values("resource_id"))
    return rows


def search(params: SearchParams) -> QuerySet:
    """The published resources matching ``params``: by relevance when a text is given (title > summary > body >
    attachments' text), else (or with ``tri=date``) the most recent first."""
    rows = _filtered(params).order_by("-published_at", "-pk")
    if params.q:
        rows = rank_search(rows, params.q)
        if params.tri == "date":
            rows = rows.order_by("-published_at", "-pk")
    return rows


def listed(rows: QuerySet) -> QuerySet:
    """The joins a list of resources shows (card: current version, organisation; use count)."""
    uses = ResourceUse.objects.filter(resource=OuterRef("pk")).order_by().values("resource")
    from django.db.models import Func, IntegerField, Subquery

    count = Subquery(uses.annotate(n=Func("id", function="COUNT")).values("n"), output_field=IntegerField())
    # The working copy and the search vector stay in the table: a ranked page sorts narrow rows, in memory.
    return (
        rows.select_related("current_version", "organisation")
        .defer("title", "summary", "body", "attachments_text", "search_vector")
        .annotate(use_count=count)
    )


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False
    url: str = ""  # the search with this value chosen (or removed, when it is)


def _generation() -> int:
    return cache.get_or_set(FACET_GENERATION_KEY, 1, None)


def facets_changed() -> None:
    """After a publication: cached facet counts are stale."""
    try:
        cache.incr(FACET_GENERATION_KEY)
    except ValueError:
        cache.set(FACET_GENERATION_KEY, 1, None)


# The matched rows are read once (with the columns the facets group), then grouped six ways.
FACETS_SQL = """
WITH m(id, kind, year, organisation, themes) AS MATERIALIZED ({matched})
SELECT 'kind', kind, count(*) FROM m GROUP BY kind
UNION ALL
SELECT 'year', year::text, count(*) FROM m WHERE year IS NOT NULL GROUP BY year
UNION ALL
(SELECT 'organisation', organisation::text, count(*) FROM m WHERE organisation IS NOT NULL
 GROUP BY organisation ORDER BY 3 DESC LIMIT {organisations})
UNION ALL
SELECT 'theme', t.theme, count(*) FROM m, unnest(m.themes) AS t(theme) GROUP BY t.theme
UNION ALL
SELECT 'defi', c.challenge_id::text, count(*) FROM resources_resource_challenges c JOIN m ON m.id = c.resource_id
 GROUP BY c.challenge_id
UNION ALL
(SELECT 'territory', tr.territory_id::text, count(*) FROM resources_resource_territories tr
 JOIN m ON m.id = tr.resource_id GROUP BY tr.territory_id ORDER BY 3 DESC LIMIT {territories})
"""


def _facet_counts(rows: QuerySet) -> dict[str, list[tuple[str, int]]]:
    columns = rows.order_by().values_list("pk", "kind", "published_year", "organisation_id", "themes")
    sql, params = columns.query.sql_with_params()
    key = f"resources:facets:{_generation()}:{hashlib.sha256(repr((sql, params)).encode()).hexdigest()}"
    counts = cache.get(key)
    if counts is None:
        counts = {}
        with connection.cursor() as cursor:
            cursor.execute(
                FACETS_SQL.format(matched=sql, organisations=ORGANISATION_FACET_SIZE, territories=TERRITORY_FACET_SIZE),
                params,
            )
            for name, value, count in cursor.fetchall():
                counts.setdefault(name, []).append((value, count))
        cache.set(key, counts, FACET_CACHE_SECONDS)
    return counts


def facets(params: SearchParams) -> dict[str, list[FacetValue]]:
    """Facet values with their counts among the resources that match ``params`` (kind, défi, theme, territory,
    organisation, year): one SQL statement for the six, cached until the next publication."""
    counts = _facet_counts(search(SearchParams(**{**params.__dict__, "tri": "date"})))
    by_count = lambda pairs: sorted(pairs, key=lambda p: (-p[1], p[0]))  # noqa: E731
    result: dict[str, list[FacetValue]] = {}
    result["kind"] = [FacetValue(v, Kind(v).label, n, v == params.kind) for v, n in by_count(counts.get("kind", []))]
    result["theme"] = [
        FacetValue(v, Theme(v).label, n, v == params.theme)
        for v, n in by_count(counts.get("theme", []))
        if v in Theme.values
    ]
    challenges = {str(c.pk): c for c in Challenge.objects.all()}
    result["defi"] = [
        FacetValue(str(challenges[v].number), f"Défi {challenges[v].number} – {challenges[v].short_title}", n,
                   str(challenges[v].number) == params.defi)
        for v, n in sorted(counts.get("defi", []), key=lambda p: challenges[p[0]].number)
        if v in challenges
    ]  # fmt: skip
    territory_ids = [int(v) for v, _ in counts.get("territory", [])]
    territories = {str(t.pk): t for t in Territory.objects.without_geometry().filter(pk__in=territory_ids)}
    result["territoire"] = [
        FacetValue(territories[v].code, str(territories[v]), n, territories[v].code == params.territoire)
        for v, n in by_count(counts.get("territory", []))
        if v in territories
    ]
    organisation_ids = [int(v) for v, _ in counts.get("organisation", [])]
    organisations = {str(o.pk): o for o in Organisation.objects.filter(pk__in=organisation_ids).only("name")}
    result["organisation"] = [
        FacetValue(v, organisations[v].name, n, v == params.organisation)
        for v, n in by_count(counts.get("organisation", []))
        if v in organisations
    ]
    result["annee"] = [FacetValue(v, v, n, v == params.annee) for v, n in sorted(counts.get("year", []), reverse=True)]
    for name, values in result.items():
        for value in values:
            value.url = "?" + params.as_query(**{name: "" if value.selected else value.value})
    return result


FACET_LABELS = {
    "kind": "Nature",
    "defi": "Défi du SMAN",
    "theme": "Thème",
    "territoire": "Territoire concerné",
    "organisation": "Organisation contributrice",
    "annee": "Année de publication",
}


def similar(resource: Resource, limit: int = 4) -> list[Resource]:
    """Published resources close to this one: sharing words of its title (full-text, any of them), ranked, then
    its themes; never itself."""
    words = list((resource.current_version.title if resource.current_version else resource.title).split())
    words = ["".join(ch for ch in w if ch.isalnum()) for w in words]
    words = [w for w in words if len(w) > 3][:8]
    rows = published().exclude(pk=resource.pk).select_related("current_version")
    found = []
    if words:
        from django.contrib.postgres.search import SearchQuery, SearchRank
        from django.db.models import F

        query = SearchQuery(" | ".join(words), search_type="raw", config=SEARCH_CONFIG)
        found = list(
            rows.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank")[:limit]
        )
    if len(found) < limit and resource.themes:
        found += list(
            rows.filter(themes__overlap=resource.themes)
            .exclude(pk__in=[r.pk for r in found])
            .order_by("-published_at")[: limit - len(found)]
        )
    return found


def public_detail(slug: str):
    return (
        Resource.objects.select_related("current_version", "organisation", "author", "fmin_application", "action")
        .prefetch_related("challenges", "territories")
        .filter(slug=slug)
        .first()
    )


def moderation_queue():
    """Contributions waiting for a moderator, the oldest first."""
    return (
        Resource.objects.filter(state__in=Resource.AWAITING_MODERATION)
        .select_related("author", "organisation", "moderator", "current_version")
        .order_by("submitted_at", "pk")
    )


def resources_of(user):
    """A contributor's resources, with what waits for them (moderators' comments, suggestions)."""
    pending = EditSuggestion.objects.filter(resource=OuterRef("pk"), state=EditSuggestion.State.PENDING)
    return (
        Resource.objects.filter(author=user)
        .select_related("organisation", "current_version")
        .annotate(pending_suggestions=Count("suggestions", filter=Q(suggestions__state="pending")))
        .annotate(has_pending=Exists(pending))
        .order_by("-updated_at")
    )


def usage_totals(*, since: date | None = None, until: date | None = None) -> dict:
    from .models import DailyUsage

    rows = DailyUsage.objects.all()
    if since:
        rows = rows.filter(day__gte=since)
    if until:
        rows = rows.filter(day__lte=until)
    totals = rows.aggregate(views=Sum("views"), downloads=Sum("downloads"))
    return {"views": totals["views"] or 0, "downloads": totals["downloads"] or 0}


def most_viewed(*, since: date, limit: int = 10):
    return (
        published()
        .filter(usage__day__gte=since)
        .select_related("current_version")
        .annotate(views=Sum("usage__views"), downloads=Sum("usage__downloads"))
        .order_by("-views")[:limit]
    )


def search_misses(*, since: date, limit: int = 20):
    return (
        SearchMiss.objects.filter(day__gte=since)
        .values("query")
        .annotate(total=Sum("count"))
        .order_by("-total", "query")[:limit]
    )


def counts_per_kind(*, year: int | None = None) -> dict[str, int]:
    rows = published()
    if year:
        rows = rows.filter(published_year=year)
    return dict(rows.order_by().values_list("kind").annotate(n=Count("pk")))


def collectivities_using(*, until: date | None = None) -> int:
    rows = ResourceUse.objects.all()
    if until:
        rows = rows.filter(created_at__date__lte=until)
    return rows.values("organisation").distinct().count()


def today() -> date:
    return timezone.localdate()

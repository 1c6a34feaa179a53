"""Reads of the resource centre: the French full-text search with its facets, similar resources, the
moderation queue, a contributor's resources, usage figures."""

import hashlib
from dataclasses import dataclass, fields, replace
from datetime import date
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils import timezone

from sman.search import SEARCH_CONFIG, search_query

from .models import EditSuggestion, Kind, Resource, ResourceUse, SearchEntry, SearchMiss, Theme

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
        """The query string of these parameters with ``changes`` (an empty value removes one). Called for every
        facet value shown: a plain ``urlencode``, as ``QueryDict.urlencode`` writes it."""
        values = {name: getattr(self, name) for name in _PARAM_NAMES}
        values.update(changes)
        return urlencode([(name, value) for name, value in values.items() if value])

    def items(self) -> list[tuple[str, str]]:
        """The given parameters as (name, value) pairs (for a form's hidden fields)."""
        return [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)]

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self) if f.name != "tri")


_PARAM_NAMES = tuple(f.name for f in fields(SearchParams))


def published():
    return Resource.objects.published()


def _conditions(params: SearchParams, prefix: str = "") -> Q:
    """The filters of ``params`` on the search's narrow rows (``SearchEntry``), reached through ``prefix`` from
    another model."""
    conditions = {}
    if params.kind:
        conditions["kind"] = params.kind
    if params.theme:
        conditions["themes__contains"] = [params.theme]
    if params.annee:
        conditions["published_year"] = int(params.annee)
    if params.organisation:
        conditions["organisation_id"] = int(params.organisation)
    # A défi's number and a territory's code become ids inside the statement (no lookup first); one that exists
    # nowhere gives ARRAY[NULL], which no row contains. Every row's scope holds the Métropole.
    if params.defi:
        conditions["challenge_ids__contains"] = RawSQL(
            "ARRAY[(SELECT id FROM sman_challenge WHERE number = %s)]", [int(params.defi)]
        )
    if params.territoire:
        conditions["territory_scope__contains"] = RawSQL(
            "ARRAY[(SELECT id FROM sman_territory WHERE code = %s)]", [params.territoire]
        )
    q = Q(**{prefix + name: value for name, value in conditions.items()})
    text = search_query(params.q) if params.q else None
    if text is not None:
        q &= Q(**{prefix + "vector": text})
    return q


def _entries(params: SearchParams) -> QuerySet:
    return SearchEntry.objects.filter(_conditions(params))


def search(params: SearchParams) -> QuerySet:
    """The published resources matching ``params``: by relevance when a text is given (title > summary > body >
    attachments' text), else (or with ``tri=date``) the most recent first. (The search page reads its page of 20
    through ``SearchResults``, which ranks the narrow rows alone.)"""
    rows = Resource.objects.filter(_conditions(params, "search_entry__"))
    text = search_query(params.q) if params.q else None
    if text is not None and params.tri != "date":
        return rows.annotate(rank=SearchRank(F("search_entry__vector"), text)).order_by(
            "-rank", "-search_entry__published_at", "-pk"
        )
    return rows.order_by("-search_entry__published_at", "-pk")


def _ranked(params: SearchParams) -> tuple[QuerySet, tuple[str, ...]]:
    """The narrow rows matching ``params``, annotated with ``rank`` (0 when the order is the date's), and the order
    of their pages: by relevance when a text is given (title > summary > body > attachments' text), else (or with
    ``tri=date``) the most recent first."""
    entries = _entries(params)
    text = search_query(params.q) if params.q else None
    if text is not None and params.tri != "date":
        return entries.annotate(rank=SearchRank(F("vector"), text)), ("-rank", "-published_at", "-pk")
    return entries.annotate(rank=Value(0.0, output_field=FloatField())), ("-published_at", "-pk")


class SearchResults:
    """A search's results for a paginator: a page is the ids of 20 narrow rows (ranked or by date, in one
    statement over ``SearchEntry`` alone), then those 20 resources with their cards. ``count`` is known already
    (the facets' kinds); so is the first page's ids (``first_page``) when the facets were just computed: the same
    statement found them."""

    def __init__(self, params: SearchParams, count: int, first_page: list[int] | None = None):
        self.params = params
        self._count = count
        self.first_page = first_page

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def ids(self, start: int, stop: int) -> list[int]:
        if self.first_page is not None and start == 0 and (stop <= len(self.first_page) or stop >= self._count):
            return self.first_page[:stop]
        entries, order = _ranked(self.params)
        if self.params.q or not any(getattr(self.params, name) for name in _PARAM_NAMES if name != "tri"):
            # A text (its GIN index) or the whole centre (the date index): the planner finds the page at once.
            return list(entries.order_by(*order).values_list("pk", flat=True)[start:stop])
        # Filters alone: the matching rows first (their indexes), then their page by date. Left to itself, the
        # planner walks the date index and filters row by row until a page is found (3 times slower for « guides
        # de 2024 »: bench/resources.py, facets cached).
        sql, params = entries.order_by().values_list("pk", "published_at").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(PAGE_SQL.format(matched=sql), [*params, stop - start, start])
            return [row[0] for row in cursor.fetchall()]

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = self.ids(index.start or 0, index.stop if index.stop is not None else self._count)
        found = {r.pk: r for r in listed(Resource.objects.filter(pk__in=ids)).only(*CARD_FIELDS)}
        return [found[pk] for pk in ids if pk in found]


# What a card of the search shows (templates/resources/_card.html): nothing else is read or built.
CARD_FIELDS = (
    "slug", "kind", "is_demo", "published_at", "organisation", "organisation__name", "current_version",
    "current_version__title", "current_version__summary",
)  # fmt: skip


def listed(rows: QuerySet) -> QuerySet:
    """The joins a list of resources shows (card: current version, organisation; use count)."""
    uses = ResourceUse.objects.filter(resource=OuterRef("pk")).order_by().values("resource")
    count = Subquery(uses.annotate(n=Func("id", function="COUNT")).values("n"), output_field=IntegerField())
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
    """After a publication: cached facet counts are stale; the whole centre's (the search page with nothing
    asked, its most visited form) are computed again at once, in a task, rather than by its next visitor."""
    try:
        cache.incr(FACET_GENERATION_KEY)
    except ValueError:
        cache.set(FACET_GENERATION_KEY, 1, None)
    from .tasks import warm_facets

    warm_facets.delay()


# The matched narrow rows are read once (with the columns the facets group, the date and the rank), then grouped six
# ways, with no join but the labels of the values shown, and, in the same statement, the first page of the results
# in the page's order: rows of (facet or "page", value or id, count, label, order). An array is unnested in the select
# list (one pass over the matches; a lateral join per row is a fifth slower).
SEARCH_SQL = """
WITH m(kind, year, organisation, themes, challenges, territories, id, published_at, rank) AS MATERIALIZED ({matched})
SELECT 'kind', kind, count(*), NULL, NULL::int FROM m GROUP BY kind
UNION ALL
SELECT 'year', year::text, count(*), NULL, NULL FROM m WHERE year IS NOT NULL GROUP BY year
UNION ALL
SELECT 'organisation', o.id::text, f.n, o.name, NULL FROM (
    SELECT organisation, count(*) AS n FROM m WHERE organisation IS NOT NULL
    GROUP BY organisation ORDER BY 2 DESC, 1 LIMIT {organisations}
) f JOIN sman_organisation o ON o.id = f.organisation
UNION ALL
SELECT 'theme', t.theme, count(*), NULL, NULL FROM (SELECT unnest(themes) AS theme FROM m) t GROUP BY t.theme
UNION ALL
SELECT 'defi', c.number::text, f.n, c.short_title, c.number::int FROM (
    SELECT x.id, count(*) AS n FROM (SELECT unnest(challenges) AS id FROM m) x GROUP BY x.id
) f JOIN sman_challenge c ON c.id = f.id
UNION ALL
SELECT 'territory', t.code, f.n, CASE WHEN t.kind = 'ept' THEN t.code || ' ' || t.name ELSE t.name END, NULL FROM (
    SELECT x.id, count(*) AS n FROM (SELECT unnest(territories) AS id FROM m) x GROUP BY x.id ORDER BY 2 DESC, 1
    LIMIT {territories}
) f JOIN sman_territory t ON t.id = f.id
UNION ALL
SELECT 'page', p.id::text, NULL, NULL, (row_number() OVER (ORDER BY p.rank DESC, p.published_at DESC, p.id DESC))::int
FROM (SELECT id, rank, published_at FROM m ORDER BY rank DESC, published_at DESC, id DESC LIMIT {page}) p
"""
PAGE_SQL = """
WITH m(id, published_at) AS MATERIALIZED ({matched})
SELECT id FROM m ORDER BY published_at DESC, id DESC LIMIT %s OFFSET %s
"""
FACET_COLUMNS = ("kind", "published_year", "organisation_id", "themes", "challenge_ids", "territory_ids")


def _facet_key(params: SearchParams) -> str:
    """The cache key of a search's facets: its parameters, the order aside (the same matches, the same counts)."""
    return "resources:facets:" + hashlib.sha256(repr(replace(params, tri="")).encode()).hexdigest()


def _facet_counts(params: SearchParams, page_size: int = 20) -> tuple[dict[str, list[tuple]], list[int] | None]:
    """The facet counts of ``params`` (from the cache, else computed) and, when computed, the first page's ids.

    The counts are cached with the generation they were computed at, and read with the current generation in one
    round trip to the cache: counts of an earlier generation (before a publication) are computed again."""
    entries, _order = _ranked(params)
    if entries.query.is_empty():
        return {}, []
    key = _facet_key(params)
    found = cache.get_many([FACET_GENERATION_KEY, key])
    generation = found.get(FACET_GENERATION_KEY) or _generation()
    cached = found.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1], None
    sql, sql_params = (
        entries.order_by().values_list(*FACET_COLUMNS, "pk", "published_at", "rank").query.sql_with_params()
    )
    counts, page = {}, []
    with connection.cursor() as cursor:
        cursor.execute(
            SEARCH_SQL.format(
                matched=sql, organisations=ORGANISATION_FACET_SIZE, territories=TERRITORY_FACET_SIZE, page=page_size
            ),
            sql_params,
        )
        for name, value, count, label, order in cursor.fetchall():
            if name == "page":
                page.append((order, int(value)))
            else:
                counts.setdefault(name, []).append((value, count, label, order))
    cache.set(key, (generation, counts), FACET_CACHE_SECONDS)
    return counts, [pk for _n, pk in sorted(page)]


@dataclass
class Search:
    """What the search page shows: the facets, the number of results and the results (a paginator's rows)."""

    params: SearchParams
    facets: dict[str, list["FacetValue"]]
    count: int
    results: SearchResults


def run_search(params: SearchParams, *, page_size: int = 20) -> Search:
    """The facets and the results of ``params``. Facets not cached yet: one statement reads the matches once for
    the six facets and the first page; cached (until the next publication): the page alone is read."""
    counts, first_page = _facet_counts(params, page_size)
    found = _facet_values(params, counts)
    count = sum(value.count for value in found["kind"])
    return Search(params, found, count, SearchResults(params, count, first_page))


def facets(params: SearchParams) -> dict[str, list[FacetValue]]:
    """Facet values with their counts among the resources that match ``params`` (kind, défi, theme, territory,
    organisation, year): one SQL statement for the six, cached until the next publication."""
    return _facet_values(params, _facet_counts(params)[0])


def _facet_values(params: SearchParams, counts: dict[str, list[tuple]]) -> dict[str, list[FacetValue]]:
    by_count = lambda rows: sorted(rows, key=lambda r: (-r[1], r[0]))  # noqa: E731
    result: dict[str, list[FacetValue]] = {}
    result["kind"] = [
        FacetValue(v, Kind(v).label, n, v == params.kind) for v, n, *_ in by_count(counts.get("kind", []))
    ]
    result["theme"] = [
        FacetValue(v, Theme(v).label, n, v == params.theme)
        for v, n, *_ in by_count(counts.get("theme", []))
        if v in Theme.values
    ]
    result["defi"] = [
        FacetValue(v, f"Défi {v} – {label}", n, v == params.defi)
        for v, n, label, _ in sorted(counts.get("defi", []), key=lambda r: r[3])
    ]
    result["territoire"] = [
        FacetValue(v, label, n, v == params.territoire) for v, n, label, _ in by_count(counts.get("territory", []))
    ]
    result["organisation"] = [
        FacetValue(v, label, n, v == params.organisation) for v, n, label, _ in by_count(counts.get("organisation", []))
    ]
    result["annee"] = [
        FacetValue(v, v, n, v == params.annee) for v, n, *_ in sorted(counts.get("year", []), reverse=True)
    ]
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
        Resource.objects.select_related(
            "current_version",
            "organisation",
            "author",
            "fmin_application",
            "explorer_project",
            "working_group",
            "solution",
            "action__roadmap",
            "engineering_request__organisation",
        )
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

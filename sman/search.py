"""French full-text search, one way for every app: stemming without accents, weighted fields, ranked results.

The text search configuration ``fr_unaccent`` (created by sman's migration 0010) is PostgreSQL's
``french`` configuration with ``unaccent`` applied before stemming, so « numérique », « NUMERIQUE » and
« numeriques » meet. A model keeps a stored ``SearchVectorField`` (``search_vector``, with a ``GinIndex``)
that its service refreshes after each write with ``refresh_search_vector`` — one UPDATE, computed by the
database; a search is then an index lookup, ranked by ``rank_search``.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import F, Q, QuerySet

SEARCH_CONFIG = "fr_unaccent"
WEIGHTS = ("A", "B", "C", "D")


def weighted_vector(*fields: tuple[str, str]) -> SearchVector:
    """The search vector of ``(field, weight)`` pairs, weights from A (heaviest) to D."""
    if not fields:
        raise ValueError("weighted_vector needs at least one (field, weight) pair")
    vector = None
    for name, weight in fields:
        if weight not in WEIGHTS:
            raise ValueError(f"weight {weight!r} is not one of {WEIGHTS}")
        part = SearchVector(name, weight=weight, config=SEARCH_CONFIG)  # a null field counts as empty
        vector = part if vector is None else vector + part
    return vector


def search_query(text: str) -> SearchQuery | None:
    """What the user typed, read as a web search (quotes, « - » to exclude, « or »); None when it has no word.

    The last word also matches as a prefix, so results come while a word is still being typed.
    """
    words = text.split()
    if not words:
        return None
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    last = "".join(ch for ch in words[-1] if ch.isalnum())
    if last and len(words) == 1 and '"' not in text and not text.startswith("-"):
        query |= SearchQuery(f"{last}:*", search_type="raw", config=SEARCH_CONFIG)
    return query


def rank_search(queryset: QuerySet, text: str, *, field: str = "search_vector") -> QuerySet:
    """The rows of ``queryset`` whose ``field`` matches ``text``, annotated with ``rank`` and best first.

    An empty text leaves the queryset as it is (no filter, no rank): a list page shows everything.
    """
    query = search_query(text or "")
    if query is None:
        return queryset
    return (
        queryset.filter(Q(**{field: query}))
        .annotate(rank=SearchRank(F(field), query))
        .order_by("-rank", *queryset.query.order_by)
    )


def refresh_search_vector(queryset: QuerySet, vector: SearchVector, *, field: str = "search_vector") -> int:
    """Recompute the stored vector of every row of ``queryset`` in one UPDATE; returns the number of rows."""
    return queryset.update(**{field: vector})

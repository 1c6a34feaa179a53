"""One query-count helper for the pages and endpoints whose number of SQL queries must not grow with the data."""

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url: str, *, data=None, status: int = 200):
    """(number of SQL queries, response) of one GET of ``url`` by ``client``, which must answer ``status``."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {})
    assert response.status_code == status, f"GET {url}: expected {status}, got {response.status_code}"
    return len(ctx), response


def assert_queries_do_not_grow(
    client,
    url: str,
    grow: Callable[[], object],
    *,
    max_queries: int | None = None,
    data=None,
    small: Callable | None = None,
    large: Callable | None = None,
    warm: bool = False,
) -> int:
    """GETs ``url`` at a small size, calls ``grow()`` to add rows, GETs it again: both counts must be equal (and
    at most ``max_queries`` when given). ``small``/``large`` check each response. Returns the count.

    ``warm``: GET once before counting, so that what a process or a client reads once (GeoDjango's spatial
    reference systems, cached commune names, a token's last use) is not counted at the small size only,
    whichever test ran first."""
    if warm:
        count_queries(client, url, data=data)
    before, response = count_queries(client, url, data=data)
    if small:
        small(response)
    grow()
    after, response = count_queries(client, url, data=data)
    if large:
        large(response)
    assert after == before, f"GET {url}: {before} queries at the small size, {after} at the large one"
    if max_queries is not None:
        assert before <= max_queries, f"GET {url}: {before} queries, at most {max_queries} expected"
    return before


def queries_of(call: Callable[[], object]) -> tuple[int, object]:
    """(number of SQL queries, result) of ``call()``: for services and tasks, whose queries must not grow with the
    data either."""
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    return len(ctx), result

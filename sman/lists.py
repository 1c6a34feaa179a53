"""The one way a page lists rows (DESIGN.md, « The module kit »).

A view gives a queryset already restricted to what the person may see; :class:`Listing` filters it with a
django-filter filter set (``sman.filters.ListFilterSet``), cuts it into pages of a fixed size, keeps the
filters in the links from page to page, and downloads the same filtered rows as CSV or XLSX through the
one formula-safe export (``sman/exports.py``)::

    listing = Listing(request, selectors.funded_projects(), filterset_class=ProjectFilter, page_size=20,
                      export=PROJECTS_EXPORT)
    if response := listing.export_response():  # ?export=csv or ?export=xlsx
        return response
    return render(request, "fmin/project_list.html", {**listing.context(), "crumbs": CRUMBS})

The template shows ``page_obj.object_list``, includes ``includes/_pagination.html`` (it reads ``page_obj``
and ``query``) and ``includes/_empty_state.html`` when the page is empty. A list whose rows are computed
after the query (the COPIL dashboard's traffic lights) overrides :meth:`Listing.prepare`.

Queries stay bounded: one to count, one for the page, plus the base queryset's ``prefetch_related``; the
selectors give the joins (tests/test_list_queries.py checks every list at two sizes).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .exports import FORMATS, export_response
from .filters import ListFilterSet

PAGE_PARAM = "page"
EXPORT_PARAM = "export"


@dataclass(frozen=True)
class Column:
    """One column of a download: its French header and how to read a row's cell (money as ``Euros``)."""

    header: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Export:
    """A list's download: ``filename`` without its extension (today's date appended when ``dated``)."""

    filename: str
    columns: Sequence[Column]
    formats: tuple[str, ...] = FORMATS
    title: str = ""  # the XLSX sheet's name; the file name by default
    dated: bool = False

    def response(self, fmt: str, rows: Iterable) -> HttpResponse:
        name = f"{self.filename}-{timezone.localdate().isoformat()}" if self.dated else self.filename
        return export_response(
            fmt,
            filename=name,
            header=[column.header for column in self.columns],
            rows=([column.value(row) for column in self.columns] for row in rows),
            title=self.title or self.filename,
        )


class Listing:
    """A filtered, paginated list of ``queryset`` for ``request``; see the module's docstring.

    ``page_size=None`` shows every row on one page (a list bounded by nature, such as the 17 actions of a
    roadmap). ``filterset_kwargs`` go to the filter set (e.g. the choices a person may pick from)."""

    def __init__(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        filterset_class: type[ListFilterSet] | None = None,
        page_size: int | None,
        export: Export | None = None,
        filterset_kwargs: dict | None = None,
    ):
        self.request = request
        self.queryset = queryset
        self.filterset_class = filterset_class
        self.page_size = page_size
        self.export = export
        self.filterset_kwargs = filterset_kwargs or {}

    @cached_property
    def _params(self):
        """The query parameters but the page and the export format: the filters (and anything the view reads)."""
        params = self.request.GET.copy()
        params.pop(PAGE_PARAM, None)
        params.pop(EXPORT_PARAM, None)
        return params

    @cached_property
    def filterset(self) -> ListFilterSet | None:
        if self.filterset_class is None:
            return None
        # Unbound without parameters: the form shows its initial values, nothing is filtered.
        return self.filterset_class(
            self._params or None, queryset=self.queryset, request=self.request, **self.filterset_kwargs
        )

    def cleaned(self, name: str, default=None):
        """The validated value of filter ``name`` (``default`` when absent or invalid)."""
        if self.filterset is None or not self.filterset.is_bound:
            return default
        self.filterset.is_valid()  # cleaned_data then holds the fields that validated
        value = self.filterset.form.cleaned_data.get(name)
        return default if value in (None, "") else value

    @property
    def is_filtered(self) -> bool:
        """Some filter parameter was given (the template may offer to reset them)."""
        return self.filterset is not None and self.filterset.is_bound

    def prepare(self, rows: QuerySet) -> Sequence | QuerySet:
        """The rows to show once filtered: the queryset, or a list computed from it (override)."""
        return rows

    @cached_property
    def rows(self) -> Sequence | QuerySet:
        return self.prepare(self.filterset.qs if self.filterset is not None else self.queryset)

    @cached_property
    def page_obj(self) -> Page:
        rows = self.rows
        if self.page_size is None:
            rows = list(rows)
            return Paginator(rows, max(len(rows), 1)).page(1)
        return Paginator(rows, self.page_size).get_page(self.request.GET.get(PAGE_PARAM))

    @cached_property
    def query(self) -> str:
        """The filters as a query string (no page, no export format), for the pages' and downloads' links."""
        return self._params.urlencode()

    def context(self) -> dict:
        """``page_obj``, ``total`` and ``query``; with a filter set, ``filter`` and its ``form`` too (a list
        without filters leaves ``form`` to the page's own form, such as an upload)."""
        context = {"page_obj": self.page_obj, "total": self.page_obj.paginator.count, "query": self.query}
        if self.filterset is not None:
            context |= {"filter": self.filterset, "form": self.filterset.form, "is_filtered": self.is_filtered}
        return context

    def export_response(self, fmt: str | None = None) -> HttpResponse | None:
        """The download of every filtered row as ``fmt`` (by default ``?export=``); ``None`` when the request
        asks for no format this list offers (the page is shown)."""
        fmt = fmt if fmt is not None else self.request.GET.get(EXPORT_PARAM)
        if self.export is None or fmt not in self.export.formats:
            return None
        return self.export.response(fmt, self.rows)

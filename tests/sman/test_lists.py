"""The one list pattern (sman/lists.py): django-filter filters, pages that keep the filters, the download of the
filtered rows through the shared export, the shared pagination partial; money in every export (``Euros``)."""

import csv
import io

import django_filters
import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from openpyxl import load_workbook

from sman.exports import Euros, csv_text, xlsx_bytes
from sman.filters import IntegerFilter, ListFilterSet
from sman.lists import Column, Export, Listing
from sman.models import Territory

pytestmark = pytest.mark.django_db


class TerritoryFilter(ListFilterSet):
    kind = django_filters.ChoiceFilter(label="Type", choices=Territory.Kind.choices, empty_label="Tous")
    code = django_filters.AllValuesMultipleFilter(label="Codes")

    class Meta:
        model = Territory
        fields = ["kind", "code", "population"]


EXPORT = Export(
    filename="territoires",
    columns=[Column("Code", lambda t: t.code), Column("Nom", lambda t: t.name), Column("Budget", lambda t: Euros(-5))],
)


def listing(params=None, **kwargs) -> Listing:
    request = RequestFactory().get("/territoires/", params or {})
    kwargs.setdefault("filterset_class", TerritoryFilter)
    kwargs.setdefault("page_size", 10)
    return Listing(request, Territory.objects.order_by("code"), **kwargs)


def test_integer_columns_take_integers_and_the_other_filters_still_apply():
    assert isinstance(TerritoryFilter.base_filters["population"], IntegerFilter)
    page = listing({"kind": "ept", "population": "0.5"})
    assert page.filterset.form.errors == {"population": ["Saisissez un nombre entier."]}
    assert page.context()["total"] == 12 and page.is_filtered


def test_without_parameters_nothing_is_filtered_and_the_form_is_unbound():
    page = listing({"page": "2"})
    assert not page.filterset.is_bound and not page.is_filtered
    assert page.context()["total"] == Territory.objects.count() and page.page_obj.number == 2


def test_the_pages_keep_every_filter_value_but_the_page_and_the_export():
    codes = ["93048", "93055", "93066", "93001", "93006"]
    page = listing({"code": codes, "page": "2", "export": "pdf"}, page_size=2)
    assert page.query == "&".join(f"code={c}" for c in codes)
    assert [t.code for t in page.page_obj] == ["93048", "93055"]  # by code: 93001, 93006 | 93048, 93055 | 93066
    html = render_to_string("includes/_pagination.html", page.context())
    assert '<nav class="pagination" aria-label="Pagination">' in html
    assert '<span aria-current="page">Page 2 sur 3</span>' in html
    query = page.query.replace("&", "&amp;")
    assert f'href="?{query}&amp;page=1" rel="prev"' in html and f'href="?{query}&amp;page=3" rel="next"' in html


def test_one_page_has_no_pagination():
    page = listing({"kind": "ept"}, page_size=20)
    assert render_to_string("includes/_pagination.html", page.context()).strip() == ""


def test_a_list_without_page_size_shows_every_row_at_once():
    page = listing({"kind": "commune"}, page_size=None)
    assert len(page.page_obj.object_list) == page.context()["total"] == Territory.objects.filter(kind="commune").count()
    assert not page.page_obj.has_other_pages()


def test_a_list_without_filters_leaves_form_to_the_page():
    context = listing({"page": "1"}, filterset_class=None).context()
    assert "form" not in context and "filter" not in context and context["query"] == ""


def test_the_download_is_every_filtered_row_in_the_format_asked():
    page = listing({"kind": "ept", "export": "csv", "page": "2"}, page_size=5, export=EXPORT)
    response = page.export_response()
    assert response["Content-Disposition"] == 'attachment; filename="territoires.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Code", "Nom", "Budget"] and len(rows) == 1 + 12  # every page, not the second only
    assert rows[1][0] == "T1" and rows[1][2] == "-0,05"  # an amount is never neutralised
    sheet = load_workbook(io.BytesIO(page.export_response("xlsx").content)).active
    assert sheet.max_row == 13 and sheet["C2"].value == -0.05


def test_a_format_the_list_does_not_offer_shows_the_page():
    assert listing({"export": "pdf"}, export=EXPORT).export_response() is None
    assert listing({"export": "xlsx"}, export=EXPORT.__class__(filename="x", columns=[], formats=("csv",))) \
        .export_response() is None  # fmt: skip
    assert listing({"export": "csv"}).export_response() is None  # no export at all


def test_a_dated_download_is_named_with_today():
    from django.utils import timezone

    export = Export(filename="actions", dated=True, columns=[Column("Code", lambda t: t.code)])
    response = listing({"kind": "ept"}, export=export).export_response("csv")
    assert response["Content-Disposition"] == f'attachment; filename="actions-{timezone.localdate().isoformat()}.csv"'


def test_euros_in_csv_and_xlsx():
    header = ["Libellé", "Montant"]
    rows = [["Subvention", Euros(4_000_000)], ["Avoir", Euros(-1_050)], ["Inconnu", Euros(None)]]
    assert csv_text(header, rows).splitlines()[1:] == ["Subvention;40000,00", "Avoir;-10,50", "Inconnu;"]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(header, rows))).active
    grant, credit, unknown = sheet["B2"], sheet["B3"], sheet["B4"]
    assert (grant.value, grant.data_type, grant.number_format) == (40000, "n", '#,##0.00 "€"')
    assert credit.value == -10.5 and unknown.value is None

"""The COPIL dashboard on the one list pattern (sman/lists.py): its filters, the traffic light computed after the
query, and its download (amounts as in every export of the portal)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from ..auth import login
from ..factories import UserFactory
from .test_dashboard import _add_actions

pytestmark = pytest.mark.django_db


def test_the_dashboard_download_is_the_filtered_list_with_amounts_in_euros(client, owner):
    roadmap = _add_actions(2, owner)  # 1 000 € allocated, 1 200 € spent: red
    login(client, UserFactory(copil=True))
    filters = {"roadmap": roadmap.pk, "light": "red"}
    response = client.get("/copil/", {**filters, "export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][7:9] == ["Alloué (€)", "Dépensé (€)"] and len(rows) == 3
    assert rows[1][7:11] == ["1000,00", "1200,00", "20.0", "en difficulté"]
    sheet = load_workbook(io.BytesIO(client.get("/copil/", {**filters, "export": "xlsx"}).content)).active
    assert [sheet.cell(row=2, column=c).value for c in (8, 9)] == [1000, 1200]
    assert sheet.cell(row=2, column=8).number_format == '#,##0.00 "€"'
    assert (
        client.get("/copil/", {"roadmap": roadmap.pk, "light": "green", "export": "csv"})
        .content.decode("utf-8-sig")
        .count("\n")
        == 1
    )  # the header only


def test_the_export_links_keep_the_filters(client, owner):
    roadmap = _add_actions(1, owner)
    login(client, UserFactory(copil=True))
    page = client.get("/copil/", {"roadmap": roadmap.pk, "light": "red"}).content.decode()
    assert f'href="?roadmap={roadmap.pk}&amp;light=red&amp;export=csv"' in page

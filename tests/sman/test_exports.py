"""The shared CSV/XLSX export (sman/exports.py): formula-safe cells, and every export of the portal using it
with a malicious value typed through the normal services."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from actions import services as actions_services
from actions.models import Action, Indicator
from fmin import services as fmin_services
from passnumerique import services as pass_services
from passnumerique.models import DistributorAuthorisation, Training
from sman.exports import csv_bytes, csv_text, export_response, neutralise, xlsx_bytes
from sman.models import Membership, Organisation, Territory

from ..auth import login
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from ..fmin.conftest import agent_of, collectivity, draft, open_call
from ..passnumerique.conftest import make_place

HYPERLINK = '=HYPERLINK("http://evil","x")'
CALC = "=cmd|' /C calc'!A0"


# --- The neutralisation ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [HYPERLINK, CALC, "+33 1 23 45 67 89", "-12", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"],
)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Montreuil", "", "Valeur = 3", "12", "'=déjà neutralisé", "Défi 1, Défi 2"])
def test_plain_text_is_unchanged(text):
    assert neutralise(text) == text


@pytest.mark.parametrize("value", [-12, 0, 3.5, -1.25, Decimal("-12.50"), date(2026, 3, 1), None, True])
def test_numbers_dates_and_empty_cells_are_unchanged(value):
    assert neutralise(value) is value


def test_csv_semicolons_bom_and_neutralised_text_only():
    data = csv_bytes(["Nom", "Montant"], [[CALC, -12], ["-12", Decimal("3.50")], ["Pantin", None]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Nom", "Montant"], ["'" + CALC, "-12"], ["'-12", "3.50"], ["Pantin", ""]]
    assert csv_text(["a"], [["b"]]) == "a\r\nb\r\n"


def test_xlsx_text_cells_stay_text_numbers_and_dates_stay_values():
    moment = timezone.make_aware(datetime(2026, 3, 10, 14, 30))
    data = xlsx_bytes(
        ["Texte", "Entier", "Décimal", "Date", "Horodatage"],
        [[HYPERLINK, -12, Decimal("2.5"), date(2026, 3, 1), moment], ["Bell\x07e", 3, 1.5, None, None]],
        title="Valeurs / indicateurs: essai",
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Valeurs   indicateurs  essai"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
    text, integer, decimal, day, stamp = sheet[2]
    assert (text.value, text.data_type) == (HYPERLINK, "s")
    assert (integer.value, integer.data_type) == (-12, "n")
    assert (decimal.value, decimal.data_type) == (2.5, "n")
    assert day.value == datetime(2026, 3, 1) and day.is_date
    assert stamp.value == datetime(2026, 3, 10, 14, 30) and stamp.is_date  # local time, Excel has no time zones
    assert sheet["A3"].value == "Belle"  # control characters dropped, not a broken file
    widths = {column: sheet.column_dimensions[column].width for column in "ABCDE"}
    assert widths["A"] == len(HYPERLINK) + 2 and all(8 <= w <= 60 for w in widths.values())


def test_one_definition_downloads_as_csv_or_xlsx():
    header, rows = ["Nom", "Valeur"], [["Montreuil", 3]]
    as_csv = export_response("csv", filename="essai-2026-03-01", header=header, rows=rows)
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["Content-Disposition"] == 'attachment; filename="essai-2026-03-01.csv"'
    assert as_csv.content.decode("utf-8-sig") == "Nom;Valeur\r\nMontreuil;3\r\n"
    as_xlsx = export_response("xlsx", filename="essai", header=header, rows=iter(rows))
    assert as_xlsx["Content-Disposition"] == 'attachment; filename="essai.xlsx"'
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [header, *rows]
    with pytest.raises(ValueError, match="pdf"):
        export_response("pdf", filename="essai", header=header, rows=rows)


# --- Every export, with what people type ----------------------------------------------------------
def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _row_with(rows, needle: str) -> list:
    return next(row for row in rows if any(needle in str(cell) for cell in row))


@pytest.fixture
def copil_exports(db, reference):
    """An owner's indicator value, a COPIL member's opinion and an action title, each a formula."""
    staff, copil, owner = UserFactory(staff=True), UserFactory(copil=True), UserFactory()
    action = Action.objects.get(roadmap__code="2019-2020", number=2)
    action.owners.add(owner)
    action.title = "@SUM(1+9)*cmd|' /C calc'!A0"  # typed in the administration
    action.save()
    indicator = actions_services.indicator_save(
        indicator=Indicator(
            action=action, name="Locaux raccordables", definition="Part des locaux.", kind="result", unit="%",
            target_value=Decimal(90), target_date=date(2026, 12, 31), source="ARCEP", owner=owner,
        ),
        user=owner,
    )  # fmt: skip
    actions_services.indicator_value_add(
        indicator=indicator, user=owner, value=Decimal("-12"), on=date(2026, 3, 1), comment=HYPERLINK
    )
    session = actions_services.copil_session_create(user=staff, year=2020, semester=2, on=date(2020, 12, 1))
    review = session.reviews.get(action=action)
    actions_services.review_record_opinion(review=review, user=copil, version=0, opinion="keep", reasons=CALC)
    return login(Client(), staff)


def test_copil_csv_exports_neutralise_typed_formulas(copil_exports):
    values = _csv_rows(copil_exports.get("/copil/exports/valeurs.csv"))
    assert values[0][-1] == "Commentaire"
    row = _row_with(values, "Locaux raccordables")
    assert row[-1] == "'" + HYPERLINK and row[4:6] == ["2026-03-01", "-12.0"]  # a number stays a number
    reviews = _csv_rows(copil_exports.get("/copil/exports/revues.csv"))
    assert _row_with(reviews, "calc")[7] == "'" + CALC
    dashboard = _csv_rows(copil_exports.get("/copil/", {"export": "csv"}))
    assert _row_with(dashboard, "SUM")[3] == "'@SUM(1+9)*cmd|' /C calc'!A0"


def _sheet(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content)).active


def _cell_with(sheet, text: str):
    return next(cell for row in sheet.iter_rows() for cell in row if cell.value == text)


def test_copil_xlsx_exports_write_typed_formulas_as_text(copil_exports):
    values = _sheet(copil_exports.get("/copil/exports/valeurs.xlsx"))
    comment = _cell_with(values, HYPERLINK)
    assert comment.data_type == "s" and comment.value == HYPERLINK
    number = values.cell(row=comment.row, column=6)
    assert (number.value, number.data_type) == (-12, "n")
    assert values.cell(row=comment.row, column=5).value == datetime(2026, 3, 1)
    reasons = _cell_with(_sheet(copil_exports.get("/copil/exports/revues.xlsx")), CALC)
    assert reasons.data_type == "s"
    title = _cell_with(_sheet(copil_exports.get("/copil/", {"export": "xlsx"})), "@SUM(1+9)*cmd|' /C calc'!A0")
    assert title.data_type == "s"


def test_fmin_projects_csv_neutralises_what_the_applicant_typed(db, reference):
    staff = UserFactory(staff=True)
    call = open_call(staff)
    lead = collectivity("93048")
    agent = agent_of(lead)
    application = fmin_services.application_create(user=agent, call=call, lead=lead, title=HYPERLINK)
    fmin_services.application_save_draft(
        application=application,
        user=agent,
        version=None,
        draft=draft(
            cost=10_000_000, own=6_000_000, lead_request=4_000_000, title=HYPERLINK, summary="+33 1 23 45 67 89"
        ),
    )
    fmin_services.application_submit(application=application, user=agent)
    checklist = {code: True for code, _ in fmin_services.ELIGIBILITY_ITEMS}
    fmin_services.eligibility_record(application=application, user=staff, checklist=checklist, note="")
    fmin_services.decision_record(
        application=application, user=staff, outcome="funded", amount_cents=4_000_000, reason="Oui"
    )
    rows = _csv_rows(Client().get("/fmin/projets.csv"))
    assert rows[0][2] == "Projet" and len(rows) == 2
    assert rows[1][2] == "'" + HYPERLINK and rows[1][9] == "'+33 1 23 45 67 89"
    assert rows[1][8] == "40000,00"


def test_pass_statement_csv_neutralises_a_funders_ticket_code_and_a_training_title(db, reference):
    """A funder imports its own #APTIC codes (stored as they are): one is a formula. The place that
    validates that ticket must not get a live formula in its monthly statement."""
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="CCAS d'essai")
    funder_agent = MembershipFactory(organisation=funder).user
    distributor = collectivity("93048")
    DistributorAuthorisation.objects.create(funder=funder, distributor=distributor)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["carnet", "ticket"])
    writer.writerows(["CARNET-1", code] for code in [CALC, "T-2", "T-3", "T-4", "T-5"])
    order, report = pass_services.order_import_aptic(
        user=funder_agent, funder=funder, rows=pass_services.parse_aptic_file(buffer.getvalue().encode()),
        face_value_cents=1000, territory=Territory.objects.get(code="T8"), target_public="all",
        valid_until=date(2030, 12, 31),
    )  # fmt: skip
    assert order is not None, report.rejected
    pass_services.booklet_distribute(
        user=MembershipFactory(organisation=distributor).user, distributor=distributor, booklet_code="CARNET-1",
        age_band="65-79", territory=Territory.objects.get(code="93048"), target_public="all",
    )  # fmt: skip
    training = Training.objects.create(title=HYPERLINK, theme="Découverte", duration_hours=Decimal(1))
    place = make_place("Espace numérique de Montreuil", "93048")
    place.trainings.add(training)
    place_agent = MembershipFactory(organisation=place.organisation, role=Membership.Role.ADMIN).user
    pass_services.ticket_redeem(code=CALC, place=place, training=training, user=place_agent)
    (statement,) = pass_services.statements_generate(month=timezone.localdate().replace(day=1))
    response = login(Client(), place_agent).get(f"/pass-numerique/releves/{statement.pk}/csv/")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Date", "Ticket", "Formation", "Heures", "Valeur (€)", "Agent"]
    assert rows[1][1:5] == ["'" + CALC, "'" + HYPERLINK, "1,00", "10,00"]
    assert rows[-1] == ["Total", "1", "", "", "10,00", ""]
    response.close()  # the file was streamed from an open file

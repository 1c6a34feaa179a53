"""Every published layout of the two formats imports end to end: columns are read by their header label,
in any order; a column that is not required may be absent (read as empty); unknown columns are ignored.
The files are in tests/ftth/fixtures/, small and hand-written with real communes of the Métropole (Paris
by its arrondissements, as the ARCEP and the operators write it)."""

import html
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from ftth import imports
from ftth.models import Building, ImportRun

from ..auth import login, token_header
from ..factories import UserFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def _import(name: str, operator: str = "") -> ImportRun:
    run = ImportRun.objects.create(file_name=name, operator_code=operator)
    run = imports.run_import(run=run, path=FIXTURES / name)
    assert run.state == ImportRun.State.DONE, run.error
    return run


def _building(building_id: str) -> Building:
    return Building.objects.select_related("commune").get(building_id=building_id)


def test_arcep_2024_layout():
    """20 columns, with date_completude and date_completude_manquante, without pm_date_mad."""
    run = _import("arcep-2024.csv")
    assert (run.file_format, run.rows_read, run.rows_outside, run.rows_rejected, run.created) == ("arcep", 6, 1, 0, 5)
    mairie = _building("IMB/93066/X/01HV")
    assert (mairie.operator_code, mairie.status, mairie.commune.code, mairie.pm_reference) == (
        "FTEL", "connectable", "93066", "FI-93066-0012",
    )  # fmt: skip
    assert mairie.pm_installed_on is None
    assert abs(mairie.location.x - 2.3583) < 1e-9 and abs(mairie.location.y - 48.93596) < 1e-9
    republique = _building("IMB/93066/X/02KD")
    assert (republique.number, republique.number_suffix, republique.building_name) == ("14", "BIS", "A")
    assert republique.label == "14 BIS RUE DE LA REPUBLIQUE 93200 SAINT-DENIS"
    assert _building("IMB/93048/X/00PM").operator_code == "COVA"
    oberkampf = _building("IMB/75111/X/04RT")  # an arrondissement: the commune of Paris
    assert (oberkampf.insee_code, oberkampf.commune.code) == ("75111", "75056")
    pierrefitte = _building("IMB/93059/X/00ZC")  # a delegated commune: Saint-Denis since 2025
    assert (pierrefitte.insee_code, pierrefitte.commune.code, pierrefitte.status) == ("93059", "93066", "on_demand")


def test_arcep_earlier_layout():
    """18 columns: the 2024 layout without the two completeness columns."""
    run = _import("arcep-2023.csv")
    assert (run.rows_read, run.rows_rejected, run.created) == (3, 0, 3)
    assert _building("IMB/93048/X/00PM").status == "in_progress"
    assert _building("IMB/75120/X/07GB").commune.code == "75056"


def test_arcep_2025_layout():
    """pm_date_mad after pm_etat, no geom_mod."""
    run = _import("arcep-2025.csv")
    assert (run.rows_read, run.rows_rejected, run.created) == (3, 0, 3)
    assert _building("IMB/93066/X/01HV").pm_installed_on == date(2017, 3, 21)
    rue_de_paris = _building("IMB/93048/X/03TW")
    assert (rue_de_paris.status, rue_de_paris.pm_status, rue_de_paris.pm_installed_on) == (
        "signed", "en cours de deploiement", None,
    )  # fmt: skip
    assert _building("IMB/75120/X/07GB").pm_installed_on == date(2016, 11, 8)


def test_arcep_file_with_only_the_required_columns():
    """No code_l331: the buildings are the operator's the import is run for."""
    run = _import("arcep-required-columns.csv", operator="FTEL")
    assert (run.rows_read, run.rows_rejected, run.created) == (3, 0, 3)
    montreuil = _building("IMB/93048/X/00PM")
    assert (montreuil.operator_code, montreuil.status, montreuil.commune.code) == ("FTEL", "target", "93048")
    assert (montreuil.street_name, montreuil.number, montreuil.pm_reference) == ("", "", "")
    assert montreuil.label == "MONTREUIL"


def test_arcep_file_without_code_l331_needs_an_operator_code():
    run = ImportRun.objects.create(file_name="arcep-required-columns.csv")
    run = imports.run_import(run=run, path=FIXTURES / "arcep-required-columns.csv")
    assert run.state == ImportRun.State.FAILED
    assert run.error.startswith("Ce fichier « immeubles » de l'ARCEP n'a pas de colonne code_l331"), run.error
    assert "code de l'opérateur" in run.error and "Error" not in run.error
    assert not Building.objects.exists()


def test_arcep_columns_in_another_order_and_unknown_columns():
    run = _import("arcep-reordered-extra-columns.csv")
    assert (run.rows_read, run.rows_rejected, run.created) == (2, 0, 2)
    republique = _building("IMB/93066/X/02KD")
    assert (republique.operator_code, republique.status, republique.street_type, republique.number) == (
        "FTEL", "connectable", "RUE", "14",
    )  # fmt: skip
    assert abs(republique.location.x - 2.3556) < 1e-9 and abs(republique.location.y - 48.9371) < 1e-9
    assert _building("IMB/75120/X/07GB").status == "in_progress"


def test_ipe_v3_with_all_its_columns():
    run = _import("ipe-v3.csv", operator="OI-IPE")
    assert (run.file_format, run.rows_read, run.rows_rejected, run.created) == ("ipe", 5, 0, 5)
    mairie = _building("IMB/93066/S/0001")
    assert (mairie.address_code, mairie.premises, mairie.commercial_service_date, mairie.pm_installed_on) == (
        "93066_7690_00002", 48, date(2018, 1, 15), date(2017, 3, 21),
    )  # fmt: skip
    # Lambert-93 reprojected to WGS-84: within a few centimetres of where the coordinates were taken.
    assert abs(mairie.location.x - 2.3583) < 1e-6 and abs(mairie.location.y - 48.93596) < 1e-6
    assert _building("IMB/93048/S/0002").status == "on_demand_in_progress"
    assert _building("IMB/75111/S/0001").commune.code == "75056"
    assert mairie.rnb_id == ""


def test_ipe_v3_without_its_optional_columns():
    run = _import("ipe-v3-required-columns.csv", operator="OI-IPE")
    assert (run.rows_read, run.rows_rejected, run.created) == (3, 0, 3)
    gambetta = _building("IMB/75120/S/0001")
    assert (gambetta.status, gambetta.commune.code, gambetta.premises, gambetta.commercial_service_date) == (
        "signed", "75056", None, None,
    )  # fmt: skip


def test_ipe_v3_with_the_rnb_columns_keeps_the_rnb_id(client, tmp_path):
    run = _import("ipe-v3-rnb.csv", operator="OI-IPE")
    assert (run.rows_read, run.rows_rejected, run.created) == (4, 0, 4)
    assert _building("IMB/93066/S/0001").rnb_id == "K3QZ8W2M7PXA"
    assert _building("IMB/93048/S/0001").rnb_id == "7T4N9CVB2HJE"  # written with dashes, stored without
    assert _building("IMB/93059/S/0001").rnb_id == "5XMT1BQ8KD3W"
    assert _building("IMB/75111/S/0001").rnb_id == ""
    mairie = _building("IMB/93066/S/0001")
    page = client.get(f"/fibre/immeubles/{mairie.pk}/").content.decode()
    assert "K3QZ8W2M7PXA" in page and "Référentiel national des bâtiments" in page
    assert "Identifiant RNB" not in client.get(f"/fibre/immeubles/{_building('IMB/75111/S/0001').pk}/").content.decode()
    assert client.get(f"/api/ftth/buildings/{mairie.pk}/").json()["rnb_id"] == "K3QZ8W2M7PXA"
    # A later file changes the id: the building is updated.
    next_file = tmp_path / "next.csv"
    next_file.write_text((FIXTURES / "ipe-v3-rnb.csv").read_text().replace("K3QZ8W2M7PXA", "K3QZ8W2M7PXB"))
    run = imports.run_import(run=ImportRun.objects.create(file_name="next.csv", operator_code="OI-IPE"), path=next_file)
    assert (run.state, run.updated, run.unchanged) == (ImportRun.State.DONE, 1, 3)
    assert _building("IMB/93066/S/0001").rnb_id == "K3QZ8W2M7PXB"


def test_an_invalid_rnb_id_rejects_its_line(tmp_path):
    text = (FIXTURES / "ipe-v3-rnb.csv").read_text().replace("K3QZ8W2M7PXA", "BATIMENT-12")
    path = tmp_path / "ipe.csv"
    path.write_text(text)
    run = imports.run_import(
        run=ImportRun.objects.create(file_name="ipe.csv", operator_code="OI-IPE"), path=path, threshold=0.5
    )
    assert (run.state, run.created) == (ImportRun.State.DONE, 3)
    assert list(run.rejections.values_list("line", "reason")) == [(2, "identifiant RNB invalide")]


def test_ipe_columns_in_another_order_and_unknown_columns():
    run = _import("ipe-v3-reordered-extra-columns.csv", operator="OI-IPE")
    assert (run.rows_read, run.rows_rejected, run.created) == (2, 0, 2)
    mairie = _building("IMB/93066/S/0001")
    assert (mairie.street_type, mairie.street_name, mairie.number, mairie.premises) == ("PLACE", "VICTOR HUGO", "2", 48)
    assert mairie.commercial_service_date == date(2018, 1, 15)
    assert abs(mairie.location.x - 2.3583) < 1e-6 and abs(mairie.location.y - 48.93596) < 1e-6
    assert _building("IMB/75120/S/0001").status == "in_progress"


def test_header_labels_are_matched_whatever_their_case(tmp_path):
    text = (FIXTURES / "arcep-2025.csv").read_text()
    header, rest = text.split("\n", 1)
    path = tmp_path / "arcep.csv"
    path.write_text(header.upper() + "\n" + rest)
    run = imports.run_import(run=ImportRun.objects.create(file_name="arcep.csv"), path=path)
    assert (run.state, run.created) == (ImportRun.State.DONE, 3), run.error
    assert _building("IMB/93066/X/01HV").pm_installed_on == date(2017, 3, 21)


def test_the_command_imports_every_layout():
    for name, operator in [("arcep-2024.csv", ""), ("arcep-2023.csv", ""), ("arcep-2025.csv", ""),
                           ("arcep-required-columns.csv", "FTEL"), ("ipe-v3.csv", "OI-IPE"),
                           ("ipe-v3-required-columns.csv", "OI-IPE-2"), ("ipe-v3-rnb.csv", "OI-IPE-3")]:  # fmt: skip
        Building.objects.all().delete()  # each file on its own (the ARCEP files share their operators)
        call_command("import_ftth", str(FIXTURES / name), "--operator", operator)
        run = ImportRun.objects.get(file_name=name)
        assert (run.state, run.rows_rejected) == (ImportRun.State.DONE, 0)
        assert Building.objects.count() == run.created > 0
    with pytest.raises(CommandError, match="pas de colonne code_l331"):
        call_command("import_ftth", str(FIXTURES / "arcep-required-columns.csv"))


def _fixture(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), content_type="text/csv")


def test_the_staff_page_imports_a_file_with_only_the_required_columns(client, django_capture_on_commit_callbacks):
    login(client, UserFactory(staff=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/fibre/imports/", {"file": _fixture("arcep-required-columns.csv"), "operator_code": "FTEL"}
        )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert (run.state, run.created, run.error) == ("done", 3, "")
    assert Building.objects.filter(operator_code="FTEL").count() == 3
    page = client.get(f"/fibre/imports/{run.pk}/").content.decode()
    assert "3 créés" in page and "KeyError" not in page


def test_the_staff_page_asks_for_the_operator_of_a_file_without_code_l331(client):
    login(client, UserFactory(staff=True))
    response = client.post("/fibre/imports/", {"file": _fixture("arcep-required-columns.csv")})
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "Le formulaire contient 1 erreur" in page
    assert "Ce fichier « immeubles » de l'ARCEP n'a pas de colonne code_l331" in page
    assert not ImportRun.objects.exists()


def test_the_api_imports_a_file_with_only_the_required_columns(django_capture_on_commit_callbacks):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(UserFactory(staff=True), scopes=["ftth:import"]))
    refused = api.post("/api/ftth/imports/", {"file": _fixture("ipe-v3-required-columns.csv")})
    assert refused.status_code == 400 and "code de l'opérateur" in str(refused.json())
    refused = api.post("/api/ftth/imports/", {"file": _fixture("arcep-required-columns.csv")})
    assert refused.status_code == 400 and "pas de colonne code_l331" in str(refused.json()["operator"])
    for name in ("arcep-required-columns.csv", "ipe-v3-required-columns.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/ftth/imports/", {"file": _fixture(name), "operator": f"OI-{name[:4]}"})
        assert response.status_code == 202, response.content
        run = ImportRun.objects.get(pk=response.json()["id"])
        assert (run.state, run.created) == ("done", 3), run.error

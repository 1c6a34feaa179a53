"""Whatever makes an import fail, its run reads as a French sentence that says what to do; the exception
stays in the log and in the run's error_detail, which staff see on the run's page and operators never see in
the API."""

import csv
import html
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from rest_framework.test import APIClient

from ftth import imports, tasks
from ftth.models import Building, ImportRun
from sman.models import Organisation

from ..auth import login, token_header
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from .test_imports import IPE_HEADER, _ipe_row

pytestmark = pytest.mark.django_db
# A Python exception as people should never read it: its class name, or a traceback.
PYTHON = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback|KeyError")


def _french(run: ImportRun) -> None:
    assert run.state == ImportRun.State.FAILED
    assert run.error and not PYTHON.search(run.error), run.error
    assert "rien n'a été modifié" in run.error.lower() or "déposez" in run.error, run.error


def _write(tmp_path, rows, name="ipe.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([IPE_HEADER, *rows]) + "\n")
    return path


def _run(path, operator="OI-F") -> ImportRun:
    return imports.run_import(run=ImportRun.objects.create(file_name=path.name, operator_code=operator), path=path)


def test_a_value_too_long_for_the_database(tmp_path):
    run = _run(_write(tmp_path, [_ipe_row("IMB/" + "9" * 70), _ipe_row("OK", number="3")]))
    _french(run)
    assert "Une valeur du fichier n'a pas pu être enregistrée" in run.error and f"n° {run.pk}" in run.error
    assert "value too long" in run.error_detail and "Traceback" in run.error_detail
    assert not Building.objects.exists()


@pytest.fixture
def csv_field_limit():
    """The csv module's limit on a field, as a worker process has it (the project raises it elsewhere)."""
    previous = csv.field_size_limit(131_072)
    yield 131_072
    csv.field_size_limit(previous)


def test_a_line_the_csv_module_cannot_read(tmp_path, csv_field_limit):
    # A stray quote makes Python read the file (see imports._stage); a field longer than its csv module accepts.
    rows = [_ipe_row("Q1", name='RESIDENCE "LES PINS"'), _ipe_row("Q2", name="X" * (csv_field_limit + 1))]
    run = _run(_write(tmp_path, rows))
    _french(run)
    assert run.error.startswith("Le fichier n'a pas pu être lu comme un fichier CSV")
    assert "field larger than field limit" in run.error_detail


def test_a_file_no_longer_on_the_server(tmp_path):
    run = _run(tmp_path / "gone.csv")
    _french(run)
    assert run.error.startswith("Le fichier de cet import n'est plus sur le serveur (il a été supprimé ou déplacé)")
    assert "FileNotFoundError" in run.error_detail


def test_an_unexpected_failure(tmp_path, monkeypatch):
    # Forced, after the buildings are written.
    monkeypatch.setattr(imports, "STREETS_SQL", "SELECT * FROM ftth_no_such_table")
    run = _run(_write(tmp_path, [_ipe_row("U1")]))
    _french(run)
    assert run.error.startswith("L'import s'est arrêté sur une erreur inattendue : rien n'a été modifié.")
    assert f"signalez l'import n° {run.pk} à l'équipe technique" in run.error
    assert 'relation "ftth_no_such_table" does not exist' in run.error_detail
    assert not Building.objects.exists()


def test_a_retried_run_starts_without_the_previous_failure(tmp_path):
    path = tmp_path / "later.csv"
    run = _run(path)  # not there yet
    assert run.state == ImportRun.State.FAILED and run.error_detail
    _write(tmp_path, [_ipe_row("R1")], name="later.csv")
    run = imports.run_import(run=run, path=path)
    assert (run.state, run.error, run.error_detail, run.created) == (ImportRun.State.DONE, "", "", 1)


def test_a_failure_while_recording_the_outcome_is_french_too(tmp_path, monkeypatch):
    """What fails outside run_import's own handling reaches the job machinery (sman/jobs.py), which would
    record "OperationalError : …": the task records the French reason first."""

    def lost(retirement):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(imports, "_figures", lost)
    path = _write(tmp_path, [_ipe_row("T1")])
    run = ImportRun.objects.create(file_name=path.name, operator_code="OI-F", file_path=str(path))
    with pytest.raises(OperationalError):
        tasks.import_file.delay(run.pk, str(path))
    run.refresh_from_db()
    _french(run)
    assert run.error.startswith("La base de données n'a pas répondu pendant l'import : rien n'a été modifié.")
    assert "server closed the connection unexpectedly" in run.error_detail


def test_a_file_without_an_insee_column_is_refused_with_what_to_do(client):
    login(client, UserFactory(staff=True))
    content = b"x,y,imb_id,num_voie,nom_voie,imb_etat,code_l331\n2.3583,48.93596,IMB/1,2,HUGO,deploye,FTEL\n"
    response = client.post("/fibre/imports/", {"file": SimpleUploadedFile("arcep.csv", content)})
    page = html.unescape(response.content.decode())
    assert (
        "Le fichier n'a pas de colonne code_insee : vérifiez qu'il s'agit bien d'un fichier « immeubles » de "
        "l'ARCEP ou d'un fichier IPE, complet et avec sa ligne d'en-tête (un fichier « immeubles » de l'ARCEP a "
        "au moins les colonnes x, y, imb_id, code_insee, imb_etat)."
    ) in page
    content = b"IdentifiantImmeuble;EtatImmeuble;CoordonneeImmeubleX\nIMB/1;DEPLOYE;652988\n"
    response = client.post("/fibre/imports/", {"file": SimpleUploadedFile("ipe.csv", content), "operator_code": "X"})
    page = html.unescape(response.content.decode())
    assert "Le fichier n'a pas les colonnes CodeInseeImmeuble, CoordonneeImmeubleY, TypeProjectionGeographique" in page
    assert not ImportRun.objects.exists()


def test_staff_read_the_detail_on_the_run_page_operators_never_in_the_api(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    operator = OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI des échecs", siren="732829320")
    agent = MembershipFactory(organisation=operator).user
    monkeypatch.setattr(imports, "STREETS_SQL", "SELECT 1 / 0")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(agent, scopes=["ftth:import"]))
    content = ("\n".join([IPE_HEADER, _ipe_row("A1")]) + "\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/ftth/imports/", {"file": SimpleUploadedFile("ipe.csv", content)})
    assert response.status_code == 202
    run = ImportRun.objects.get()
    _french(run)
    shown = api.get(f"/api/ftth/imports/{run.pk}/").json()
    assert shown["error"] == run.error and "error_detail" not in shown
    assert "division" not in str(shown) and "Traceback" not in str(shown)
    assert "division" not in str(api.get("/api/ftth/imports/").json())

    login(client, UserFactory(staff=True))
    page = html.unescape(client.get(f"/fibre/imports/{run.pk}/").content.decode())
    assert run.error in page
    details = re.search(r"<details><summary>Détail technique.*?</summary><pre[^>]*>(.*?)</pre></details>", page, re.S)
    assert details and "division by zero" in details.group(1)
    assert "division by zero" not in page.replace(details.group(0), "")

"""The share of rejected lines that refuses a file is each run's choice (command, staff page, API), between 0
and 50 %, FTTH_REJECTION_THRESHOLD by default; the run records it and its page and the API show it."""

import html
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from ftth import uploads
from ftth.models import Building, ImportRun

from ..auth import login, token_header
from ..factories import UserFactory

pytestmark = pytest.mark.django_db
# Seven buildings; the seventh (line 8) has a commercial service date in a 13th month.
SEVEN = Path(__file__).parent / "fixtures" / "ipe-v3-one-bad-date.csv"


def _file() -> SimpleUploadedFile:
    return SimpleUploadedFile(SEVEN.name, SEVEN.read_bytes(), content_type="text/csv")


def _stored() -> int:
    folder = Path(default_storage.path(uploads.UPLOAD_FOLDER))
    return len(list(folder.iterdir())) if folder.exists() else 0


def _imported_six(run: ImportRun, share: float) -> None:
    assert (run.state, run.rows_read, run.rows_rejected, run.created) == (ImportRun.State.DONE, 7, 1, 6), run.error
    assert run.max_rejected_share == share
    assert list(run.rejections.values_list("line", "reason")) == [(8, "date invalide")]
    assert not Building.objects.filter(building_id="IMB/75120/S/0001").exists()
    assert Building.objects.filter(operator_code=run.operator_code).count() == 6


def test_the_command_takes_the_share_of_the_run(settings):
    settings.FTTH_REJECTION_THRESHOLD = 0.05
    with pytest.raises(CommandError, match="refusé en entier") as refused:
        call_command("import_ftth", str(SEVEN), "--operator", "OI-SEPT")
    assert "1 ligne(s) rejetée(s) sur 7 (14,3 %)" in str(refused.value)
    assert "part tolérée pour cet import (5 %)" in str(refused.value)
    run = ImportRun.objects.get()
    assert (run.state, run.max_rejected_share) == (ImportRun.State.REFUSED, 0.05)
    assert not Building.objects.exists()

    call_command("import_ftth", str(SEVEN), "--operator", "OI-SEPT", "--max-rejected-share", "0.2")
    _imported_six(ImportRun.objects.latest("pk"), 0.2)


@pytest.mark.parametrize("share", ["0.6", "-0.1", "nan", "inf"])
def test_the_command_refuses_a_share_out_of_bounds(share):
    with pytest.raises(CommandError, match="comprise entre 0 et 0.5"):
        call_command("import_ftth", str(SEVEN), "--operator", "OI-SEPT", "--max-rejected-share", share)
    assert not ImportRun.objects.exists()


def test_the_staff_page_takes_a_percentage(client, settings, django_capture_on_commit_callbacks):
    settings.FTTH_REJECTION_THRESHOLD = 0.05
    login(client, UserFactory(staff=True))
    page = html.unescape(client.get("/fibre/imports/").content.decode())
    assert "Lignes rejetées tolérées (%)" in page
    assert "le fichier est refusé en entier et rien n'est modifié. Vide : 5 %. De 0 à 50 %." in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/fibre/imports/", {"file": _file(), "operator_code": "OI-SEPT"})
    refused = ImportRun.objects.get()
    assert response.status_code == 302
    assert (refused.state, refused.max_rejected_share) == (ImportRun.State.REFUSED, 0.05)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/fibre/imports/", {"file": _file(), "operator_code": "OI-SEPT", "max_rejected_share": "20"}
        )
    run = ImportRun.objects.latest("pk")
    _imported_six(run, 0.2)
    page = html.unescape(client.get(response.url).content.decode())
    assert "Lignes rejetées tolérées" in page and "20 % au plus" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/fibre/imports/", {"file": _file(), "operator_code": "OI-AUTRE", "max_rejected_share": "2,5"})
    run = ImportRun.objects.latest("pk")
    assert (run.state, run.max_rejected_share) == (ImportRun.State.REFUSED, 0.025)
    assert "2,5 % au plus" in html.unescape(client.get(f"/fibre/imports/{run.pk}/").content.decode())


@pytest.mark.parametrize(("typed", "reason"), [("60", "entre 0 et 50 %"), ("-1", "entre 0 et 50 %"),
                                               ("vingt", "Indiquez un pourcentage")])  # fmt: skip
def test_the_staff_page_refuses_a_percentage_out_of_bounds(client, typed, reason):
    login(client, UserFactory(staff=True))
    stored = _stored()
    response = client.post(
        "/fibre/imports/", {"file": _file(), "operator_code": "OI-SEPT", "max_rejected_share": typed}
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and "Le formulaire contient 1 erreur" in page and reason in page
    assert f'value="{typed}"' in page
    assert not ImportRun.objects.exists() and _stored() == stored


def _api() -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(UserFactory(staff=True), scopes=["ftth:import"]))
    return api


def test_the_api_takes_the_share_and_shows_it(django_capture_on_commit_callbacks):
    api = _api()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/ftth/imports/", {"file": _file(), "operator": "OI-SEPT", "max_rejected_share": 0.2})
    assert response.status_code == 202, response.content
    assert response.json()["max_rejected_share"] == 0.2
    run = ImportRun.objects.get(pk=response.json()["id"])
    _imported_six(run, 0.2)
    shown = api.get(f"/api/ftth/imports/{run.pk}/").json()
    assert (shown["state"], shown["max_rejected_share"], shown["rejections"]) == (
        "done", 0.2, [{"line": 8, "reason": "date invalide"}],
    )  # fmt: skip


def test_the_api_uses_the_setting_by_default(settings, django_capture_on_commit_callbacks):
    settings.FTTH_REJECTION_THRESHOLD = 0.05
    with django_capture_on_commit_callbacks(execute=True):
        response = _api().post("/api/ftth/imports/", {"file": _file(), "operator": "OI-SEPT"})
    run = ImportRun.objects.get(pk=response.json()["id"])
    assert (run.state, run.max_rejected_share) == (ImportRun.State.REFUSED, 0.05)
    assert "refusé en entier" in run.error and "en tolérant plus de lignes rejetées (50 % au plus)" in run.error


@pytest.mark.parametrize(
    ("share", "reason"),
    [("0.75", "comprise entre 0 et 0.5 (par exemple 0.2 pour tolérer 20 %"), ("-0.01", "comprise entre 0 et 0.5"),
     ("20", "comprise entre 0 et 0.5"), ("nan", "Un nombre valide est requis"), ("vingt", "Un nombre valide")],
)  # fmt: skip
def test_the_api_refuses_a_share_out_of_bounds(share, reason):
    stored = _stored()
    response = _api().post("/api/ftth/imports/", {"file": _file(), "operator": "OI-SEPT", "max_rejected_share": share})
    assert response.status_code == 400
    assert reason in " ".join(response.json()["max_rejected_share"])
    assert not ImportRun.objects.exists() and _stored() == stored

"""Staff upload page and operators' API: checked files, private storage, import by Celery."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from ftth.models import Building, ImportRun
from sman.models import Organisation

from ..auth import login, token_header
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from .test_imports import IPE_HEADER, IPE_ROWS

pytestmark = pytest.mark.django_db
IPE = ("\n".join([IPE_HEADER, IPE_ROWS[0], IPE_ROWS[1]]) + "\n").encode()


def _file(content=IPE, name="ipe.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_staff_upload_runs_the_import(client, django_capture_on_commit_callbacks):
    login(client, UserFactory(staff=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/fibre/imports/", {"file": _file(), "operator_code": "OI-UP"})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.state == "done" and run.created == 2
    assert Building.objects.filter(operator_code="OI-UP").count() == 2
    page = client.get(f"/fibre/imports/{run.pk}/").content.decode()
    assert "2 créés" in page


def test_upload_refuses_what_it_cannot_read(client):
    login(client, UserFactory(staff=True))
    page = client.post("/fibre/imports/", {"file": _file(b"a;b\n1;2\n"), "operator_code": "X"}).content.decode()
    assert "Format non reconnu" in page and not ImportRun.objects.exists()
    page = client.post("/fibre/imports/", {"file": _file(IPE, "ipe.xlsx"), "operator_code": "X"}).content.decode()
    assert "Déposez un fichier CSV" in page
    page = client.post("/fibre/imports/", {"file": _file()}).content.decode()
    assert "demande le code de l&#x27;opérateur" in page or "demande le code de l'opérateur" in page


@pytest.mark.parametrize(("role", "expected"), [(None, 302), ("citizen", 403), ("staff", 200)])
def test_upload_page_is_for_staff(client, role, expected):
    if role:
        login(client, UserFactory(staff=role == "staff"))
    assert client.get("/fibre/imports/").status_code == expected


def test_operator_api(django_capture_on_commit_callbacks):
    operator = OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI d'essai", siren="123456789")
    agent = MembershipFactory(organisation=operator).user
    api = APIClient()
    assert api.post("/api/ftth/imports/", {"file": _file()}, format="multipart").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=token_header(UserFactory()))
    assert api.post("/api/ftth/imports/", {"file": _file()}, format="multipart").status_code == 403
    api.credentials(HTTP_AUTHORIZATION=token_header(agent, scopes=["ftth:import"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/ftth/imports/", {"file": _file()}, format="multipart")
    assert response.status_code == 202
    run = ImportRun.objects.get(pk=response.json()["id"])
    assert (run.operator, run.operator_code, run.state) == (operator, "123456789", "done")
    listed = api.get("/api/ftth/imports/").json()
    assert [r["id"] for r in listed["results"]] == [run.pk]
    bad = api.post("/api/ftth/imports/", {"file": _file(b"x\n")}, format="multipart")
    assert bad.status_code == 400 and "Format non reconnu" in str(bad.json())

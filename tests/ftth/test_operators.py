"""Tenant isolation of the FttH imports: an operator imports only under its own code (a file replaces its
operator's snapshot and retires the buildings it lacks); staff import under any code."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from ftth import imports
from ftth.models import Building, ImportRun
from sman.models import Organisation

from ..auth import login, token_header
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from .test_imports import IPE_HEADER, _ipe_row

pytestmark = pytest.mark.django_db
ONE = ("\n".join([IPE_HEADER, _ipe_row("X1")]) + "\n").encode()


def _operator(name, siren=""):
    return OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name=name, siren=siren)


@pytest.fixture
def alpha():
    return _operator("OI Alpha", "111111118")


@pytest.fixture
def beta(tmp_path):
    """An operator with three buildings in the portal."""
    beta = _operator("OI Bêta", "222222226")
    path = tmp_path / "beta.csv"
    path.write_text("\n".join([IPE_HEADER, *(_ipe_row(f"B{n}", number=str(n)) for n in range(1, 4))]) + "\n")
    run = ImportRun.objects.create(file_name=path.name, operator_code="222222226", operator=beta)
    assert imports.run_import(run=run, path=path).created == 3
    return beta


def _api(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(user, scopes=["ftth:import"]))
    return api


def _post(api, capture, **data):
    with capture(execute=True):
        return api.post("/api/ftth/imports/", {"file": SimpleUploadedFile("ipe.csv", ONE), **data})


def _beta_buildings():
    return list(Building.objects.filter(operator_code="222222226").order_by("id").values())


@pytest.mark.parametrize("code", ["222222226", "oi-beta-slug", "OI-INCONNU"])
def test_an_operator_cannot_import_under_another_code(alpha, beta, code, django_capture_on_commit_callbacks):
    if code == "oi-beta-slug":
        beta.slug = code
        beta.save()
    before = _beta_buildings()
    runs = ImportRun.objects.count()
    response = _post(
        _api(MembershipFactory(organisation=alpha).user), django_capture_on_commit_callbacks, operator=code
    )
    assert response.status_code == 403
    assert "que pour votre propre opérateur" in response.json()["detail"] and "111111118" in response.json()["detail"]
    assert ImportRun.objects.count() == runs
    assert _beta_buildings() == before  # nothing of Bêta's retired nor replaced
    assert not Building.objects.filter(building_id="X1").exists()


@pytest.mark.parametrize("code", ["", "111111118", "alpha-slug"])
def test_an_operator_imports_under_its_own_code(alpha, beta, code, django_capture_on_commit_callbacks):
    alpha.slug = "alpha-slug"
    alpha.save()
    agent = MembershipFactory(organisation=alpha).user
    response = _post(_api(agent), django_capture_on_commit_callbacks, **({"operator": code} if code else {}))
    assert response.status_code == 202
    run = ImportRun.objects.get(pk=response.json()["id"])
    assert (run.operator, run.operator_code, run.state) == (alpha, "111111118", "done")  # always its SIREN


def test_a_member_of_several_operators_says_which_one_among_theirs(alpha, beta, django_capture_on_commit_callbacks):
    gamma = _operator("OI Gamma", "333333334")
    agent = MembershipFactory(organisation=alpha).user
    MembershipFactory(organisation=beta, user=agent)
    api = _api(agent)
    missing = _post(api, django_capture_on_commit_callbacks)
    assert missing.status_code == 400
    message = str(missing.json()["operator"])
    assert "plusieurs opérateurs" in message and "111111118" in message and "222222226" in message
    assert "333333334" not in message
    assert _post(api, django_capture_on_commit_callbacks, operator="333333334").status_code == 403
    assert not ImportRun.objects.filter(operator=gamma).exists()
    response = _post(api, django_capture_on_commit_callbacks, operator="111111118")
    assert response.status_code == 202
    run = ImportRun.objects.get(pk=response.json()["id"])
    assert (run.operator, run.operator_code) == (alpha, "111111118")
    # Their list shows the imports of both their operators, not the others'.
    gamma_run = ImportRun.objects.create(file_name="g.csv", operator=gamma, operator_code="333333334")
    listed = {r["id"] for r in api.get("/api/ftth/imports/").json()["results"]}
    assert run.pk in listed and ImportRun.objects.get(operator=beta).pk in listed and gamma_run.pk not in listed


def test_an_inactive_operator_cannot_import(alpha, django_capture_on_commit_callbacks):
    alpha.is_active = False
    alpha.save()
    response = _post(_api(MembershipFactory(organisation=alpha).user), django_capture_on_commit_callbacks)
    assert response.status_code == 403 and not ImportRun.objects.exists()


def test_staff_import_under_any_code(beta, client, django_capture_on_commit_callbacks):
    staff = UserFactory(staff=True)
    response = _post(_api(staff), django_capture_on_commit_callbacks, operator="222222226")
    assert response.status_code == 202
    run = ImportRun.objects.get(pk=response.json()["id"])
    # Bêta's three buildings would be replaced by one: the guard holds it for a confirmation.
    assert (run.operator, run.operator_code, run.state) == (beta, "222222226", "awaiting_confirmation")
    login(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/fibre/imports/", {"file": SimpleUploadedFile("ipe.csv", ONE), "operator_code": "OI-LIBRE"})
    assert page.status_code == 302
    assert ImportRun.objects.filter(operator_code="OI-LIBRE", operator=None, state="done").exists()

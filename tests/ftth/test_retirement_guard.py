"""The mass retirement guard: an import that would retire more than FTTH_RETIREMENT_THRESHOLD of an
operator's current buildings changes nothing and waits for staff, who confirm it (applied as it is) or
cancel it (nothing changes, the stored file is deleted)."""

from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from ftth import imports, tasks
from ftth.models import Building, BuildingStatusChange, ImportRun
from sman.models import Organisation

from ..auth import login, token_header
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from ..matrix import ROLES, Case, check, matrix_params
from .test_imports import ARCEP_HEADER, IPE_HEADER, _ipe_row

pytestmark = pytest.mark.django_db


def _ipe(ids, changed=()) -> bytes:
    rows = [_ipe_row(i, number=str(n + 1), state="EN COURS DE DEPLOIEMENT" if i in changed else "DEPLOYE")
            for n, i in enumerate(ids)]  # fmt: skip
    return ("\n".join([IPE_HEADER, *rows]) + "\n").encode()


TEN = [f"G{n}" for n in range(10)]


@pytest.fixture
def operator():
    return OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI de la garde", siren="552100554")


@pytest.fixture
def agent(operator):
    return MembershipFactory(organisation=operator).user


@pytest.fixture
def staff():
    return UserFactory(staff=True)


def _api(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(user, scopes=["ftth:import"]))
    return api


def _send(api, content, capture, **data):
    with capture(execute=True):
        response = api.post("/api/ftth/imports/", {"file": SimpleUploadedFile("ipe.csv", content), **data})
    assert response.status_code == 202, response.content
    return ImportRun.objects.get(pk=response.json()["id"])


def _buildings():
    return list(Building.objects.order_by("id").values())


@pytest.fixture
def waiting(agent, staff, django_capture_on_commit_callbacks):
    """The operator's ten buildings, then a file without three of them (30 %) and one status changed."""
    first = _send(_api(agent), _ipe(TEN), django_capture_on_commit_callbacks)
    assert (first.state, first.created) == ("done", 10)
    before = _buildings()
    mail.outbox.clear()
    run = _send(_api(agent), _ipe(TEN[:7], changed={"G0"}), django_capture_on_commit_callbacks)
    return run, before


def test_a_file_that_drops_30_percent_waits_and_changes_nothing(waiting, agent, staff, client):
    run, before = waiting
    assert run.state == ImportRun.State.AWAITING_CONFIRMATION
    assert (run.operator_buildings, run.to_retire, run.retirement_share) == (10, 3, pytest.approx(0.3))
    assert "3 des 10 immeubles" in run.error and "30 %" in run.error
    assert (run.retired, run.updated) == (0, 0)
    assert _buildings() == before  # nothing retired, nothing updated
    assert not BuildingStatusChange.objects.exists()
    assert Path(run.file_path).is_file()  # kept until staff decide
    # The operator sees it in the API, with the figures.
    shown = _api(agent).get(f"/api/ftth/imports/{run.pk}/").json()
    assert shown["state"] == "awaiting_confirmation"
    assert (shown["operator_buildings"], shown["to_retire"], shown["retirement_share"]) == (10, 3, 0.3)
    # Staff and the requester are told; staff get the link to decide.
    to_staff = next(m for m in mail.outbox if staff.email in m.to)
    assert f"/fibre/imports/{run.pk}/confirmer/" in to_staff.body and "en attente de confirmation" in to_staff.subject
    to_agent = next(m for m in mail.outbox if agent.email in m.to)
    assert "/confirmer/" not in to_agent.body and "3 des 10 immeubles" in to_agent.body
    # The staff import page shows it prominently, with the figures, and so does the run's page.
    login(client, staff)
    page = client.get("/fibre/imports/").content.decode()
    assert "1 import en attente de confirmation" in page and f"/fibre/imports/{run.pk}/confirmer/" in page
    assert "30,0 %" in page
    detail = client.get(f"/fibre/imports/{run.pk}/").content.decode()
    assert "en attente de confirmation" in detail and "30,0 %" in detail and "/confirmer/" in detail
    # A redelivered task does not run it again.
    assert tasks.import_file(run.pk, run.file_path) is None  # not claimed: it waits for staff
    assert ImportRun.objects.get(pk=run.pk).state == "awaiting_confirmation"


def test_staff_confirm_and_the_import_is_applied(waiting, staff, django_capture_on_commit_callbacks):
    run, _ = waiting
    client = login(Client(), staff)
    page = client.get(f"/fibre/imports/{run.pk}/confirmer/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "csrfmiddlewaretoken" in text and "Confirmer : retirer 3 immeubles" in text and "30,0 %" in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/fibre/imports/{run.pk}/confirmer/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.state, run.retired, run.updated, run.status_changes) == ("done", 3, 1, 1)
    assert (run.confirmed_by, run.to_retire, run.operator_buildings) == (staff, 3, 10)
    assert set(Building.objects.filter(retired_at__isnull=False).values_list("building_id", flat=True)) == {
        "G7", "G8", "G9",
    }  # fmt: skip
    assert Building.objects.get(building_id="G0").status == "in_progress"
    assert "Retrait confirmé le" in client.get(f"/fibre/imports/{run.pk}/").content.decode()


def test_staff_cancel_and_nothing_changes(waiting, staff):
    run, before = waiting
    client = login(Client(), staff)
    response = client.post(f"/fibre/imports/{run.pk}/annuler/", {"reason": "fichier tronqué"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == ImportRun.State.CANCELLED and "fichier tronqué" in run.error
    assert _buildings() == before and not BuildingStatusChange.objects.exists()
    # Once cancelled, it cannot be confirmed any more.
    client.post(f"/fibre/imports/{run.pk}/confirmer/")
    run.refresh_from_db()
    assert run.state == ImportRun.State.CANCELLED and _buildings() == before


def test_cancelling_deletes_the_stored_upload(waiting, staff, django_capture_on_commit_callbacks):
    run, _ = waiting
    with django_capture_on_commit_callbacks(execute=True):
        login(Client(), staff).post(f"/fibre/imports/{run.pk}/annuler/")
    assert not Path(run.file_path).exists()


def test_under_the_threshold_the_file_is_applied_directly(agent, django_capture_on_commit_callbacks):
    _send(_api(agent), _ipe(TEN), django_capture_on_commit_callbacks)
    run = _send(_api(agent), _ipe(TEN[:8]), django_capture_on_commit_callbacks)  # 20 %: not more than the threshold
    assert (run.state, run.retired) == ("done", 2)
    assert (run.operator_buildings, run.to_retire, run.retirement_share) == (10, 2, pytest.approx(0.2))
    assert not mail.outbox


def test_a_dry_run_reports_the_figures_and_never_waits(agent, django_capture_on_commit_callbacks):
    _send(_api(agent), _ipe(TEN), django_capture_on_commit_callbacks)
    before = _buildings()
    run = _send(_api(agent), _ipe(TEN[:6]), django_capture_on_commit_callbacks, dry_run=True)
    assert (run.state, run.retired) == ("done", 4)
    assert (run.operator_buildings, run.to_retire, run.retirement_share) == (10, 4, pytest.approx(0.4))
    assert _buildings() == before


def test_the_threshold_is_a_setting(agent, settings, django_capture_on_commit_callbacks):
    settings.FTTH_RETIREMENT_THRESHOLD = 0.5
    _send(_api(agent), _ipe(TEN), django_capture_on_commit_callbacks)
    assert _send(_api(agent), _ipe(TEN[:6]), django_capture_on_commit_callbacks).state == "done"  # 40 %
    settings.FTTH_RETIREMENT_THRESHOLD = 0.1
    assert _send(_api(agent), _ipe(TEN[:4]), django_capture_on_commit_callbacks).state == "awaiting_confirmation"


def test_confirming_an_older_file_after_a_newer_one_was_applied_is_refused(
    waiting, agent, staff, django_capture_on_commit_callbacks
):
    run, _ = waiting
    newer = _send(_api(agent), _ipe(TEN), django_capture_on_commit_callbacks)  # the complete file, resent
    assert newer.state == "done"
    with django_capture_on_commit_callbacks(execute=True):
        response = login(Client(), staff).post(f"/fibre/imports/{run.pk}/confirmer/", follow=True)
    assert "Un import plus récent de cet opérateur" in response.content.decode()
    run.refresh_from_db()
    assert run.state == "awaiting_confirmation" and not Building.objects.filter(retired_at__isnull=False).exists()


def test_confirmation_needs_the_csrf_token(waiting, staff):
    run, _ = waiting
    client = login(Client(enforce_csrf_checks=True), staff)
    assert client.post(f"/fibre/imports/{run.pk}/confirmer/").status_code == 403
    assert client.post(f"/fibre/imports/{run.pk}/annuler/").status_code == 403
    assert ImportRun.objects.get(pk=run.pk).state == "awaiting_confirmation"


def test_the_command_says_the_import_waits_and_cancelling_keeps_its_file(tmp_path, staff):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_bytes(_ipe(TEN))
    second.write_bytes(_ipe(TEN[:5]))
    call_command("import_ftth", str(first), "--operator", "OI-CMD")
    with pytest.raises(CommandError, match="attend la confirmation.*/confirmer/"):
        call_command("import_ftth", str(second), "--operator", "OI-CMD")
    run = ImportRun.objects.get(file_name="second.csv")
    assert run.state == "awaiting_confirmation" and run.file_path == str(second.resolve())
    login(Client(), staff).post(f"/fibre/imports/{run.pk}/annuler/")
    assert ImportRun.objects.get(pk=run.pk).state == "cancelled"
    assert second.exists()  # not an upload: a file of the server's, never deleted


def test_an_arcep_file_is_checked_operator_by_operator(tmp_path):
    def arcep(rows):
        path = tmp_path / "arcep.csv"
        path.write_text("\n".join([ARCEP_HEADER, *rows]) + "\n")
        return path

    def row(building, operator):
        return (
            f"2.3522,48.8566,{building},1,,rue,de rivoli,,75104,75004,Paris 4e,,deploye,PM-75,deploye,{operator},,IM,"
        )

    many = [row(f"A{n}", "OI-A") for n in range(10)] + [row(f"B{n}", "OI-B") for n in range(2)]
    run = imports.run_import(run=ImportRun.objects.create(file_name="a.csv"), path=arcep(many))
    assert (run.state, run.created) == ("done", 12)
    # OI-A loses 1 of 10 (10 %), OI-B 1 of 2 (50 %): the file waits, with OI-B's figures.
    fewer = [row(f"A{n}", "OI-A") for n in range(9)] + [row("B0", "OI-B")]
    run = imports.run_import(run=ImportRun.objects.create(file_name="b.csv"), path=arcep(fewer))
    assert run.state == "awaiting_confirmation" and "OI-B" in run.error
    assert (run.operator_buildings, run.to_retire) == (2, 1)
    assert not Building.objects.filter(retired_at__isnull=False).exists()


def _awaiting_run(world) -> str:
    run = ImportRun.objects.create(
        file_name="ipe.csv", operator_code="OI-X", state=ImportRun.State.AWAITING_CONFIRMATION,
        operator_buildings=10, to_retire=3, retirement_share=0.3,
    )  # fmt: skip
    return f"/fibre/imports/{run.pk}/"


CASES = [
    Case(
        "confirm-page",
        lambda w: _awaiting_run(w) + "confirmer/",
        {"anonymous": 302, "staff": 200},
        default=403,
        covers="ftth:import_confirm",
    ),
    Case(
        "confirm",
        lambda w: _awaiting_run(w) + "confirmer/",
        {"anonymous": 302, "staff": 302},
        403,
        "post",
        covers="ftth:import_confirm",
    ),
    Case(
        "cancel",
        lambda w: _awaiting_run(w) + "annuler/",
        {"anonymous": 302, "staff": 302},
        403,
        "post",
        covers="ftth:import_cancel",
    ),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, (*ROLES, "network_operator")))
def test_only_staff_confirm_or_cancel(world, case, role):
    operator = OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI X", slug="oi-x")
    world.add_user("network_operator", MembershipFactory(organisation=operator).user)  # the file's own operator
    check(world, case, role)
    run = ImportRun.objects.get()
    expected = {"confirm": "pending", "cancel": "cancelled"}.get(case.name) if role == "staff" else None
    assert run.state == (expected or "awaiting_confirmation")

"""Long jobs (sman/jobs.py) on rows: claim, redelivered messages, recovery, retry (pages and admin).

Tasks run eagerly here (tests/settings.py); tests/sman/test_jobs_worker.py kills real workers."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actions.models import Report
from actions.services import copil_session_create
from fmin.models import Decision
from fmin.tasks import render_decision_letter
from ftth.models import Building, ImportRun
from ftth.tasks import import_file
from passnumerique.tasks import monthly_statements
from sman import jobs
from sman.models import Job

from ..auth import login
from ..factories import UserFactory
from ..ftth.test_imports import IPE_HEADER, IPE_ROWS
from ..matrix import Case, check, matrix_params

pytestmark = pytest.mark.django_db

STALL = 300  # JOBS_STALL_SECONDS, set below for every test of this file


@pytest.fixture(autouse=True)
def _job_settings(settings):
    settings.JOBS_STALL_SECONDS = STALL
    settings.JOBS_MAX_ATTEMPTS = 3
    settings.JOBS_PENDING_SECONDS = 1800


def _ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


@pytest.fixture
def ipe_file(tmp_path):
    path = tmp_path / "ipe.csv"
    path.write_text("\n".join([IPE_HEADER, IPE_ROWS[0], IPE_ROWS[1]]) + "\n")
    return path


def _run(path, **fields) -> ImportRun:
    """An import run as its task recorded it when it was sent."""
    run = ImportRun.objects.create(file_name=path.name, operator_code="OI-JOB", task_name="ftth.tasks.import_file")
    ImportRun.objects.filter(pk=run.pk).update(task_args=[run.pk, str(path)], **fields)
    run.refresh_from_db()
    return run


def test_a_job_is_claimed_by_one_message_only():
    job = Job.objects.create(task_name="passnumerique.tasks.monthly_statements", task_args=[])

    def claim():
        return jobs.claim(Job, job.pk, task_name=job.task_name, args=[], kwargs={})

    assert claim() == 1
    job.refresh_from_db()
    assert job.state == "running" and job.heartbeat_at and job.started_at and job.attempts == 1
    assert claim() is None  # the same message again, or another one: the job runs elsewhere
    Job.objects.filter(pk=job.pk).update(heartbeat_at=_ago(STALL - 30))
    assert claim() is None  # its heartbeat is fresh
    Job.objects.filter(pk=job.pk).update(heartbeat_at=_ago(STALL + 30))
    assert claim() == 2  # its worker died
    Job.objects.filter(pk=job.pk).update(heartbeat_at=None)
    assert claim() == 3  # running with no heartbeat at all (a row older than the heartbeat)
    for state in ("done", "failed"):
        Job.objects.filter(pk=job.pk).update(state=state, heartbeat_at=_ago(STALL + 30))
        assert claim() is None, state
    assert Job.objects.get(pk=job.pk).attempts == 3


def test_a_redelivered_import_message_does_nothing(ipe_file):
    run = ImportRun.objects.create(file_name=ipe_file.name, operator_code="OI-JOB")
    assert import_file.delay(run.pk, str(ipe_file)).get() == "done"
    run.refresh_from_db()
    assert (run.state, run.created, run.attempts) == ("done", 2, 1)
    assert (run.task_name, run.task_args) == ("ftth.tasks.import_file", [run.pk, str(ipe_file)])
    finished = run.finished_at
    assert import_file.delay(run.pk, str(ipe_file)).get() is None  # acks_late: the message came again
    run.refresh_from_db()
    assert (run.state, run.created, run.attempts, run.finished_at) == ("done", 2, 1, finished)

    # Running elsewhere, heartbeat fresh: a second message must not import the file a second time.
    other = _run(ipe_file, state="running", heartbeat_at=_ago(5), attempts=1, operator_code="OI-AUTRE")
    assert import_file.delay(other.pk, str(ipe_file)).get() is None
    other.refresh_from_db()
    assert (other.state, other.attempts, other.finished_at) == ("running", 1, None)
    assert not Building.objects.filter(operator_code="OI-AUTRE").exists()
    # Its worker died: the next message imports it.
    ImportRun.objects.filter(pk=other.pk).update(heartbeat_at=_ago(STALL + 5))
    assert import_file.delay(other.pk, str(ipe_file)).get() == "done"
    other.refresh_from_db()
    assert (other.state, other.attempts, other.created) == ("done", 2, 2)


def test_recovery_sends_stalled_jobs_again_then_fails_them(ipe_file, django_capture_on_commit_callbacks):
    stalled = _run(ipe_file, state="running", heartbeat_at=_ago(STALL + 10), attempts=1)
    alive = _run(ipe_file, state="running", heartbeat_at=_ago(STALL - 60), attempts=1)
    exhausted = _run(ipe_file, state="running", heartbeat_at=_ago(STALL + 10), attempts=3)
    unknown = ImportRun.objects.create(file_name="ancien.csv", state="running", attempts=1)  # made before
    with django_capture_on_commit_callbacks(execute=True) as sent:
        counts = jobs.recover_jobs()
    assert counts == {"requeued": 1, "failed": 2, "resent": 0}
    assert len(sent) == 1
    for run in (stalled, alive, exhausted, unknown):
        run.refresh_from_db()
    # Sent again, and (eagerly here) imported by the next attempt.
    assert (stalled.state, stalled.attempts, stalled.created, stalled.error) == ("done", 2, 2, "")
    assert (alive.state, alive.attempts) == ("running", 1)
    assert exhausted.state == "failed" and exhausted.finished_at
    assert exhausted.error.startswith("Le traitement s'est interrompu 3 fois")
    assert exhausted.retryable
    assert unknown.state == "failed" and "interrompu" in unknown.error and not unknown.retryable
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert jobs.recover_jobs() == {"requeued": 0, "failed": 0, "resent": 0}
    assert not sent


def test_recovery_resends_jobs_whose_message_was_lost(django_capture_on_commit_callbacks):
    def pending(**fields):
        job = Job.objects.create(task_name="passnumerique.tasks.monthly_statements", task_args=[])
        Job.objects.filter(pk=job.pk).update(**fields)
        return job

    lost = pending(queued_at=_ago(1900))
    waiting = pending(queued_at=_ago(60))
    unsent = pending(queued_at=None)
    unknown = pending(queued_at=_ago(1900), task_args=None)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        counts = jobs.recover_jobs()
    assert counts == {"requeued": 0, "failed": 1, "resent": 1} and len(sent) == 1
    for job in (lost, waiting, unsent, unknown):
        job.refresh_from_db()
    assert (lost.state, lost.attempts, lost.result) == ("done", 1, 0)
    assert (waiting.state, waiting.attempts) == ("pending", 0)
    assert unsent.state == "pending" and unsent.queued_at  # its clock starts now
    assert unknown.state == "failed" and "ne peut pas être relancé" in unknown.error


def test_tasks_without_a_record_of_their_own_get_a_job(django_capture_on_commit_callbacks):
    assert monthly_statements.delay().get() == 0
    job = Job.objects.get()
    assert (job.task_name, job.task_args, job.state, job.attempts, job.result) == (
        "passnumerique.tasks.monthly_statements",
        [],
        "done",
        1,
        0,
    )
    assert job.started_at <= job.finished_at and job.queued_at
    with pytest.raises(Decision.DoesNotExist):
        render_decision_letter.delay(999_999)
    failed = Job.objects.get(task_name="fmin.tasks.render_decision_letter")
    assert failed.state == "failed" and failed.task_args == [999_999] and failed.finished_at
    assert failed.error == jobs.UNEXPECTED_FAILURE and "Decision.DoesNotExist" in failed.error_detail


def _failed_run(path) -> ImportRun:
    return _run(path, state="failed", attempts=3, error=jobs.interruption_reason(3), finished_at=timezone.now())


def test_staff_retry_a_failed_import_from_its_page(client, ipe_file, django_capture_on_commit_callbacks):
    run = _failed_run(ipe_file)
    login(client, UserFactory(staff=True))
    page = client.get(reverse("ftth:import_detail", args=[run.pk])).content.decode()
    assert "Le traitement s&#x27;est interrompu 3 fois" in page and "Relancer l&#x27;import" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ftth:import_retry", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.state, run.attempts, run.created, run.error) == ("done", 1, 2, "")
    page = client.get(reverse("ftth:import_detail", args=[run.pk]), follow=True).content.decode()
    assert "L&#x27;import est relancé." in page and "Relancer l&#x27;import" not in page
    again = client.post(reverse("ftth:import_retry", args=[run.pk]), follow=True).content.decode()
    assert "Seul un traitement en échec peut être relancé." in again
    assert ImportRun.objects.get(pk=run.pk).attempts == 1


def test_the_retry_button_needs_the_csrf_token(ipe_file):
    run = _failed_run(ipe_file)
    client = login(Client(enforce_csrf_checks=True), UserFactory(staff=True))
    assert client.post(reverse("ftth:import_retry", args=[run.pk])).status_code == 403
    assert ImportRun.objects.get(pk=run.pk).state == "failed"
    page = client.get(reverse("ftth:import_detail", args=[run.pk])).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page.split(reverse("ftth:import_retry", args=[run.pk]))[1]


def test_an_import_older_than_its_recorded_task_shows_no_retry(client):
    run = ImportRun.objects.create(file_name="ancien.csv", state="failed", error="Échec ancien.")
    login(client, UserFactory(staff=True))
    assert "Relancer" not in client.get(reverse("ftth:import_detail", args=[run.pk])).content.decode()
    page = client.post(reverse("ftth:import_retry", args=[run.pk]), follow=True).content.decode()
    assert "ses paramètres ne sont pas connus" in page
    assert ImportRun.objects.get(pk=run.pk).state == "failed"


STAFF_ONLY = {"anonymous": 302, "staff": 200}
CASES = [
    Case("imports", "/fibre/imports/", STAFF_ONLY, default=403),
    Case(
        "import",
        lambda w: reverse("ftth:import_detail", args=[w.extra["run"].pk]),
        STAFF_ONLY,
        default=403,
        covers="ftth:import_detail",
    ),
    Case(
        "import-status",
        lambda w: reverse("ftth:import_status", args=[w.extra["run"].pk]),
        STAFF_ONLY,
        default=403,
        covers="ftth:import_status",
    ),
    Case(
        "import-retry",
        lambda w: reverse("ftth:import_retry", args=[w.extra["run"].pk]),
        {"anonymous": 302, "staff": 302},
        default=403,
        method="post",
        covers="ftth:import_retry",
    ),
    Case(
        "import-retry-get",
        lambda w: reverse("ftth:import_retry", args=[w.extra["run"].pk]),
        STAFF_ONLY | {"staff": 405},
        default=403,
        covers="ftth:import_retry",
    ),
    Case(
        "api-import",
        lambda w: f"/api/ftth/imports/{w.extra['run'].pk}/",
        {"anonymous": 401, "staff": 200},
        default=404,
        covers="ftth-import-detail",
    ),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES))
def test_import_pages_role_matrix(world, ipe_file, case, role):
    world.extra["run"] = _failed_run(ipe_file)
    check(world, case, role)
    expected = "pending" if case.name == "import-retry" and role == "staff" else "failed"
    assert ImportRun.objects.get(pk=world.extra["run"].pk).state == expected


def test_the_admin_action_retries_failed_jobs(client, ipe_file, django_capture_on_commit_callbacks):
    failed = Job.objects.create(task_name="passnumerique.tasks.monthly_statements", task_args=[], state="failed")
    done = Job.objects.create(task_name="passnumerique.tasks.monthly_statements", task_args=[], state="done")
    login(client, UserFactory(staff=True))
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            "/admin/sman/job/",
            {"action": "retry_jobs", "_selected_action": [failed.pk, done.pk]},
            follow=True,
        ).content.decode()
    assert "1 traitement(s) relancé(s)." in page and "Seul un traitement en échec peut être relancé." in page
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.result) == ("done", 1, 0)
    run = _failed_run(ipe_file)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/ftth/importrun/", {"action": "retry_jobs", "_selected_action": [run.pk]})
    assert ImportRun.objects.get(pk=run.pk).state == "done"
    staff = UserFactory(staff=True)
    session = copil_session_create(user=staff, year=2021, semester=1, on=date(2021, 6, 1))
    report = Report.objects.create(session=session, state="failed", task_name="actions.tasks.generate_report")
    Report.objects.filter(pk=report.pk).update(task_args=[report.pk])
    client.post("/admin/actions/report/", {"action": "retry_jobs", "_selected_action": [report.pk]})
    assert Report.objects.get(pk=report.pk).state == "pending"  # sent once this test's transaction commits


# --- The one job model: requester, result file and checksum, status endpoint, retry from the partial ---------
def test_a_generic_job_records_who_asked_for_it():
    staff = UserFactory(staff=True)
    assert monthly_statements.apply_async(requested_by=staff).get() == 0
    job = Job.objects.get()
    assert (job.requested_by, job.state, job.created_at <= job.started_at <= job.finished_at) == (staff, "done", True)
    # Sent by beat (nobody asked): no requester.
    monthly_statements.delay()
    assert Job.objects.latest("pk").requested_by is None


def test_the_result_file_is_written_with_its_checksum_and_replaces_an_earlier_one(django_capture_on_commit_callbacks):
    import hashlib

    from django.core.files.storage import default_storage

    job = Job.objects.create(task_name="passnumerique.tasks.monthly_statements", task_args=[])
    with django_capture_on_commit_callbacks(execute=True):
        first = jobs.job_result_write(job=job, content=b"premier essai", filename="../relevé mars.csv")
    assert first.file.name.startswith("jobs/") and "/" not in first.file.name[len("jobs/") :]
    assert (first.checksum, first.size) == (hashlib.sha256(b"premier essai").hexdigest(), 13)
    with default_storage.open(first.file.name) as f:
        assert f.read() == b"premier essai"
    with django_capture_on_commit_callbacks(execute=True):
        second = jobs.job_result_write(job=job, content=b"second", filename="releve.csv")
    job.refresh_from_db()
    assert (job.file.name, job.checksum, job.size) == (second.file.name, hashlib.sha256(b"second").hexdigest(), 6)
    assert not default_storage.exists(first.file.name) and default_storage.exists(second.file.name)


@pytest.fixture
def copil_report(db, reference):
    staff = UserFactory(staff=True)
    session = copil_session_create(user=staff, year=2021, semester=2, on=date(2021, 12, 1))
    return Report.objects.create(session=session, requested_by=staff)


def test_the_status_endpoint_follows_a_report_from_pending_to_done(client, copil_report):
    report = copil_report
    login(client, UserFactory(copil=True))
    url = reverse("actions:report_status", args=[report.pk])
    pending = client.get(url)
    assert pending["Content-Type"] == "application/json" and "no-store" in pending["Cache-Control"]
    body = pending.json()
    assert (body["state"], body["label"], body["active"]) == ("pending", "en attente", True)
    assert f'data-job-status-url="{url}"' in body["html"] and 'aria-live="polite"' in body["html"]
    assert 'data-job-active="true"' in body["html"] and "Télécharger" not in body["html"]

    Report.objects.filter(pk=report.pk).update(state="running", started_at=timezone.now(), heartbeat_at=timezone.now())
    assert client.get(url).json()["label"] == "en cours"
    report.refresh_from_db()
    written = jobs.job_result_write(job=report, content=b"%PDF-1.7 rapport", filename="rapport.pdf")
    Report.objects.filter(pk=report.pk).update(state="done", finished_at=timezone.now())
    body = client.get(url).json()
    assert (body["state"], body["label"], body["active"]) == ("done", "prêt", False)
    assert 'data-job-active="false"' in body["html"]
    assert reverse("actions:report_download", args=[report.pk]) in body["html"]
    assert f"empreinte SHA-256 : <code>{written.checksum}</code>" in body["html"]
    # The page shows the same block, and loads the script that polls the endpoint.
    page = client.get(report.get_absolute_url()).content.decode()
    assert f"<code>{written.checksum}</code>" in page and "js/job_status.js" in page


def test_a_failed_job_shows_its_french_reason_and_staff_its_detail(client, copil_report):
    Report.objects.filter(pk=copil_report.pk).update(
        state="failed", error=jobs.UNEXPECTED_FAILURE, error_detail="KeyError : 'chart'",
        task_name="actions.tasks.generate_report", task_args=[copil_report.pk],
    )  # fmt: skip
    url = reverse("actions:report_status", args=[copil_report.pk])
    member = login(Client(), UserFactory(copil=True)).get(url).json()
    assert member["state"] == "failed" and not member["active"]
    assert "erreur inattendue" in member["html"] and "KeyError" not in member["html"]
    assert "Relancer la production" in member["html"]
    staff = login(Client(), UserFactory(staff=True)).get(url).json()
    assert "Détail technique" in staff["html"] and "KeyError" in staff["html"]
    # A job whose task is not known cannot be sent again: no button.
    Report.objects.filter(pk=copil_report.pk).update(task_args=None)
    assert "Relancer" not in login(Client(), UserFactory(copil=True)).get(url).json()["html"]


def test_retry_from_the_partial_sends_the_job_again(client, copil_report, django_capture_on_commit_callbacks):
    report = copil_report
    Report.objects.filter(pk=report.pk).update(
        state="failed", attempts=1, error=jobs.UNEXPECTED_FAILURE, error_detail="boom", finished_at=timezone.now(),
        task_name="actions.tasks.generate_report", task_args=[report.pk],
    )  # fmt: skip
    login(client, UserFactory(copil=True))
    html = client.get(reverse("actions:report_status", args=[report.pk])).json()["html"]
    form = html.split("<form", 1)[1].split("</form>", 1)[0]
    action = form.split('action="', 1)[1].split('"', 1)[0]
    assert action == reverse("actions:report_retry", args=[report.pk]) and "csrfmiddlewaretoken" in form
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(action).status_code == 302
    report.refresh_from_db()
    assert (report.state, report.attempts, report.error, report.error_detail) == ("done", 1, "", "")
    assert report.file and report.checksum and report.finished_at
    body = client.get(reverse("actions:report_status", args=[report.pk])).json()
    assert body["state"] == "done" and "Relancer" not in body["html"]


def test_an_import_awaiting_confirmation_shows_the_next_step_in_its_status(client, ipe_file):
    run = _run(ipe_file, state="awaiting_confirmation", error="Cet import retirerait 80 % des immeubles.")
    login(client, UserFactory(staff=True))
    body = client.get(reverse("ftth:import_status", args=[run.pk])).json()
    assert (body["state"], body["label"], body["active"]) == (
        "awaiting_confirmation",
        "en attente de confirmation",
        False,
    )
    assert "Cet import retirerait 80 % des immeubles." in body["html"]
    assert reverse("ftth:import_confirm", args=[run.pk]) in body["html"] and "Relancer" not in body["html"]
    assert "Lignes lues" in body["html"]  # the import's own figures are in the block, updated with it


def test_the_admin_shows_a_job_file_by_its_name_and_checksum(client, copil_report):
    """A private file has no URL (sman/storage.py): the admin's page of a done job shows what it holds."""
    report = jobs.job_result_write(job=copil_report, content=b"%PDF-1.7 rapport", filename="rapport.pdf")
    Report.objects.filter(pk=report.pk).update(state="done")
    job = jobs.job_result_write(
        job=Job.objects.create(task_name="passnumerique.tasks.monthly_statements", task_args=[], state="done"),
        content=b"fichier",
        filename="resultat.csv",
    )
    login(client, UserFactory(staff=True))
    for url, row in (
        (f"/admin/actions/report/{report.pk}/change/", report),
        (f"/admin/sman/job/{job.pk}/change/", job),
    ):
        page = client.get(url).content.decode()
        assert f"{row.file.name} (empreinte SHA-256 : {row.checksum})" in page

"""Long jobs survive the death of their worker: real workers, started here and killed with SIGKILL (their
whole process group, as `kill -9` of a worker and its pool), mid-import and mid-render."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from actions import services as actions_services
from actions.models import Indicator, IndicatorValue, Report
from ftth.models import Building, ImportRun
from ftth.synthetic import write
from sman import jobs
from sman.celery import app

from ..auth import login
from ..conftest import ROOT, _database_url
from ..factories import UserFactory

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

HEARTBEAT, STALL = 0.5, 3  # the workers' JOBS_HEARTBEAT_SECONDS and JOBS_STALL_SECONDS
BUILDINGS = 250_000  # an import of a few seconds
OPERATOR = "OI-KILL"


@pytest.fixture
def workers(tmp_path, django_db_blocker):
    """Starts Celery workers of this test's own, each in a new process group, on a queue of their own."""
    queue = f"jobs-kill-{os.getpid()}"
    with django_db_blocker.unblock():
        database_url = _database_url()
    started = []

    def start(name: str):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url,
            "SMAN_TEST_CELERY_QUEUE": queue,
            "JOBS_HEARTBEAT_SECONDS": str(HEARTBEAT),
            "JOBS_STALL_SECONDS": str(STALL),
            "JOBS_MAX_ATTEMPTS": "2",
        }
        log_path = tmp_path / f"{name}.log"
        log = open(log_path, "w")  # noqa: SIM115 — closed at teardown
        node = f"{name}-{os.getpid()}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sman", "worker", "--pool=prefork", "--concurrency=2",
             "--loglevel=WARNING", "-n", f"{node}@%h", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        proc.log, proc.log_path = log, log_path
        started.append(proc)
        deadline = time.monotonic() + 90
        while not app.control.ping(timeout=0.5, destination=[f"{node}@{os.uname().nodename}"]):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker {name} did not start: {log_path.read_text()[-2000:]}")
        return proc

    start.queue = queue
    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        proc.log.close()


def _kill(proc) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the worker and its pool, at once
    proc.wait(timeout=10)


def _wait(what, condition, timeout=180, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    log = proc.log_path.read_text()[-3000:] if proc else ""
    pytest.fail(f"{what}: not after {timeout} s. {log}")


def _beating(job) -> bool:
    """Running, and its heartbeat refreshed since it started."""
    job.refresh_from_db()
    return job.state == "running" and job.heartbeat_at is not None and job.heartbeat_at > job.started_at


def _stale(*rows) -> bool:
    for row in rows:
        row.refresh_from_db()
    return all((timezone.now() - row.heartbeat_at).total_seconds() > STALL + 0.5 for row in rows)


def _heavy_report(staff, copil) -> Report:
    """A COPIL session whose report takes seconds to render (17 actions × 10 indicators × 8 semesters)."""
    session = actions_services.copil_session_create(user=staff, year=2024, semester=2, on=date(2024, 12, 1))
    semesters = [date(2021 + i // 2, 6 if i % 2 == 0 else 12, 30) for i in range(8)]
    for review in session.reviews.select_related("action"):
        for k in range(10):
            indicator = Indicator.objects.create(
                action=review.action, name=f"Indicateur {k + 1}", definition="Mesure.", kind="result", unit="%",
                target_value=100, target_date=date(2024, 12, 31), source="essai",
            )  # fmt: skip
            IndicatorValue.objects.bulk_create(
                IndicatorValue(indicator=indicator, date=d, value=Decimal(40 + 5 * i + k), author=copil)
                for i, d in enumerate(semesters)
            )
        actions_services.review_record_opinion(review=review, user=copil, version=0, opinion="keep", reasons="Vu.")
    return Report.objects.create(session=session, requested_by=copil)


def test_jobs_of_a_killed_worker_are_recovered_then_failed_and_retried(workers, reference, tmp_path, client):
    staff, copil = UserFactory(staff=True), UserFactory(copil=True)
    path = tmp_path / "ipe.csv"
    rows = write(path, buildings=BUILDINGS, fmt="ipe", operator=OPERATOR, seed=7)
    report = _heavy_report(staff, copil)

    # 1. Worker A takes an import and a report, and dies with both running.
    first = workers("a")
    run = ImportRun.objects.create(file_name=path.name, operator_code=OPERATOR, requested_by=staff)
    app.send_task("ftth.tasks.import_file", args=[run.pk, str(path)], queue=workers.queue)
    app.send_task("actions.tasks.generate_report", args=[report.pk], queue=workers.queue)
    _wait("the import and the report running with a heartbeat", lambda: _beating(run) and _beating(report), proc=first)
    _kill(first)
    last_beat = run.heartbeat_at
    time.sleep(3 * HEARTBEAT)
    run.refresh_from_db()
    report.refresh_from_db()
    # What users saw before: "running" for as long as the broker's visibility timeout.
    assert (run.state, run.attempts, run.heartbeat_at) == ("running", 1, last_beat)
    assert (report.state, report.attempts) == ("running", 1)
    assert not Building.objects.filter(operator_code=OPERATOR).exists()  # its transaction died with it

    # 2. Worker B's recovery, once the heartbeats are stale, sends both again; B completes them.
    second = workers("b")
    _wait("stale heartbeats", lambda: _stale(run, report), timeout=30)
    counts = app.send_task("sman.tasks.recover_jobs", queue=workers.queue).get(timeout=60)
    assert counts == {"requeued": 2, "failed": 0, "resent": 0}
    _wait("the import done", lambda: run.refresh_from_db() or run.state not in ("pending", "running"), proc=second)
    _wait("the report done", lambda: report.refresh_from_db() or report.state not in ("pending", "running"))
    assert (run.state, run.attempts, run.error) == ("done", 2, "")
    assert (run.rows_read, run.rows_outside, run.rows_rejected, run.created, run.updated) == (rows, 0, 0, rows, 0)
    assert Building.objects.filter(operator_code=OPERATOR).count() == rows
    assert (report.state, report.attempts, report.error) == ("done", 2, "")
    assert report.checksum and report.size > 10_000

    # 3. A re-import on B; B dies. With one attempt allowed, recovery fails it and says why.
    again = ImportRun.objects.create(file_name=path.name, operator_code=OPERATOR, requested_by=staff)
    app.send_task("ftth.tasks.import_file", args=[again.pk, str(path)], queue=workers.queue)
    _wait("the re-import running with a heartbeat", lambda: _beating(again), proc=second)
    _kill(second)
    with override_settings(JOBS_STALL_SECONDS=STALL, JOBS_MAX_ATTEMPTS=1):
        _wait("a stale heartbeat", lambda: _stale(again), timeout=30)
        assert jobs.recover_jobs() == {"requeued": 0, "failed": 1, "resent": 0}
    again.refresh_from_db()
    assert again.state == "failed" and again.finished_at and again.attempts == 1
    assert again.error.startswith("Le traitement s'est interrompu 1 fois")

    # 4. Staff see why on the import's page and retry it (the import runs in this process, as in every test).
    login(client, staff)
    page = client.get(reverse("ftth:import_detail", args=[again.pk])).content.decode()
    assert "Le traitement s&#x27;est interrompu 1 fois" in page and "Relancer l&#x27;import" in page
    assert client.post(reverse("ftth:import_retry", args=[again.pk])).status_code == 302
    again.refresh_from_db()
    assert (again.state, again.attempts, again.error) == ("done", 1, "")
    assert (again.rows_read, again.created, again.unchanged, again.retired) == (rows, 0, rows, 0)

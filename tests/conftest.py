import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from sman.models import Territory
from sman.reference import load_reference

from .matrix import build_world

ROOT = Path(__file__).resolve().parent.parent
SLOW_MARKERS = ("e2e", "celery")


def _commits(item) -> bool:
    db = item.get_closest_marker("django_db")
    return bool(db and db.kwargs.get("transaction")) or any(item.get_closest_marker(m) for m in SLOW_MARKERS)


def pytest_collection_modifyitems(config, items):
    """Tests that commit (threads, live server, worker) flush the database afterwards: they run last,
    and reload the reference data with the ``reference`` fixture."""
    items.sort(key=_commits)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The reference data (130 communes, their outlines and collectivities) is loaded once."""
    with django_db_blocker.unblock():
        load_reference()


@pytest.fixture
def reference(django_db_blocker):
    """Reloads the reference data where a transactional test flushed it."""
    with django_db_blocker.unblock():
        if not Territory.objects.exists():
            load_reference()


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters and cached pages must not leak from one test to the next.
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _results_can_be_awaited():
    """Celery's « a task is running here, do not wait for a result » flag is one global of the process, saved and
    restored around each eager task: two threads running eager tasks at once (the race tests) can restore it the
    wrong way round and leave it set, and a later test waiting for a real worker's result then fails with « Never
    call result.get() within a task! ». No test runs inside a task: it starts unset."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture
def world(db, reference):
    return build_world()


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgis://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker process, on the test Redis database and the test PostGIS database."""
    from sman.celery import app

    mail_dir = tmp_path_factory.mktemp("worker-mail")
    with django_db_blocker.unblock():
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": _database_url(),
            "SMAN_TEST_EMAIL_DIR": str(mail_dir),
        }
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 — closed at teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sman", "worker", "--pool=solo", "--loglevel=WARNING",
         "-n", f"pytest-{os.getpid()}@%h", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            pytest.fail(f"Celery worker exited: {log_path.read_text()[-2000:]}")
        if app.control.ping(timeout=0.5, destination=[f"pytest-{os.getpid()}@{os.uname().nodename}"]):
            break
    else:
        proc.kill()
        pytest.fail("Celery worker did not answer within 60 s")
    proc.mail_dir = mail_dir  # e-mails the worker sent, one file per connection
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path):
    """A Redis server of this test's own, that the test may stop."""
    port = free_port()
    proc = subprocess.Popen(
        [
            shutil.which("redis-server"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield proc, url
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)

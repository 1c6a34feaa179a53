"""A real worker process and a real Redis: /healthz and the Celery round trip."""

import os

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from sman.celery import app

from ..conftest import free_port

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_task_runs_in_a_worker_process(celery_worker_process):
    result = app.send_task("sman.tasks.worker_identity", kwargs={"value": 12})
    answer = result.get(timeout=30)
    assert answer["square"] == 144
    assert answer["pid"] == celery_worker_process.pid != os.getpid()


def test_worker_writes_to_the_test_database(celery_worker_process, reference):
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(days=1)
    )
    live = SessionStore()
    live.create()
    deleted = app.send_task("sman.tasks.clear_expired_sessions").get(timeout=30)
    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_healthz_reports_every_dependency(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"
    assert body["checks"]["celery"]["status"].startswith("ok")


def test_healthz_with_redis_stopped(client, celery_worker_process, private_redis):
    proc, url = private_redis
    with override_settings(REDIS_URL=url):
        assert client.get("/healthz").status_code == 200
        proc.terminate()
        proc.wait(timeout=10)
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["redis"]["status"] == "error" and "Connection" in body["checks"]["redis"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"


def test_healthz_with_the_broker_unreachable(client):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["celery"]["status"] == "error"

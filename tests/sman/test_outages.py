"""The portal with Redis or PostgreSQL down: people can still sign in, pages say nothing technical."""

import json
import os
import subprocess
import sys
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from sman.throttling import ClientRateThrottle

from ..conftest import ROOT, free_port
from ..factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "mot-de-passe-de-test"


@pytest.fixture
def redis_down(private_redis):
    """The cache on a Redis of its own, then that Redis stopped."""
    proc, url = private_redis
    caches = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": url}}
    with override_settings(CACHES=caches):
        proc.terminate()
        proc.wait(timeout=10)
        yield


def test_sign_in_works_with_redis_down(redis_down):
    user, client = UserFactory(), Client()
    response = client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/espace/"
    assert client.get("/espace/").status_code == 200
    assert client.get("/").status_code == 200


def test_the_login_lockout_still_holds_with_redis_down(redis_down):
    """The rate limits fall back to the database: conservative, not open."""
    user, client = UserFactory(), Client()
    for _ in range(5):
        client.post("/comptes/login/", {"login": user.email, "password": "mauvais"})
    client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_the_second_factor_works_and_refuses_a_replayed_code_with_redis_down(redis_down):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    user = UserFactory(staff=True, mfa=False)
    TOTP.activate(user, secret)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    first = Client()
    first.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    first.post("/comptes/2fa/authenticate/", {"code": code})
    assert first.get("/admin/").status_code == 200
    second = Client()  # the same code again, from another browser: the replay guard lives in the cache
    second.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    second.post("/comptes/2fa/authenticate/", {"code": code})
    assert second.get("/admin/").status_code == 302


def test_api_reads_fail_open_with_redis_down(redis_down, monkeypatch):
    monkeypatch.setitem(ClientRateThrottle.THROTTLE_RATES, "anon", "3/minute")
    api = APIClient()
    codes = {api.get("/api/territories/", {"kind": "ept"}).status_code for _ in range(6)}
    assert codes == {200}
    assert api.post("/api/pass/tickets/check/", {"code": "x"}).status_code == 401  # an answer, not a 500


def test_throttling_still_applies_when_redis_is_up(monkeypatch):
    monkeypatch.setitem(ClientRateThrottle.THROTTLE_RATES, "anon", "3/minute")
    api = APIClient()
    assert [api.get("/api/territories/", {"kind": "ept"}).status_code for _ in range(4)] == [200, 200, 200, 429]


PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
out = {}
for url in ["/", "/territoires/", "/feuille-de-route/", "/api/territories/", "/healthz", "POST /comptes/login/"]:
    r = client.post(url[5:], {"login": "a@exemple.fr", "password": "x"}) if url[:5] == "POST " else client.get(url)
    out[url] = [r.status_code, r.headers.get("Content-Type", ""), r.content.decode()[:2000]]
print(json.dumps(out))
"""


def test_pages_answer_a_french_503_with_postgresql_down():
    """A portal process whose database does not answer (nothing listens on its port)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"postgis://sman@127.0.0.1:{free_port()}/sman",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    for url in ["/", "/territoires/", "/feuille-de-route/", "POST /comptes/login/"]:
        status, content_type, body = answers[url]
        assert status == 503, (url, status)
        assert "Service momentanément indisponible" in body and "OperationalError" not in body
    status, content_type, body = answers["/api/territories/"]
    assert status == 503 and content_type == "application/json" and "indisponible" in json.loads(body)["detail"]
    status, _, body = answers["/healthz"]
    assert status == 503 and json.loads(body)["checks"]["database"]["status"] == "error"


@pytest.fixture
def broker_down():
    """Tasks really published (not run eagerly) to a Redis that does not answer."""
    from sman.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, f"redis://127.0.0.1:{free_port()}/0"
    app._pool = app.amqp._producer_pool = None  # connections are made again, to the dead broker
    yield
    app.conf.task_always_eager, app.conf.broker_url = saved
    app._pool = app.amqp._producer_pool = None


def test_with_the_broker_down_a_request_is_accepted_and_nothing_is_lost(
    broker_down, django_capture_on_commit_callbacks
):
    from django.core import mail

    from passnumerique.tasks import monthly_statements
    from sman.models import Job, Organisation

    # A job: its row stays pending, for recover_jobs to send once Redis is back.
    assert monthly_statements.delay() is None
    job = Job.objects.get(task_name="passnumerique.tasks.monthly_statements")
    assert job.state == Job.State.PENDING and job.queued_at is not None
    # An e-mail: sent from the web process instead of being lost; the page answers as usual.
    decider = UserFactory(staff=True)  # Montreuil has no admin here: staff decide, and are told
    client = Client()
    client.force_login(UserFactory())  # a citizen: no second factor involved
    organisation = Organisation.objects.get(kind="collectivity", territory__code="93048")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/espace/rejoindre/", {"organisation": organisation.pk, "job_title": "Agente d'accueil", "message": ""}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [decider.email]

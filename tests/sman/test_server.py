"""The web server as `make run` and the Docker image start it: gunicorn with sman/gunicorn.conf.py, on the
test database. It serves pages, static files (WhiteNoise) and many clients at once, turning none away."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "sman" / "gunicorn.conf.py"
STATIC_FILE = "css/portal.css"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, timeout: float = 15) -> tuple[int, dict, bytes, float]:
    """One request on a connection of its own: status, headers, body, and the seconds the connection took
    to open."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        start = time.perf_counter()
        conn.connect()
        connect_seconds = time.perf_counter() - start
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(), connect_seconds
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn with the project's settings file, on a free port, against the test database and Redis.
    Two workers (WEB_CONCURRENCY) instead of one per core and more, so that it starts in a few seconds."""
    port = _free_port()
    with django_db_blocker.unblock():
        s = connection.settings_dict
        database_url = f"postgis://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "SMAN_WEB_HOST": "127.0.0.1",
        "SMAN_WEB_PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    env.pop("GUNICORN_CMD_ARGS", None)
    log_path = tmp_path_factory.mktemp("gunicorn") / "web.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {log_path.read_text()[-2000:]}")
            try:
                _get(port, f"/static/{STATIC_FILE}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer within 30 s: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
        proc.port, proc.log_path = port, log_path
        yield proc
    finally:
        proc.send_signal(signal.SIGQUIT)  # quick shutdown: nothing is in flight, no need to wait for it
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_gunicorn_serves_the_portal_with_the_project_settings(server, reference):
    status, headers, body, _ = _get(server.port, "/")
    assert status == 200
    assert headers["server"].startswith("gunicorn")
    assert "text/html" in headers["content-type"]
    assert "Métropole" in body.decode()
    # The access log, on standard output; its line is written once the response has gone.
    deadline = time.monotonic() + 5
    while '"GET / HTTP/1.1" 200' not in (log := server.log_path.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert '"GET / HTTP/1.1" 200' in log
    assert f"Listening at: http://127.0.0.1:{server.port}" in log
    assert "Using worker: gthread" in log
    assert log.count("Booting worker with pid") == 2


def test_whitenoise_serves_static_files(server):
    status, headers, body, _ = _get(server.port, f"/static/{STATIC_FILE}")
    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert body == (ROOT / "static" / STATIC_FILE).read_bytes()
    assert _get(server.port, "/static/css/absent.css")[0] == 404


def test_fifty_simultaneous_connections_all_get_their_page(server, reference):
    clients = 50
    start_line = threading.Barrier(clients, timeout=30)

    def client(n: int) -> tuple[int, float]:
        start_line.wait()  # every connection opened at the same moment
        status, _, _, connect_seconds = _get(server.port, "/" if n % 2 else f"/static/{STATIC_FILE}", timeout=30)
        return status, connect_seconds

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(client, range(clients)))  # a connection reset or timed out raises here
    assert [status for status, _ in results] == [200] * clients
    # None turned away, even for a moment: when the listen queue is full, the server's kernel drops the SYN
    # and the client's sends it again a second later (Django's development server, whose queue holds 10,
    # made most of 50 simultaneous connections wait that second).
    assert max(seconds for _, seconds in results) < 0.9

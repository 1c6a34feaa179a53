"""Liveness of the portal's dependencies, for /healthz."""

import redis
from django.conf import settings
from django.db import connection

from .celery import app as celery_app

TIMEOUT = 2.0


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_celery() -> str:
    """At least one worker answers a ping through the broker."""
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT)
        replies = celery_app.control.ping(timeout=TIMEOUT, connection=conn)
    if not replies:
        raise RuntimeError("aucun worker Celery ne répond")
    return f"ok ({len(replies)} worker{'s' if len(replies) > 1 else ''})"


CHECKS = {"database": check_database, "redis": check_redis, "celery": check_celery}


def run_checks() -> tuple[bool, dict]:
    results, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            results[name] = {"status": check()}
        except Exception as exc:  # noqa: BLE001 — any failure is reported, never raised
            healthy = False
            results[name] = {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:300]}
    return healthy, results

"""Test settings: the real PostGIS and Redis of `make test`, on a Redis database of their own."""

import os
from urllib.parse import urlsplit, urlunsplit

from sman.settings import *  # noqa: F403
from sman.settings import REDIS_URL as BASE_REDIS_URL


def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# Never share a Redis database with a running `make run` (its worker would take our tasks).
REDIS_URL = os.environ.get("SMAN_TEST_REDIS_URL") or _redis_db(BASE_REDIS_URL, 9)
# The cache is cleared between tests (FLUSHDB): it must not share the broker's database.
CACHES = {
    **CACHES,  # noqa: F405
    "default": {**CACHES["default"], "LOCATION": _redis_db(REDIS_URL, 10), "KEY_PREFIX": ""},  # noqa: F405
}
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
# Code under test runs its tasks in-process (real task code, no broker round trip); tests that are
# about the worker itself send tasks with `send_task` to a real worker process (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_STORE_EAGER_RESULT = True

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("SMAN_TEST_EMAIL_DIR"):  # the test worker process: its e-mails land where tests read them
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["SMAN_TEST_EMAIL_DIR"]
# No map tiles: tests never leave the machine.
MAP_TILES_URL = ""
LEAFLET_CONFIG = {**LEAFLET_CONFIG, "TILES": []}  # noqa: F405
SITE_URL = "http://testserver"
# Private files written by tests (and by the test worker) stay out of the development folder.
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {
        "BACKEND": "sman.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(BASE_DIR / "var" / "test-private")},  # noqa: F405
    },
}

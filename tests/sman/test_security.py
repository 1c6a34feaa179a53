import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "sman.settings",
    "SMAN_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "portail.example.org",
    "EMAIL_URL": "smtp+tls://portail:secret@smtp.example.org:587",
}


def _check(*args, **env_changes):
    env = {**os.environ, **PRODUCTION_ENV, **env_changes}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name in [k for k, v in env.items() if v is None]:
        env.pop(name)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production_mode():
    result = _check("--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("email_url", [None, "consolemail://", "filemail:///tmp/courriels"])
def test_production_refuses_to_start_without_a_real_mail_server(email_url):
    """Password-reset links must never end up in a log or a file: production needs an SMTP server."""
    result = _check(EMAIL_URL=email_url)
    assert result.returncode != 0 and "EMAIL_URL" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _check(DJANGO_SECRET_KEY=None)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_security_headers_on_pages(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_uploaded_files_are_not_served_publicly(client, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("prive/piece.txt", ContentFile(b"confidentiel"))
    try:
        with pytest.raises(NotImplementedError):
            default_storage.url(name)
        assert client.get(f"/media/{name}").status_code == 404
        assert client.get(f"/{name}").status_code == 404
    finally:
        default_storage.delete(name)

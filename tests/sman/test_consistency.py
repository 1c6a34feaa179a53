"""Project-wide rules."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from sman.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_migrations_are_committed():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_periodic_job_names_a_registered_task():
    app.loader.import_default_modules()
    assert app.conf.beat_schedule
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task {entry['task']}"


def test_long_jobs_are_recovered_sooner_than_the_broker_would():
    """A dead worker's job is sent again by the recovery task, every minute, once its heartbeat is stale;
    the broker's visibility timeout stays longer than any countdown (else a delayed task runs twice) and
    than the longest task, without making a dead worker's other tasks wait hours."""
    from sman.celery import BaseTask

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert BaseTask.retry_backoff_max < visibility <= 3600
    assert BaseTask.retry_backoff_max < settings.JOBS_PENDING_SECONDS
    assert settings.JOBS_STALL_SECONDS >= 5 * settings.JOBS_HEARTBEAT_SECONDS
    recovery = [e for e in app.conf.beat_schedule.values() if e["task"] == "sman.tasks.recover_jobs"]
    assert len(recovery) == 1 and recovery[0]["schedule"] <= settings.JOBS_STALL_SECONDS / 2


def test_every_job_task_names_a_job_model():
    from sman.jobs import DONE, FAILED, PENDING, RUNNING, AbstractJob, job_models, job_tasks

    app.loader.import_default_modules()
    kinds = job_tasks()
    assert {
        "ftth.tasks.import_file", "actions.tasks.generate_report", "fmin.tasks.render_application_pdf",
        "fmin.tasks.render_decision_letter", "passnumerique.tasks.monthly_statements",
        "passnumerique.tasks.render_booklet_sheets",
    } <= set(kinds)  # fmt: skip
    models = job_models()
    assert {task.row_model() for task in kinds.values()} == set(models)
    common = {field.name for field in AbstractJob._meta.get_fields()}
    assert {"state", "requested_by", "created_at", "started_at", "finished_at", "heartbeat_at", "attempts", "error",
            "error_detail", "file", "checksum", "task_name", "task_args"} <= common  # fmt: skip
    for model in models:
        assert issubclass(model, AbstractJob)
        # A model may extend the states (sman.jobs.state_field), never drop one of the four.
        state = model._meta.get_field("state")
        assert {PENDING, RUNNING, DONE, FAILED} <= {value for value, _ in state.choices}, model
        assert state.default == PENDING and set(model.State.values) == {value for value, _ in state.choices}, model
        assert common <= {field.name for field in model._meta.get_fields()}, model


def test_project_tasks_ack_late_and_retry_with_backoff():
    app.loader.import_default_modules()
    project_tasks = [t for name, t in app.tasks.items() if name.startswith("sman.")]
    assert project_tasks
    for task in project_tasks:
        assert task.acks_late and task.retry_backoff and task.max_retries, task.name


def test_templates_have_no_inline_script_or_style():
    """The Content-Security-Policy forbids inline code."""
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert "<script>" not in text and "style=" not in text and "<style" not in text, path


def test_the_project_does_not_read_shared_at_run_time():
    for path in ROOT.glob("[!.]*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        assert "shared/" not in path.read_text(), path


def test_every_environment_variable_is_documented_in_the_readme():
    import re

    settings_text = (ROOT / "sman" / "settings.py").read_text()
    names = set(re.findall(r"env(?:\.\w+)?\(\s*[\"']([A-Z_]+)[\"']", settings_text))
    names |= set(re.findall(r"env\.\w+\(\s*\n?\s*[\"']([A-Z_]+)[\"']", settings_text))
    names |= set(re.findall(r"env\.\w+\('([A-Z_]+)'", settings_text))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMAN_PG_PORT"} <= names
    # The web server's own settings file reads a few more.
    gunicorn_text = (ROOT / "sman" / "gunicorn.conf.py").read_text()
    gunicorn_names = set(re.findall(r"os\.environ\.get\(\s*[\"']([A-Z_]+)[\"']", gunicorn_text))
    assert {"SMAN_WEB_PORT", "WEB_CONCURRENCY"} <= gunicorn_names
    names |= gunicorn_names
    readme = (ROOT / "README.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"variables missing from README: {missing}"

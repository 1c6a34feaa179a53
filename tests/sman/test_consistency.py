"""Project-wide rules."""

import ast
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
    tasks = project_tasks()
    assert app.conf.beat_schedule
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task {entry['task']}"
        assert entry["task"] in tasks, f"beat entry {name} names {entry['task']}, not a task of the project's apps"


# --- Every Celery task of every app is sent by something ----------------------------------------------------
# Tasks that only people or tools send, by name (nothing in the code nor beat does): each with its reason.
ON_DEMAND = {
    "sman.tasks.worker_identity": "round trip of a worker, sent by name to check that it answers "
    "(tests/sman/test_health_and_celery.py, by hand when diagnosing a worker)",
}


def project_apps() -> list:
    """The installed apps whose code is this repository's (not the virtualenv's packages)."""
    from django.apps import apps

    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and ".venv" not in Path(config.path).relative_to(ROOT).parts
    ]


def project_tasks() -> dict:
    """Task name → task, for every task the Celery app registered from the project's apps."""
    app.loader.import_default_modules()
    packages = {config.name for config in project_apps()}
    return {name: task for name, task in app.tasks.items() if name.split(".")[0] in packages}


def _source_files():
    for config in project_apps():
        for path in Path(config.path).rglob("*.py"):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_from(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module of ``from <module> import …`` in the file at ``path`` (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = _module_of(path).split(".")
    package = package if path.name == "__init__.py" else package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def references(task_name: str) -> list[str]:
    """Where the project's code (tests excluded) sends or hands on the task: its function imported from its
    module (``from .tasks import send_email``), read as ``tasks.<name>`` after ``from . import tasks``, used
    in its own module (``notify_subscribers.delay(…)``), or its full name in a string (``send_task``)."""
    module, _, function = task_name.rpartition(".")
    found = []
    for path in _source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        in_own_module = _module_of(path) == module
        aliases = set()  # names bound to the task's module in this file
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _imported_from(path, node)
                for alias in node.names:
                    if source == module and alias.name == function:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                    if f"{source}.{alias.name}" == module:
                        aliases.add(alias.asname or alias.name)
        for node in ast.walk(tree):
            used = (
                (isinstance(node, ast.Attribute) and node.attr == function
                 and isinstance(node.value, ast.Name) and node.value.id in aliases)
                or (in_own_module and isinstance(node, ast.Name) and node.id == function
                    and isinstance(node.ctx, ast.Load))
                or (isinstance(node, ast.Constant) and node.value == task_name)
            )  # fmt: skip
            if used:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _beat_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {entry["task"] for entry in app.conf.beat_schedule.values()}


def unsent_tasks() -> list[str]:
    """The project's tasks that beat does not run, that no code sends and that ON_DEMAND does not list."""
    beat = _beat_tasks()
    return sorted(name for name in project_tasks() if name not in beat | ON_DEMAND.keys() and not references(name))


def test_every_task_of_every_app_is_periodic_sent_by_the_code_or_on_demand():
    tasks = project_tasks()
    apps_with_tasks = {config.name for config in project_apps() if (Path(config.path) / "tasks.py").exists()}
    assert apps_with_tasks <= {name.split(".")[0] for name in tasks}, "an app's tasks.py registered no task"
    missing = unsent_tasks()
    assert not missing, (
        "tasks in no beat entry (ModuleConfig.beat), sent by no code and not in ON_DEMAND:\n" + "\n".join(missing)
    )


def test_the_check_finds_who_sends_each_kind_of_task():
    def files(task_name):
        return {where.partition(":")[0] for where in references(task_name)}

    assert files("sman.tasks.send_email") == {"sman/emails.py"}  # imported, then handed to _send
    assert files("ftth.tasks.notify_subscribers") == {"ftth/tasks.py"}  # sent by the import, in its own module
    assert "actions/services.py" in files("actions.tasks.generate_report")  # a job, sent by its service
    assert "ftth/management/commands/import_ftth.py" in files("ftth.tasks.import_file")
    assert files("sman.tasks.worker_identity") == set()


def test_a_task_added_to_an_app_and_sent_by_nothing_fails_the_check():
    @app.task(name="fmin.tasks.forgotten_task")
    def forgotten_task():
        return None

    try:
        assert "fmin.tasks.forgotten_task" in project_tasks()
        assert unsent_tasks() == ["fmin.tasks.forgotten_task"]
    finally:
        app.tasks.unregister("fmin.tasks.forgotten_task")
    assert unsent_tasks() == []


def test_on_demand_lists_only_tasks_that_nothing_else_sends():
    tasks = project_tasks()
    for name in ON_DEMAND:
        assert name in tasks, f"ON_DEMAND lists {name}, not a task of the project"
        assert name not in _beat_tasks() and not references(name), f"{name} is sent by beat or the code"


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


def test_every_task_of_every_app_acks_late_and_retries_with_backoff():
    """Tasks are idempotent and safe to retry (DESIGN.md): every task of every app is built on BaseTask (late
    acknowledgement, a task whose worker died is delivered again, bounded retries with backoff)."""
    from sman.celery import BaseTask

    tasks = project_tasks()
    assert {name.split(".")[0] for name in tasks} >= {"sman", "actions", "fmin", "ftth", "passnumerique"}
    for task in tasks.values():
        assert isinstance(task, BaseTask), f"{task.name} is not built on sman.celery.BaseTask"
        assert task.acks_late and task.reject_on_worker_lost, task.name
        assert task.retry_backoff and 0 < task.max_retries <= BaseTask.max_retries, task.name


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

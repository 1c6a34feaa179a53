"""The migrations to the one job model keep the data of existing rows: a COPIL report's state, request and
production times are renamed columns; an old failure's message (the exception) becomes the technical detail
and people read the French sentence; and back."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from actions.services import copil_session_create
from sman import jobs

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

BEFORE = [("actions", "0004_indicator_value_territory"), ("sman", "0008_remove_user_role_flags")]
AFTER = [("actions", "0005_report_job_columns"), ("sman", "0009_job_result_file_and_error_detail")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_reports_and_jobs_keep_their_data_through_the_migrations(reference):
    staff = UserFactory(staff=True)
    session = copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: the tables can be altered
    _migrate(BEFORE)
    insert = (
        "INSERT INTO actions_report (session_id, status, requested_by_id, requested_at, started_at, generated_at,"
        " file, checksum, size, error, heartbeat_at, attempts, queued_at, task_name, task_args, task_kwargs)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, 1, NULL, 'actions.tasks.generate_report', '[]', '{}')"
        " RETURNING id"
    )
    done = _rows(
        insert,
        [session.pk, "done", staff.pk, "2020-06-16 10:00+02", "2020-06-16 10:00:05+02", "2020-06-16 10:00:30+02",
         "reports/rapport.pdf", "a" * 64, 123_456, ""],
    )[0][0]  # fmt: skip
    failed = _rows(
        insert,
        [session.pk, "failed", staff.pk, "2020-06-17 10:00+02", "2020-06-17 10:00:05+02", None, "", "", None,
         "TemplateSyntaxError : balise inconnue"],
    )[0][0]  # fmt: skip
    interrupted = _rows(
        insert,
        [session.pk, "failed", None, "2020-06-18 10:00+02", None, None, "", "", None, jobs.interruption_reason(3)],
    )[0][0]  # fmt: skip
    job = _rows(
        "INSERT INTO sman_job (state, created_at, error, attempts, task_name, task_args, task_kwargs)"
        " VALUES ('failed', now(), 'Decision.DoesNotExist : introuvable', 1, 'fmin.tasks.render_decision_letter',"
        " '[1]', '{}') RETURNING id"
    )[0][0]

    _migrate(AFTER)
    report_sql = (
        "SELECT state, requested_by_id, created_at::text, finished_at::text, file, checksum, size, error, error_detail"
        " FROM actions_report WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Paris'")
    assert _rows(report_sql, [done]) == [
        ("done", staff.pk, "2020-06-16 10:00:00+02", "2020-06-16 10:00:30+02", "reports/rapport.pdf", "a" * 64,
         123_456, "", ""),
    ]  # fmt: skip
    assert _rows(report_sql, [failed]) == [
        ("failed", staff.pk, "2020-06-17 10:00:00+02", None, "", "", None, jobs.UNEXPECTED_FAILURE,
         "TemplateSyntaxError : balise inconnue"),
    ]  # fmt: skip
    assert _rows("SELECT error, error_detail FROM actions_report WHERE id = %s", [interrupted]) == [
        (jobs.interruption_reason(3), "")  # already French: kept
    ]
    assert _rows("SELECT error, error_detail FROM sman_job WHERE id = %s", [job]) == [
        (jobs.UNEXPECTED_FAILURE, "Decision.DoesNotExist : introuvable")
    ]

    _migrate(BEFORE)
    assert _rows("SELECT status, requested_at::text, generated_at::text, error FROM actions_report"
                 " WHERE id = ANY(%s) ORDER BY id", [[done, failed]]) == [
        ("done", "2020-06-16 10:00:00+02", "2020-06-16 10:00:30+02", ""),
        ("failed", "2020-06-17 10:00:00+02", None, "TemplateSyntaxError : balise inconnue"),
    ]  # fmt: skip
    assert _rows("SELECT error FROM sman_job WHERE id = %s", [job]) == [("Decision.DoesNotExist : introuvable",)]
    _migrate(AFTER)

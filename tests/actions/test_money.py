"""Money in whole cents: the migration converts exactly, the budget form reads French euros, pages show them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from actions.forms import BudgetLineForm
from actions.models import BudgetLine

from ..auth import login

pytestmark = pytest.mark.django_db
INVALID = "Saisissez un montant en euros, par exemple 12 500 ou 12 500,50."


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("actions", target)])


def _one(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_the_migration_converts_euros_to_cents_exactly_and_back(plan_action):
    line = BudgetLine.objects.create(action=plan_action, year=2031)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: the tables can be altered
    _migrate("0002_report_job")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE actions_budgetline SET allocated = 1234.56, spent = 0.29 WHERE id = %s", [line.pk])
        cursor.execute("UPDATE actions_historicalbudgetline SET allocated = 1234.56 WHERE id = %s", [line.pk])
        cursor.execute("UPDATE actions_action SET budget_estimate = 200000.05 WHERE id = %s", [plan_action.pk])
    _migrate("0003_money_in_cents")
    sql = "SELECT allocated_cents, committed_cents, spent_cents FROM actions_budgetline WHERE id = %s"
    assert _one(sql, [line.pk]) == (123456, 0, 29)
    assert _one("SELECT allocated_cents FROM actions_historicalbudgetline WHERE id = %s", [line.pk]) == (123456,)
    assert _one("SELECT budget_estimate_cents FROM actions_action WHERE id = %s", [plan_action.pk]) == (20000005,)
    _migrate("0002_report_job")
    sql = "SELECT allocated, spent FROM actions_budgetline WHERE id = %s"
    assert _one(sql, [line.pk]) == (Decimal("1234.56"), Decimal("0.29"))
    _migrate("0003_money_in_cents")


def test_the_budget_form_reads_euros_with_a_french_comma():
    amounts = {"allocated_cents": "1 234,50", "committed_cents": "0", "spent_cents": "1234.5"}
    form = BudgetLineForm({"year": "2024", **amounts})
    assert form.is_valid(), form.errors
    assert [form.cleaned_data[k] for k in amounts] == [123450, 0, 123450]
    for wrong in ("12,345", "abc"):
        form = BudgetLineForm({"year": "2024", **amounts, "allocated_cents": wrong})
        assert not form.is_valid() and form.errors["allocated_cents"] == [INVALID]
    assert BudgetLineForm(instance=BudgetLine(allocated_cents=123450))["allocated_cents"].value() == "1 234,50"


def test_the_action_page_shows_french_euros(client, plan_action, owner):
    plan_action.budget_lines.all().delete()
    BudgetLine.objects.create(action=plan_action, year=2024, allocated_cents=123450, spent_cents=100)
    plan_action.budget_estimate_cents = 20_000_000
    plan_action.save()
    page = login(client, owner).get(plan_action.get_absolute_url()).content.decode()
    assert "1\u202f234,50\u00a0€" in page and "1,00\u00a0€" in page
    assert "Budget prévisionnel : 200\u202f000,00\u00a0€ HT" in page

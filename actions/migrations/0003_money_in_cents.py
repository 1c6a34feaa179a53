"""Money in whole cents: every euro DecimalField becomes a ``*_cents`` integer, converted exactly (history too)."""

from django.db import migrations, models

# (table, old column, new column)
COLUMNS = [
    (table, old, f"{old}_cents")
    for tables, columns in (
        (("actions_action", "actions_historicalaction"), ("budget_estimate",)),
        (("actions_budgetline", "actions_historicalbudgetline"), ("allocated", "committed", "spent")),
    )
    for table in tables
    for old in columns
]
# The UPDATEs leave deferred foreign-key checks pending, and PostgreSQL refuses to ALTER a table that has
# some ("pending trigger events") in the same transaction: run them now (until the migration's transaction
# ends, checks then run at each statement).
CHECK_NOW = ["SET CONSTRAINTS ALL IMMEDIATE"]
FORWARD = [f"UPDATE {table} SET {new} = ROUND({old} * 100)" for table, old, new in COLUMNS] + CHECK_NOW
BACKWARD = [f"UPDATE {table} SET {old} = {new} / 100.0" for table, old, new in COLUMNS] + CHECK_NOW


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0002_report_job'),
    ]

    operations = [
        migrations.AddField(
            model_name='action',
            name='budget_estimate_cents',
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name='budget prévisionnel (centimes HT)'),
        ),
        migrations.AddField(
            model_name='budgetline',
            name='allocated_cents',
            field=models.PositiveBigIntegerField(default=0, verbose_name='alloué (centimes)'),
        ),
        migrations.AddField(
            model_name='budgetline',
            name='committed_cents',
            field=models.PositiveBigIntegerField(default=0, verbose_name='engagé (centimes)'),
        ),
        migrations.AddField(
            model_name='budgetline',
            name='spent_cents',
            field=models.PositiveBigIntegerField(default=0, verbose_name='dépensé (centimes)'),
        ),
        migrations.AddField(
            model_name='historicalaction',
            name='budget_estimate_cents',
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name='budget prévisionnel (centimes HT)'),
        ),
        migrations.AddField(
            model_name='historicalbudgetline',
            name='allocated_cents',
            field=models.PositiveBigIntegerField(default=0, verbose_name='alloué (centimes)'),
        ),
        migrations.AddField(
            model_name='historicalbudgetline',
            name='committed_cents',
            field=models.PositiveBigIntegerField(default=0, verbose_name='engagé (centimes)'),
        ),
        migrations.AddField(
            model_name='historicalbudgetline',
            name='spent_cents',
            field=models.PositiveBigIntegerField(default=0, verbose_name='dépensé (centimes)'),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveField(
            model_name='action',
            name='budget_estimate',
        ),
        migrations.RemoveField(
            model_name='budgetline',
            name='allocated',
        ),
        migrations.RemoveField(
            model_name='budgetline',
            name='committed',
        ),
        migrations.RemoveField(
            model_name='budgetline',
            name='spent',
        ),
        migrations.RemoveField(
            model_name='historicalaction',
            name='budget_estimate',
        ),
        migrations.RemoveField(
            model_name='historicalbudgetline',
            name='allocated',
        ),
        migrations.RemoveField(
            model_name='historicalbudgetline',
            name='committed',
        ),
        migrations.RemoveField(
            model_name='historicalbudgetline',
            name='spent',
        ),
    ]

"""Money in whole cents: every euro DecimalField becomes a ``*_cents`` integer, converted exactly."""

from django.db import migrations, models

# (table, old column, new column)
COLUMNS = [
    ("passnumerique_order", "face_value", "face_value_cents"),
    ("passnumerique_ticket", "value", "value_cents"),
    ("passnumerique_statement", "amount", "amount_cents"),
    ("passnumerique_creditnote", "amount", "amount_cents"),
]
# The UPDATEs leave deferred foreign-key checks pending, and PostgreSQL refuses to ALTER a table that has
# some ("pending trigger events") in the same transaction: run them now (until the migration's transaction
# ends, checks then run at each statement).
CHECK_NOW = ["SET CONSTRAINTS ALL IMMEDIATE"]
FORWARD = [f"UPDATE {table} SET {new} = ROUND({old} * 100)" for table, old, new in COLUMNS] + CHECK_NOW
BACKWARD = [f"UPDATE {table} SET {old} = {new} / 100.0" for table, old, new in COLUMNS] + CHECK_NOW


class Migration(migrations.Migration):
    dependencies = [("passnumerique", "0001_initial")]

    operations = [
        migrations.AddField(
            "order", "face_value_cents",
            models.PositiveBigIntegerField(default=1000, verbose_name="valeur d'un ticket (centimes)"),
        ),
        migrations.AddField(
            "ticket", "value_cents", models.PositiveBigIntegerField(default=0, verbose_name="valeur (centimes)")
        ),
        migrations.AddField(
            "statement", "amount_cents", models.PositiveBigIntegerField(default=0, verbose_name="montant (centimes)")
        ),
        migrations.AddField(
            "creditnote", "amount_cents", models.PositiveBigIntegerField(default=0, verbose_name="montant (centimes)")
        ),
        # The euro columns become nullable first, so that going backwards re-adds them on filled tables.
        migrations.AlterField("order", "face_value", models.DecimalField(max_digits=12, decimal_places=2, null=True)),
        migrations.AlterField("ticket", "value", models.DecimalField(max_digits=12, decimal_places=2, null=True)),
        migrations.AlterField("statement", "amount", models.DecimalField(max_digits=12, decimal_places=2, null=True)),
        migrations.AlterField("creditnote", "amount", models.DecimalField(max_digits=12, decimal_places=2, null=True)),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.AlterField("ticket", "value_cents", models.PositiveBigIntegerField(verbose_name="valeur (centimes)")),
        migrations.AlterField(
            "statement", "amount_cents", models.PositiveBigIntegerField(verbose_name="montant (centimes)")
        ),
        migrations.AlterField(
            "creditnote", "amount_cents", models.PositiveBigIntegerField(verbose_name="montant (centimes)")
        ),
        migrations.RemoveField("order", "face_value"),
        migrations.RemoveField("ticket", "value"),
        migrations.RemoveField("statement", "amount"),
        migrations.RemoveField("creditnote", "amount"),
    ]  # fmt: skip

from django.db import migrations


class Migration(migrations.Migration):
    """The schema of the import's unlogged work tables (ftth/imports.py), apart from the application's."""

    dependencies = [
        ("ftth", "0008_street_name_index"),
    ]

    operations = [
        migrations.RunSQL("CREATE SCHEMA IF NOT EXISTS ftth_staging", "DROP SCHEMA IF EXISTS ftth_staging CASCADE"),
    ]

from django.core.management import call_command
from django.db import migrations

TABLE = "sman_cache_fallback"  # settings.CACHES["fallback"]["LOCATION"]


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f'DROP TABLE IF EXISTS "{TABLE}"')


class Migration(migrations.Migration):
    """The table of the cache used while Redis is unreachable (sman/cache.py)."""

    dependencies = [("sman", "0002_api_tokens")]

    operations = [migrations.RunPython(create, drop)]

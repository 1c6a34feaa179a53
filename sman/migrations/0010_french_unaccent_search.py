from django.db import migrations

CREATE = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'fr_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION fr_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    """The French full-text configuration of sman/search.py: french stemming after unaccent (the unaccent and
    pg_trgm extensions come from 0001)."""

    dependencies = [("sman", "0009_job_result_file_and_error_detail")]

    operations = [
        migrations.RunSQL(CREATE, "DROP TEXT SEARCH CONFIGURATION IF EXISTS fr_unaccent;"),
    ]

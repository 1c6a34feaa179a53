import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

STATUSES = [
    ("target", "ciblé"),
    ("signed", "convention signée"),
    ("in_progress", "en cours de déploiement"),
    ("connectable", "raccordable"),
    ("on_demand", "raccordable sur demande"),
    ("on_demand_in_progress", "raccordable sur demande, en cours de déploiement"),
    ("abandoned", "abandonné"),
]

# Each building's first status change (status_from = '') becomes its first_status / first_seen_at.
FORWARD = """
UPDATE ftth_building b SET first_status = c.status_to, first_seen_at = c.changed_at
FROM ftth_buildingstatuschange c WHERE c.building_id = b.id AND c.status_from = '';
UPDATE ftth_building b
SET first_status = coalesce(
      (SELECT c.status_from FROM ftth_buildingstatuschange c WHERE c.building_id = b.id ORDER BY c.changed_at, c.id
       LIMIT 1), b.status),
    first_seen_at = least(b.updated_at,
      (SELECT min(c.changed_at) FROM ftth_buildingstatuschange c WHERE c.building_id = b.id))
WHERE b.first_status = '';
DELETE FROM ftth_buildingstatuschange WHERE status_from = '';
"""
BACKWARD = """
INSERT INTO ftth_buildingstatuschange (building_id, status_from, status_to, changed_at, run_id)
SELECT id, '', first_status, first_seen_at, first_run_id FROM ftth_building;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ftth", "0006_faster_imports_search_tiles"),
        ("sman", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="building",
            name="commune",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sman.territory",
                verbose_name="commune",
            ),
        ),
        migrations.AddField(
            model_name="building",
            name="first_status",
            field=models.CharField(
                choices=STATUSES, default="", max_length=30, verbose_name="statut à la première apparition"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="building",
            name="first_seen_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="première apparition le"),
            preserve_default=False,
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]

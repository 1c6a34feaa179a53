"""The two role flags of ``User`` become ``RoleAssignment`` rows (with a history record each); backwards, the rows
of these two roles become flags again (the history of later grants and revocations is kept)."""

from django.db import migrations
from django.utils import timezone

# Flag of the old User column → role key (declared by its app in sman/roles.py).
FLAG_ROLES = {"is_reviewer": "fmin.reviewer", "is_copil_member": "actions.copil_member"}
REASON = "Repris de l'ancienne case du compte"


def flags_to_roles(apps, schema_editor):
    User = apps.get_model("sman", "User")
    RoleAssignment = apps.get_model("sman", "RoleAssignment")
    HistoricalRoleAssignment = apps.get_model("sman", "HistoricalRoleAssignment")
    now = timezone.now()
    for flag, role in FLAG_ROLES.items():
        user_ids = User.objects.filter(**{flag: True}).exclude(role_assignments__role=role).values_list("pk", flat=True)
        created = RoleAssignment.objects.bulk_create(
            RoleAssignment(user_id=user_id, role=role, granted_at=now) for user_id in user_ids
        )
        HistoricalRoleAssignment.objects.bulk_create(
            HistoricalRoleAssignment(
                id=row.pk, user_id=row.user_id, role=role, granted_at=now, history_date=now, history_type="+",
                history_change_reason=REASON,
            )  # fmt: skip
            for row in created
        )


def roles_to_flags(apps, schema_editor):
    User = apps.get_model("sman", "User")
    RoleAssignment = apps.get_model("sman", "RoleAssignment")
    HistoricalRoleAssignment = apps.get_model("sman", "HistoricalRoleAssignment")
    for flag, role in FLAG_ROLES.items():
        rows = RoleAssignment.objects.filter(role=role)
        User.objects.filter(pk__in=rows.values("user_id")).update(**{flag: True})
        rows.delete()
        HistoricalRoleAssignment.objects.filter(role=role, history_change_reason=REASON).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sman", "0006_role_assignment"),
    ]

    operations = [
        migrations.RunPython(flags_to_roles, roles_to_flags),
    ]

"""The FMIN's « projet issu des Explorateurs du numérique » box becomes a relation: each file ticked gets an
Explorateurs project (source « fmin ») that points to it, with its title, irritant, idea, défi and
collectivity, at the step its file reached. Reversible: the box is ticked again for every file a project points
to, and the projects this migration made are removed."""

from django.db import migrations


def forwards(apps, schema_editor):
    Application = apps.get_model("fmin", "Application")
    Project = apps.get_model("explorateurs", "Project")
    for application in Application.objects.filter(from_explorateurs=True).order_by("pk"):
        if Project.objects.filter(fmin_application=application).exists():
            continue
        Project.objects.create(
            title=application.title[:200],
            irritant=application.irritant,
            idea=application.experiment or application.summary or application.title,
            challenge=application.challenges.order_by("number").first(),
            collectivity_id=application.lead_id,
            status="funded" if application.status == "funded" else "fmin_application",
            fmin_application=application,
            source="fmin",
        )


def backwards(apps, schema_editor):
    Application = apps.get_model("fmin", "Application")
    Project = apps.get_model("explorateurs", "Project")
    linked = Project.objects.filter(fmin_application__isnull=False).values("fmin_application")
    Application.objects.filter(pk__in=linked).update(from_explorateurs=True)
    Project.objects.filter(source="fmin").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("explorateurs", "0001_initial"),
        ("fmin", "0002_regulation_checked"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

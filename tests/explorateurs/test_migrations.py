"""The FMIN's « issu des Explorateurs » box becomes the Explorateurs project's relation (explorateurs 0002, fmin
0003): each file ticked gets a project at the step its file reached, a file a project already points to is
left alone; and back, the box is ticked again for every linked file."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from explorateurs.models import Project

from ..factories import ApplicationFactory, ExplorerProjectFactory

pytestmark = pytest.mark.django_db

BEFORE = [("fmin", "0002_regulation_checked"), ("explorateurs", "0001_initial")]
AFTER = [("fmin", "0003_from_explorateurs_is_a_relation"), ("explorateurs", "0002_projects_from_fmin")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _ticked() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM fmin_application WHERE from_explorateurs")
        return {row[0] for row in cursor.fetchall()}


def test_the_box_becomes_the_relation_and_back(reference):
    ticked = ApplicationFactory(funded=True, title="Capteurs dans les écoles", irritant="L'air des classes.")
    linked = ApplicationFactory(submitted=True)
    plain = ApplicationFactory(submitted=True)
    project = ExplorerProjectFactory(fmin_application=linked, collectivity=linked.lead, status="fmin_application")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: the tables can be altered
    _migrate(BEFORE)
    assert _ticked() == {linked.pk}  # back: a linked file has its box ticked
    with connection.cursor() as cursor:
        cursor.execute("UPDATE fmin_application SET from_explorateurs = true WHERE id = %s", [ticked.pk])
    _migrate(AFTER)
    made = Project.objects.get(fmin_application=ticked)
    assert (made.source, made.status, made.title, made.irritant, made.collectivity_id) == (
        "fmin", "funded", "Capteurs dans les écoles", "L'air des classes.", ticked.lead_id,
    )  # fmt: skip
    assert Project.objects.get(fmin_application=linked).pk == project.pk  # already linked: left alone
    assert not Project.objects.filter(fmin_application=plain).exists()

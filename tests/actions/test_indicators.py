from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from rest_framework.test import APIClient

from actions import exports, reports, selectors, services
from actions.models import Indicator, IndicatorValue
from actions.tasks import record_computed_indicators
from sman import selectors as sman_selectors
from sman.indicators import providers
from sman.models import Organisation, Territory

from ..auth import login, token_header
from ..factories import MembershipFactory, UserFactory
from ..indicators import nonzero, values_by_code
from ..queries import queries_of

pytestmark = pytest.mark.django_db

SMART = {
    "name": "Part des logements raccordables",
    "definition": "Logements raccordables à la fibre / logements de la Métropole.",
    "kind": "result",
    "unit": "%",
    "target_value": Decimal(100),
    "target_date": date(2022, 12, 31),
    "source": "ARCEP",
}


def test_a_non_smart_indicator_is_refused(plan_action, owner):
    indicator = Indicator(action=plan_action, **{**SMART, "unit": "", "target_value": None, "target_date": None})
    with pytest.raises(ValidationError) as exc:
        services.indicator_save(indicator=indicator, user=owner)
    errors = exc.value.message_dict
    assert "précisez son unité" in errors["unit"][0]
    assert "valeur cible" in errors["target_value"][0]
    assert "échéance" in errors["target_date"][0]
    assert not Indicator.objects.exists()


def test_the_form_explains_what_is_missing(client, plan_action, owner):
    login(client, owner)
    url = reverse("actions:indicator_create", args=["2019-2020", 2])
    response = client.post(url, {"name": "Satisfaction", "definition": "x", "kind": "result", "source": "enquête",
                                 "frequency": "semester"})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and 'class="error-summary"' in html
    assert "Un indicateur SMART est mesurable" in html and "Satisfaction" in html


def test_templates_prefill_the_form(client, plan_action, owner):
    login(client, owner)
    html = client.get(reverse("actions:indicator_create", args=["2019-2020", 2]), {"modele": 5}).content.decode()
    assert "Taux d&#x27;utilisation" in html or "Taux d'utilisation" in html


def test_owner_records_values(plan_action, owner):
    indicator = services.indicator_save(indicator=Indicator(action=plan_action, **SMART), user=owner)
    services.indicator_value_add(indicator=indicator, user=owner, value=Decimal("42.5"), on=date(2020, 6, 30))
    value = IndicatorValue.objects.get()
    assert (value.author, value.provider, value.value) == (owner, "", Decimal("42.5"))


def test_registered_provider_values_are_recorded_by_the_periodic_task(plan_action, owner):
    assert "actions.share_on_schedule" in providers
    indicator = services.indicator_save(
        indicator=Indicator(action=plan_action, **SMART, provider_key="actions.share_on_schedule"), user=owner
    )
    assert record_computed_indicators.delay().get() == every_provider_value_count()
    value = indicator.values.get()
    assert value.provider == "actions.share_on_schedule" and value.author is None
    assert Decimal(0) <= value.value <= Decimal(100)
    assert record_computed_indicators.delay().get() == 0  # once a day, whatever the retries
    assert indicator.values.count() == 1


def test_unknown_provider_is_refused(plan_action, owner):
    with pytest.raises(ValidationError, match="n'existe pas"):
        services.indicator_save(indicator=Indicator(action=plan_action, **SMART, provider_key="nope"), user=owner)


def test_follow_up_changes_are_kept_with_author_and_values(client, plan_action, owner):
    login(client, owner)
    url = reverse("actions:action_follow", args=["2019-2020", 2])
    milestones = list(plan_action.milestones.order_by("order", "planned_end"))
    data = {
        "status": "in_progress", "progress": "35", "notes": "Convention signée.",
        "jalons-TOTAL_FORMS": str(len(milestones)), "jalons-INITIAL_FORMS": str(len(milestones)),
        "budget-TOTAL_FORMS": "1", "budget-INITIAL_FORMS": "0",
        "budget-0-year": "2019", "budget-0-allocated_cents": "80 000",
        "budget-0-committed_cents": "80000", "budget-0-spent_cents": "60 000,50",
    }  # fmt: skip
    for i, m in enumerate(milestones):
        data[f"jalons-{i}-id"] = str(m.pk)
        data[f"jalons-{i}-actual_date"] = "2019-04-15" if i == 0 else ""
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    plan_action.refresh_from_db()
    assert (plan_action.status, plan_action.progress) == ("in_progress", 35)
    assert plan_action.budget_lines.get().spent_cents == 6_000_050
    page = client.get(plan_action.get_absolute_url()).content.decode()
    assert "Historique des modifications" in page and "Avancement (%) : 0 → 35" in page
    assert "Statut : non démarrée → en cours" in page
    assert owner.email in page
    last = plan_action.history.first()
    assert last.history_user == owner
    # The public never sees the history.
    client.logout()
    assert "Historique des modifications" not in client.get(plan_action.get_absolute_url()).content.decode()


# --- Values per territory ------------------------------------------------------------------------------------


def _agent_in(code: str):
    collectivity = Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code=code)
    return MembershipFactory(organisation=collectivity).user


def _computed(plan_action, key: str, name: str | None = None) -> Indicator:
    return Indicator.objects.create(action=plan_action, **{**SMART, "name": name or key}, provider_key=key)


@pytest.fixture
def agents(reference):
    """Agents of Montreuil (twice), Bagnolet and Est Ensemble itself (T8), and of Paris (T1)."""
    return [_agent_in(code) for code in ("93048", "93048", "93006", "T8", "75056")]


def test_collectivities_with_agents_per_commune_and_ept(agents):
    values = values_by_code("sman.collectivities_with_agents", date(2026, 1, 1))
    # An EPT counts its own collectivity and its communes'; the Métropole, every collectivity once.
    assert nonzero(values) == {"93048": 1, "93006": 1, "T8": 3, "75056": 1, "T1": 1, "MGP": 4}
    assert values["MGP"] == sman_selectors.collectivities_with_members_count() == 4  # as before
    assert values["93066"] == values["T6"] == 0


def test_the_share_on_schedule_is_the_metropoles_only():
    provider = providers["actions.share_on_schedule"]
    assert not provider.territorial and "métropolitaines" in provider.reason
    with pytest.raises(ValueError, match="Métropole's value only"):
        provider.value(date(2026, 1, 1), Territory.objects.get(code="93048"))


def test_recording_covers_every_territory_once_per_day(plan_action, agents):
    per_territory = _computed(plan_action, "sman.collectivities_with_agents")
    metropolitan = _computed(plan_action, "actions.share_on_schedule")
    territories = Territory.objects.count()  # the Métropole's row is recorded as no territory
    today = date(2026, 3, 2)
    assert services.indicator_values_record_computed(today=today) == every_provider_value_count()
    assert per_territory.values.count() == territories and metropolitan.values.get().territory is None
    metropole = per_territory.values.get(territory=None)
    assert metropole.value == 4 and metropole.provider == "sman.collectivities_with_agents"
    assert per_territory.values.get(territory__code="T8").value == 3
    assert not per_territory.values.filter(territory__code="MGP").exists()
    ids = set(IndicatorValue.objects.values_list("pk", flat=True))

    # Re-run the same day: nothing added; a value that changed in between is updated in place.
    _agent_in("93066")
    assert services.indicator_values_record_computed(today=today) == 0
    assert set(IndicatorValue.objects.values_list("pk", flat=True)) == ids
    assert {v.territory.code if v.territory else "MGP": v.value for v in per_territory.values.filter(
        territory__code__in=["93066", "T6", "T8"]) | per_territory.values.filter(territory=None)} == {
        "93066": 1, "T6": 1, "T8": 3, "MGP": 5,
    }  # fmt: skip
    # The next day, a new value per territory.
    assert services.indicator_values_record_computed(today=date(2026, 3, 3)) == every_provider_value_count()


def every_provider_value_count() -> int:
    """How many values one day's recording creates when each provider is used by at most one indicator: each
    provider's Métropole value, and a value per territory it computes."""
    covered = sum(Territory.objects.filter(kind__in=p.kinds).exclude(kind="metropole").count()
                  for p in providers.values() if p.territorial)  # fmt: skip
    return len(providers) + covered


def test_a_provider_no_indicator_uses_keeps_its_own_series(client, plan_action, agents):
    """The observatory shows a trend for every provider: the recording keeps the values of the providers no
    action indicator uses, with no indicator; the action pages and the COPIL export do not list them."""
    key = "sman.collectivities_with_agents"
    assert not Indicator.objects.filter(provider_key=key).exists()
    services.indicator_values_record_computed(today=date(2026, 3, 2))
    own = IndicatorValue.objects.filter(provider=key, indicator=None)
    assert own.get(territory=None).value == 4 and own.get(territory__code="T8").value == 3
    assert services.indicator_values_record_computed(today=date(2026, 3, 2)) == 0  # once a day
    assert own.count() == Territory.objects.exclude(kind="metropole").count() + 1
    # Typed values always belong to an indicator.
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(indicator=None, date=date(2026, 3, 2), value=1, author=UserFactory())
    staff = UserFactory(staff=True)
    login(client, staff)
    export = client.get(reverse("actions:export_indicator_values", args=["csv"])).content.decode()
    assert "Collectivités ayant au moins un agent" not in export


def test_recording_takes_a_bounded_number_of_queries(plan_action, agents):
    """Every provider for every territory: a few queries per provider, never one per territory; the same
    number when the data grows."""
    for key in providers:
        _computed(plan_action, key)
    count, created = queries_of(lambda: services.indicator_values_record_computed(today=date(2026, 3, 2)))
    covered = sum(Territory.objects.filter(kind__in=p.kinds).exclude(kind="metropole").count()
                  for p in providers.values() if p.territorial)  # fmt: skip
    assert created == len(providers) + covered > 1000
    # At most about one grouped query per provider (several share one), and a fixed few to write.
    assert count <= len(providers) + 10, f"{count} queries to record {created} values of {len(providers)} providers"
    for code in ("93066", "93055", "94028", "92012", "T5", "T11"):
        _agent_in(code)
    _computed(plan_action, "sman.collectivities_with_agents", name="Deuxième indicateur, même calcul")
    grown, _ = queries_of(lambda: services.indicator_values_record_computed(today=date(2026, 3, 3)))
    assert grown == count


def test_two_computed_values_for_one_indicator_territory_and_date_are_refused(plan_action):
    indicator = _computed(plan_action, "sman.collectivities_with_agents")
    montreuil = Territory.objects.get(code="93048")
    on = date(2026, 3, 2)
    for territory in (None, montreuil):
        IndicatorValue.objects.create(indicator=indicator, territory=territory, date=on, value=1, provider="p")
        with pytest.raises(IntegrityError), transaction.atomic():  # the Métropole's (null) included
            IndicatorValue.objects.create(indicator=indicator, territory=territory, date=on, value=2, provider="p")
    owner = UserFactory()
    IndicatorValue.objects.create(indicator=indicator, date=on, value=3, author=owner)  # typed in: not unique


# --- Readers show the Métropole's series ------------------------------------------------------------------------


@pytest.fixture
def recorded(plan_action, owner, agents):
    """An indicator computed for every territory on one day, and a value its owner typed in on another."""
    indicator = _computed(plan_action, "sman.collectivities_with_agents", name="Collectivités actives")
    services.indicator_values_record_computed(today=date(2026, 3, 2))
    services.indicator_value_add(indicator=indicator, user=owner, value=Decimal(9), on=date(2026, 1, 15))
    return indicator


def test_the_action_page_report_and_export_show_the_metropoles_series(client, recorded, plan_action, staff):
    metropole = [(date(2026, 1, 15), Decimal(9)), (date(2026, 3, 2), Decimal(4))]
    action = selectors.action_by_number("2019-2020", 2)
    shown = next(i for i in action.indicators.all() if i.pk == recorded.pk)
    assert [(v.date, v.value) for v in shown.values.all()] == metropole
    login(client, staff)
    page = client.get(plan_action.get_absolute_url())
    shown = next(i for i in page.context["indicators"] if i.pk == recorded.pk)
    assert [(v.date, v.value) for v in shown.values.all()] == metropole and "Collectivités actives" in shown.chart
    session = services.copil_session_create(user=staff, year=2026, semester=1, on=date(2026, 3, 10))
    context = reports.report_context(session)
    in_report = next(i for _, i in context["annex"] if i.pk == recorded.pk)
    assert [(v.date, v.value) for v in in_report.sorted_values] == metropole
    rows = exports.indicator_values_export("csv").content.decode("utf-8-sig").splitlines()
    assert sum("Collectivités actives" in row for row in rows) == 2


def test_the_series_of_a_territory(recorded, plan_action):
    series = selectors.indicator_series
    assert [(v.date, v.value) for v in series(recorded)] == [(date(2026, 1, 15), 9), (date(2026, 3, 2), 4)]
    assert list(series(recorded, Territory.objects.get(code="MGP"))) == list(series(recorded))
    assert [(v.date, v.value) for v in series(recorded, Territory.objects.get(code="T8"))] == [(date(2026, 3, 2), 3)]
    assert [v.value for v in series(recorded, Territory.objects.get(code="93066"))] == [0]
    metropolitan = _computed(plan_action, "actions.share_on_schedule")
    services.indicator_values_record_computed(today=date(2026, 3, 2))
    assert series(metropolitan).count() == 1 and not series(metropolitan, Territory.objects.get(code="T8")).exists()


def test_the_api_gives_the_metropoles_values_or_a_territorys(recorded, staff):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(staff))
    url = f"/api/indicators/{recorded.pk}/"
    assert [v["value"] for v in api.get(url).json()["values"]] == ["9.000", "4.000"]
    assert [v["value"] for v in api.get(url, {"territory": "MGP"}).json()["values"]] == ["9.000", "4.000"]
    assert [v["value"] for v in api.get(url, {"territory": "T8"}).json()["values"]] == ["3.000"]
    listed = api.get("/api/indicators/", {"territory": "93048"}).json()["results"]
    assert [v["value"] for i in listed if i["id"] == recorded.pk for v in i["values"]] == ["1.000"]
    for wrong in ("99999", "x\x00"):
        response = api.get("/api/indicators/", {"territory": wrong})
        assert response.status_code == 400 and "Territoire inconnu" in response.json()["territory"][0]


# --- Migration ---------------------------------------------------------------------------------------------------


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("actions", target)])


def test_the_migration_keeps_existing_values_as_the_metropoles_and_back(plan_action, owner):
    indicator = _computed(plan_action, "sman.collectivities_with_agents")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: the tables can be altered
    _migrate("0003_money_in_cents")
    with connection.cursor() as cursor:  # the former table: no territory
        cursor.executemany(
            "INSERT INTO actions_indicatorvalue (indicator_id, date, value, author_id, provider, comment, created_at)"
            " VALUES (%s, %s, %s, %s, %s, '', now())",
            [(indicator.pk, date(2025, 6, 30), 12, owner.pk, ""),
             (indicator.pk, date(2025, 12, 31), 15, None, "sman.collectivities_with_agents")],
        )  # fmt: skip
    _migrate("0004_indicator_value_territory")
    metropole = [(v.date, v.value, v.provider) for v in selectors.indicator_series(indicator)]
    assert metropole == [(date(2025, 6, 30), 12, ""), (date(2025, 12, 31), 15, "sman.collectivities_with_agents")]
    IndicatorValue.objects.create(
        indicator=indicator, territory=Territory.objects.get(code="93048"), date=date(2025, 12, 31), value=1,
        provider="sman.collectivities_with_agents",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _migrate("0003_money_in_cents")  # the values per territory go, the Métropole's stay
    with connection.cursor() as cursor:
        cursor.execute("SELECT date, value FROM actions_indicatorvalue WHERE indicator_id = %s ORDER BY date",
                       [indicator.pk])  # fmt: skip
        assert cursor.fetchall() == [(date(2025, 6, 30), 12), (date(2025, 12, 31), 15)]
    _migrate("0004_indicator_value_territory")
    assert selectors.indicator_series(indicator).count() == 2

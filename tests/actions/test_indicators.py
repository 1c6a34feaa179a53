from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from actions import registry, services
from actions.models import Indicator, IndicatorValue
from actions.registry import providers
from actions.tasks import record_computed_indicators
from sman.models import Territory

from ..auth import login

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
    assert record_computed_indicators.delay().get() == 1
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


def test_a_provider_may_compute_per_territory(monkeypatch):
    monkeypatch.setattr(registry, "providers", {})
    montreuil, metropole = Territory.objects.get(code="93048"), Territory.objects.get(code="MGP")

    @registry.register("test.per_territory", label="Par territoire", unit="nombre")
    def per_territory(today: date, territory=None) -> Decimal:
        return Decimal(len(territory.code) if territory is not None else 0)

    @registry.register("test.metropole", label="Métropole", unit="nombre")
    def metropole_only(today: date) -> Decimal:
        return Decimal(7)

    today = date(2026, 1, 1)
    territorial, metropolitan = registry.providers["test.per_territory"], registry.providers["test.metropole"]
    assert (territorial.territorial, metropolitan.territorial) == (True, False)
    assert (territorial.value(today), territorial.value(today, montreuil), territorial.value(today, metropole)) == (
        0, 5, 3,
    )  # fmt: skip
    assert metropolitan.value(today) == metropolitan.value(today, metropole) == 7
    with pytest.raises(ValueError, match="Métropole's value only"):
        metropolitan.value(today, montreuil)


def test_a_provider_per_territory_computes_the_metropole_by_default(monkeypatch):
    monkeypatch.setattr(registry, "providers", {})
    with pytest.raises(TypeError, match="must default to None"):

        @registry.register("test.no_default", label="Sans défaut", unit="nombre")
        def no_default(today: date, territory) -> Decimal:
            return Decimal(0)

    assert registry.providers == {}

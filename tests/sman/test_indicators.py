"""The registry of computed indicators (sman/indicators.py): providers per territory, their batch form, the
territory tree that adds figures up to EPTs and the Métropole."""

from datetime import date
from decimal import Decimal

import pytest

from sman import indicators
from sman.indicators import TerritoryTree
from sman.models import Territory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 1, 1)


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test."""
    monkeypatch.setattr(indicators, "providers", {})
    return indicators


@pytest.fixture
def places(reference):
    return {t.code: t for t in Territory.objects.filter(code__in=["MGP", "T1", "T6", "T8", "75056", "93048",
                                                                  "93006", "93066", "93059"])}  # fmt: skip


def test_a_provider_computes_per_territory_and_the_metropole_is_none(registry, places):
    seen = []

    @registry.register("test.per_territory", label="Par territoire", unit="nombre")
    def per_territory(today: date, territory=None) -> Decimal:
        seen.append(territory)
        return Decimal(len(territory.code) if territory is not None else 0)

    provider = registry.providers["test.per_territory"]
    assert provider.territorial and provider.kinds == indicators.ALL_KINDS
    assert provider.value(TODAY) == provider.value(TODAY, places["MGP"]) == 0
    assert seen == [None, None]  # the Métropole's territory row is passed as None
    assert provider.value(TODAY, places["93048"]) == 5 and provider.value(TODAY, places["T8"]) == 2
    assert provider.value(TODAY, places["93059"]) == 5  # a delegated commune too


def test_a_metropole_only_provider_declares_why_and_refuses_territories(registry, places):
    @registry.register(
        "test.metropole", label="Métropole", unit="nombre", territorial=False, reason="Rien n'est territorial."
    )
    def metropole_only(today: date) -> Decimal:
        return Decimal(7)

    provider = registry.providers["test.metropole"]
    assert not provider.territorial and provider.reason == "Rien n'est territorial."
    assert provider.value(TODAY) == provider.value(TODAY, places["MGP"]) == 7
    with pytest.raises(ValueError, match="Métropole's value only.*Rien n'est territorial"):
        provider.value(TODAY, places["93048"])
    assert registry.metropole_only() == [provider] and registry.territorial() == []


def test_a_provider_may_leave_out_kinds_of_territory(registry, places):
    @registry.register("test.kinds", label="Sans communes déléguées", unit="%", kinds=("ept", "commune"))
    def without_delegated(today: date, territory=None) -> Decimal:
        return Decimal(1)

    provider = registry.providers["test.kinds"]
    assert provider.value(TODAY, places["93066"]) == provider.value(TODAY, places["T6"]) == provider.value(TODAY) == 1
    with pytest.raises(ValueError, match="commune déléguée"):
        provider.value(TODAY, places["93059"])
    tree = TerritoryTree()
    assert places["93059"].pk not in provider.values(TODAY, tree) and places["93066"].pk in provider.values(TODAY, tree)


@pytest.mark.parametrize(
    "declaration, func, message",
    [
        ({}, lambda today: Decimal(0), "take `territory=None`"),
        ({}, lambda today, territory: Decimal(0), "take `territory=None`"),
        ({"territorial": False}, lambda today: Decimal(0), "needs the reason"),
        ({"territorial": False, "reason": "  "}, lambda today: Decimal(0), "needs the reason"),
        (
            {"territorial": False, "reason": "Métropole.", "per_territory": lambda today, tree: {}},
            lambda today: Decimal(0),
            "batch form",
        ),
    ],
)
def test_a_provider_says_what_it_computes(registry, declaration, func, message):
    with pytest.raises(TypeError, match=message):
        registry.register("test.wrong", label="Faux", unit="nombre", **declaration)(func)
    with pytest.raises(ValueError, match="unknown kinds"):
        registry.register("test.wrong", label="Faux", unit="nombre", kinds=("canton",))
    assert registry.providers == {}


def test_the_tree_is_read_in_one_query_and_adds_up_to_every_territory_above(places, django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = TerritoryTree()
    pk = {code: t.pk for code, t in places.items()}
    assert tree.metropole_id == pk["MGP"]
    assert tree.containers[pk["93059"]] == (pk["93059"], pk["93066"], pk["T6"], pk["MGP"])
    assert tree.containers[pk["T8"]] == (pk["T8"], pk["MGP"])
    assert len(tree.ids()) == Territory.objects.count()
    rows = [
        {"territory": pk["93048"], "n": 3, "hours": Decimal("1.5")},
        {"territory": pk["93006"], "n": 2, "hours": None},  # a Sum over nothing: 0
        {"territory": pk["T8"], "n": 1, "hours": Decimal(1)},  # recorded on the EPT itself
        {"territory": pk["93059"], "n": 4, "hours": Decimal(2)},
        {"territory": None, "n": 100, "hours": Decimal(100)},  # no territory: counted nowhere
    ]
    totals = tree.sum_up(rows, "territory")
    assert totals[pk["93048"]] == {"n": 3, "hours": Decimal("1.5")}
    assert totals[pk["T8"]] == {"n": 6, "hours": Decimal("2.5")}
    assert totals[pk["93066"]] == totals[pk["T6"]] == {"n": 4, "hours": Decimal(2)}
    assert totals[pk["MGP"]] == {"n": 10, "hours": Decimal("4.5")}
    assert pk["75056"] not in totals and pk["T1"] not in totals
    # Distinct keys: a project carried by two communes of T8 counts once for T8 and the Métropole.
    keys = tree.collect_up([(pk["93048"], "a"), (pk["93006"], "a"), (pk["93066"], "a"), (pk["93006"], "b")])
    assert keys[pk["93048"]] == {"a"} and keys[pk["93006"]] == {"a", "b"}
    assert keys[pk["T8"]] == {"a", "b"} and keys[pk["T6"]] == {"a"} and keys[pk["MGP"]] == {"a", "b"}


def test_values_use_the_batch_form_or_one_call_per_territory(registry, places, django_assert_max_num_queries):
    calls = []

    def batch(today, tree):
        calls.append(today)
        rows = [{"territory": places["93048"].pk, "n": 2}, {"territory": places["93066"].pk, "n": 5}]
        return {pk: Decimal(t["n"]) for pk, t in tree.sum_up(rows, "territory").items()}

    @registry.register("test.batch", label="Groupé", unit="nombre", per_territory=batch)
    def grouped(today: date, territory=None) -> Decimal:
        raise AssertionError("the batch form computes every territory")

    @registry.register("test.alone", label="Un à un", unit="nombre")
    def alone(today: date, territory=None) -> Decimal:
        return Decimal(1 if territory is None else 2)

    tree = TerritoryTree()
    values = registry.providers["test.batch"].values(TODAY, tree)
    assert calls == [TODAY] and len(values) == Territory.objects.count()  # the Métropole under None
    assert values[None] == 7 and values[places["T8"].pk] == 2 and values[places["T6"].pk] == 5
    assert values[places["75056"].pk] == values[places["T1"].pk] == 0  # left out: nothing within
    with django_assert_max_num_queries(1):  # the territories themselves, once
        values = registry.providers["test.alone"].values(TODAY, tree)
    assert values[None] == 1 and set(values.values()) == {1, 2} and len(values) == Territory.objects.count()


def test_every_provider_is_territorial_or_says_why_not():
    assert indicators.providers, "the apps register their providers in their AppConfig.ready()"
    assert {p.key for p in indicators.metropole_only()} == {
        "actions.share_on_schedule",
        "fmin.envelope_committed_rate",
        "resources.views",  # counted with no place (no personal data)
        "resources.downloads",
    }
    for provider in indicators.metropole_only():
        assert provider.reason and provider.per_territory is None
    for provider in indicators.territorial():
        # Recording every territory stays a bounded number of queries: every territorial provider has a batch form.
        assert provider.per_territory is not None, provider.key
    assert len(indicators.territorial()) + len(indicators.metropole_only()) == len(indicators.providers)


def test_the_registry_imports_no_feature_app():
    """``sman`` is below every app: the registry knows providers only through their registration."""
    import ast
    from pathlib import Path

    from django.apps import apps

    feature_apps = {c.name for c in apps.get_app_configs() if (Path(c.path).parent / "manage.py").exists()} - {"sman"}
    assert {"actions", "fmin", "ftth", "passnumerique"} <= feature_apps
    tree = ast.parse(Path(indicators.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name.split(".")[0] for name in imported} & feature_apps

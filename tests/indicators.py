"""Helpers for the tests of computed indicators (sman/indicators.py)."""

from datetime import date
from decimal import Decimal

from sman.indicators import TerritoryTree, providers
from sman.models import Territory


def values_by_code(key: str, today: date) -> dict[str, Decimal]:
    """Every value the registry records for provider ``key`` (its batch form when it has one), by territory
    code ("MGP" for the Métropole), after checking that each is what the provider computes for that territory
    alone: the batch form and the per-territory form agree on every territory, the empty ones included."""
    provider, tree = providers[key], TerritoryTree()
    batch = provider.values(today, tree)
    codes = dict(Territory.objects.values_list("pk", "code"))
    for pk, value in batch.items():
        alone = provider.value(today, tree.territory(pk) if pk is not None else None)
        assert value == alone, f"{key}, {codes.get(pk, 'MGP')}: {value} at once, {alone} alone"
    return {codes[pk] if pk is not None else "MGP": value for pk, value in batch.items()}


def nonzero(values: dict[str, Decimal]) -> dict[str, Decimal]:
    return {code: value for code, value in values.items() if value}

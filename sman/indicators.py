"""The indicators the portal computes, for the Métropole and for each of its territories.

Each app registers its providers in its ``indicators`` module (imported by its AppConfig.ready()); ``actions``
records their values every day (``actions.services.indicator_values_record_computed``) next to the values
owners type in, so that COPIL reports show trends and the territorial observatory shows every place's.

A provider is ``f(today, territory=None) -> Decimal``: None is the Métropole, a commune is that commune
(with its delegated communes), an EPT is everything within it (``Territory.objects.within``). The registry
always passes None for the Métropole, never its territory row. Where a value per territory has no meaning,
the provider says so: ``territorial=False`` with the reason (in French, people read it), and it is then
``f(today)``, the Métropole's value only. ``kinds`` narrows the kinds of territory a territorial provider
computes (the fibre counts a delegated commune's buildings in its commune's). ``territorial()`` and
``metropole_only()`` list which are which.

Recording 144 territories one call at a time would cost queries per territory and per indicator. A provider
may therefore have a batch form, ``per_territory(today, tree) -> {territory id: value}``, computed with
grouped queries: figures per territory of record (one grouped query), added up to every territory that
contains it by the ``TerritoryTree`` (all territories and their ancestors, read in one query, never by
walking parents). A territory the batch leaves out has nothing within it: its value is 0, what the
providers return for an empty territory. The registry falls back to one call per territory for a provider
without a batch form.
"""

import inspect
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .models import Territory

METROPOLE = Territory.Kind.METROPOLE
ALL_KINDS = frozenset(Territory.Kind.values)


class TerritoryTree:
    """Every territory with the ids of the territories that contain it (its commune, its EPT, the Métropole),
    read in one query: figures grouped by the territory of each record add up to every territory above it.

    A tree lives for one recording; ``memo`` keeps what several providers read from the same grouped queries.
    """

    # Métropole → EPT → commune → delegated commune: a territory has at most three territories above it.
    _ABOVE = ("parent", "parent__parent", "parent__parent__parent")

    def __init__(self):
        self.kinds: dict[int, str] = {}
        self.containers: dict[int, tuple[int, ...]] = {}
        for pk, kind, *above in Territory.objects.order_by().values_list("pk", "kind", *self._ABOVE):
            self.kinds[pk] = kind
            self.containers[pk] = (pk, *(t for t in above if t is not None))
        self.metropole_id = next((pk for pk, kind in self.kinds.items() if kind == METROPOLE), None)
        self._territories: dict[int, Territory] | None = None
        self._memo: dict = {}

    def ids(self, kinds: Iterable[str] = ALL_KINDS) -> list[int]:
        kinds = set(kinds)
        return [pk for pk, kind in self.kinds.items() if kind in kinds]

    def territory(self, pk: int) -> Territory:
        """The territory itself (no geometry); all of them are read at the first call, in one query."""
        if self._territories is None:
            self._territories = Territory.objects.without_geometry().in_bulk(list(self.kinds))
        return self._territories[pk]

    def sum_up(self, rows: Iterable[Mapping], field: str) -> dict[int, dict]:
        """Each territory's totals of ``rows`` (dicts of figures, ``field`` naming the row's territory id, as
        ``values(field).annotate(...)`` gives them): the rows of the territory and of every territory within
        it. The figures must add up: counts and sums, or distinct counts of things that have one territory
        each. None counts as 0; a row without territory counts nowhere."""
        totals: dict[int, dict] = {}
        for row in rows:
            figures = {name: value or 0 for name, value in row.items() if name != field}
            for pk in self.containers.get(row[field], ()):
                total = totals.setdefault(pk, dict.fromkeys(figures, 0))
                for name, value in figures.items():
                    total[name] += value
        return totals

    def collect_up(self, pairs: Iterable[tuple[int, Hashable]]) -> dict[int, set]:
        """Each territory's distinct keys among ``(territory id, key)`` pairs, its own and those of every
        territory within it: for things tied to several territories (an FMIN project carried by two
        communes of one EPT counts once for the EPT)."""
        keys: dict[int, set] = {}
        for territory_id, key in pairs:
            for pk in self.containers.get(territory_id, ()):
                keys.setdefault(pk, set()).add(key)
        return keys

    def memo(self, key: Hashable, compute: Callable):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    unit: str
    compute: Callable[..., Decimal]
    # False: a value per territory has no meaning, ``reason`` says why; ``compute`` is then f(today).
    territorial: bool = True
    reason: str = ""
    # The kinds of territory whose value ``compute`` gives (the Métropole always).
    kinds: frozenset = ALL_KINDS
    # f(today, tree) -> {territory id: value} for every territory of ``tree`` at once (grouped queries).
    per_territory: Callable[[date, TerritoryTree], Mapping[int, Decimal]] | None = field(default=None)

    def covers(self, territory: Territory | None) -> bool:
        if territory is None or territory.kind == METROPOLE:
            return True
        return self.territorial and territory.kind in self.kinds

    def value(self, today: date, territory: Territory | None = None) -> Decimal:
        """The value on ``today`` for ``territory`` (None or the Métropole's territory: the Métropole). A territory
        the provider does not compute is refused (ValueError)."""
        if territory is not None and territory.kind == METROPOLE:
            territory = None
        if not self.covers(territory):
            if not self.territorial:
                raise ValueError(
                    f"indicator provider {self.key} computes the Métropole's value only, not {territory}'s: "
                    f"{self.reason}"
                )
            raise ValueError(
                f"indicator provider {self.key} computes no value for a {territory.get_kind_display()} ({territory})"
            )
        if not self.territorial:
            return self.compute(today)
        return self.compute(today, territory=territory)

    def values(self, today: date, tree: TerritoryTree) -> dict[int | None, Decimal]:
        """The value of every territory of ``tree`` the provider computes, by territory id, the Métropole's
        under None (as IndicatorValue stores it): with the batch form when the provider has one."""
        ids = [pk for pk in tree.ids(self.kinds if self.territorial else {METROPOLE}) if pk != tree.metropole_id]
        if self.per_territory is not None and self.territorial:
            computed = self.per_territory(today, tree)
            values = {pk: Decimal(computed.get(pk, 0)) for pk in ids}
            if tree.metropole_id is not None:
                values[None] = Decimal(computed.get(tree.metropole_id, 0))
            else:  # no territory loaded yet: the Métropole's value all the same
                values[None] = self.value(today)
            return values
        values = {pk: self.value(today, tree.territory(pk)) for pk in ids}
        values[None] = self.value(today)
        return values


providers: dict[str, Provider] = {}


def register(
    key: str,
    *,
    label: str,
    unit: str,
    territorial: bool = True,
    reason: str = "",
    kinds: Iterable[str] = ALL_KINDS,
    per_territory: Callable | None = None,
):
    """Decorator: ``@register("ftth.premises_connectable_rate", label="…", unit="%")`` on
    ``f(today, territory=None) -> number``, optionally with its batch form ``per_territory=g``,
    ``g(today, tree) -> {territory id: number}``; or, where a value per territory has no meaning,
    ``@register(key, label=…, unit=…, territorial=False, reason="…")`` on ``f(today) -> number``."""
    kinds = frozenset(kinds) | {METROPOLE}
    if not kinds <= ALL_KINDS:
        raise ValueError(f"indicator provider {key}: unknown kinds of territory {sorted(kinds - ALL_KINDS)}")

    def decorator(func):
        if key in providers and providers[key].compute is not func:
            raise ValueError(f"indicator provider {key} registered twice")
        parameter = inspect.signature(func).parameters.get("territory")
        if territorial and (parameter is None or parameter.default is not None):
            # Callers that know nothing of territories call f(today): the Métropole.
            raise TypeError(
                f"indicator provider {key}: take `territory=None` (None: the Métropole), "
                "or declare territorial=False with the reason"
            )
        if not territorial and not reason.strip():
            raise TypeError(f"indicator provider {key}: territorial=False needs the reason")
        if not territorial and per_territory is not None:
            raise TypeError(f"indicator provider {key}: a batch form computes territories, not the Métropole only")
        providers[key] = Provider(
            key, label, unit, func, territorial=territorial, reason=reason.strip(), kinds=kinds,
            per_territory=per_territory,
        )  # fmt: skip
        return func

    return decorator


def territorial() -> list[Provider]:
    """The providers that compute a value per commune and per EPT."""
    return sorted((p for p in providers.values() if p.territorial), key=lambda p: p.key)


def metropole_only() -> list[Provider]:
    """The providers that compute the Métropole's value only, each with its ``reason``."""
    return sorted((p for p in providers.values() if not p.territorial), key=lambda p: p.key)


def choices() -> list[tuple[str, str]]:
    return [(p.key, f"{p.label} ({p.unit})") for p in sorted(providers.values(), key=lambda p: p.key)]

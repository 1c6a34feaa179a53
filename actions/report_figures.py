"""What the evaluation report computes from the modules: each action's computed figures, and every territorial
indicator per EPT and per commune with the Métropole's figure beside.

An action's computed figures are those of its module's providers. The action says which module is its own
(``Action.module``, from the reference data: #2 → ``ftth``, #3 → ``passnumerique``, #10 → ``fmin`` …) and a
module registers its providers under keys that start with its app label (``ftth.premises_connectable_rate``):
no list here to keep in step with the modules.

Values come from the registry's batch form (``Provider.values``): each module's grouped queries once for the
Métropole and all its territories, never one query per territory.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sman.indicators import Provider, TerritoryTree, providers, territorial
from sman.models import Territory

from .charts import NBSP, euros_whole, fr_number

# Counts and amounts are compared per inhabitant (a large EPT has more of everything); rates as they are.
RATE_UNITS = frozenset({"%"})
PER_INHABITANTS = 10_000

BELOW, ABOVE, EQUAL, NONE, UNKNOWN = "below", "above", "equal", "none", "unknown"
POSITION_LABELS = {
    BELOW: "en dessous",
    ABOVE: "au-dessus",
    EQUAL: "au niveau",
    NONE: "non atteint",
    UNKNOWN: "—",
}


def module_providers(module: str) -> list[Provider]:
    """The providers a module registered (keys ``<module>.…``), in key order; none for an action without module."""
    if not module:
        return []
    return sorted((p for p in providers.values() if p.key.split(".", 1)[0] == module), key=lambda p: p.key)


def format_value(value: Decimal | None, unit: str = "") -> str:
    """« 72,5 % », « 12 345 € », « 1 204 » (the unit of counts is in the column's header)."""
    if value is None:
        return "—"
    if unit == "€":
        return euros_whole(value)
    if unit in RATE_UNITS:
        return f"{fr_number(value, 1)}{NBSP}%"
    return fr_number(value, 1 if value != value.to_integral_value() else 0)


def _per_inhabitants(value: Decimal, population: int | None) -> Decimal | None:
    if not population:
        return None
    return (value * PER_INHABITANTS / population).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _position(figure: Decimal | None, reference: Decimal | None, value: Decimal, metropole: Decimal) -> str:
    if not metropole:  # nothing anywhere yet: no territory stands out
        return UNKNOWN
    if not value:
        return NONE
    if figure is None or reference is None:
        return UNKNOWN
    if figure < reference:
        return BELOW
    return ABOVE if figure > reference else EQUAL


@dataclass
class TerritoryFigure:
    territory: Territory
    value: Decimal
    # What is compared with the Métropole: the rate itself, or the value per 10,000 inhabitants.
    compared: Decimal | None
    position: str
    unit: str = ""

    @property
    def value_text(self) -> str:
        return format_value(self.value, self.unit)

    @property
    def compared_text(self) -> str:
        return format_value(self.compared, "%" if self.unit in RATE_UNITS else "")

    @property
    def position_label(self) -> str:
        return POSITION_LABELS[self.position]

    @property
    def below(self) -> bool:
        return self.position in (BELOW, NONE)


@dataclass
class TerritorialTable:
    provider: Provider
    rate: bool
    metropole_value: Decimal
    metropole_compared: Decimal | None
    rows: list[TerritoryFigure] = field(default_factory=list)

    @property
    def below_count(self) -> int:
        return sum(1 for row in self.rows if row.below)

    @property
    def metropole_text(self) -> str:
        return format_value(self.metropole_value, self.provider.unit)

    @property
    def metropole_compared_text(self) -> str:
        return format_value(self.metropole_compared, "%" if self.rate else "")

    @property
    def unit_label(self) -> str:
        return "%" if self.rate else self.provider.unit


class RegistryFigures:
    """The registry's values on one date, each provider computed once for every territory."""

    def __init__(self, today: date):
        self.today = today
        self.tree = TerritoryTree()
        self._values: dict[str, dict] = {}

    def values(self, provider: Provider) -> dict:
        if provider.key not in self._values:
            self._values[provider.key] = provider.values(self.today, self.tree)
        return self._values[provider.key]

    def metropole(self, provider: Provider) -> Decimal:
        return self.values(provider)[None]

    def action_figures(self, action) -> list[tuple[Provider, str]]:
        """(provider, the Métropole's value formatted with its unit) for the action's module."""
        return [
            (p, f"{format_value(self.metropole(p), p.unit)}{'' if p.unit in RATE_UNITS | {'€'} else f' {p.unit}'}")
            for p in module_providers(action.module)
        ]

    def _territories(self, kind: str) -> list[Territory]:
        territories = [self.tree.territory(pk) for pk in self.tree.ids({kind})]
        if kind == Territory.Kind.EPT:
            return sorted(territories, key=lambda t: (len(t.code), t.code))
        return sorted(territories, key=lambda t: t.name)

    def _metropole_population(self) -> int | None:
        if self.tree.metropole_id is None:
            return None
        population = self.tree.territory(self.tree.metropole_id).population
        return population or sum(t.population or 0 for t in self._territories(Territory.Kind.COMMUNE)) or None

    def territorial_tables(self, kind: str = Territory.Kind.EPT, order=None) -> list[TerritorialTable]:
        """One table per territorial provider that computes ``kind``: its value in each territory of that kind,
        the Métropole's, and where each territory stands against it. ``order(provider)`` sorts them (by key)."""
        territories = self._territories(kind)
        if not territories:
            return []
        metropole_population = self._metropole_population()
        tables = []
        for provider in sorted(territorial(), key=order or (lambda p: p.key)):
            if kind not in provider.kinds:
                continue
            values = self.values(provider)
            rate = provider.unit in RATE_UNITS
            metropole = values[None]
            reference = metropole if rate else _per_inhabitants(metropole, metropole_population)
            table = TerritorialTable(provider, rate, metropole, reference)
            for territory in territories:
                value = values.get(territory.pk, Decimal(0))
                compared = value if rate else _per_inhabitants(value, territory.population)
                position = _position(compared, reference, value, metropole)
                table.rows.append(TerritoryFigure(territory, value, compared, position, provider.unit))
            tables.append(table)
        return tables

    def commune_matrix(self, order=None) -> tuple[list[TerritorialTable], list[dict], list[TerritorialTable]]:
        """The communes' figures, grouped by EPT: (the tables with a value in at least one commune, one per
        provider, as the columns; rows of ``{"ept": …, "communes": [(commune, [figure per column])]}``; the
        tables with no value in any commune, named in a sentence instead of a column of zeros — each cell of
        the annex costs layout time, bench/copil_report.py)."""
        tables = self.territorial_tables(Territory.Kind.COMMUNE, order)
        if not tables:
            return [], [], []
        valued, empty = [], []
        for table in tables:
            (valued if any(row.value for row in table.rows) else empty).append(table)
        tables = valued
        if not tables:
            return [], [], empty
        by_commune = {row.territory.pk: [] for row in tables[0].rows}
        for table in tables:
            for row in table.rows:
                by_commune[row.territory.pk].append(row)
        groups = []
        for ept in self._territories(Territory.Kind.EPT):
            communes = [row.territory for row in tables[0].rows if row.territory.parent_id == ept.pk]
            groups.append({"ept": ept, "communes": [(c, by_commune[c.pk]) for c in communes]})
        return tables, groups, empty

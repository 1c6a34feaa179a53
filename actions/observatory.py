"""The territorial observatory's reads: every computed indicator of a territory, its trend and the Métropole's figure.

Every figure comes from the indicator registry (sman/indicators.py), none is typed in: the values the portal
recorded day after day (``IndicatorValue`` rows with a ``provider``, actions.services.indicator_values_record_computed)
for the territory and for the Métropole, and, for a provider that has no recorded value there yet (no indicator of
an action uses it, or the daily recording has not run since), the value computed now, labelled as such.

A bounded number of queries whatever the number of values: the territory, the action indicators that use a provider,
the recorded values of the territory and of the Métropole (one query, PostgreSQL's DISTINCT ON keeping one value per
provider, territory and date — or month, for the page's charts), then one live computation per provider without a
recorded value.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.core.cache import cache
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber, TruncMonth

from sman.indicators import Provider, TerritoryTree, providers
from sman.models import Territory

from .models import Indicator, IndicatorValue

COMPUTED_BY = "calculé par le portail"
COMPUTED_TODAY = "calculé aujourd'hui"
COMPUTED_TODAY_FEMININE = "calculée aujourd'hui"
# How long a value computed now is kept (its date stays today's).
LIVE_SECONDS = 15 * 60


@dataclass(frozen=True)
class Figure:
    """One value of a provider for one territory: recorded on ``date`` or, ``recorded`` false, computed now."""

    value: Decimal
    date: date
    recorded: bool = True


@dataclass
class Row:
    """One computed indicator as the observatory shows it for a territory."""

    provider: Provider
    module: str
    computed_here: bool  # the provider computes a value for this territory
    figure: Figure | None = None
    metropole: Figure | None = None
    series: list[tuple[date, Decimal]] = field(default_factory=list)  # the territory's recorded values, by date
    metropole_series: dict[date, Decimal] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)  # the action indicators that use the provider

    @property
    def key(self) -> str:
        return self.provider.key

    @property
    def source(self) -> str:
        """« Calculé par le portail — module Pass Numérique (passnumerique.tickets_redeemed) »."""
        return f"{COMPUTED_BY.capitalize()} — module {self.module} ({self.provider.key})"

    @property
    def not_computed_reason(self) -> str:
        """Why the territory has no value of its own (empty when it has one)."""
        if self.computed_here:
            return ""
        if not self.provider.territorial:
            return f"Calculé pour la Métropole seulement : {self.provider.reason}"
        return "Non calculé à cette échelle : ce calcul compte ces données dans la commune de rattachement."

    @property
    def change(self) -> tuple[Figure, Decimal] | None:
        """(first recorded value, difference to the latest one), when the series has two values or more."""
        if len(self.series) < 2:
            return None
        (first_day, first), (_, last) = self.series[0], self.series[-1]
        return Figure(first, first_day), last - first


def module_label(key: str) -> str:
    """The module a provider belongs to, by the app label its key starts with (« fmin.… » → the FMIN's)."""
    label = key.split(".", 1)[0]
    try:
        return apps.get_app_config(label).verbose_name
    except LookupError:
        return label


def territory_by_code(code: str) -> Territory | None:
    """The Métropole (MGP), an EPT (T1…T12), a commune or a delegated commune (INSEE code), without its outline."""
    return Territory.objects.without_geometry().select_related("parent").filter(code=code).first()


def territory_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The select's choices in one query: the Métropole, the 12 territories, then each territory's communes (and
    delegated communes, after their commune), by name."""
    rows = list(
        Territory.objects.natural_order()
        .values_list("code", "name", "kind", "parent__code", "parent__kind", "parent__name", "parent__parent__code")
        .order_by()
    )
    metropole = [(code, name) for code, name, kind, *_ in rows if kind == Territory.Kind.METROPOLE]
    epts = [(code, name) for code, name, kind, *_ in rows if kind == Territory.Kind.EPT]
    epts.sort(key=lambda pair: (len(pair[0]), pair[0]))  # T1, T2 … T12
    by_ept: dict[str, list[tuple[str, str, str]]] = {code: [] for code, _ in epts}
    for code, name, kind, parent, _parent_kind, parent_name, grandparent in rows:
        if kind == Territory.Kind.COMMUNE and parent in by_ept:
            by_ept[parent].append((name, "", code))
        elif kind == Territory.Kind.DELEGATED_COMMUNE and grandparent in by_ept:
            by_ept[grandparent].append((parent_name, name, code))
    groups = [("Métropole", metropole), ("Territoires", [(code, f"{code} — {name}") for code, name in epts])]
    for ept_code, ept_name in epts:
        communes = sorted(by_ept[ept_code], key=lambda item: (_sort_key(item[0]), _sort_key(item[1])))
        labels = [
            (code, f"{name} (commune déléguée de {commune})" if name else commune) for commune, name, code in communes
        ]
        groups.append((f"Communes de {ept_code} {ept_name}", labels))
    return groups


def _sort_key(name: str) -> str:
    """« Épinay-sur-Seine » among the E, « L'Île-Saint-Denis » among the L: names by their letters, accents aside."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def _recorded(territory: Territory, indicator_ids: list[int], *, monthly: bool):
    """(provider key, territory id or None, date, value) of the recorded values of ``territory`` and the Métropole,
    by provider, territory and date: every date, or the last value of each month (``monthly``).

    Several indicators of the plan may use one provider: their values of one date are the same, one is kept."""
    place = Q(territory__isnull=True) if territory.is_metropole else Q(territory__isnull=True) | Q(territory=territory)
    mine = Q(indicator__in=indicator_ids) | Q(indicator__isnull=True)  # no indicator: a provider's own series
    values = IndicatorValue.objects.filter(place, mine, provider__in=list(providers))
    fields = ("provider", "territory_id", "date", "value")
    if monthly:
        latest_first = Window(
            RowNumber(),
            partition_by=[F("provider"), F("territory_id"), TruncMonth("date")],
            order_by=[F("date").desc(), "pk"],
        )
        values = values.annotate(rank=latest_first).filter(rank=1)
        return values.order_by("provider", "territory_id", "date").values_list(*fields)
    distinct = ("provider", "territory_id", "date")
    return values.order_by(*distinct, "pk").distinct(*distinct).values_list(*fields)


def observatory(territory: Territory, *, today: date, monthly: bool = False) -> list[Row]:
    """Every registered provider, by module and label, with the figure of ``territory`` and the Métropole's."""
    indicators = list(
        Indicator.objects.exclude(provider_key="").select_related("action__roadmap").order_by("action__number", "pk")
    )
    rows: dict[str, Row] = {}
    for key, provider in sorted(providers.items(), key=lambda item: (module_label(item[0]), item[1].label)):
        rows[key] = Row(provider, module_label(key), computed_here=provider.covers(territory))
    for indicator in indicators:
        if indicator.provider_key in rows:
            rows[indicator.provider_key].indicators.append(indicator)

    here = None if territory.is_metropole else territory.pk
    for key, territory_id, day, value in _recorded(territory, [i.pk for i in indicators], monthly=monthly):
        row = rows[key]
        if territory_id is None:
            row.metropole_series[day] = value
        if territory_id == here and row.computed_here:
            row.series.append((day, value))  # in date order (the query's)

    live = _Live(today)
    for row in rows.values():
        if row.metropole_series:
            latest = max(row.metropole_series)
            row.metropole = Figure(row.metropole_series[latest], latest)
        else:
            row.metropole = Figure(live.value(row.provider, None), today, recorded=False)
        if not row.computed_here:
            continue
        if here is None:
            row.figure = row.metropole
            row.series = sorted(row.metropole_series.items())
        elif row.series:
            row.figure = Figure(row.series[-1][1], row.series[-1][0])
        else:
            row.figure = Figure(live.value(row.provider, territory), today, recorded=False)
    return list(rows.values())


class _Live:
    """Values computed now, for the providers without a recorded value: each provider's batch form computes every
    territory at once (a few grouped queries, sman/indicators.py), kept LIVE_SECONDS for the pages of every
    territory, so that visitors do not make the portal compute the same figures again and again."""

    def __init__(self, today: date):
        self.today = today
        self._tree: TerritoryTree | None = None

    def value(self, provider: Provider, territory: Territory | None) -> Decimal:
        if provider.per_territory is None and provider.territorial and territory is not None:
            # No batch form: this territory alone, rather than every territory one call at a time.
            key = f"observatory:live:{self.today.isoformat()}:{provider.key}:{territory.pk}"
            return cache.get_or_set(key, lambda: _quantize(provider.value(self.today, territory)), LIVE_SECONDS)
        key = f"observatory:live:{self.today.isoformat()}:{provider.key}"
        values = cache.get(key)
        if values is None:
            if self._tree is None:
                self._tree = TerritoryTree()
            values = {pk: _quantize(value) for pk, value in provider.values(self.today, self._tree).items()}
            cache.set(key, values, LIVE_SECONDS)
        return values.get(None if territory is None else territory.pk, Decimal(0))


def _quantize(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.001"))


EXPORT_HEADER = [
    "Code du territoire", "Territoire", "Indicateur", "Unité", "Date", "Valeur", "Valeur de la Métropole à cette date",
    "Source", "Clé du calcul", "Module", "Remarque",
]  # fmt: skip


def export_rows(territory: Territory, rows: list[Row]) -> list[list]:
    """One line per value of each indicator (its recorded values, or the value computed today), with the Métropole's
    value of the same date beside, the date and the source. Values are numbers (as in the COPIL's export of values)."""
    lines = []
    for row in rows:
        common = [row.provider.label, row.provider.unit]
        tail = [row.source, row.key, row.module]
        if row.figure is None:  # the Métropole's value only
            metropole = row.metropole
            lines.append(
                [territory.code, territory.name, *common, metropole.date, None, _number(metropole.value), *tail,
                 row.not_computed_reason]
            )  # fmt: skip
            continue
        points = row.series or [(row.figure.date, row.figure.value)]
        note = "" if row.figure.recorded else f"Valeur {COMPUTED_TODAY_FEMININE}, pas encore enregistrée"
        for day, value in points:
            beside = row.metropole_series.get(day)
            if beside is None and row.metropole.date == day:
                beside = row.metropole.value  # computed today too
            lines.append([territory.code, territory.name, *common, day, _number(value), _number(beside), *tail, note])
    return lines


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)

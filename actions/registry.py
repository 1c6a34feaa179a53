"""Indicators that an app can compute: each app registers providers in its AppConfig.ready().

``actions`` records their values on a schedule (tasks.record_computed_indicators), next to values that
owners type in, so that COPIL reports show trends.

A provider computes the Métropole's value: ``f(today)``. One that can also compute it for a commune or an
EPT takes the territory as well, ``f(today, territory=None)``, None meaning the Métropole; ``value()`` asks
any provider for any territory.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    unit: str
    compute: Callable[..., Decimal]
    # Whether ``compute`` takes a territory (a commune, an EPT; None: the Métropole).
    territorial: bool = False

    def value(self, today: date, territory=None) -> Decimal:
        """The value on ``today`` for ``territory`` (None or the Métropole's territory: the Métropole). A
        provider that computes the Métropole's value only refuses another territory (ValueError)."""
        if self.territorial:
            return self.compute(today, territory=territory)
        if territory is not None and territory.kind != "metropole":
            raise ValueError(f"indicator provider {self.key} computes the Métropole's value only, not {territory}'s")
        return self.compute(today)


providers: dict[str, Provider] = {}


def register(key: str, *, label: str, unit: str):
    """Decorator: ``@register("ftth.premises_eligible_rate", label="…", unit="%")`` on ``f(today) -> number``,
    or on ``f(today, territory=None) -> number`` for a value per territory too."""

    def decorator(func):
        if key in providers and providers[key].compute is not func:
            raise ValueError(f"indicator provider {key} registered twice")
        territory = inspect.signature(func).parameters.get("territory")
        if territory is not None and territory.default is not None:
            # Callers that know nothing of territories (the daily recording) call f(today): the Métropole.
            raise TypeError(f"indicator provider {key}: `territory` must default to None (the Métropole)")
        providers[key] = Provider(key, label, unit, func, territorial=territory is not None)
        return func

    return decorator


def choices() -> list[tuple[str, str]]:
    return [(p.key, f"{p.label} ({p.unit})") for p in sorted(providers.values(), key=lambda p: p.key)]

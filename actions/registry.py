"""Indicators that an app can compute: each app registers providers in its AppConfig.ready().

``actions`` records their values on a schedule (tasks.record_computed_indicators), next to values that
owners type in, so that COPIL reports show trends.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Provider:
    key: str
    label: str
    unit: str
    compute: Callable[[date], Decimal]


providers: dict[str, Provider] = {}


def register(key: str, *, label: str, unit: str):
    """Decorator: ``@register("ftth.premises_eligible_rate", label="…", unit="%")`` on ``f(today) -> number``."""

    def decorator(func):
        if key in providers and providers[key].compute is not func:
            raise ValueError(f"indicator provider {key} registered twice")
        providers[key] = Provider(key, label, unit, func)
        return func

    return decorator


def choices() -> list[tuple[str, str]]:
    return [(p.key, f"{p.label} ({p.unit})") for p in sorted(providers.values(), key=lambda p: p.key)]

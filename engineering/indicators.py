"""Indicators the COPIL follows for actions #11, #4 and #15, for the Métropole and for each commune and EPT.

A support request counts in the territory of the collectivity that asked (a commune, an EPT: the EPT's own
requests count for the EPT and the Métropole, not for its communes). Delays are in days, averaged over the
requests that reached the step by ``today``; « à temps » compares the delivery date with the due date the
service promised at triage. A place counts in the commune its position lies in.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, FloatField, Func, Q, Sum

from sman.indicators import TerritoryTree, register
from sman.models import Territory

from .models import EngineeringRequest, Kind, Place, PlaceKind, Stage

FIELD = "organisation__territory"
FABRICATION = [PlaceKind.FABLAB, PlaceKind.MAKERSPACE]
CULTURAL = [PlaceKind.MICRO_FOLIE, PlaceKind.CULTURAL]


class Days(Func):
    """Days between two timestamps, as a float: EXTRACT(EPOCH FROM end - start) / 86400."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0"
    arg_joiner = " - "
    output_field = FloatField()


def _request_rows(today: date, territory=None):
    """Per territory of record: counts and sums every indicator of the pôle derives from (one grouped query)."""
    qs = EngineeringRequest.objects.filter(created_at__date__lte=today)
    if territory is not None:
        qs = qs.filter(Territory.objects.within_q(territory, field=FIELD))
    answered = Q(first_answer_at__date__lte=today)
    delivered = Q(delivered_at__date__lte=today)
    closed = Q(closed_at__date__lte=today, satisfaction__isnull=False)
    return (
        qs.order_by()
        .values(FIELD)
        .annotate(
            total=Count("pk"),
            **{k: Count("pk", filter=Q(kind=k)) for k in Kind.values},
            **{s: Count("pk", filter=Q(stage=s)) for s in Stage.values},
            answered=Count("pk", filter=answered),
            answer_days=Sum(Days(F("first_answer_at"), F("created_at")), filter=answered),
            delivered=Count("pk", filter=delivered),
            delivery_days=Sum(Days(F("delivered_at"), F("created_at")), filter=delivered),
            on_time=Count("pk", filter=delivered & Q(delivered_at__date__lte=F("due_on"))),
            # From triage (when the service's delay was promised) to delivery, and the delay promised.
            work_days=Sum(Days(F("delivered_at"), F("qualified_at")), filter=delivered),
            promised=Sum("promised_days", filter=delivered),
            rated=Count("pk", filter=closed),
            satisfaction_sum=Sum("satisfaction", filter=closed),
        )
    )


def _sum_rows(rows) -> dict:
    totals: dict = {}
    for row in rows:
        for name, value in row.items():
            if name != FIELD:
                totals[name] = totals.get(name, 0) + (value or 0)
    return totals


def _ratio(part, whole, *, scale=1) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(str(part)) * scale / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _request_figures(today: date, tree: TerritoryTree) -> dict[int, dict]:
    return tree.memo(("engineering", today), lambda: tree.sum_up(_request_rows(today), FIELD))


def _request_indicator(key: str, label: str, unit: str, derive):
    def per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
        return {pk: derive(figures) for pk, figures in _request_figures(today, tree).items()}

    def compute(today: date, territory=None) -> Decimal:
        return derive(_sum_rows(_request_rows(today, territory)))

    compute.__doc__ = f"{label}, for the Métropole or a territory (module docstring)."
    register(key, label=label, unit=unit, per_territory=per_territory)(compute)
    return compute


def _count(name):
    return lambda f: Decimal(f.get(name, 0))


requests_received = _request_indicator(
    "engineering.requests_received", "Demandes d'accompagnement reçues (pôle d'ingénierie)", "demandes",
    _count("total"),
)  # fmt: skip
for _kind in Kind:
    _request_indicator(
        f"engineering.requests_{_kind.value}", f"Demandes d'appui {_kind.label} (pôle d'ingénierie)", "demandes",
        _count(_kind.value),
    )  # fmt: skip
_request_indicator(
    "engineering.requests_upstream", "Demandes en phase amont (pôle d'ingénierie)", "demandes", _count(Stage.UPSTREAM)
)
_request_indicator(
    "engineering.requests_downstream", "Demandes en phase aval (pôle d'ingénierie)", "demandes",
    _count(Stage.DOWNSTREAM),
)  # fmt: skip
first_answer_days = _request_indicator(
    "engineering.first_answer_days", "Délai moyen de première réponse du pôle d'ingénierie", "jours",
    lambda f: _ratio(f.get("answer_days", 0), f.get("answered", 0)),
)  # fmt: skip
delivery_days = _request_indicator(
    "engineering.delivery_days", "Délai moyen de livraison du pôle d'ingénierie", "jours",
    lambda f: _ratio(f.get("delivery_days", 0), f.get("delivered", 0)),
)  # fmt: skip
delivered_on_time_rate = _request_indicator(
    "engineering.delivered_on_time_rate", "Demandes livrées dans le délai promis", "%",
    lambda f: _ratio(f.get("on_time", 0), f.get("delivered", 0), scale=100),
)  # fmt: skip
delivery_gap_days = _request_indicator(
    "engineering.delivery_gap_days", "Écart moyen au délai promis par le pôle d'ingénierie (négatif : en avance)",
    "jours", lambda f: _ratio(f.get("work_days", 0) - f.get("promised", 0), f.get("delivered", 0)),
)  # fmt: skip
satisfaction = _request_indicator(
    "engineering.satisfaction", "Satisfaction des collectivités accompagnées (sur 5)", "/5",
    lambda f: _ratio(f.get("satisfaction_sum", 0), f.get("rated", 0)),
)  # fmt: skip


# --- Places of actions #4 and #15 ----------------------------------------------------------------------------
def _place_rows(kinds, territory=None):
    qs = Place.objects.published().filter(kind__in=kinds)
    if territory is not None:
        qs = qs.filter(Territory.objects.within_q(territory))
    return qs.order_by().values("territory").annotate(places=Count("pk"))


def _place_indicator(key: str, label: str, kinds):
    def per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
        return {pk: Decimal(f["places"]) for pk, f in tree.sum_up(_place_rows(kinds), "territory").items()}

    def compute(today: date, territory=None) -> Decimal:
        return Decimal(sum(row["places"] for row in _place_rows(kinds, territory)))

    compute.__doc__ = f"{label} (published places today; a directory keeps no history of its places)."
    register(key, label=label, unit="lieux", per_territory=per_territory)(compute)
    return compute


fabrication_places = _place_indicator(
    "engineering.fabrication_places", "Espaces de fabrication numérique (fablabs, ateliers)", FABRICATION
)
cultural_places = _place_indicator(
    "engineering.cultural_places", "Espaces culturels numériques (dont Micro-Folies)", CULTURAL
)

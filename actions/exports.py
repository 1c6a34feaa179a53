"""CSV and XLSX exports of the dashboard (its filtered list, sman/lists.py), the reviews and the indicator values
(shared writer: sman.exports)."""

from django.http import HttpResponse
from django.utils import timezone

from sman.exports import FORMATS, Euros, export_response
from sman.lists import Column, Export

from .models import ActionReview, IndicatorValue

__all__ = ["DASHBOARD_EXPORT", "FORMATS", "indicator_values_export", "reviews_export"]


def _response(fmt: str, name: str, header: list[str], rows) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    return export_response(fmt, filename=f"{name}-{stamp}", header=header, rows=rows, title=name)


def _deviation(action):
    deviation = action.follow.budget.deviation_percent
    return float(deviation) if deviation is not None else None


DASHBOARD_EXPORT = Export(
    filename="actions",
    dated=True,
    columns=[
        Column("Feuille de route", lambda a: a.roadmap.code),
        Column("N°", lambda a: a.number),
        Column("Défi", lambda a: a.challenge.number),
        Column("Action", lambda a: a.title),
        # An action nobody followed has no status nor progress to export (rules.follow_reported).
        Column("Statut", lambda a: a.get_status_display() if a.follow.reported else "suivi non renseigné"),
        Column("Avancement (%)", lambda a: a.progress if a.follow.reported else None),
        Column("Retard (jours)", lambda a: a.follow.delay),
        Column("Alloué (€)", lambda a: Euros(a.follow.budget.allocated_cents)),
        Column("Dépensé (€)", lambda a: Euros(a.follow.budget.spent_cents)),
        Column("Écart budgétaire (%)", _deviation),
        Column("Voyant", lambda a: a.follow.light_label),
        Column("Dernier avis", lambda a: a.latest_review.get_opinion_display() if a.latest_review else ""),
        Column("Séance", lambda a: str(a.latest_review.session) if a.latest_review else ""),
    ],
)


def reviews_export(fmt: str) -> HttpResponse:
    header = [
        "Séance", "Action", "Avancement (%)", "Planning", "Budget", "Justification", "Avis", "Motifs",
        "Saisi par", "Correction de",
    ]  # fmt: skip
    reviews = ActionReview.objects.select_related("session", "action", "decided_by").order_by(
        "session__date", "action__number", "created_at"
    )
    rows = (
        [
            str(r.session), f"#{r.action.number} {r.action.title}", r.progress, r.get_schedule_status_display(),
            r.get_budget_status_display(), r.justification, r.get_opinion_display(), r.reasons,
            r.decided_by.email if r.decided_by else "", r.corrects_id or "",
        ]
        for r in reviews
    )  # fmt: skip
    return _response(fmt, "revues", header, rows)


def indicator_values_export(fmt: str) -> HttpResponse:
    header = ["Action", "Indicateur", "Nature", "Unité", "Date", "Valeur", "Origine", "Commentaire"]
    values = (
        IndicatorValue.objects.for_metropole()
        .filter(indicator__isnull=False)  # the action indicators' values (the others are the observatory's)
        .select_related("indicator", "indicator__action", "author")
        .order_by("indicator__action__number", "indicator__name", "date")
    )
    rows = (
        [
            f"#{v.indicator.action.number}", v.indicator.name, v.indicator.get_kind_display(), v.indicator.unit,
            v.date, float(v.value), v.provider or (v.author.email if v.author else ""), v.comment,
        ]
        for v in values
    )  # fmt: skip
    return _response(fmt, "valeurs-indicateurs", header, rows)

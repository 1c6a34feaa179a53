"""CSV and XLSX exports of the dashboard, the reviews and the indicator values (shared writer: sman.exports)."""

from django.http import HttpResponse
from django.utils import timezone

from sman.exports import FORMATS, export_response
from sman.money import euros_decimal

from .models import ActionReview, IndicatorValue

__all__ = ["FORMATS", "dashboard_export", "indicator_values_export", "reviews_export"]


def _response(fmt: str, name: str, header: list[str], rows) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    return export_response(fmt, filename=f"{name}-{stamp}", header=header, rows=rows, title=name)


def dashboard_export(fmt: str, actions) -> HttpResponse:
    header = [
        "Feuille de route", "N°", "Défi", "Action", "Statut", "Avancement (%)", "Retard (jours)",
        "Alloué (€)", "Dépensé (€)", "Écart budgétaire (%)", "Voyant", "Dernier avis", "Séance",
    ]  # fmt: skip
    rows = []
    for a in actions:
        review = a.latest_review
        rows.append([
            a.roadmap.code, a.number, a.challenge.number, a.title,
            a.get_status_display() if a.follow.reported else "suivi non renseigné",
            a.progress if a.follow.reported else None,
            a.follow.delay, euros_decimal(a.follow.budget.allocated_cents), euros_decimal(a.follow.budget.spent_cents),
            float(a.follow.budget.deviation_percent) if a.follow.budget.deviation_percent is not None else None,
            a.follow.light_label, review.get_opinion_display() if review else "",
            str(review.session) if review else "",
        ])  # fmt: skip
    return _response(fmt, "actions", header, rows)


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

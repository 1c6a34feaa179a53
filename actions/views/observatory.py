"""The public territorial observatory: the plan's computed indicators of the Métropole, a territory or a commune."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from sman.exports import FORMATS, export_response

from .. import charts, observatory
from ..forms import ObservatoryTerritoryForm

METROPOLE_CODE = "MGP"


def _territory_or_404(code: str):
    territory = observatory.territory_by_code(code)
    if territory is None:
        raise Http404(
            "Territoire inconnu : code INSEE d'une commune, T1 à T12 pour un territoire, MGP pour la Métropole."
        )
    return territory


def observatory_index(request):
    """The Métropole's figures, and the choice of another place (``?territoire=`` leads to its page)."""
    choices = observatory.territory_choices()
    form = ObservatoryTerritoryForm(request.GET or None, choices=choices)
    if form.is_bound and form.is_valid():
        return redirect("actions:observatory", code=form.cleaned_data["territoire"])
    return _page(request, _territory_or_404(METROPOLE_CODE), form, choices)


def observatory_detail(request, code):
    territory = _territory_or_404(code)
    choices = observatory.territory_choices()
    form = ObservatoryTerritoryForm(initial={"territoire": territory.code}, choices=choices)
    return _page(request, territory, form, choices)


def _page(request, territory, form, choices):
    today = timezone.localdate()
    rows = observatory.observatory(territory, today=today, monthly=True)
    for row in rows:
        row.chart = None
        if row.series:
            row.chart = charts.line_chart(
                row.series,
                title=f"{row.provider.label} — {territory}, dernière valeur enregistrée de chaque mois",
                unit=row.provider.unit,
                width=560,
                height=200,
            )
    return render(
        request,
        "actions/observatory.html",
        {
            "territory": territory,
            "is_metropole": territory.is_metropole,
            "rows": rows,
            "charted": any(row.chart for row in rows),
            "live_count": sum(1 for r in rows if r.figure is not None and not r.figure.recorded),
            "form": form,
            "today": today,
            "crumbs": [
                ("Territoires", reverse("territory_list")),
                ("Observatoire", reverse("actions:observatory_index")),
            ],
        },
    )


def observatory_export(request, code, fmt):
    if fmt not in FORMATS:
        raise Http404("Format inconnu : csv ou xlsx.")
    territory = _territory_or_404(code)
    rows = observatory.observatory(territory, today=timezone.localdate())
    return export_response(
        fmt,
        filename=f"observatoire-{territory.code}-{timezone.localdate().isoformat()}",
        header=observatory.EXPORT_HEADER,
        rows=observatory.export_rows(territory, rows),
        title=f"Observatoire {territory.code}",
    )

"""The Métropole's view of participation across the territory (staff): figures per EPT and commune."""

from django.shortcuts import render
from django.utils import timezone

from sman.indicators import TerritoryTree
from sman.lists import Column, Export
from sman.models import Territory
from sman.permissions import staff_required

from ..indicators import figures_per_territory
from .common import CRUMBS

FIGURES_EXPORT = Export(
    "participation-territoires",
    [
        Column("code", lambda r: r["territory"].code),
        Column("territoire", lambda r: r["territory"].name),
        Column("type", lambda r: r["territory"].get_kind_display()),
        Column("démarches", lambda r: r["processes"]),
        Column("participants", lambda r: r["participants"]),
        Column("propositions", lambda r: r["proposals"]),
        Column("bulletins", lambda r: r["ballots"]),
        Column("résultats réalisés", lambda r: r["delivered"]),
    ],
    dated=True,
)


@staff_required
def metropolitan(request):
    """Every territory with some participation: the Métropole, then the EPTs, then the communes."""
    tree = TerritoryTree()
    figures = figures_per_territory(timezone.localdate(), tree)
    territories = Territory.objects.filter(pk__in=list(figures)).without_geometry().natural_order()
    rows = [{"territory": t, **figures[t.pk]} for t in territories]
    fmt = request.GET.get("export")
    if fmt in FIGURES_EXPORT.formats:
        return FIGURES_EXPORT.response(fmt, rows)
    return render(request, "participation/metropolitan.html", {"rows": rows, "crumbs": CRUMBS})

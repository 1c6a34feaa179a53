"""Indicators of action #7 (the resource centre), for the COPIL and the observatory.

A resource counts for each territory it concerns (and once for an EPT or the Métropole containing several of
them); a collectivity that applied a resource counts for its own territory. Views and downloads are anonymous
(no personal data, no place): they are the Métropole's only.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from sman.indicators import TerritoryTree, register
from sman.models import Territory

from .models import DailyUsage, Resource, ResourceUse


def _published(today: date):
    return Resource.objects.published().filter(published_at__date__lte=today)


def _concerning(territory) -> list[int] | None:
    if territory is None:
        return None
    return list(Territory.objects.within(territory).values_list("pk", flat=True))


def _published_per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
    pairs = Resource.territories.through.objects.filter(resource__in=_published(today)).values_list(
        "territory_id", "resource_id"
    )
    keys = tree.collect_up(pairs)
    result = {pk: Decimal(len(ids)) for pk, ids in keys.items()}
    if tree.metropole_id is not None:
        result[tree.metropole_id] = Decimal(_published(today).count())
    return result


@register(
    "resources.published",
    label="Ressources publiées au centre de ressources",
    unit="ressources",
    per_territory=_published_per_territory,
)
def published(today: date, territory=None) -> Decimal:
    """Resources published until ``today``; for a territory, those that concern it or a place within it."""
    rows = _published(today)
    ids = _concerning(territory)
    if ids is not None:
        through = Resource.territories.through.objects.filter(territory_id__in=ids)
        rows = rows.filter(pk__in=through.values("resource_id"))
    return Decimal(rows.count())


def _uses(today: date):
    return ResourceUse.objects.filter(created_at__date__lte=today, resource__current_version__isnull=False)


def _collectivities_per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
    pairs = _uses(today).values_list("organisation__territory_id", "organisation_id").distinct()
    return {pk: Decimal(len(ids)) for pk, ids in tree.collect_up(pairs).items()}


@register(
    "resources.collectivities_applying",
    label="Collectivités ayant appliqué une ressource",
    unit="collectivités",
    per_territory=_collectivities_per_territory,
)
def collectivities_applying(today: date, territory=None) -> Decimal:
    """Collectivities (of ``territory`` or within it) that marked a published resource as applied."""
    rows = _uses(today)
    ids = _concerning(territory)
    if ids is not None:
        rows = rows.filter(organisation__territory_id__in=ids)
    return Decimal(rows.values("organisation").distinct().count())


NO_PLACE = (
    "Les consultations et téléchargements sont comptés sans donnée personnelle ni lieu : ils valent pour tout le "
    "centre de ressources, pas pour un territoire."
)


@register("resources.views", label="Consultations des ressources", unit="consultations", territorial=False,
          reason=NO_PLACE)  # fmt: skip
def views(today: date) -> Decimal:
    return Decimal(DailyUsage.objects.filter(day__lte=today).aggregate(n=Sum("views"))["n"] or 0)


@register("resources.downloads", label="Téléchargements de pièces jointes", unit="téléchargements",
          territorial=False, reason=NO_PLACE)  # fmt: skip
def downloads(today: date) -> Decimal:
    return Decimal(DailyUsage.objects.filter(day__lte=today).aggregate(n=Sum("downloads"))["n"] or 0)

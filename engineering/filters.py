"""Filters of the support module's lists (sman/lists.py)."""

import django_filters
from django.db.models import Q

from sman.filters import ListFilterSet
from sman.models import Territory

from .models import EngineeringRequest, Kind, PlaceKind, Problem, SpaceOffer, Stage


def _territories():
    return Territory.objects.filter(kind__in=["ept", "commune"]).without_geometry().natural_order(by_name=True)


class WithinFilter(django_filters.ModelChoiceFilter):
    """An EPT or a commune: the rows within it."""

    def __init__(self, *, field: str = "territory", **kwargs):
        self.territory_field = field
        super().__init__(label="Territoire ou commune", queryset=_territories(), empty_label="Tous", **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(Territory.objects.within_q(value, field=self.territory_field))


class RequestFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Objet ou collectivité", method="search")
    status = django_filters.ChoiceFilter(label="Statut", choices=EngineeringRequest.Status.choices, empty_label="Tous")
    kind = django_filters.ChoiceFilter(label="Nature", choices=Kind.choices, empty_label="Toutes")
    stage = django_filters.ChoiceFilter(label="Étape", choices=Stage.choices, empty_label="Toutes")
    territory = WithinFilter(field="organisation__territory")

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__unaccent__icontains=value) | Q(organisation__name__unaccent__icontains=value))


class PlaceFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Nom ou adresse", method="search")
    kind = django_filters.ChoiceFilter(label="Type de lieu", choices=PlaceKind.choices, empty_label="Tous")
    territory = WithinFilter()

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__unaccent__icontains=value) | Q(address__unaccent__icontains=value))


class ProblemFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(label="Statut", choices=Problem.Status.choices, empty_label="Tous")


class OfferFilter(ListFilterSet):
    status = django_filters.ChoiceFilter(label="Statut", choices=SpaceOffer.Status.choices, empty_label="Tous")
    territory = WithinFilter()

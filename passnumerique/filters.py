"""Filters of the Pass Numérique's lists (sman/lists.py): the directory of mediation places."""

import django_filters
from django.contrib.gis.db.models.functions import Distance
from django.db.models import F, Q

from sman.filters import ListFilterSet
from sman.models import Territory

from .forms import communes
from .models import PlaceType


class PlaceFilter(ListFilterSet):
    near = django_filters.ModelChoiceFilter(
        label="Près de chez moi (commune)", queryset=communes(), method="nearest_first", empty_label="—",
        help_text="Les lieux les plus proches de la commune apparaissent en premier.",
    )  # fmt: skip
    q = django_filters.CharFilter(label="Nom ou commune", method="search")
    place_type = django_filters.ChoiceFilter(label="Type de lieu", choices=PlaceType.choices, empty_label="Tous")
    theme = django_filters.CharFilter(
        label="Thème de formation", field_name="trainings__theme", lookup_expr="unaccent__icontains", distinct=True
    )

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(organisation__name__unaccent__icontains=value)
            | Q(organisation__territory__name__unaccent__icontains=value)
        )

    def nearest_first(self, queryset, name, value):
        """Nearest first, by distance to a point inside the commune (places without a position last)."""
        origin = Territory.objects.filter(pk=value.pk).values_list("geometry", flat=True).get().point_on_surface
        return queryset.annotate(distance=Distance("location", origin)).order_by(
            F("distance").asc(nulls_last=True), "organisation__name"
        )

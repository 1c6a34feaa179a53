"""Filters of the FMIN's lists (sman/lists.py): the funded projects (public) and the applications."""

import django_filters
from django import forms
from django.db.models import Q

from sman.filters import ListFilterSet
from sman.models import Challenge, Territory

from .models import Application, Call, Theme


class ProjectFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="search", max_length=100)
    challenge = django_filters.ModelChoiceFilter(
        label="Défi", field_name="challenges", queryset=Challenge.objects.all(), empty_label="Tous"
    )
    territory = django_filters.ModelChoiceFilter(
        label="Territoire",
        queryset=Territory.objects.filter(kind="ept").without_geometry().natural_order(),
        method="within",
        empty_label="Tous",
    )
    year = django_filters.ChoiceFilter(label="Année", field_name="call__year", empty_label="Toutes")
    theme = django_filters.ChoiceFilter(label="Thème", choices=Theme.choices, empty_label="Tous")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The years of the published calls, newest first (read once per page).
        years = sorted(set(Call.objects.filter(is_published=True).values_list("year", flat=True)), reverse=True)
        self.filters["year"].extra["choices"] = [(y, y) for y in years]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__unaccent__icontains=value) | Q(summary__unaccent__icontains=value))

    def within(self, queryset, name, value):
        """Projects run in the territory, or led by one of its collectivities."""
        return queryset.filter(
            Territory.objects.within_q(value, "territories") | Territory.objects.within_q(value, "lead__territory")
        )


class ApplicationFilter(ListFilterSet):
    """The files listed to an agent (their collectivities') or to staff (every submitted file). The query
    parameters are French (``statut``, ``appel``), as they have always been."""

    q = django_filters.CharFilter(label="Rechercher", method="search", widget=forms.SearchInput)
    statut = django_filters.ChoiceFilter(
        label="Statut", field_name="status", choices=Application.Status.choices, empty_label="Tous"
    )
    appel = django_filters.ModelChoiceFilter(
        label="Appel", field_name="call", queryset=Call.objects.none(), empty_label="Tous"
    )

    def __init__(self, *args, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["appel"].queryset = calls

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__unaccent__icontains=value) | Q(lead__name__unaccent__icontains=value))

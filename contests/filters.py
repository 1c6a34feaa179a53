import django_filters
from django import forms
from django.db.models import Q

from sman.filters import ListFilterSet

from .models import Contest, Module


class ContestFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="search", max_length=100, widget=forms.SearchInput)
    module = django_filters.ChoiceFilter(label="Nature", choices=Module.choices, empty_label="Toutes")
    status = django_filters.ChoiceFilter(
        label="État",
        choices=[c for c in Contest.Status.choices if c[0] != Contest.Status.DRAFT],
        empty_label="Tous",
    )

    class Meta:
        model = Contest
        fields = ["q", "module", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__unaccent__icontains=value) | Q(theme__unaccent__icontains=value))

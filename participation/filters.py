"""Filters of the participation lists (sman/lists.py)."""

import django_filters
from django import forms
from django.db.models import Max, Min, Q
from django.utils import timezone

from sman.filters import ListFilterSet
from sman.models import Territory
from sman.search import rank_search

from .models import Process, Proposal, Space


class ProcessFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="search", max_length=100, widget=forms.SearchInput)
    espace = django_filters.ModelChoiceFilter(
        label="Collectivité", field_name="space", queryset=Space.objects.none(), empty_label="Toutes"
    )
    territoire = django_filters.ModelChoiceFilter(
        label="Territoire",
        queryset=Territory.objects.filter(kind__in=["ept", "commune"]).without_geometry().natural_order(by_name=True),
        method="within",
        empty_label="Tous",
    )
    etat = django_filters.ChoiceFilter(
        label="État",
        method="by_state",
        empty_label="Toutes",
        choices=[("open", "en cours"), ("upcoming", "à venir"), ("finished", "terminées")],
    )

    class Meta:
        model = Process
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["espace"].queryset = Space.objects.filter(is_active=True).select_related("organisation")

    def search(self, queryset, name, value):
        return rank_search(queryset, value)

    def within(self, queryset, name, value):
        """Processes whose scope lies within the territory, or contains it (a metropolitan process)."""
        ancestors = Territory.objects.ancestors_of(value).values("pk")
        return queryset.filter(
            Territory.objects.within_q(value, field="territories") | Q(territories__in=ancestors)
        ).distinct()

    def by_state(self, queryset, name, value):
        today = timezone.localdate()
        spans = queryset.annotate(first_day=Min("phases__starts_on"), last_day=Max("phases__ends_on"))
        if value == "open":
            return spans.filter(first_day__lte=today, last_day__gte=today)
        if value == "upcoming":
            return spans.filter(first_day__gt=today)
        return spans.filter(last_day__lt=today)


class ProposalFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="search", max_length=100, widget=forms.SearchInput)
    categorie = django_filters.ChoiceFilter(label="Catégorie", field_name="category", empty_label="Toutes")
    reponse = django_filters.ChoiceFilter(
        label="Réponse", field_name="answer", choices=Proposal.Answer.choices, empty_label="Toutes"
    )
    tri = django_filters.OrderingFilter(
        label="Trier par",
        empty_label="Les plus récentes",
        choices=[("-support_count", "Les plus soutenues"), ("created_at", "Les plus anciennes")],
        fields={"support_count": "support_count", "created_at": "created_at"},
    )

    class Meta:
        model = Proposal
        fields = []

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["categorie"].extra["choices"] = [(c, c) for c in categories]

    def search(self, queryset, name, value):
        return rank_search(queryset, value)

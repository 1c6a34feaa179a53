"""Filters of the Explorateurs' lists (sman/lists.py)."""

import django_filters
from django.db.models import Q

from sman.filters import ListFilterSet
from sman.models import Challenge

from .models import Candidacy, Cohort, Event, Project, Theme


class CandidacyFilter(ListFilterSet):
    cohort = django_filters.ModelChoiceFilter(label="Promotion", queryset=Cohort.objects.all(), empty_label="Toutes")
    status = django_filters.ChoiceFilter(label="Statut", choices=Candidacy.Status.choices, empty_label="Tous")
    q = django_filters.CharFilter(label="Agent ou collectivité", method="search")

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(agent__last_name__unaccent__icontains=value)
            | Q(agent__first_name__unaccent__icontains=value)
            | Q(agent__email__icontains=value)
            | Q(collectivity__name__unaccent__icontains=value)
        )


class ProjectFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Titre, idée ou collectivité", method="search")
    challenge = django_filters.ModelChoiceFilter(
        label="Défi", queryset=Challenge.objects.order_by("number"), empty_label="Tous"
    )
    status = django_filters.ChoiceFilter(label="Étape", choices=Project.Status.choices, empty_label="Toutes")

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__unaccent__icontains=value)
            | Q(idea__unaccent__icontains=value)
            | Q(collectivity__name__unaccent__icontains=value)
        )


class EventFilter(ListFilterSet):
    kind = django_filters.ChoiceFilter(label="Type", choices=Event.Kind.choices, empty_label="Tous")
    theme = django_filters.ChoiceFilter(label="Thème", choices=Theme.choices, method="with_theme", empty_label="Tous")
    cohort = django_filters.ModelChoiceFilter(label="Promotion", queryset=Cohort.objects.all(), empty_label="Toutes")

    def with_theme(self, queryset, name, value):
        return queryset.filter(themes__contains=[value])


class DirectoryFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Nom, fonction ou collectivité", method="search")
    cohort = django_filters.ModelChoiceFilter(label="Promotion", queryset=Cohort.objects.all(), empty_label="Toutes")

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(user__last_name__unaccent__icontains=value)
            | Q(user__first_name__unaccent__icontains=value)
            | Q(role__unaccent__icontains=value, show_role=True)
            | Q(collectivity__name__unaccent__icontains=value)
        )

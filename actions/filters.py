import django_filters
from django import forms

from sman.models import Challenge, User

from .models import Action, Roadmap
from .rules import Light


class ActionFilter(django_filters.FilterSet):
    challenge = django_filters.ModelChoiceFilter(label="Défi", queryset=Challenge.objects.all(), empty_label="Tous")
    roadmap = django_filters.ModelChoiceFilter(
        label="Feuille de route", queryset=Roadmap.objects.all(), empty_label="Toutes"
    )
    status = django_filters.ChoiceFilter(label="Statut", choices=Action.Status.choices, empty_label="Tous")
    owner = django_filters.ModelChoiceFilter(
        label="Responsable",
        field_name="owners",
        queryset=User.objects.filter(owned_actions__isnull=False).distinct(),
        empty_label="Tous",
    )
    # The traffic light is computed, not stored: filtered in Python on the (bounded) list of actions.
    light = django_filters.ChoiceFilter(
        label="Voyant",
        choices=list(Light.LABELS.items()),
        method="noop",
        empty_label="Tous",
        widget=forms.Select,
    )

    class Meta:
        model = Action
        fields = ["challenge", "roadmap", "status", "owner", "light"]

    def noop(self, queryset, name, value):
        return queryset

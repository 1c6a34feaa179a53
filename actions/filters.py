"""The COPIL dashboard's list of actions (sman/lists.py): its filters and the computed traffic light."""

import django_filters
from django import forms

from sman.filters import ListFilterSet
from sman.lists import Listing
from sman.models import Challenge, User

from . import selectors
from .models import Action, Roadmap
from .rules import Light


class ActionFilter(ListFilterSet):
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
    # The traffic light is computed, not stored: ActionListing filters the (bounded) list of actions in Python.
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


class ActionListing(Listing):
    """The filtered actions with their follow-up (delay, budget, light) and latest opinion, on one page."""

    def prepare(self, rows):
        actions = selectors.with_follow(rows)
        if light := self.cleaned("light"):
            actions = [a for a in actions if a.follow.light == light]
        return actions

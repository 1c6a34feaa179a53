"""Filters of the marketplace's lists (sman/lists.py). The text search is the portal's French full-text search
(sman/search.py, ``fr_unaccent``) on the stored search vectors."""

import django_filters
from django import forms
from django.db.models import Q

from sman.filters import ListFilterSet
from sman.models import Challenge, Territory
from sman.search import rank_search, search_query

from .models import MemberCategory, Need, Solution, Theme


def _search(queryset, value):
    return rank_search(queryset, value)


def _epts():
    return Territory.objects.filter(kind="ept").without_geometry().natural_order()


class NeedFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="search", max_length=100, widget=forms.SearchInput)
    challenge = django_filters.ModelChoiceFilter(label="Défi", queryset=Challenge.objects.all(), empty_label="Tous")
    theme = django_filters.ChoiceFilter(label="Thème", choices=Theme.choices, method="with_theme", empty_label="Tous")
    territory = django_filters.ModelChoiceFilter(
        label="Territoire", queryset=_epts(), method="within", empty_label="Tous"
    )
    state = django_filters.ChoiceFilter(
        label="État", choices=[c for c in Need.State.choices if c[0] != "draft"], empty_label="Tous"
    )

    def filter_queryset(self, queryset):
        """With a search text, every filter applies to the narrow search rows of the public needs
        (``selectors.search_public_needs``: an exact count, the best matches ranked); without, to ``queryset``.
        This filter set lists the public needs only (``selectors.public_needs()``)."""
        data = self.form.cleaned_data
        text = data.get("q")
        if not text or search_query(text) is None:
            return super().filter_queryset(queryset)
        from .selectors import search_public_needs

        return search_public_needs(
            text,
            challenge=data.get("challenge"),
            theme=data.get("theme") or None,
            territory=data.get("territory"),
            state=data.get("state") or None,
        )

    def search(self, queryset, name, value):
        return _search(queryset, value)

    def with_theme(self, queryset, name, value):
        return queryset.filter(themes__contains=[value])

    def within(self, queryset, name, value):
        return queryset.filter(Territory.objects.within_q(value, "territory"))


class BuyerNeedFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="search", max_length=100, widget=forms.SearchInput)
    state = django_filters.ChoiceFilter(label="État", choices=Need.State.choices, empty_label="Tous")

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__unaccent__icontains=value) | Q(buyer__name__unaccent__icontains=value))


class SolutionFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="search", max_length=100, widget=forms.SearchInput)
    challenge = django_filters.ModelChoiceFilter(
        label="Défi", field_name="challenges", queryset=Challenge.objects.all(), empty_label="Tous"
    )
    theme = django_filters.ChoiceFilter(label="Thème", choices=Theme.choices, method="with_theme", empty_label="Tous")
    hosting = django_filters.ChoiceFilter(label="Hébergement", choices=Solution.Hosting.choices, empty_label="Tous")
    accessibility = django_filters.ChoiceFilter(
        label="Accessibilité", choices=Solution.Accessibility.choices, empty_label="Toutes"
    )

    def search(self, queryset, name, value):
        return _search(queryset, value)

    def with_theme(self, queryset, name, value):
        return queryset.filter(themes__contains=[value])


class MemberFilter(ListFilterSet):
    q = django_filters.CharFilter(label="Rechercher", method="search", max_length=100, widget=forms.SearchInput)
    category = django_filters.ChoiceFilter(label="Catégorie", choices=MemberCategory.choices, empty_label="Toutes")
    territory = django_filters.ModelChoiceFilter(
        label="Implanté dans", queryset=_epts(), method="within", empty_label="Tous"
    )
    official = django_filters.BooleanFilter(
        label="Signataires de la charte en vigueur",
        field_name="is_official",
        widget=forms.Select(choices=[("", "Tous"), ("true", "Oui"), ("false", "Non")]),
    )

    def search(self, queryset, name, value):
        return queryset.filter(Q(search_vector=search_query(value)) | Q(organisation__name__unaccent__icontains=value))

    def within(self, queryset, name, value):
        return queryset.filter(Territory.objects.within_q(value, "organisation__territory"))

"""The API's list filters (django-filter): what the schema says a parameter takes is what the filter accepts.

django-filter filters an integer column with a decimal form field: ``?challenge__number=0.5`` was accepted
(and matched nothing) while the schema documents an integer. Here integer columns take integers only;
anything else is refused with a 400 and django's French message (« Saisissez un nombre entier. »).
"""

import django_filters
from django import forms
from django.db import models
from django_filters import rest_framework


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class FilterSet(rest_framework.FilterSet):
    FILTER_DEFAULTS = {
        field: {"filter_class": IntegerFilter} if issubclass(field, models.IntegerField) else spec
        for field, spec in rest_framework.FilterSet.FILTER_DEFAULTS.items()
    }


class FilterBackend(rest_framework.DjangoFilterBackend):
    """The default filter backend of the API (``filterset_fields`` build their filter set on ours)."""

    filterset_base = FilterSet

"""django-filter filter sets: the API's (``FilterSet``, ``FilterBackend``) and the pages' (``ListFilterSet``).

What a parameter is said to take is what the filter accepts. django-filter filters an integer column with a
decimal form field: ``?challenge__number=0.5`` was accepted (and matched nothing) while the schema documents
an integer. Here integer columns take integers only; anything else is refused with django's French message
(« Saisissez un nombre entier. »): a 400 in the API, an error next to the field on a page.
"""

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_filters import filterset, rest_framework
from drf_spectacular.utils import extend_schema_field

from .models import Territory

# A territory's code: INSEE code of a commune, T1…T12, MGP.
CODE_PATTERN = r"^[0-9A-Za-z]{1,12}$"


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def _integers_as_integers(defaults: dict) -> dict:
    return {
        field: {"filter_class": IntegerFilter} if issubclass(field, models.IntegerField) else spec
        for field, spec in defaults.items()
    }


class FilterSet(rest_framework.FilterSet):
    FILTER_DEFAULTS = _integers_as_integers(rest_framework.FilterSet.FILTER_DEFAULTS)


class FilterBackend(rest_framework.DjangoFilterBackend):
    """The default filter backend of the API (``filterset_fields`` build their filter set on ours)."""

    filterset_base = FilterSet


class ListFilterSet(filterset.FilterSet):
    """The filters of a page's list (sman/lists.py): a GET form whose fields have French labels, rendered
    field by field with ``includes/_field.html``. A value that does not validate leaves its filter out and
    shows its error next to the field; the other filters still apply."""

    FILTER_DEFAULTS = _integers_as_integers(filterset.FILTER_FOR_DBFIELD_DEFAULTS)


TERRITORY_MESSAGE = "Territoire inconnu : code INSEE d'une commune (ex. 93048), d'un territoire (T1…T12) ou MGP."


class TerritoryCodeField(forms.ModelChoiceField):
    """A territory by its code; a text that cannot be a code (a NUL character…) is refused before the query."""

    def to_python(self, value):
        if value not in self.empty_values and not re.fullmatch(CODE_PATTERN, str(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


@extend_schema_field(
    {
        "type": "string",
        "pattern": CODE_PATTERN,
        "description": "Code d'une commune (INSEE, ex. 93048), d'un territoire (T1…T12) ou de la Métropole (MGP).",
    }
)
class TerritoryCodeFilter(django_filters.ModelChoiceFilter):
    """Any territory by its code: a commune or delegated commune (INSEE code), an EPT (T1…T12), the Métropole
    (MGP). An unknown code is refused with a 400 and a French message."""

    field_class = TerritoryCodeField

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Territory.objects.only("code", "name", "kind"))
        super().__init__(
            to_field_name="code",
            error_messages={"invalid_choice": TERRITORY_MESSAGE},
            **kwargs,
        )

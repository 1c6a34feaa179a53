"""The API's OpenAPI schema: the error answers every operation may give, written once.

drf-spectacular documents the success answer of each operation; the errors below come from DRF itself
(authentication, permissions, validation, pagination, throttling) and are the same everywhere, so the
schema class adds them to every operation where they can happen. An operation that documents one of these
codes itself (``@extend_schema(responses=...)``) keeps its own description.
"""

from drf_spectacular import openapi
from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelSerializerExtension
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import build_array_type, build_basic_type, build_object_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ErrorSerializer(serializers.Serializer):
    """Réponse d'erreur : un message en français."""

    # DRF's error body for 401, 403, 404, 405, 406, 415, 429…
    detail = serializers.CharField(help_text="Message d'erreur, en français.")


class ValidationErrorSerializer(serializers.Serializer):
    """The body of a 400: the messages per invalid field or parameter (``non_field_errors`` for the input as
    a whole), or ``detail`` when the body could not be read. Its schema is written by the extension below."""


class ValidationErrorExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction):
        messages = build_array_type(build_basic_type(OpenApiTypes.STR))
        return {
            **build_object_type(additionalProperties={"oneOf": [messages, build_basic_type(OpenApiTypes.STR)]}),
            "description": "Données invalides : messages d'erreur en français, par champ ou paramètre "
            "(`non_field_errors` pour l'ensemble, `detail` si le corps de la requête est illisible).",
            "example": {"kind": ["Sélectionnez un choix valide. zzz n'en fait pas partie."]},
        }


class NullableGeometryFeatureExtension(GeoFeatureModelSerializerExtension):
    """A GeoJSON Feature whose geometry column may be empty has ``"geometry": null`` (a territory without
    outline): drf-spectacular's own extension documents the geometry as always present."""

    priority = 1

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        meta = self.target.Meta
        if meta.model._meta.get_field(meta.geo_field).null:
            schema["properties"]["geometry"] = {**schema["properties"]["geometry"], "nullable": True}
        return schema


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


def invalid(description: str) -> OpenApiResponse:
    return OpenApiResponse(ValidationErrorSerializer, description=description)


UNAUTHENTICATED = error("Jeton invalide ou expiré (en-tête `Authorization: Token …`), ou authentification requise.")
FORBIDDEN = error("Droits insuffisants pour cette opération (ou jeton CSRF manquant pour une session).")
NOT_FOUND = error("Objet inexistant ou non visible pour ce compte, ou page de résultats hors limites.")
THROTTLED = error(
    "Trop de requêtes : limite de débit dépassée (par adresse IP sans compte, par compte sinon). "
    "L'en-tête `Retry-After` donne le délai d'attente en secondes."
)
UNSUPPORTED_MEDIA_TYPE = error("Type de contenu de la requête non pris en charge.")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the error answers of DRF."""

    def _error_responses(self) -> dict[str, OpenApiResponse]:
        errors = {"401": UNAUTHENTICATED, "429": THROTTLED}
        if self.method not in SAFE_METHODS:
            errors["400"] = invalid("Données invalides.")
            errors["403"] = FORBIDDEN
            errors["415"] = UNSUPPORTED_MEDIA_TYPE
        elif self._get_filter_parameters():
            errors["400"] = invalid("Paramètre de filtre invalide.")
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            errors["404"] = NOT_FOUND
        return errors

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter.get("in") == "query" and not parameter.get("required"):
                # DRF's pagination, its format parameter and django-filter read an empty value as no value
                # (what an HTML form sends for a field left empty).
                parameter["allowEmptyValue"] = True
        return operation

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return dict(sorted(responses.items()))

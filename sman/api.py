"""Public API of the shared data: territories (JSON or GeoJSON) and the signed-in user's memberships."""

import django_filters
from django.core.validators import RegexValidator
from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import permissions, serializers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.pagination import GeoJsonPagination
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from .filters import CODE_PATTERN
from .models import Membership, Territory
from .permissions import has_role, roles_of

GEOJSON = "application/geo+json"


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "geojson"


class TerritorySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # none for MGP
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Territory
        fields = ["code", "kind", "kind_label", "name", "siren", "population", "parent", "url"]


class TerritoryGeoSerializer(GeoFeatureModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Territory
        geo_field = "geometry"
        id_field = "code"
        fields = ["code", "kind", "name", "siren", "population", "parent"]


@extend_schema_serializer(many=False)
class TerritoryFeatureCollectionSerializer(serializers.Serializer):
    """Une page de territoires en GeoJSON (`?format=geojson`) : la pagination de la liste JSON, les
    territoires en Features avec leur contour."""

    # For the schema only: GeoJsonPagination writes this answer.
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    features = serializers.ListField(child=TerritoryGeoSerializer())


CODE_MESSAGE = "Code de territoire invalide : lettres et chiffres (ex. 93048, T8)."


@extend_schema_field({"type": "string", "pattern": CODE_PATTERN})
class CodesFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Territory codes separated by commas; each one letters and digits (93048, T8, MGP)."""


class TerritoryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Territory.Kind.choices)
    parent = django_filters.CharFilter(field_name="parent__code", label="Code du rattachement (ex. T8)")
    name = django_filters.CharFilter(
        field_name="name",
        lookup_expr="unaccent__icontains",
        label="Nom (sans tenir compte des accents)",
    )
    code = CodesFilter(
        field_name="code",
        label="Codes séparés par des virgules",
        validators=[RegexValidator(CODE_PATTERN, CODE_MESSAGE)],
    )

    class Meta:
        model = Territory
        fields = ["kind", "parent", "name", "code"]


@extend_schema_view(
    list=extend_schema(
        responses={
            (200, "application/json"): TerritorySerializer(many=True),
            (200, GEOJSON): OpenApiResponse(
                TerritoryFeatureCollectionSerializer, description="`?format=geojson` : FeatureCollection paginée."
            ),
        }
    ),
    retrieve=extend_schema(
        responses={
            (200, "application/json"): TerritorySerializer,
            (200, GEOJSON): OpenApiResponse(TerritoryGeoSerializer, description="`?format=geojson` : Feature."),
        }
    ),
)
class TerritoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Territoires de la Métropole. `?format=geojson` renvoie une FeatureCollection avec les contours."""

    queryset = Territory.objects.select_related("parent").natural_order()
    lookup_field = "code"
    filterset_class = TerritoryFilter
    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    permission_classes = [permissions.AllowAny]

    def _geojson(self):
        return getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "geojson"

    def get_queryset(self):
        qs = super().get_queryset()
        return qs if self._geojson() else qs.defer("geometry")

    def get_serializer_class(self):
        return TerritoryGeoSerializer if self._geojson() else TerritorySerializer

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            self._paginator = GeoJsonPagination() if self._geojson() else super().paginator
        return self._paginator


class MembershipSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    organisation_kind = serializers.CharField(source="organisation.kind")
    territory = serializers.CharField(source="organisation.territory.code")

    class Meta:
        model = Membership
        fields = ["organisation", "organisation_kind", "territory", "role"]


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    is_staff = serializers.BooleanField()
    is_reviewer = serializers.BooleanField(help_text="Détient le rôle « fmin.reviewer » (voir « roles »).")
    is_copil_member = serializers.BooleanField(help_text="Détient le rôle « actions.copil_member » (voir « roles »).")
    roles = serializers.ListField(
        child=serializers.CharField(),
        help_text="Clés des rôles du compte sur tout le portail (« fmin.reviewer », « actions.copil_member »…).",
    )
    memberships = MembershipSerializer(many=True)


class MeView(APIView):
    """Le compte authentifié (session ou jeton) et ses appartenances."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MeSerializer

    def get(self, request):
        user = request.user
        memberships = user.memberships.select_related("organisation", "organisation__territory")
        data = MeSerializer(
            {
                "email": user.email,
                "is_staff": user.is_staff,
                "is_reviewer": has_role(user, "fmin.reviewer"),
                "is_copil_member": has_role(user, "actions.copil_member"),
                "roles": sorted(roles_of(user)),
                "memberships": memberships.order_by("organisation__name"),
            }
        ).data
        return Response(data)


def not_found(request, exception):
    """404 of the site: under /api/, DRF's JSON error body (as for an object not found), else the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Adresse inconnue de l'API."}, status=404)
    return defaults.page_not_found(request, exception)

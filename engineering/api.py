"""Public read-only API: the directory of digital places (actions #4, #15) and the start-ups (action #12)."""

from rest_framework import permissions as drf_permissions
from rest_framework import serializers, viewsets

from . import selectors
from .models import ImpactIndicator, Place, Product


class DigitalPlaceSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="territory.code", help_text="Code INSEE de la commune.")
    territory = serializers.CharField(
        source="territory.parent.code", default=None, help_text="Territoire (T1…T12) de la commune."
    )
    action = serializers.IntegerField(source="action_number", help_text="Action de la feuille de route (4 ou 15).")
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    organisation = serializers.CharField(source="organisation.name", default=None)

    class Meta:
        model = Place
        fields = [
            "id", "kind", "action", "name", "address", "commune", "territory", "latitude", "longitude", "services",
            "opening_hours", "accessibility", "website", "organisation", "updated_at",
        ]  # fmt: skip

    def get_latitude(self, place) -> float:
        return place.location.y

    def get_longitude(self, place) -> float:
        return place.location.x


class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.places().order_by("name", "pk")
    serializer_class = DigitalPlaceSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["kind", "territory__code"]


class ProductImpactSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImpactIndicator
        fields = ["name", "unit", "baseline", "target", "current"]


class StartupProductSerializer(serializers.ModelSerializer):
    collectivity = serializers.CharField(source="problem.organisation.name")
    problem = serializers.CharField(source="problem.problem")
    impacts = ProductImpactSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "pitch", "collectivity", "problem", "team", "phase", "phase_started_on", "website",
                  "impacts"]  # fmt: skip


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.products().prefetch_related("impacts").order_by("name", "pk")
    serializer_class = StartupProductSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["phase"]


ROUTES = [
    ("engineering/places", PlaceViewSet, "engineering-place"),
    ("engineering/products", ProductViewSet, "engineering-product"),
]

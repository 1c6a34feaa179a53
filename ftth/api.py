"""Address search and building detail (public, throttled like the rest of the API)."""

from rest_framework import permissions, serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from . import selectors
from .models import Building, BuildingStatusChange


class AddressSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.name")
    status_label = serializers.CharField(source="get_status_display")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Building
        fields = ["id", "number", "number_suffix", "street_type", "street_name", "postcode", "commune", "status",
                  "status_label", "url"]  # fmt: skip

    def get_url(self, building) -> str:
        return f"/fibre/immeubles/{building.pk}/"


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = BuildingStatusChange
        fields = ["status_from", "status_to", "changed_at"]


class BuildingSerializer(AddressSerializer):
    history = StatusChangeSerializer(source="status_changes", many=True)

    class Meta(AddressSerializer.Meta):
        fields = [*AddressSerializer.Meta.fields, "operator_code", "premises", "pm_reference",
                  "pm_installed_on", "commercial_service_date", "history"]  # fmt: skip


class AddressSearchView(ListAPIView):
    """Recherche d'adresse (« 12 bd de la Libération Saint-Denis ») : immeubles correspondants."""

    serializer_class = AddressSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None

    def get_queryset(self):
        return selectors.search_addresses(self.request.query_params.get("q", ""))


class BuildingView(RetrieveAPIView):
    serializer_class = BuildingSerializer
    permission_classes = [permissions.AllowAny]
    queryset = (
        Building.objects.filter(retired_at__isnull=True).select_related("commune").prefetch_related("status_changes")
    )

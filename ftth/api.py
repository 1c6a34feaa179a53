"""Address search and building detail (public, throttled like the rest of the API)."""

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.response import Response

from sman.openapi import invalid
from sman.permissions import is_metropole_staff

from . import selectors, uploads
from .models import Building, BuildingStatusChange, ImportRun
from .permissions import import_operator, operators_of


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

    def to_representation(self, building):
        """The fields above, written directly: the search answers at each keystroke, and DRF's generic
        path (a field object per value, a signature inspection per method) cost more than the query."""
        return {
            "id": building.pk,
            "number": building.number,
            "number_suffix": building.number_suffix,
            "street_type": building.street_type,
            "street_name": building.street_name,
            "postcode": building.postcode,
            "commune": building.commune.name,
            "status": building.status,
            "status_label": building.get_status_display(),
            "url": self.get_url(building),
        }


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = BuildingStatusChange
        fields = ["status_from", "status_to", "changed_at"]


class BuildingSerializer(AddressSerializer):
    history = StatusChangeSerializer(many=True, read_only=True)

    class Meta(AddressSerializer.Meta):
        fields = [*AddressSerializer.Meta.fields, "operator_code", "premises", "pm_reference",
                  "pm_installed_on", "commercial_service_date", "rnb_id", "history"]  # fmt: skip

    def to_representation(self, building):
        return serializers.ModelSerializer.to_representation(self, building)  # every field, the usual way


class AddressQuery(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Adresse tapée (3 caractères au moins), ex. « 12 bd de la Libération ».",
    )


@extend_schema(
    parameters=[AddressQuery],
    responses={
        200: AddressSerializer(many=True),
        400: invalid("Paramètre `q` invalide (caractère nul)."),
    },
)
class AddressSearchView(ListAPIView):
    """Recherche d'adresse (« 12 bd de la Libération Saint-Denis ») : immeubles correspondants."""

    serializer_class = AddressSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    queryset = Building.objects.none()  # for the schema; results come from the search below

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Building.objects.none()
        query = AddressQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.search_addresses(query.validated_data.get("q", ""))


class BuildingView(RetrieveAPIView):
    serializer_class = BuildingSerializer
    permission_classes = [permissions.AllowAny]
    queryset = (
        Building.objects.filter(retired_at__isnull=True).select_related("commune").prefetch_related("status_changes")
    )


class ImportRunSerializer(serializers.ModelSerializer):
    rejections = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        # `error` says in French why an import failed and what to do; the technical detail of a failure
        # (error_detail) is for staff, on the run's page, never here.
        fields = ["id", "file_name", "file_format", "operator_code", "state", "dry_run", "max_rejected_share",
                  "rows_read", "rows_outside", "rows_rejected", "created", "updated", "unchanged", "retired",
                  "status_changes", "error", "operator_buildings", "to_retire", "retirement_share", "confirmed_at",
                  "created_at", "started_at", "finished_at", "rejections"]  # fmt: skip

    def get_rejections(self, run) -> list[dict]:
        return [{"line": r.line, "reason": r.reason} for r in run.rejections.all()[:1000]]


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    operator = serializers.CharField(max_length=40, required=False, allow_blank=True)
    dry_run = serializers.BooleanField(required=False, default=False)
    max_rejected_share = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Part des lignes (de la Métropole) qui peuvent être rejetées sans que le fichier soit refusé en "
        "entier : de 0 à 0.5 (0.2 pour 20 %). Par défaut, celle des réglages du portail.",
    )


class ImportRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Imports d'un opérateur (jeton) ou de l'équipe de la Métropole ; POST dépose un fichier IPE ou ARCEP."""

    serializer_class = ImportRunSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportRun.objects.none()
        qs = ImportRun.objects.prefetch_related("rejections").order_by("-created_at")
        if is_metropole_staff(self.request.user):
            return qs
        return qs.filter(operator__in=operators_of(self.request.user))

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportRunSerializer})
    def create(self, request):
        # An operator imports under its own code only (``operator``: which of theirs, for a member of
        # several); staff under any code.
        asked = request.data.get("operator") if hasattr(request.data, "get") else ""  # a JSON list is refused below
        try:
            operator, code = import_operator(request.user, str(asked or ""))
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run = uploads.import_upload(
                uploaded=data.validated_data["file"], operator_code=code, user=request.user, operator=operator,
                dry_run=data.validated_data["dry_run"], max_rejected_share=data.validated_data["max_rejected_share"],
            )  # fmt: skip
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            if "operator_code" in errors:  # this API's field is `operator`
                errors["operator"] = errors.pop("operator_code")
            raise serializers.ValidationError(errors) from exc
        return Response(ImportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

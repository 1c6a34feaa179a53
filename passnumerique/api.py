"""Places and trainings (public), ticket check and redemption (place agents), statistics."""

from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from sman.openapi import UNAUTHENTICATED, error, invalid

from . import codes, permissions, selectors, services
from .models import MediationPlace, Training


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = ["id", "title", "theme", "level", "duration_hours", "tickets_required"]


class PlaceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="organisation.name")
    address = serializers.CharField(source="organisation.address")
    commune = serializers.CharField(source="organisation.territory.code")
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    trainings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = MediationPlace
        fields = [
            "id", "name", "place_type", "address", "commune", "latitude", "longitude", "opening_hours",
            "accessibility", "label_valid_until", "trainings",
        ]  # fmt: skip

    def get_latitude(self, place) -> float | None:
        return place.location.y if place.location else None

    def get_longitude(self, place) -> float | None:
        return place.location.x if place.location else None


class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.places()
    serializer_class = PlaceSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["place_type", "organisation__territory__code"]


class TrainingViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Training.objects.order_by("theme", "title")
    serializer_class = TrainingSerializer
    permission_classes = [drf_permissions.AllowAny]


class TicketInput(serializers.Serializer):
    code = serializers.CharField(max_length=80)
    place = serializers.IntegerField(help_text="Identifiant du lieu de l'agent.")
    training = serializers.IntegerField(required=False, help_text="Obligatoire pour valider.")


class TicketResult(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.CharField(help_text="Motif du refus (code stable, vide si le ticket est valable).")
    message = serializers.CharField(help_text="Message pour l'agent, en français.")
    code = serializers.CharField(help_text="Code du ticket, normalisé.")


TICKET_ERRORS = {
    400: invalid("Données invalides : code ou lieu manquant, formation non proposée par ce lieu."),
    401: UNAUTHENTICATED,
    403: error("Le compte n'est pas agent de ce lieu."),
}


class _TicketView(APIView):
    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = TicketInput

    def _inputs(self, request):
        data = TicketInput(data=request.data)
        data.is_valid(raise_exception=True)
        place = permissions.places_of(request.user).filter(pk=data.validated_data["place"]).first()
        if place is None:
            raise PermissionDenied("Vous n'êtes pas agent de ce lieu.")
        training = None
        if "training" in data.validated_data:
            training = place.trainings.filter(pk=data.validated_data["training"]).first()
            if training is None:
                raise serializers.ValidationError({"training": "Formation non proposée par ce lieu."})
        return data.validated_data["code"], place, training

    @staticmethod
    def _result(check, code, http_status=status.HTTP_200_OK):
        body = {"valid": check.ok, "reason": check.reason, "message": check.message, "code": codes.normalise(code)}
        return Response(body, status=http_status)


class TicketCheckView(_TicketView):
    """Vérifie un ticket pour un lieu, sans le valider."""

    @extend_schema(
        request=TicketInput,
        responses={
            200: OpenApiResponse(TicketResult, description="Le ticket vérifié : `valid` dit s'il peut être validé."),
            **TICKET_ERRORS,
        },
    )
    def post(self, request):
        code, place, training = self._inputs(request)
        return self._result(services.ticket_check(code=code, place=place, training=training), code)


class TicketRedeemView(_TicketView):
    """Valide un ticket (une seule fois, quelle que soit la concurrence) ; 409 s'il est refusé."""

    @extend_schema(
        request=TicketInput,
        responses={
            201: OpenApiResponse(TicketResult, description="Ticket validé."),
            **TICKET_ERRORS,
            409: OpenApiResponse(
                TicketResult, description="Ticket refusé (déjà validé, expiré, inconnu…) : `reason` dit pourquoi."
            ),
        },
    )
    def post(self, request):
        code, place, training = self._inputs(request)
        if training is None:
            raise serializers.ValidationError({"training": "Indiquez la formation suivie."})
        try:
            services.ticket_redeem(code=code, place=place, training=training, user=request.user)
        except services.RedemptionRefused as exc:
            return self._result(exc.check, code, status.HTTP_409_CONFLICT)
        return self._result(services.Check(True), code, status.HTTP_201_CREATED)


class StatisticsSerializer(serializers.Serializer):
    orders = serializers.IntegerField()
    booklets_ordered = serializers.IntegerField()
    booklets_distributed = serializers.IntegerField()
    tickets_redeemed = serializers.IntegerField()
    hours_delivered = serializers.FloatField()
    value_redeemed_cents = serializers.IntegerField(help_text="Valeur des tickets validés, en centimes d'euro.")
    beneficiaries = serializers.IntegerField()
    target_share = serializers.IntegerField(allow_null=True, help_text="Part du public cible, en %.")


class StatisticsView(APIView):
    """Chiffres agrégés du Pass Numérique (publics)."""

    permission_classes = [drf_permissions.AllowAny]
    serializer_class = StatisticsSerializer

    def get(self, request):
        return Response(StatisticsSerializer(selectors.totals()).data)


# Declared in PassNumeriqueConfig.api, read by sman/urls.py: viewsets on the project's router, then paths
# under /api/.
ROUTES = [
    ("pass/places", PlaceViewSet, "pass-place"),
    ("pass/trainings", TrainingViewSet, "pass-training"),
]
api_urlpatterns = [
    path("pass/tickets/check/", TicketCheckView.as_view(), name="api_pass_check"),
    path("pass/tickets/redeem/", TicketRedeemView.as_view(), name="api_pass_redeem"),
    path("pass/statistics/", StatisticsView.as_view(), name="api_pass_statistics"),
]

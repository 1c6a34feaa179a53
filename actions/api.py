"""API of the plan: défis, roadmaps and actions are public; indicators and values need an account; the territorial
observatory (the computed indicators of a territory, every figure computed by the portal) is public."""

from django.db.models import Prefetch
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from sman.filters import CODE_PATTERN, FilterSet, TerritoryCodeFilter
from sman.models import Challenge, Territory

from . import observatory
from .models import Action, Indicator, IndicatorValue, Roadmap


class ChallengeSerializer(serializers.ModelSerializer):
    workstreams = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Challenge
        fields = ["number", "title", "short_title", "ambition", "workstreams"]


class RoadmapSerializer(serializers.ModelSerializer):
    class Meta:
        model = Roadmap
        fields = ["code", "title", "start_year", "end_year", "status"]


class ActionSerializer(serializers.ModelSerializer):
    roadmap = serializers.SlugRelatedField(read_only=True, slug_field="code")
    challenge = serializers.SlugRelatedField(read_only=True, slug_field="number")
    workstream = serializers.SlugRelatedField(read_only=True, slug_field="name", allow_null=True)  # optional
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Action
        fields = [
            "roadmap", "number", "annex_sheet_number", "challenge", "workstream", "title", "summary", "status",
            "progress", "budget_estimate_cents", "budget_label", "module", "url",
        ]  # fmt: skip
        extra_kwargs = {"budget_estimate_cents": {"help_text": "Budget prévisionnel HT, en centimes d'euro."}}


class IndicatorValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = ["date", "value", "provider", "comment"]


class IndicatorSerializer(serializers.ModelSerializer):
    action = serializers.IntegerField(source="action.number", read_only=True)
    values = IndicatorValueSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id", "action", "name", "definition", "kind", "unit", "baseline", "target_value", "target_date",
            "source", "frequency", "provider_key", "values",
        ]  # fmt: skip


class ChallengeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Challenge.objects.prefetch_related("workstreams")
    serializer_class = ChallengeSerializer
    lookup_field = "number"
    permission_classes = [permissions.AllowAny]


class RoadmapViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Roadmap.objects.exclude(status=Roadmap.Status.DRAFT)
    serializer_class = RoadmapSerializer
    lookup_field = "code"
    permission_classes = [permissions.AllowAny]


class ActionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Action.objects.select_related("roadmap", "challenge", "workstream").exclude(roadmap__status="draft")
    serializer_class = ActionSerializer
    filterset_fields = ["challenge__number", "roadmap__code", "status"]
    permission_classes = [permissions.AllowAny]


def _values_of(territory):
    return Prefetch("values", queryset=IndicatorValue.objects.for_territory(territory))


class IndicatorFilter(FilterSet):
    territory = TerritoryCodeFilter(
        method="values_of",
        label="Valeurs de ce territoire : code INSEE d'une commune (ex. 93048), T1…T12 ou MGP (par défaut : la "
        "Métropole)",
    )

    class Meta:
        model = Indicator
        fields = ["action__number", "kind", "territory"]

    def values_of(self, queryset, name, value):
        # Every indicator is listed; its values are the territory's (none where only the Métropole's is computed).
        return queryset.prefetch_related(None).prefetch_related(_values_of(value))


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """Indicateurs des actions et leurs valeurs, par défaut celles de la Métropole ; `?territory=` donne les
    valeurs calculées pour une commune (code INSEE) ou un territoire (T1…T12)."""

    queryset = (
        Indicator.objects.select_related("action").prefetch_related(_values_of(None)).order_by("action__number", "id")
    )
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    permission_classes = [permissions.IsAuthenticated]


# Registered on the project's API router (ActionsConfig.api, read by sman/urls.py).
ROUTES = [
    ("challenges", ChallengeViewSet, "challenge"),
    ("roadmaps", RoadmapViewSet, "roadmap"),
    ("actions", ActionViewSet, "action"),
    ("indicators", IndicatorViewSet, "indicator"),
]


# --- The territorial observatory ---------------------------------------------------------------------------------


class ObservatoryFigureSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=3)
    date = serializers.DateField(
        help_text="Date de la valeur enregistrée, ou du jour pour une valeur calculée à la demande."
    )
    recorded = serializers.BooleanField(
        help_text="Vrai : valeur enregistrée par le calcul quotidien du portail ; faux : calculée aujourd'hui, à la "
        "demande, faute de valeur enregistrée."
    )


class ObservatoryPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.DecimalField(max_digits=14, decimal_places=3)
    metropole_value = serializers.DecimalField(
        max_digits=14, decimal_places=3, allow_null=True, help_text="Valeur de la Métropole enregistrée à la même date."
    )


class ObservatoryActionSerializer(serializers.Serializer):
    roadmap = serializers.CharField(source="roadmap.code")
    number = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class ObservatoryIndicatorSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Clé du calcul dans le registre des indicateurs du portail.")
    label = serializers.CharField(source="provider.label")
    unit = serializers.CharField(source="provider.unit")
    module = serializers.CharField(help_text="Module du portail dont les données font le calcul.")
    source = serializers.CharField(
        help_text="« Calculé par le portail — module … (clé) » : aucune valeur n'est saisie."
    )
    computed_for_territory = serializers.BooleanField(
        source="computed_here", help_text="Faux : calculé pour la Métropole seulement (voir `note`)."
    )
    note = serializers.CharField(source="not_computed_reason", help_text="Pourquoi le territoire n'a pas de valeur.")
    value = ObservatoryFigureSerializer(source="figure", allow_null=True, help_text="Dernière valeur du territoire.")
    metropole = ObservatoryFigureSerializer(help_text="Dernière valeur de la Métropole.")
    series = ObservatoryPointSerializer(
        many=True, source="points", help_text="Valeurs enregistrées du territoire, par date."
    )
    actions = ObservatoryActionSerializer(many=True, help_text="Actions du plan dont un indicateur suit ce calcul.")


class ObservatoryTerritorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Territory.Kind.choices)


class ObservatorySerializer(serializers.Serializer):
    territory = ObservatoryTerritorySerializer()
    date = serializers.DateField(help_text="Jour de la réponse.")
    indicators = ObservatoryIndicatorSerializer(many=True)


class ObservatoryView(APIView):
    """Observatoire territorial : chaque indicateur calculé par le portail pour la Métropole, un territoire (T1…T12)
    ou une commune (code INSEE), sa dernière valeur et sa date, toutes ses valeurs enregistrées avec celle de la
    Métropole à la même date, et la source de chacune (le module du portail qui la calcule)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = ObservatorySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=CODE_PATTERN,
                description="Code INSEE d'une commune (ex. 93048), d'un territoire (T1…T12) ou de la Métropole (MGP).",
            )
        ],
    )
    def get(self, request, code):
        territory = observatory.territory_by_code(code)
        if territory is None:
            raise exceptions.NotFound("Territoire inconnu : code INSEE d'une commune, T1…T12 ou MGP.")
        today = timezone.localdate()
        rows = observatory.observatory(territory, today=today)
        for row in rows:
            row.points = [
                {"date": day, "value": value, "metropole_value": row.metropole_series.get(day)}
                for day, value in row.series
            ]
            row.actions = list({indicator.action_id: indicator.action for indicator in row.indicators}.values())
        data = {"territory": territory, "date": today, "indicators": rows}
        return Response(ObservatorySerializer(data).data)


# Plain paths under /api/ (ActionsConfig.api, read by sman/urls.py).
api_urlpatterns = [path("observatory/<str:code>/", ObservatoryView.as_view(), name="api_observatory")]

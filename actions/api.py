"""API of the plan: défis, roadmaps and actions are public; indicators and values need an account."""

from django.db.models import Prefetch
from rest_framework import permissions, serializers, viewsets

from sman.filters import FilterSet, TerritoryCodeFilter
from sman.models import Challenge

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
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Action
        fields = [
            "roadmap", "number", "annex_sheet_number", "challenge", "title", "summary", "status",
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
    queryset = Action.objects.select_related("roadmap", "challenge").exclude(roadmap__status="draft")
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

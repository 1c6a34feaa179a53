"""Published needs and solutions (public, read-only open data). Amounts in cents."""

from rest_framework import permissions as drf_permissions
from rest_framework import serializers, viewsets

from . import selectors
from .models import Need, Solution


class NeedSerializer(serializers.ModelSerializer):
    buyer = serializers.CharField(source="buyer.name")
    territory = serializers.CharField(source="territory.code")
    challenge = serializers.IntegerField(source="challenge.number", allow_null=True, default=None)
    participants = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Need
        fields = [
            "id",
            "title",
            "buyer",
            "participants",
            "territory",
            "challenge",
            "themes",
            "problem",
            "expected_outcome",
            "budget_band",
            "deadline",
            "procedure",
            "state",
            "outcome",
            "published_at",
            "url",
        ]

    def get_participants(self, need) -> list[dict]:
        return [{"organisation": p.organisation.name, "quantity": p.quantity} for p in need.participants.all()]


class NeedViewSet(viewsets.ReadOnlyModelViewSet):
    """Needs published by the collectivities (never drafts), newest first."""

    queryset = selectors.public_needs().prefetch_related("participants__organisation")
    serializer_class = NeedSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["state", "outcome", "procedure"]


class SolutionSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.name")
    challenges = serializers.SlugRelatedField(many=True, read_only=True, slug_field="number")
    adopting_count = serializers.IntegerField(read_only=True)
    url = serializers.CharField(source="get_absolute_url")

    class Meta:
        model = Solution
        fields = [
            "id",
            "title",
            "member",
            "problem",
            "audience",
            "challenges",
            "themes",
            "price_model",
            "accessibility",
            "hosting",
            "adopting_count",
            "url",
        ]


class SolutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Published solution sheets, with the number of collectivities that adopted each."""

    queryset = selectors.published_solutions()
    serializer_class = SolutionSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["price_model", "hosting", "accessibility"]


# Registered on the project's API router (MarketplaceConfig.api, read by sman/urls.py).
ROUTES = [
    ("marketplace/needs", NeedViewSet, "marketplace-need"),
    ("marketplace/solutions", SolutionViewSet, "marketplace-solution"),
]

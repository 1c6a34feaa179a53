"""Public read-only API of the participation platform: processes, proposals, results (no personal data)."""

from rest_framework import permissions as drf_permissions
from rest_framework import serializers, viewsets

from . import selectors
from .models import Milestone, Phase, Process, Proposal, Result


class PhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phase
        fields = ["kind", "starts_on", "ends_on", "components"]


class ProcessSerializer(serializers.ModelSerializer):
    collectivity = serializers.CharField(source="space.organisation.name")
    scope = serializers.SlugRelatedField(source="territories", slug_field="code", many=True, read_only=True)
    phases = PhaseSerializer(many=True, read_only=True)

    class Meta:
        model = Process
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "collectivity",
            "scope",
            "categories",
            "support_threshold",
            "phases",
        ]


class ProposalSerializer(serializers.ModelSerializer):
    process = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "process",
            "title",
            "body",
            "category",
            "support_count",
            "answer",
            "answer_text",
            "estimated_cost_cents",
            "latitude",
            "longitude",
            "created_at",
        ]

    def get_latitude(self, proposal) -> float | None:
        return proposal.location.y if proposal.location else None

    def get_longitude(self, proposal) -> float | None:
        return proposal.location.x if proposal.location else None


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "planned_on", "done_on"]


class ResultSerializer(serializers.ModelSerializer):
    process = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Result
        fields = [
            "id",
            "process",
            "title",
            "description",
            "status",
            "progress",
            "budget_cents",
            "delivered_on",
            "updated_at",
            "milestones",
        ]


class ProcessViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.processes().order_by("-created_at")
    serializer_class = ProcessSerializer
    permission_classes = [drf_permissions.AllowAny]
    lookup_field = "slug"
    filterset_fields = ["space__slug"]


class ProposalViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = (
        Proposal.objects.visible().filter(process__is_published=True).select_related("process").order_by("-created_at")
    )
    serializer_class = ProposalSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["process__slug", "answer", "category"]


class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.results().order_by("process", "title")
    serializer_class = ResultSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["process__slug", "status"]


ROUTES = [
    ("participation/processes", ProcessViewSet, "participation-process"),
    ("participation/proposals", ProposalViewSet, "participation-proposal"),
    ("participation/results", ResultViewSet, "participation-result"),
]

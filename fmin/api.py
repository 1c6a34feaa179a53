"""Funded projects (public, open data) and applications (their collectivities and staff only)."""

from rest_framework import permissions as drf_permissions
from rest_framework import serializers, viewsets

from sman.permissions import is_metropole_staff

from . import permissions, selectors
from .models import Application


class ProjectSerializer(serializers.ModelSerializer):
    call = serializers.CharField(source="call.title")
    year = serializers.IntegerField(source="call.year")
    lead = serializers.CharField(source="lead.name")
    co_applicants = serializers.SerializerMethodField()
    challenges = serializers.SlugRelatedField(many=True, read_only=True, slug_field="number")
    territories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    grant_cents = serializers.IntegerField(source="decision.amount_cents")

    class Meta:
        model = Application
        fields = [
            "id",
            "call",
            "year",
            "title",
            "lead",
            "co_applicants",
            "theme",
            "challenges",
            "territories",
            "summary",
            "results",
            "grant_cents",
        ]

    def get_co_applicants(self, application) -> list[str]:
        return [p.organisation.name for p in application.participants.all() if not p.is_lead]


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Projects funded by the FMIN (open data). Amounts in cents."""

    queryset = selectors.funded_projects()
    serializer_class = ProjectSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["theme", "call__year"]


class ApplicationSerializer(serializers.ModelSerializer):
    lead = serializers.CharField(source="lead.name")
    call = serializers.PrimaryKeyRelatedField(read_only=True)
    request_cents = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "call", "title", "lead", "status", "submitted_at", "request_cents"]

    def get_request_cents(self, application) -> int:
        return sum(p.request_cents for p in application.participants.all())


class ApplicationViewSet(viewsets.ReadOnlyModelViewSet):
    """An agent sees their collectivities' files (drafts included); staff every submitted file."""

    serializer_class = ApplicationSerializer
    permission_classes = [drf_permissions.IsAuthenticated]
    filterset_fields = ["status", "call"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        if is_metropole_staff(user):
            return (
                Application.objects.exclude(status=Application.Status.DRAFT)
                .select_related("lead")
                .prefetch_related("participants")
                .order_by("-submitted_at")
            )
        return selectors.applications_for_collectivities(permissions.applicant_ids_of(user))


# Registered on the project's API router (FminConfig.api, read by sman/urls.py).
ROUTES = [
    ("fmin/projects", ProjectViewSet, "fmin-project"),
    ("fmin/applications", ApplicationViewSet, "fmin-application"),
]

"""Public open data of the Explorateurs: the projects (Annex 3 and the explorers' own) and the calendar."""

from rest_framework import permissions as drf_permissions
from rest_framework import serializers, viewsets

from . import selectors
from .models import Event, Project


class ExplorerProjectSerializer(serializers.ModelSerializer):
    collectivity = serializers.CharField(source="collectivity.name")
    territory = serializers.CharField(source="collectivity.territory.code")
    challenge = serializers.IntegerField(source="challenge.number", allow_null=True)
    cohort = serializers.CharField(source="cohort.label", allow_null=True)
    fmin_application = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id", "title", "irritant", "idea", "challenge", "collectivity", "territory", "carrier_role", "cohort",
            "status", "source", "fmin_application",
        ]  # fmt: skip


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """The explorers' projects, with their step (idea, qualified, FMIN file, funded, generalised)."""

    queryset = selectors.projects()
    serializer_class = ExplorerProjectSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["status", "source"]


class EventSerializer(serializers.ModelSerializer):
    cohort = serializers.CharField(source="cohort.label")
    registered = serializers.IntegerField(source="registered_count")

    class Meta:
        model = Event
        fields = ["id", "kind", "title", "starts_at", "ends_at", "venue", "themes", "seats", "registered", "cohort"]


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Exploration days and learning expeditions, with their seats and how many are registered."""

    queryset = selectors.events()
    serializer_class = EventSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["kind"]


# Registered on the project's API router (ExplorateursConfig.api, read by sman/urls.py).
ROUTES = [
    ("explorateurs/projects", ProjectViewSet, "explorateurs-project"),
    ("explorateurs/events", EventViewSet, "explorateurs-event"),
]

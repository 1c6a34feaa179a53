"""Published resources, read-only and public (open data): their current version, classification and files."""

from django.urls import reverse
from rest_framework import permissions as drf_permissions
from rest_framework import serializers, viewsets

from sman.search import rank_search

from . import selectors
from .models import Resource


class ResourceSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="current_version.title")
    summary = serializers.CharField(source="current_version.summary")
    body = serializers.CharField(source="current_version.body", help_text="HTML nettoyé.")
    version = serializers.IntegerField(source="current_version.number")
    organisation = serializers.CharField(source="organisation.name", default=None)
    challenges = serializers.SlugRelatedField(many=True, read_only=True, slug_field="number")
    territories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    url = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    used_by = serializers.SerializerMethodField(help_text="Nombre de collectivités qui l'ont appliquée.")

    class Meta:
        model = Resource
        fields = [
            "id", "slug", "kind", "title", "summary", "body", "version", "themes", "challenges", "territories",
            "organisation", "licence", "published_at", "url", "attachments", "used_by",
            "fmin_application", "explorer_project", "working_group", "solution", "action",
        ]  # fmt: skip
        # What the resource is about: the ids of an FMIN application, an Explorateurs project, a Bâtisseurs
        # working group, a marketplace solution, an action of the plan (their own APIs describe them).
        read_only_fields = ["fmin_application", "explorer_project", "working_group", "solution", "action"]

    def get_url(self, resource) -> str:
        return self.context["request"].build_absolute_uri(resource.get_absolute_url())

    def get_attachments(self, resource) -> list[dict]:
        request = self.context["request"]
        return [
            {
                "name": a.name,
                "size": a.size,
                "sha256": a.checksum,
                "url": request.build_absolute_uri(reverse("resources:attachment", args=[resource.slug, a.pk])),
            }
            for a in resource.attachments.all()
            if a.published
        ]

    def get_used_by(self, resource) -> int:
        return resource.use_count or 0


class ResourceViewSet(viewsets.ReadOnlyModelViewSet):
    """Resources published in the resource centre (their current version). ``?q=`` searches in French."""

    serializer_class = ResourceSerializer
    permission_classes = [drf_permissions.AllowAny]
    filterset_fields = ["kind", "published_year", "licence"]
    lookup_field = "slug"

    def get_queryset(self):
        rows = selectors.listed(selectors.published()).prefetch_related("challenges", "territories", "attachments")
        text = self.request.query_params.get("q", "") if self.request else ""
        rows = rows.order_by("-published_at", "-pk")
        return rank_search(rows, text[:200]) if text else rows


ROUTES = [("resources", ResourceViewSet, "resource")]

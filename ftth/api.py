"""Address search, building detail and coverage (public, throttled like the rest of the API); operators'
imports (token)."""

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, renderers, serializers, status, viewsets
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from sman.exports import csv_bytes
from sman.filters import FilterSet, TerritoryCodeFilter
from sman.models import Territory
from sman.openapi import invalid
from sman.permissions import is_metropole_staff

from . import selectors, uploads
from .models import Building, BuildingStatusChange, CoverageSnapshot, ImportRun
from .permissions import import_operator, operator_ids_of


class AddressSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.name")
    status_label = serializers.CharField(source="get_status_display")
    url = serializers.SerializerMethodField()
    notice = serializers.SerializerMethodField(
        help_text="Vide quand l'adresse répond à ce qui a été tapé ; sinon ce qui manque, par exemple « Aucune "
        "rue de ce nom à Paris ; voici les plus proches. » quand la commune tapée n'a pas de rue de ce nom (le "
        "même texte pour chaque adresse de la réponse)."
    )

    class Meta:
        model = Building
        fields = ["id", "number", "number_suffix", "street_type", "street_name", "postcode", "commune", "status",
                  "status_label", "url", "notice"]  # fmt: skip

    def get_url(self, building) -> str:
        return f"/fibre/immeubles/{building.pk}/"

    def get_notice(self, building) -> str:
        return getattr(building, "notice", "")

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
            "notice": self.get_notice(building),
        }


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = BuildingStatusChange
        fields = ["status_from", "status_to", "changed_at"]


class BuildingSerializer(AddressSerializer):
    history = StatusChangeSerializer(many=True, read_only=True)
    notice = None

    class Meta(AddressSerializer.Meta):
        # A building read by its id answers no search: no notice.
        fields = [*(f for f in AddressSerializer.Meta.fields if f != "notice"), "operator_code", "premises",
                  "pm_reference", "pm_installed_on", "commercial_service_date", "rnb_id", "history"]  # fmt: skip

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
    """Recherche d'adresse (« 12 bd de la Libération Saint-Denis ») : immeubles correspondants. La commune
    (nom, ancien nom, code postal ou code INSEE) tapée à la fin limite la recherche à ses rues ; quand elle
    n'a pas de rue de ce nom, `notice` le dit et les adresses proposées sont les plus proches."""

    serializer_class = AddressSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    queryset = Building.objects.none()  # for the schema; results come from the search below

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Building.objects.none()
        query = AddressQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.search_addresses(query.validated_data.get("q", "")).buildings


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
        return qs.filter(operator_id__in=operator_ids_of(self.request.user))

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


# --- Coverage: per commune, per EPT and for the Métropole, and its trend across imports ------------------


class CSVRenderer(renderers.BaseRenderer):
    """``?format=csv``: the view gives a table (``header`` and ``rows``), written by the portal's export
    (semicolons, UTF-8 with a byte order mark, formula-safe: a file name never becomes a formula)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return csv_bytes(data["header"], data["rows"])


def coverage_territory_filter(**kwargs) -> TerritoryCodeFilter:
    """A commune, an EPT or the Métropole by its code: the territories that have a coverage series."""
    territories = Territory.objects.filter(kind__in=selectors.COVERAGE_KINDS).only("code", "name", "kind")
    return TerritoryCodeFilter(queryset=territories, **kwargs)


class CoverageFilter(FilterSet):
    territory = coverage_territory_filter(method="within", label="Territoire (par défaut : la Métropole)")
    kind = django_filters.ChoiceFilter(
        choices=[(k.value, k.label) for k in selectors.COVERAGE_KINDS], label="Seulement ce type de territoire"
    )

    class Meta:
        model = Territory
        fields = ["territory", "kind"]

    def within(self, queryset, name, value):
        return selectors.coverage_within(queryset, value)


class SeriesFilter(FilterSet):
    territory = coverage_territory_filter(required=True, label="Territoire")

    class Meta:
        model = CoverageSnapshot
        fields = ["territory"]


class CoverageSourceSerializer(serializers.Serializer):
    """Un fichier importé dont viennent les chiffres."""

    file_name = serializers.CharField(help_text="Nom du fichier déposé.")
    file_format = serializers.ChoiceField(choices=ImportRun.Format.choices, allow_blank=True)
    operator_code = serializers.CharField(help_text="Code de l'opérateur ; vide pour un fichier ARCEP (plusieurs).")
    operator = serializers.CharField(allow_null=True, help_text="Opérateur qui a déposé le fichier, s'il est connu.")
    imported_at = serializers.DateTimeField(help_text="Date à laquelle ses données ont été appliquées.")


class CoverageFiguresSerializer(serializers.Serializer):
    buildings = serializers.IntegerField(help_text="Immeubles connus.")
    buildings_connectable = serializers.IntegerField(help_text="Immeubles raccordables (dont sur demande).")
    premises = serializers.IntegerField(help_text="Logements et locaux connus.")
    premises_connectable = serializers.IntegerField(help_text="Logements et locaux raccordables.")
    rate = serializers.FloatField(
        allow_null=True,
        help_text="Part des logements et locaux raccordables, en % (par immeubles si les fichiers ne donnent pas "
        "les logements) ; null sans donnée.",
    )
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="Date des données : le dernier import qui a modifié des immeubles du territoire."
    )


class CoverageSerializer(CoverageFiguresSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in selectors.COVERAGE_KINDS])
    parent = serializers.CharField(allow_null=True, help_text="Code du territoire de rattachement ; null pour MGP.")
    sources = CoverageSourceSerializer(many=True, help_text="Fichiers dont viennent ces chiffres, du plus récent.")
    series = serializers.SerializerMethodField(help_text="Adresse de l'évolution de ces chiffres, import par import.")

    def get_series(self, row) -> str:
        return f"{reverse('api_ftth_coverage_series')}?territory={row['code']}"


class CoveragePointSerializer(CoverageFiguresSerializer):
    source = CoverageSourceSerializer(allow_null=True, help_text="Le fichier de cet import ; null s'il a été supprimé.")

    def to_representation(self, snapshot):
        return super().to_representation(
            {
                "buildings": snapshot.buildings,
                "buildings_connectable": snapshot.buildings_connectable,
                "premises": snapshot.premises,
                "premises_connectable": snapshot.premises_connectable,
                "rate": snapshot.rate,
                "computed_at": snapshot.computed_at,
                "source": selectors.snapshot_source(snapshot),
            }
        )


CSV_ANSWER = OpenApiResponse(
    OpenApiTypes.STR,
    description="`?format=csv` : toutes les lignes, sans pagination (séparateur « ; », UTF-8 avec BOM).",
)
COVERAGE_HEADER = [
    "Code", "Territoire", "Type", "Rattachement", "Immeubles", "Immeubles raccordables", "Logements et locaux",
    "Logements et locaux raccordables", "Part raccordable (%)", "Date des données", "Fichiers sources",
]  # fmt: skip
SERIES_HEADER = [
    "Date des données", "Immeubles", "Immeubles raccordables", "Logements et locaux",
    "Logements et locaux raccordables", "Part raccordable (%)", "Fichier source", "Opérateur",
]  # fmt: skip


def _local(moment) -> str:
    """Local time to the minute, as a spreadsheet reads it (« 2025-04-12 09:30 »)."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _source_label(source: dict) -> str:
    """« fichier.csv (OI-X, 12/04/2025) »: the file name comes first, as its operator typed it."""
    operator = source["operator_code"] or "plusieurs opérateurs"
    return f"{source['file_name']} ({operator}, {timezone.localtime(source['imported_at']):%d/%m/%Y})"


class _Table(Response):
    """The answer CSVRenderer writes: a header and rows."""


class _CoverageList(ListAPIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer, CSVRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Only the table is CSV: an error (invalid parameter, unknown page, rate limit) or the OPTIONS
        # description answers in JSON, as everywhere in the API.
        if getattr(request, "accepted_renderer", None) is not None and not isinstance(response, _Table):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _csv(self, name: str, header: list[str], rows) -> Response:
        stamp = timezone.localdate().isoformat()
        disposition = f'attachment; filename="{name}-{stamp}.csv"'
        return _Table({"header": header, "rows": rows}, headers={"Content-Disposition": disposition})

    def _is_csv(self) -> bool:
        return self.request.accepted_renderer.format == CSVRenderer.format


@extend_schema(
    responses={(200, "application/json"): CoverageSerializer(many=True), (200, "text/csv"): CSV_ANSWER},
)
class CoverageView(_CoverageList):
    """Couverture en fibre (FttH) d'un territoire et de ceux qu'il contient : la Métropole (par défaut), ses
    territoires (EPT) et ses communes ; un EPT et ses communes ; une commune. Pour chacun : immeubles,
    logements et locaux, raccordables, part raccordable, date des données et fichiers importés dont elles
    viennent. `?format=csv` pour un tableur."""

    serializer_class = CoverageSerializer
    filterset_class = CoverageFilter

    def get_queryset(self):
        return selectors.coverage_territories()

    def list(self, request, *args, **kwargs):
        territories = self.filter_queryset(self.get_queryset())
        if self._is_csv():
            rows = [
                [
                    r["code"],
                    r["name"],
                    Territory.Kind(r["kind"]).label,
                    r["parent"] or "",
                    r["buildings"],
                    r["buildings_connectable"],
                    r["premises"],
                    r["premises_connectable"],
                    r["rate"],
                    _local(r["computed_at"]),
                    " | ".join(_source_label(s) for s in r["sources"]),
                ]
                for r in selectors.coverage_rows(territories)
            ]
            return self._csv("couverture-fibre", COVERAGE_HEADER, rows)
        page = self.paginate_queryset(territories)
        return self.get_paginated_response(self.get_serializer(selectors.coverage_rows(page), many=True).data)


@extend_schema(
    responses={(200, "application/json"): CoveragePointSerializer(many=True), (200, "text/csv"): CSV_ANSWER},
)
class CoverageSeriesView(_CoverageList):
    """Évolution de la couverture d'un territoire : ses chiffres après chaque import qui y a modifié des
    immeubles, du plus ancien au plus récent, avec le fichier importé. `?format=csv` pour un tableur."""

    serializer_class = CoveragePointSerializer
    filterset_class = SeriesFilter

    def get_queryset(self):
        return selectors.coverage_snapshots()

    def list(self, request, *args, **kwargs):
        points = self.filter_queryset(self.get_queryset())
        if self._is_csv():
            rows = []
            for point in points:
                source = selectors.snapshot_source(point)
                rows.append(
                    [
                        _local(point.computed_at),
                        point.buildings,
                        point.buildings_connectable,
                        point.premises,
                        point.premises_connectable,
                        point.rate,
                        source["file_name"] if source else "",
                        (source["operator_code"] or "plusieurs opérateurs") if source else "",
                    ]
                )
            code = self.request.query_params["territory"]  # a territory's code: the filter checked it
            return self._csv(f"couverture-fibre-{code}", SERIES_HEADER, rows)
        page = self.paginate_queryset(points)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# Declared in FtthConfig.api, read by sman/urls.py: viewsets on the project's router, then paths under /api/.
ROUTES = [("ftth/imports", ImportRunViewSet, "ftth-import")]
api_urlpatterns = [
    path("ftth/addresses/", AddressSearchView.as_view(), name="api_ftth_addresses"),
    path("ftth/buildings/<int:pk>/", BuildingView.as_view(), name="api_ftth_building"),
    path("ftth/coverage/", CoverageView.as_view(), name="api_ftth_coverage"),
    path("ftth/coverage/series/", CoverageSeriesView.as_view(), name="api_ftth_coverage_series"),
]

from django.contrib import admin

from sman.admin import JobAdminMixin, MapAdminMixin, ReadOnlyAdminMixin, apply_to_selection

from . import services
from .models import Building, BuildingStatusChange, ImportRejection, ImportRun


class ImportRejectionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ImportRejection
    extra = 0
    readonly_fields = ("line", "reason")


@admin.register(ImportRun)
class ImportRunAdmin(JobAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at", "file_name", "file_format", "operator_code", "state", "rows_read", "rows_rejected", "created",
        "updated", "retired", "duration",
    )  # fmt: skip
    list_filter = ("state", "file_format", "operator_code")
    readonly_fields = [f.name for f in ImportRun._meta.fields]
    inlines = [ImportRejectionInline]
    actions = [*JobAdminMixin.actions, "confirm", "cancel"]

    def has_add_permission(self, request):
        return False  # imports go through `import_ftth` (a Celery task)

    @admin.action(description="Confirmer les imports en attente sélectionnés", permissions=["change"])
    def confirm(self, request, queryset):
        self._decide(request, queryset, services.import_confirm)

    @admin.action(description="Annuler les imports en attente sélectionnés", permissions=["change"])
    def cancel(self, request, queryset):
        self._decide(request, queryset, services.import_cancel)

    def _decide(self, request, queryset, service):
        call = lambda run: service(run=run, user=request.user)  # noqa: E731
        apply_to_selection(self, request, queryset, call, "{count} import(s) traité(s).")


class StatusChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BuildingStatusChange
    extra = 0
    readonly_fields = ("status_from", "status_to", "changed_at", "run")


@admin.register(Building)
class BuildingAdmin(ReadOnlyAdminMixin, MapAdminMixin, admin.ModelAdmin):
    """Buildings are written by the operators' imports (ftth/imports.py), which record each status change and
    alert the subscribers; an edit here would skip both and be undone by the next import."""

    list_display = ("label", "operator_code", "status", "commune", "premises", "retired_at")
    list_filter = ("status", "operator_code", "commune__parent")
    search_fields = ("building_id", "label", "pm_reference", "rnb_id")
    list_select_related = ("commune",)
    inlines = [StatusChangeInline]

from django.contrib import admin

from sman.admin import JobAdminMixin, MapAdminMixin

from .models import Building, BuildingStatusChange, ImportRejection, ImportRun


class ImportRejectionInline(admin.TabularInline):
    model = ImportRejection
    extra = 0
    can_delete = False
    readonly_fields = ("line", "reason")
    max_num = 0


@admin.register(ImportRun)
class ImportRunAdmin(JobAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at", "file_name", "file_format", "operator_code", "state", "rows_read", "rows_rejected", "created",
        "updated", "retired", "duration",
    )  # fmt: skip
    list_filter = ("state", "file_format", "operator_code")
    readonly_fields = [f.name for f in ImportRun._meta.fields]
    inlines = [ImportRejectionInline]

    def has_add_permission(self, request):
        return False  # imports go through `import_ftth` (a Celery task)


class StatusChangeInline(admin.TabularInline):
    model = BuildingStatusChange
    extra = 0
    readonly_fields = ("status_from", "status_to", "changed_at", "run")
    can_delete = False


@admin.register(Building)
class BuildingAdmin(MapAdminMixin, admin.ModelAdmin):
    list_display = ("label", "operator_code", "status", "commune", "premises", "retired_at")
    list_filter = ("status", "operator_code", "commune__parent")
    search_fields = ("building_id", "label", "pm_reference", "rnb_id")
    list_select_related = ("commune",)
    readonly_fields = ("first_run", "last_run", "updated_at")
    inlines = [StatusChangeInline]

"""Admin of the Explorateurs: cohorts and events are plain data staff edit here; candidacies, explorers and
registrations are written by the services (selection, waiting lists, attendance): read-only, with actions that
call the services; projects are edited here for their texts, their step through the service."""

from django.contrib import admin

from sman.admin import JobAdminMixin, ReadOnlyAdminMixin, apply_to_selection

from . import services
from .models import Candidacy, Cohort, Event, Explorer, ExplorerDocument, Project, Registration, SupportNote


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("__str__", "seats", "call_opens_on", "call_closes_on", "starts_on", "ends_on")


@admin.register(Candidacy)
class CandidacyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("agent", "collectivity", "cohort", "status", "waitlist_position", "created_at")
    list_filter = ("cohort", "status")
    search_fields = ("agent__email", "agent__last_name", "collectivity__name")
    list_select_related = ("agent", "collectivity", "cohort")
    actions = ["select"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # the list and its actions, no form

    @admin.action(description="Retenir les candidatures sélectionnées (dans la limite des places)")
    def select(self, request, queryset):
        apply_to_selection(
            self, request, queryset.order_by("created_at"),
            lambda c: services.candidacy_select(candidacy=c, user=request.user), "{count} candidature(s) traitée(s).",
        )  # fmt: skip


@admin.register(Explorer)
class ExplorerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "collectivity", "role", "status", "in_directory")
    list_filter = ("cohort", "status")
    search_fields = ("user__email", "user__last_name", "collectivity__name")
    list_select_related = ("user", "cohort", "collectivity")


class SupportNoteInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SupportNote
    extra = 0
    readonly_fields = ("kind", "body", "author", "created_at")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "collectivity", "challenge", "status", "source", "fmin_application")
    list_filter = ("status", "challenge", "source", "cohort")
    search_fields = ("title", "idea", "collectivity__name")
    list_select_related = ("collectivity", "challenge", "fmin_application")
    readonly_fields = ("status", "source", "reference_key", "fmin_application")
    autocomplete_fields = ("explorer",)
    inlines = [SupportNoteInline]


class RegistrationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Registration
    extra = 0
    readonly_fields = ("explorer", "status", "waitlist_position", "attended", "created_at")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "starts_at", "venue", "seats", "cohort")
    list_filter = ("kind", "cohort")
    search_fields = ("title", "venue")
    readonly_fields = ("reminder_sent_at", "attendance_taken_at")
    inlines = [RegistrationInline]


@admin.register(ExplorerDocument)
class ExplorerDocumentAdmin(JobAdminMixin, admin.ModelAdmin):  # document_request (the explorer's page)
    list_display = ("explorer", "kind", "state", "created_at", "finished_at")
    list_filter = ("kind", "state")
    list_select_related = ("explorer__user", "explorer__cohort")

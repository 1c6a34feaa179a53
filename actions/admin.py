from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from sman.admin import JobAdminMixin, ReadOnlyAdminMixin, ServiceFormAdminMixin

from . import services
from .models import (
    Action,
    ActionReview,
    BudgetLine,
    CopilSession,
    Indicator,
    IndicatorValue,
    Milestone,
    Recommendation,
    Report,
    Roadmap,
    Workstream,
)


@admin.register(Workstream)
class WorkstreamAdmin(admin.ModelAdmin):
    list_display = ("name", "challenge", "order")
    list_filter = ("challenge",)


@admin.register(Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "status", "drafted_from")
    list_filter = ("status",)


class MilestoneInline(ReadOnlyAdminMixin, admin.TabularInline):  # milestones_and_budget_save
    model = Milestone
    extra = 0


class BudgetLineInline(ReadOnlyAdminMixin, admin.TabularInline):  # milestones_and_budget_save
    model = BudgetLine
    extra = 0


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ("number", "title", "roadmap", "challenge", "status", "progress", "annex_sheet_number")
    list_display_links = ("number", "title")
    list_filter = ("roadmap", "challenge", "status", "module")
    search_fields = ("title", "summary", "project_owner")
    list_select_related = ("roadmap", "challenge")
    filter_horizontal = ("owners",)
    inlines = [MilestoneInline, BudgetLineInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # the partner's service (Django 6's default)

    def get_readonly_fields(self, request, obj=None):
        # The follow-up (status, progress, notes, collectivities involved, milestones, budget) is written on the
        # action's page (action_update, milestones_and_budget_save); the description stays reference data.
        return (*services.ACTION_FOLLOW_FIELDS, "collectivities") if obj else ()


class IndicatorValueInline(ReadOnlyAdminMixin, admin.TabularInline):  # indicator_value_add (author)
    """The Métropole's series, as the action's page shows it (not the values of every territory)."""

    model = IndicatorValue
    extra = 0
    readonly_fields = ("created_at",)
    verbose_name_plural = "valeurs de la Métropole"

    def get_queryset(self, request):
        return super().get_queryset(request).for_metropole()


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "action", "kind", "unit", "target_value", "target_date", "provider_key")
    list_filter = ("kind", "frequency", "action__challenge")
    search_fields = ("name", "definition", "action__title")
    list_select_related = ("action",)
    inlines = [IndicatorValueInline]

    def save_model(self, request, obj, form, change):
        services.indicator_save(indicator=obj, user=request.user)


class ActionReviewInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ActionReview
    extra = 0
    fields = ("action", "progress", "schedule_status", "budget_status", "opinion", "decided_by", "corrects")
    readonly_fields = fields


@admin.register(CopilSession)
class CopilSessionAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """A session is created with its agenda (copil_session_create); its minutes and attendees go through
    session_update; it is closed from the portal (session_close), so its status is read-only here."""

    list_display = ("date", "year", "semester", "status")
    list_filter = ("status", "year")
    filter_horizontal = ("attendees",)
    inlines = [ActionReviewInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # the agenda is made by copil_session_create

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("year", "semester", "date")
        return ("year", "semester", "date", "status", "closed_at", "closed_by", "minutes", "attendees")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("year", "semester", "date", "status", "closed_at", "closed_by")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_closed)

    def has_delete_permission(self, request, obj=None):
        return False  # a session carries the COPIL's decisions

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return services.session_update(
                session=obj, user=request.user, minutes=data["minutes"], attendees=data["attendees"]
            )
        return services.copil_session_create(
            user=request.user, year=data["year"], semester=data["semester"], on=data["date"]
        )


@admin.register(ActionReview)
class ActionReviewAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Opinions are recorded and corrected on the COPIL pages (review_record_opinion checks the version the
    member saw; review_correct keeps the closed decision)."""

    list_display = ("action", "session", "opinion", "schedule_status", "budget_status", "decided_by", "corrects")
    list_filter = ("opinion", "session")
    list_select_related = ("action", "session", "decided_by")


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # recommendation_add (open session only)
    list_display = ("programme", "session", "author", "created_at")
    list_filter = ("programme",)


@admin.register(Report)
class ReportAdmin(JobAdminMixin, admin.ModelAdmin):
    list_display = ("session", "state", "requested_by", "created_at", "finished_at", "size", "checksum")
    list_filter = ("state",)
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False  # report_request queues the generation

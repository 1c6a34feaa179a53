from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sman.admin import JobAdminMixin

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


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class BudgetLineInline(admin.TabularInline):
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


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    readonly_fields = ("created_at",)


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("name", "action", "kind", "unit", "target_value", "target_date", "provider_key")
    list_filter = ("kind", "frequency", "action__challenge")
    search_fields = ("name", "definition", "action__title")
    list_select_related = ("action",)
    inlines = [IndicatorValueInline]


class ActionReviewInline(admin.TabularInline):
    model = ActionReview
    extra = 0
    fields = ("action", "progress", "schedule_status", "budget_status", "opinion", "decided_by", "corrects")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CopilSession)
class CopilSessionAdmin(admin.ModelAdmin):
    list_display = ("date", "year", "semester", "status")
    list_filter = ("status", "year")
    filter_horizontal = ("attendees",)
    inlines = [ActionReviewInline]


@admin.register(ActionReview)
class ActionReviewAdmin(SimpleHistoryAdmin):
    list_display = ("action", "session", "opinion", "schedule_status", "budget_status", "decided_by", "corrects")
    list_filter = ("opinion", "session")
    list_select_related = ("action", "session", "decided_by")

    def has_change_permission(self, request, obj=None):
        # Decisions of a closed session are final; corrections go through the portal.
        return obj is None or not obj.session.is_closed


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ("programme", "session", "author", "created_at")
    list_filter = ("programme",)


@admin.register(Report)
class ReportAdmin(JobAdminMixin, admin.ModelAdmin):
    list_display = ("session", "status", "requested_by", "requested_at", "generated_at", "size", "checksum")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Report._meta.fields]

"""Admin of the participation platform: staff open spaces and set up processes and budgets; votes, reports and
decisions are read-only here (written by the services, from the portal's pages)."""

from django.contrib import admin

from sman.admin import MapAdminMixin, ReadOnlyAdminMixin, ServiceFormAdminMixin, apply_to_selection

from . import services
from .models import (
    Ballot,
    Budget,
    BudgetProject,
    Meeting,
    Milestone,
    ModerationCase,
    Phase,
    Process,
    Proposal,
    Question,
    Report,
    Result,
    Space,
    SpaceBlock,
    SpaceMember,
    Survey,
)


class SpaceMemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SpaceMember
    extra = 0


@admin.register(Space)
class SpaceAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ("organisation", "slug", "hide_after_reports", "is_active")
    search_fields = ("organisation__name", "slug")
    autocomplete_fields = ("organisation",)
    inlines = [SpaceMemberInline]

    def save_through_service(self, request, obj, form, change):
        if not change:
            return services.space_create(
                organisation=form.cleaned_data["organisation"],
                slug=form.cleaned_data["slug"],
                presentation=form.cleaned_data["presentation"],
                by=request.user,
            )
        obj.save()
        return obj


@admin.register(SpaceMember)
class SpaceMemberAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ("space", "user", "role")
    list_filter = ("role", "space")
    autocomplete_fields = ("user",)

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.space_member_set(space=data["space"], user=data["user"], role=data["role"], by=request.user)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ("title", "space", "is_published", "created_at")
    list_filter = ("space", "is_published")
    search_fields = ("title",)
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("territories",)
    inlines = [PhaseInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_process_search(form.instance.pk)


@admin.register(Proposal)
class ProposalAdmin(MapAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "process", "support_count", "answer", "hidden", "created_at")
    list_filter = ("answer", "hidden", "process__space")
    search_fields = ("title",)


class BudgetProjectInline(admin.TabularInline):
    model = BudgetProject
    extra = 0
    exclude = ("selected",)


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("title", "process", "territory", "rule", "vote_opens_at", "vote_closes_at")
    list_filter = ("rule", "residents_only")
    autocomplete_fields = ("territory",)
    inlines = [BudgetProjectInline]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "budget", "is_paper", "changes", "updated_at")
    list_filter = ("budget", "is_paper")
    exclude = ("voter", "declared_address", "declared_point")  # the secrecy of the vote, even for staff


class ReportInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Report
    extra = 0


@admin.register(ModerationCase)
class ModerationCaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "space", "state", "report_count", "auto_hidden", "decided_at")
    list_filter = ("state", "space")
    inlines = [ReportInline]
    actions = ["keep"]

    @admin.action(description="Maintenir les contributions sélectionnées (signalements non fondés)")
    def keep(self, request, queryset):
        apply_to_selection(
            self,
            request,
            queryset,
            lambda case: services.moderation_decide(
                case_ids=[case.pk],
                by=request.user,
                hide=False,
                reason="Signalement examiné par l'équipe : contribution maintenue.",
            ),
            "{count} contribution(s) maintenue(s).",
        )


@admin.register(SpaceBlock)
class SpaceBlockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "space", "reason", "created_at")


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("title", "process", "status", "progress", "updated_at")
    list_filter = ("status", "process__space")
    inlines = [MilestoneInline]


@admin.register(Meeting)
class MeetingAdmin(MapAdminMixin, admin.ModelAdmin):
    list_display = ("title", "process", "starts_at", "registration_required", "capacity")
    list_filter = ("registration_required", "process__space")
    search_fields = ("title",)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 1


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "process", "is_open")
    list_filter = ("is_open", "process__space")
    inlines = [QuestionInline]

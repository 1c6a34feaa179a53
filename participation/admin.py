"""Admin of the participation platform: staff open spaces and set up processes. Budgets, meetings and surveys are
written through the same services as the spaces' front office (their inlines read-only: projects and questions
are managed on the portal's pages); votes, reports, results, proofs and decisions are read-only here."""

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
    ResidenceProof,
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


class BudgetProjectInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BudgetProject
    extra = 0
    exclude = ("selected",)


BUDGET_FIELDS = (
    "title", "territory", "district", "amount_cents", "rule", "max_projects", "min_share_percent", "residents_only",
    "proof_required", "vote_opens_at", "vote_closes_at",
)  # fmt: skip


@admin.register(Budget)
class BudgetAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """Through ``services.budget_save`` (once the vote is open, only the title, district and close change); the
    projects are added on the budget's management page of the portal."""

    list_display = ("title", "process", "territory", "rule", "vote_opens_at", "vote_closes_at")
    list_filter = ("rule", "residents_only")
    autocomplete_fields = ("territory",)
    fields = ("process", *BUDGET_FIELDS)
    inlines = [BudgetProjectInline]

    def get_readonly_fields(self, request, obj=None):
        return ("process",) if obj else ()

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        process = obj.process if change else data["process"]
        return services.budget_save(
            process=process, by=request.user, budget=obj if change else None, **{f: data.get(f) for f in BUDGET_FIELDS}
        )


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


class MilestoneInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Result)
class ResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: results are created by the answers and the winners, followed on the portal's « Suivi » page."""

    list_display = ("title", "process", "status", "progress", "updated_at")
    list_filter = ("status", "process__space")
    inlines = [MilestoneInline]


MEETING_FIELDS = (
    "title", "description", "starts_at", "ends_at", "address", "location", "online_url", "registration_required",
    "capacity", "minutes",
)  # fmt: skip


@admin.register(Meeting)
class MeetingAdmin(MapAdminMixin, ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ("title", "process", "starts_at", "registration_required", "capacity")
    list_filter = ("registration_required", "process__space")
    search_fields = ("title",)
    fields = ("process", *MEETING_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return ("process",) if obj else ()

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        values = {f: data.get(f) for f in MEETING_FIELDS}
        values = {k: ("" if v is None and k in ("description", "address", "online_url", "minutes") else v)
                  for k, v in values.items()}  # fmt: skip
        return services.meeting_save(
            process=obj.process if change else data["process"], by=request.user, meeting=obj if change else None,
            **values,
        )  # fmt: skip


class QuestionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Survey)
class SurveyAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """Through ``services.survey_save``; the questions are added on the survey's page of the portal."""

    list_display = ("title", "process", "is_open")
    list_filter = ("is_open", "process__space")
    fields = ("process", "title", "introduction", "is_open")
    inlines = [QuestionInline]

    def get_readonly_fields(self, request, obj=None):
        return ("process",) if obj else ()

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.survey_save(
            process=obj.process if change else data["process"], by=request.user, survey=obj if change else None,
            title=data["title"], introduction=data.get("introduction") or "", is_open=data["is_open"],
        )  # fmt: skip


@admin.register(ResidenceProof)
class ResidenceProofAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only (the file is private): the space's administrators review proofs on the portal."""

    list_display = ("user", "space", "commune", "status", "created_at", "reviewed_at")
    list_filter = ("status", "space")
    exclude = ("file",)

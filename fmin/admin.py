from django.contrib import admin, messages
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from sman.admin import ReadOnlyAdminMixin, apply_to_selection

from . import services
from .forms import CallAdminForm
from .models import (
    FMIN_PROGRAMME,
    Application,
    ApplicationEvent,
    Assignment,
    BudgetLine,
    Call,
    Criterion,
    Decision,
    Deliverable,
    FollowUpReport,
    FundingLine,
    Meeting,
    Participant,
    PaymentMilestone,
    Programme,
    QualificationWorkshop,
    WorkingGroup,
    WorkingGroupMember,
)


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


class WorkshopInline(admin.TabularInline):
    model = QualificationWorkshop
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    """The programmes calls belong to (FMIN, PCAEM…): staff add one without code; its calls carry the rules."""

    list_display = ("short_name", "name", "action_number", "position")
    prepopulated_fields = {"slug": ("short_name",)}


@admin.register(Call)
class CallAdmin(SimpleHistoryAdmin):
    """Staff open a call of any programme here: its dates, envelope, caps, the organisations it accepts, whether
    payment waits for a Bâtisseurs group, and its criteria (inline; none typed: the six of the SMAN, to adapt)."""

    form = CallAdminForm
    list_display = ("title", "programme", "year", "opens_on", "closes_on", "is_published", "envelope_cents")
    list_filter = ("programme", "is_published", "year")
    list_select_related = ("programme",)
    search_fields = ("title",)
    inlines = [CriterionInline, WorkshopInline]

    def save_model(self, request, obj, form, change):
        services.call_save(call=obj, user=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if services.criteria_add_defaults(call=form.instance) and form.instance.programme.slug != FMIN_PROGRAMME:
            messages.warning(
                request,
                "Aucun critère saisi : les six critères du FMIN ont été ajoutés à cet appel. Adaptez-les à son "
                "règlement avant d'affecter des évaluateurs.",
            )


class ParticipantInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["organisation"]
    readonly_fields = ("confirmed_at", "confirmed_by")


class BudgetInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BudgetLine
    extra = 0


class FundingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FundingLine
    extra = 0


class MilestoneInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentMilestone
    extra = 0
    readonly_fields = ("paid_on", "paid_by")


class ReportInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FollowUpReport
    extra = 0
    fields = ("kind", "due_on", "submitted_at", "last_reminder_on")
    readonly_fields = ("submitted_at", "last_reminder_on")


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    readonly_fields = ("kind", "message", "user", "created_at")


class FromExplorateursFilter(admin.SimpleListFilter):
    """Files that an Explorateurs project started (the relation Project.fmin_application)."""

    title = "issu des Explorateurs du numérique"
    parameter_name = "explorateurs"

    def lookups(self, request, model_admin):
        return (("1", "oui"), ("0", "non"))

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(explorateurs_project__isnull=self.value() == "0")
        return queryset


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Staff follow files here; applicants write through their pages (application_save_draft, submit…), staff
    through the instruction pages (eligibility, corrections, assignments, decision, payments)."""

    list_display = ("title", "lead", "call", "status", "submitted_at", "from_explorateurs")
    list_filter = ("status", "call", "theme", FromExplorateursFilter)
    search_fields = ("title", "lead__name", "participants__organisation__name")
    list_select_related = ("lead", "call", "explorateurs_project")

    @admin.display(description="issu des Explorateurs", boolean=True)
    def from_explorateurs(self, obj):
        return hasattr(obj, "explorateurs_project")

    readonly_fields = (
        "status",
        "submitted_at",
        "version",
        "created_by",
        "eligibility_checklist",
        "submitted_pdf_sha256",
    )
    autocomplete_fields = ["lead"]
    filter_horizontal = ("challenges", "territories")
    inlines = [ParticipantInline, BudgetInline, FundingInline, MilestoneInline, ReportInline, EventInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Assignments are made on the instruction page (assignment_create refuses a reviewer from an applicant
    collectivity); reviews are written by the reviewers (review_save)."""

    list_display = ("application", "reviewer", "assigned_at", "submitted_at", "conflict_declared_at")
    list_filter = ("application__call",)
    list_select_related = ("application", "reviewer")
    readonly_fields = ("submitted_at", "conflict_declared_at")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Decisions go through the decision page (decision_record checks the call's envelope)."""

    list_display = ("application", "outcome", "amount_cents", "decided_by", "decided_at")
    list_filter = ("outcome", "application__call")
    list_select_related = ("application", "decided_by")


@admin.register(PaymentMilestone)
class PaymentMilestoneAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """A milestone is paid through milestone_pay (every collectivity in a Bâtisseurs working group)."""

    list_display = ("application", "label", "amount_cents", "paid_on", "paid_by")
    list_filter = ("paid_on",)
    list_select_related = ("application", "paid_by")
    actions = ["pay"]

    @admin.action(description="Marquer les échéances sélectionnées comme versées aujourd'hui", permissions=["view"])
    def pay(self, request, queryset):
        today = timezone.localdate()
        pay = lambda milestone: services.milestone_pay(milestone=milestone, user=request.user, on=today)  # noqa: E731
        apply_to_selection(self, request, queryset, pay, "{count} échéance(s) versée(s).")


@admin.register(FollowUpReport)
class FollowUpReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):  # report_submit, reports_remind
    list_display = ("application", "kind", "due_on", "submitted_at", "last_reminder_on")
    list_filter = ("kind",)
    list_select_related = ("application",)


class MemberInline(admin.TabularInline):
    model = WorkingGroupMember
    extra = 0
    autocomplete_fields = ["organisation"]


class MeetingInline(admin.StackedInline):
    model = Meeting
    extra = 0


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    extra = 0


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "theme", "is_active")
    list_filter = ("theme", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MemberInline, MeetingInline, DeliverableInline]

from django.contrib import admin

from sman.admin import JobAdminMixin, MapAdminMixin, ReadOnlyAdminMixin, apply_to_selection

from . import services
from .models import (
    Beneficiary,
    Booklet,
    BookletSheets,
    CreditNote,
    DistributorAuthorisation,
    MediationPlace,
    Order,
    Redemption,
    Statement,
    Ticket,
    Training,
)


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ("title", "theme", "level", "duration_hours", "tickets_required")
    list_filter = ("level", "theme")
    search_fields = ("title", "theme")


@admin.register(MediationPlace)
class MediationPlaceAdmin(MapAdminMixin, admin.ModelAdmin):
    list_display = ("organisation", "place_type", "aptic_label", "label_valid_until")
    list_filter = ("aptic_label", "place_type", "organisation__territory__parent")
    search_fields = ("organisation__name", "organisation__territory__name")
    autocomplete_fields = ["organisation"]
    filter_horizontal = ("trainings",)
    list_select_related = ("organisation",)


@admin.register(DistributorAuthorisation)
class DistributorAuthorisationAdmin(admin.ModelAdmin):
    list_display = ("distributor", "funder", "active")
    list_filter = ("active",)
    autocomplete_fields = ["funder", "distributor"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Orders create their booklets and tickets (order_create, order_import_aptic): they go through the portal."""

    list_display = ("reference", "funder", "source", "booklet_count", "tickets_per_booklet", "territory", "valid_until")
    list_filter = ("source", "target_public")
    search_fields = ("reference", "funder__name")
    list_select_related = ("funder", "territory")


@admin.register(Booklet)
class BookletAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # order_create, booklet_distribute
    list_display = ("code", "order", "number", "distributed_at", "distributor")
    search_fields = ("code", "order__reference")
    list_select_related = ("order", "distributor")
    readonly_fields = [f.name for f in Booklet._meta.fields]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # order_create makes the codes
    list_display = ("code", "booklet", "value_cents")
    search_fields = ("code",)
    list_select_related = ("booklet",)
    readonly_fields = ("code", "booklet", "value_cents")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # ticket_redeem
    list_display = ("ticket", "place", "training", "agent", "redeemed_at", "statement")
    list_filter = ("place",)
    search_fields = ("ticket__code", "place__organisation__name")
    list_select_related = ("ticket", "place__organisation", "training", "agent", "statement")
    readonly_fields = [f.name for f in Redemption._meta.fields]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Statements are made by statements_generate and paid through statement_mark_paid (the action below)."""

    list_display = ("place", "month", "ticket_count", "amount_cents", "status", "paid_at")
    list_filter = ("status", "month")
    list_select_related = ("place__organisation",)
    actions = ["mark_paid"]

    @admin.action(description="Marquer les relevés sélectionnés comme payés", permissions=["view"])
    def mark_paid(self, request, queryset):
        pay = lambda statement: services.statement_mark_paid(statement=statement, user=request.user)  # noqa: E731
        apply_to_selection(self, request, queryset, pay, "{count} relevé(s) marqué(s) comme payé(s).")


@admin.register(Beneficiary)
class BeneficiaryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # booklet_distribute
    list_display = ("reference", "age_band", "territory", "target_public")
    list_filter = ("age_band", "target_public")
    search_fields = ("reference",)


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):  # credit_note_issue (expiry_run)
    list_display = ("order", "unused_tickets", "amount_cents", "created_at")


@admin.register(BookletSheets)
class BookletSheetsAdmin(JobAdminMixin, admin.ModelAdmin):  # order_sheets_request (the order's page)
    list_display = ("order", "state", "requested_by", "created_at", "finished_at", "size", "checksum")
    list_filter = ("state",)
    list_select_related = ("order", "requested_by")
    readonly_fields = [f.name for f in BookletSheets._meta.fields]

    def has_add_permission(self, request):
        return False

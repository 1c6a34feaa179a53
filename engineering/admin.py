from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models

from sman.admin import MapAdminMixin, ReadOnlyAdminMixin, ServiceFormAdminMixin

from . import services
from .models import (
    EngineeringRequest,
    ExchangeMember,
    ImpactIndicator,
    PhaseDecision,
    Place,
    Problem,
    Product,
    ServiceOffer,
    SpaceApplication,
    SpaceOffer,
    SponsorshipBudget,
)

# Django 6 will assume https for a typed address without a scheme; the portal does already.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(ServiceOffer)
class ServiceOfferAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "audience", "typical_delay_days", "is_active", "order")
    list_filter = ("kind", "is_active")
    list_editable = ("is_active", "order")


@admin.register(EngineeringRequest)
class EngineeringRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests move through the portal's pages (triage, work, delivery); messages and documents stay there,
    private to the collectivity and the pôle."""

    list_display = ("title", "organisation", "kind", "stage", "status", "expert", "due_on", "created_at")
    list_filter = ("status", "kind", "stage")
    search_fields = ("title", "organisation__name")
    exclude = ("description", "satisfaction_comment")
    list_select_related = ("organisation", "expert")


@admin.register(Place)
class PlaceAdmin(ServiceFormAdminMixin, MapAdminMixin, admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("name", "kind", "territory", "organisation", "is_published")
    list_filter = ("kind", "is_published")
    search_fields = ("name", "address")
    list_select_related = ("territory", "organisation")
    autocomplete_fields = ("organisation",)

    def save_through_service(self, request, obj, form, change):
        return services.place_save(place=obj, user=request.user)


class SponsorshipBudgetForm(forms.ModelForm):
    class Meta:
        model = SponsorshipBudget
        fields = ["year", "label", "amount_cents"]

    def clean_amount_cents(self):
        amount = self.cleaned_data["amount_cents"]
        if self.instance.pk and amount < services.committed_cents(self.instance):
            raise ValidationError("Le budget ne peut pas descendre sous le montant déjà engagé par les sélections.")
        return amount


@admin.register(SponsorshipBudget)
class SponsorshipBudgetAdmin(admin.ModelAdmin):
    form = SponsorshipBudgetForm
    list_display = ("label", "year", "amount_cents")


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "organisation", "status", "sponsorship_cents", "budget", "created_at")
    list_filter = ("status", "budget")
    search_fields = ("title", "organisation__name")


class ImpactInline(admin.TabularInline):
    model = ImpactIndicator
    extra = 1


class DecisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PhaseDecision
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Name, pitch, team, site and impact indicators are edited here; the phase moves only by a decision,
    on the product's page."""

    list_display = ("name", "phase", "phase_started_on")
    formfield_overrides = URL_FIELDS
    list_filter = ("phase",)
    readonly_fields = ("problem", "phase", "phase_started_on")
    inlines = [ImpactInline, DecisionInline]

    def has_add_permission(self, request):
        return False  # a product is born from a selected problem (services.problem_select)


@admin.register(ExchangeMember)
class ExchangeMemberAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "admitted_at")
    list_filter = ("kind",)
    autocomplete_fields = ("organisation",)


@admin.register(SpaceOffer)
class SpaceOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "owner", "territory", "surface_m2", "status", "available_from")
    list_filter = ("status",)


@admin.register(SpaceApplication)
class SpaceApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("offer", "organisation", "status", "created_at")
    list_filter = ("status",)

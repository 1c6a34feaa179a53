"""Staff screens of prizes and contests: a contest is created and edited through its service (rich text
sanitised), its prizes and criteria edited while it is a draft, its jurors named through the service; entries
and evaluations are read-only (candidates and jurors write them through their pages)."""

from django.contrib import admin

from sman.admin import ReadOnlyAdminMixin, ServiceFormAdminMixin

from . import services
from .models import Contest, Criterion, Entry, Evaluation, Juror, Prize


class DraftOnlyMixin:
    """Prizes and criteria change only before the call opens: the jury scores what the call announced."""

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.contest.status == Contest.Status.DRAFT)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.contest.status == Contest.Status.DRAFT)


@admin.register(Contest)
class ContestAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ("title", "module", "status", "opens_on", "closes_on", "results_on")
    list_filter = ("module", "status")
    search_fields = ("title", "theme")
    fields = (
        "module",
        "title",
        "theme",
        "challenge",
        "call_text",
        "rules",
        "opens_on",
        "closes_on",
        "jury_deadline",
        "results_on",
    )

    def save_through_service(self, request, obj, form, change):
        return services.contest_save(user=request.user, contest=obj if change else None, fields=form.cleaned_data)


@admin.register(Prize)
class PrizeAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ("label", "contest", "amount_cents", "position")
    list_filter = ("contest",)


@admin.register(Criterion)
class CriterionAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ("label", "contest", "weight", "position")
    list_filter = ("contest",)


@admin.register(Juror)
class JurorAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ("user", "contest", "declared_at")
    list_filter = ("contest",)
    fields = ("contest", "user")
    autocomplete_fields = ("user",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.juror_add(user=request.user, contest=data["contest"], juror_user=data["user"])


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "contest", "organisation", "user", "submitted_at", "withdrawn_at", "prize")
    list_filter = ("contest",)
    search_fields = ("title", "organisation__name", "user__email")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("entry", "juror", "total", "updated_at")
    list_filter = ("entry__contest",)

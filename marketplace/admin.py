"""Staff screens of the marketplace: charters (a new version through the service), procurement thresholds (data
staff keep up to date), needs and solutions (moderation through the services), the rest read-only."""

from django.contrib import admin

from sman.admin import ReadOnlyAdminMixin, ServiceFormAdminMixin, apply_to_selection

from . import services
from .models import (
    Adoption,
    Charter,
    CharterSignature,
    FunnelEvent,
    Match,
    MemberProfile,
    Need,
    NeedParticipant,
    ProcurementThreshold,
    Question,
    Response,
    ReviewSetting,
    Solution,
)


@admin.register(Charter)
class CharterAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    """A charter is never edited once published: staff add a new version, which every member signs again."""

    list_display = ("version", "title", "published_at")
    fields = ("title", "body", "summary_of_changes")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        return services.charter_publish(
            user=request.user, title=data["title"], body=data["body"], summary_of_changes=data["summary_of_changes"]
        )


@admin.register(CharterSignature)
class CharterSignatureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("organisation", "charter", "signed_by", "signed_at")
    list_filter = ("charter",)
    search_fields = ("organisation__name",)


@admin.register(ProcurementThreshold)
class ProcurementThresholdAdmin(admin.ModelAdmin):
    """Thresholds are data: when the law changes, add a row with its new date of effect (the old one stays for
    needs posted before)."""

    list_display = ("label", "kind", "amount_cents", "effective_on", "legal_reference")
    list_filter = ("kind",)


@admin.register(ReviewSetting)
class ReviewSettingAdmin(admin.ModelAdmin):
    """One row: whether staff read the needs before they are published."""

    list_display = ("__str__", "review_needs", "updated_at")
    fields = ("review_needs",)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ReviewSetting.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(MemberProfile)
class MemberProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "category", "siren", "is_listed", "updated_at")
    list_filter = ("category", "is_listed")
    search_fields = ("organisation__name", "siren")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("areas",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_profile_vectors(MemberProfile.objects.filter(pk=form.instance.pk))


@admin.register(Solution)
class SolutionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "member", "status", "updated_at")
    list_filter = ("status", "price_model", "hosting", "accessibility")
    search_fields = ("title", "member__name")
    actions = ["archive"]

    def has_archive_permission(self, request):
        return request.user.is_staff

    @admin.action(description="Archiver les solutions sélectionnées (modération)", permissions=["archive"])
    def archive(self, request, queryset):
        queryset.update(status=Solution.Status.ARCHIVED)
        self.message_user(request, f"{queryset.count()} solution(s) archivée(s).")


class ParticipantInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = NeedParticipant
    extra = 0


@admin.register(Need)
class NeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "buyer", "state", "outcome", "deadline", "published_at")
    list_filter = ("state", "outcome", "procedure")
    search_fields = ("title", "buyer__name")
    inlines = [ParticipantInline]
    actions = ["close", "publish_reviewed"]

    def has_close_permission(self, request):
        return request.user.is_staff

    def has_publish_reviewed_permission(self, request):
        return request.user.is_staff

    @admin.action(
        description="Publier les besoins en relecture sélectionnés (pour les renvoyer avec un motif : page Relecture)",
        permissions=["publish_reviewed"],
    )
    def publish_reviewed(self, request, queryset):
        apply_to_selection(
            self,
            request,
            queryset,
            lambda need: services.need_review_publish(user=request.user, need=need),
            "{count} besoin(s) publié(s).",
        )

    @admin.action(description="Clore les besoins publiés sélectionnés (modération)", permissions=["close"])
    def close(self, request, queryset):
        apply_to_selection(
            self,
            request,
            queryset,
            lambda need: services.need_close(user=request.user, need=need),
            "{count} besoin(s) clos.",
        )


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("need", "member", "submitted_at", "shortlisted_at")
    search_fields = ("need__title", "member__name")


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("need", "asked_at", "answered_at")


@admin.register(FunnelEvent)
class FunnelEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("need", "member", "stage", "at")
    list_filter = ("stage",)


@admin.register(Match)
class MatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("need", "member", "solution", "score")


@admin.register(Adoption)
class AdoptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("solution", "need", "adopted_on", "follow_up_due_on", "still_in_use")

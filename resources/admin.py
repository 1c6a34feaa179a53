from django.contrib import admin

from sman.admin import JobAdminMixin, ReadOnlyAdminMixin, apply_to_selection

from . import services
from .models import (
    AnnualReview,
    Attachment,
    CallForContributions,
    DailyUsage,
    EditSuggestion,
    Resource,
    ResourceUse,
    ResourceVersion,
    ReviewComment,
    SavedSearch,
    SearchMiss,
)


@admin.register(CallForContributions)
class CallForContributionsAdmin(admin.ModelAdmin):
    list_display = ("title", "theme", "deadline", "is_published")
    list_filter = ("theme", "is_published")
    search_fields = ("title",)


class VersionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ResourceVersion
    fields = ("number", "title", "change_note", "published_by", "published_at")
    readonly_fields = fields
    extra = 0


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    fields = ("name", "size", "published", "uploaded_by", "created_at")
    readonly_fields = fields
    extra = 0


class CommentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReviewComment
    fields = ("author", "by_moderator", "text", "created_at")
    readonly_fields = fields
    extra = 0


@admin.register(Resource)
class ResourceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Contributions are written by their authors and decided by moderators on the portal's pages
    (/ressources/moderation/); the admin shows them, and takes the selected ones in review."""

    list_display = ("title", "kind", "state", "organisation", "author", "published_at", "is_demo")
    list_filter = ("state", "kind", "is_demo", "published_year")
    search_fields = ("title", "slug", "organisation__name", "author__email")
    list_select_related = ("organisation", "author")
    readonly_fields = [f.name for f in Resource._meta.fields if f.name != "search_vector"] + ["themes"]
    exclude = ("search_vector", "challenges", "territories")
    inlines = [VersionInline, AttachmentInline, CommentInline]
    actions = ["take_in_review"]

    @admin.action(description="Prendre en relecture les contributions sélectionnées")
    def take_in_review(self, request, queryset):
        apply_to_selection(
            self, request, queryset, lambda r: services.review_start(resource=r, user=request.user),
            "{count} contribution(s) prise(s) en relecture.",
        )  # fmt: skip


@admin.register(EditSuggestion)
class EditSuggestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("resource", "field", "proposed_by", "state", "created_at")
    list_filter = ("state", "field")
    list_select_related = ("resource", "proposed_by")


@admin.register(ResourceUse)
class ResourceUseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("resource", "organisation", "note", "created_at")
    list_select_related = ("resource", "organisation")
    search_fields = ("resource__title", "organisation__name")


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("resource", "day", "views", "downloads")
    date_hierarchy = "day"
    list_select_related = ("resource",)


@admin.register(SearchMiss)
class SearchMissAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("query", "day", "count")
    search_fields = ("query",)
    date_hierarchy = "day"


@admin.register(SavedSearch)
class SavedSearchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "checked_until")
    list_select_related = ("user",)


@admin.register(AnnualReview)
class AnnualReviewAdmin(JobAdminMixin, admin.ModelAdmin):  # annual_review_request (/ressources/bilans/)
    list_display = ("year", "state", "requested_by", "created_at", "finished_at", "resource")
    list_filter = ("state",)
    list_select_related = ("requested_by", "resource")
    readonly_fields = [f.name for f in AnnualReview._meta.fields]

    def has_add_permission(self, request):
        return False

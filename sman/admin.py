from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from . import jobs, services
from .models import (
    ApiToken,
    Challenge,
    Job,
    Membership,
    MembershipRequest,
    Notification,
    Organisation,
    RoleAssignment,
    Territory,
    User,
)
from .roles import all_roles, get_role, role_choices


class MapAdminMixin(LeafletGeoAdminMixin):
    """The one map widget every app's admin uses for geometries."""

    display_raw = False
    map_height = "420px"


def apply_to_selection(modeladmin, request, queryset, call, done: str, *, refusal_level=messages.ERROR) -> int:
    """An admin action that runs a service on each selected row: a refusal (ValidationError) is reported for
    its row, the others go on; ``done`` says how many went through (``{count}``)."""
    count = 0
    for item in queryset:
        try:
            call(item)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{item} : {exc.messages[0]}", refusal_level)
        else:
            count += 1
    modeladmin.message_user(request, done.format(count=count), messages.SUCCESS)
    return count


class JobAdminMixin:
    """The admin of a job model (sman/jobs.py): failed jobs can be sent again. Its result file is private (no
    URL, sman/storage.py): the page shows its name and checksum, it goes out through its page's view."""

    actions = ["retry_jobs"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "result_file"]

    def get_fields(self, request, obj=None):
        fields = [field for field in super().get_fields(request, obj) if field not in ("file", "result_file")]
        return [*fields, "result_file"]

    @admin.display(description="fichier produit")
    def result_file(self, job):
        return f"{job.file.name} (empreinte SHA-256 : {job.checksum})" if job.file else "—"

    @admin.action(description="Relancer les traitements en échec sélectionnés", permissions=["change"])
    def retry_jobs(self, request, queryset):
        apply_to_selection(
            self, request, queryset, lambda job: jobs.job_retry(job=job), "{count} traitement(s) relancé(s).",
            refusal_level=messages.WARNING,
        )  # fmt: skip


class ReadOnlyAdminMixin:
    """A model that a service writes: the admin shows it, staff act through the portal pages (or an admin
    action calling the service)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceFormAdminMixin:
    """The admin's add/change form of a model that a service writes: the service runs once the form is valid,
    so that its refusal (a ValidationError) is shown on the form, and the admin's own save writes nothing.

    Subclasses define ``save_through_service(request, obj, form, change)`` returning the saved object; they
    keep their inlines read-only (the service has written before the inlines are validated).
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(base):
            def full_clean(self):
                super().full_clean()
                if not self.is_bound or self._errors:
                    return
                try:
                    with transaction.atomic():
                        self.instance = model_admin.save_through_service(request, self.instance, self, change)
                except ValidationError as exc:
                    self.add_error(None, exc.messages)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        pass  # written by the service when the form was validated

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


class RoleAssignmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The roles a user holds, with who granted them: granted and revoked by the « Rôles » field of the user's form
    (through role_grant / role_revoke)."""

    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = readonly_fields = ("role", "granted_by", "granted_at")
    verbose_name_plural = "rôles attribués (accordés et retirés par le champ « Rôles » ci-dessus)"


class UserRolesForm(UserChangeForm):
    roles = forms.MultipleChoiceField(
        label="rôles",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Chaque rôle accordé ou retiré est enregistré avec votre nom dans son historique.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(role.key, f"{role.label} — {role.description}") for role in all_roles()]
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.role_assignments.values_list("role", flat=True))


class RoleListFilter(admin.SimpleListFilter):
    title = "rôle"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return role_choices()

    def queryset(self, request, queryset):
        return queryset.filter(role_assignments__role=self.value()) if self.value() else queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserRolesForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "roles_display", "is_active")
    list_filter = ("is_staff", RoleListFilter, "is_active", "memberships__organisation__kind")
    search_fields = ("email", "first_name", "last_name", "memberships__organisation__name")
    inlines = [RoleAssignmentInline, MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Rôles", {"fields": ("is_active", "is_staff", "is_superuser", "roles")}),
        ("Permissions fines", {"classes": ("collapse",), "fields": ("groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("role_assignments")

    @admin.display(description="rôles")
    def roles_display(self, user):
        return ", ".join(a.get_role_display() for a in user.role_assignments.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "roles" in form.cleaned_data:
            self._save_roles(request, form.instance, set(form.cleaned_data["roles"]))

    def _save_roles(self, request, user, wanted: set[str]):
        """The roles ticked on the form, granted or revoked through the services (who and when in the history)."""
        held = set(user.role_assignments.values_list("role", flat=True))
        declared = {role.key for role in all_roles()}
        changes = [(services.role_grant, key) for key in sorted(wanted - held)]
        changes += [(services.role_revoke, key) for key in sorted((held - wanted) & declared)]
        for service, key in changes:
            try:
                service(user=user, role=key, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                message = exc.messages[0] if isinstance(exc, ValidationError) else "Vous ne pouvez pas changer ce rôle."
                self.message_user(request, f"{get_role(key).label} : {message}", messages.ERROR)


@admin.register(Territory)
class TerritoryAdmin(MapAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "population", "geometry_source")
    list_filter = ("kind", "parent")
    search_fields = ("code", "name", "siren")
    list_select_related = ("parent",)
    readonly_fields = ("geometry_source",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # The change list never needs outlines; the change form does.
        return qs.defer("geometry") if request.resolver_match.url_name.endswith("changelist") else qs


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "territory", "siren", "is_active", "created_at")
    list_filter = ("kind", "is_active", "territory__parent")
    search_fields = ("name", "siren", "siret", "territory__name", "territory__code")
    list_select_related = ("territory",)
    autocomplete_fields = ["territory"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]
    # Its web site: a bare domain typed in is read as https (Django 6's default, without the warning of 5.2).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role", "organisation__kind")
    search_fields = ("user__email", "organisation__name")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ["user", "organisation"]


@admin.register(MembershipRequest)
class MembershipRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Requests are made by their authors (membership_request_create) and decided by the actions below."""

    list_display = (
        "user",
        "organisation",
        "job_title",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status", "organisation__kind")
    search_fields = ("user__email", "organisation__name")
    list_select_related = ("user", "organisation", "decided_by")
    readonly_fields = ("user", "organisation", "created_at", "decided_by", "decided_at", "status")
    actions = ["approve", "reject"]

    @admin.action(description="Accepter les demandes sélectionnées")
    def approve(self, request, queryset):
        self._decide(request, queryset, services.membership_request_approve)

    @admin.action(description="Refuser les demandes sélectionnées")
    def reject(self, request, queryset):
        self._decide(request, queryset, services.membership_request_reject)

    def _decide(self, request, queryset, service):
        apply_to_selection(
            self, request, queryset, lambda item: service(request=item, decided_by=request.user),
            "{count} demande(s) traitée(s).", refusal_level=messages.WARNING,
        )  # fmt: skip


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Who holds which role, and the history of grants and revocations (role_grant / role_revoke). Roles are
    granted on the user's page; they can be revoked here too."""

    list_display = ("user", "role", "granted_by", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user", "granted_by")
    actions = ["revoke"]

    def has_revoke_permission(self, request):
        return request.user.has_perm("sman.change_user")  # who may tick the roles on a user's page

    @admin.action(description="Retirer les rôles sélectionnés", permissions=["revoke"])
    def revoke(self, request, queryset):
        apply_to_selection(
            self, request, queryset.select_related("user"),
            lambda a: services.role_revoke(user=a.user, role=a.role, by=request.user), "{count} rôle(s) retiré(s).",
        )  # fmt: skip


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "short_title")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners (« Mon espace ») so that the key is shown to them only; staff
    see them and revoke them, through the service."""

    list_display = ("name", "user", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__email", "prefix")
    list_select_related = ("user",)
    readonly_fields = list_display
    fields = list_display
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Révoquer les jetons sélectionnés", permissions=["view"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token, user=request.user)
        self.message_user(request, "Jetons révoqués.", messages.SUCCESS)


@admin.register(Job)
class JobAdmin(JobAdminMixin, admin.ModelAdmin):
    """Jobs of the tasks that have no record of their own (FMIN PDFs, Pass Numérique statements)."""

    list_display = ("created_at", "task_name", "task_args", "state", "attempts", "started_at", "finished_at")
    list_filter = ("state", "task_name")
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the modules told each person (read-only: modules write them through ``notify``)."""

    list_display = ("created_at", "user", "module", "subject", "emailed_at", "read_at")
    list_filter = ("module", ("emailed_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "subject")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

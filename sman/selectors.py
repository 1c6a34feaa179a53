"""Reads shared by the portal's pages and API, with the joins they need."""

from django.db.models import Count, IntegerField, Prefetch
from django.db.models.functions import Cast, Substr

from .models import (
    ApiToken,
    ApiTokenScope,
    Challenge,
    Membership,
    MembershipRequest,
    Notification,
    NotificationPreference,
    Organisation,
    Territory,
)
from .permissions import memberships_info


def territory_list_with_communes():
    """The 12 territories, each with its communes (two queries, no geometry)."""
    communes = Territory.objects.communes().without_geometry().order_by("name")
    return (
        Territory.objects.epts()
        .without_geometry()
        .prefetch_related(Prefetch("children", queryset=communes, to_attr="communes"))
        .annotate(number=Cast(Substr("code", 2), IntegerField()))
        .order_by("number")
    )


def ept_by_code(code: str):
    return Territory.objects.epts().filter(code=code).select_related("parent").first()


def commune_by_code(code: str):
    return (
        Territory.objects.filter(kind=Territory.Kind.COMMUNE, code=code)
        .select_related("parent")
        .prefetch_related("children")
        .first()
    )


def communes_of(ept: Territory):
    return Territory.objects.communes().filter(parent=ept).order_by("name")


def challenges():
    return Challenge.objects.all()


def memberships_of(user):
    return Membership.objects.filter(user=user).select_related("organisation", "organisation__territory")


def pending_requests_of(user):
    return MembershipRequest.objects.filter(user=user).select_related("organisation").order_by("-created_at")


def organisation_members(organisation: Organisation):
    return organisation.memberships.select_related("user").order_by("role", "user__email")


def pending_requests_for(organisation: Organisation):
    return organisation.membership_requests.filter(status=MembershipRequest.Status.PENDING).select_related("user")


def joinable_organisations():
    return (
        Organisation.objects.filter(is_active=True)
        .select_related("territory")
        .annotate(member_count=Count("memberships"))
        .order_by("kind", "name")
    )


def _collectivities_with_members():
    return Organisation.objects.filter(kind=Organisation.Kind.COLLECTIVITY, memberships__isnull=False)


def collectivities_with_members_count(territory: Territory | None = None) -> int:
    """Collectivities with at least one member: all of them (None), or those of ``territory`` and within it."""
    collectivities = _collectivities_with_members()
    if territory is not None:
        collectivities = collectivities.filter(Territory.objects.within_q(territory, "territory"))
    return collectivities.distinct().count()


def collectivities_with_members_per_territory():
    """The same count per territory of the collectivity, in one grouped query (rows ``territory``, ``count``)."""
    return _collectivities_with_members().order_by().values("territory").annotate(count=Count("id", distinct=True))


def api_token_scopes_for(user) -> list[str]:
    """The scopes a user may give a token: reading for all; an operator's imports for the members of a
    network operator (and staff); ticket validation for the members of a mediation place."""
    kinds = {m.kind for m in memberships_info(user)}
    scopes = [ApiTokenScope.READ]
    if user.is_staff or Organisation.Kind.NETWORK_OPERATOR in kinds:
        scopes.append(ApiTokenScope.FTTH_IMPORT)
    if Organisation.Kind.MEDIATION_PLACE in kinds:
        scopes.append(ApiTokenScope.PASS_TICKETS)
    return scopes


def api_tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def notifications_of(user):
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_notifications_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_preference_by_token(token: str):
    return NotificationPreference.objects.select_related("user").filter(token=token).first()

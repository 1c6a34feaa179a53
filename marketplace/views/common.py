"""What the marketplace pages of every audience share."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from sman.permissions import chosen_among

from .. import permissions
from ..models import Need

CRUMBS = [("J'adopte une innovation", "/adopte-une-innovation/")]


def crumbs(*extra):
    return CRUMBS + list(extra)


def need_for(request, pk, *, owner=False, buyer=False) -> Need:
    """The need ``pk`` if the user may see it (a draft: its collectivity only); ``owner``: only the lead
    collectivity's agents; ``buyer``: the agents of a collectivity of its purchasing group."""
    need = get_object_or_404(
        Need.objects.select_related("buyer", "territory", "challenge").prefetch_related("participants"),
        pk=pk,
    )
    if not permissions.can_view_need(request.user, need):
        raise PermissionDenied
    if owner and not permissions.is_need_owner(request.user, need):
        raise PermissionDenied
    if buyer and not (permissions.is_need_buyer(request.user, need)):
        raise PermissionDenied
    return need


def member_chosen(request, *, official=False):
    """The digital actor the request acts for (``organisation`` parameter), among the user's."""
    members = permissions.members_of(request.user)
    if official:
        members = members.filter(id__in=permissions.official_member_ids_of(request.user))
    if not members.exists():
        raise PermissionDenied
    return chosen_among(
        members, request.POST.get("organisation") or request.GET.get("organisation"), refusal="Organisation refusée."
    )

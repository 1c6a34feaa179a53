"""What the participation pages of every audience share."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .. import permissions
from ..models import Space

CRUMBS = [("Participation", "/participation/")]


def crumbs(*extra):
    return CRUMBS + list(extra)


def space_for(request, slug, *, manage=False) -> Space:
    """The space, if the person moderates it (or administers it, with ``manage``)."""
    space = get_object_or_404(Space.objects.select_related("organisation"), slug=slug, is_active=True)
    allowed = permissions.can_manage if manage else permissions.can_moderate
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not allowed(request.user, space):
        raise PermissionDenied("Vous n'agissez pas pour cet espace.")
    return space

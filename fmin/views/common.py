"""What the FMIN pages of every audience share."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .. import permissions
from ..models import Application

CRUMBS = [("FMIN", "/fmin/")]


def crumbs(*extra):
    return CRUMBS + list(extra)


def application_for(request, pk) -> Application:
    application = get_object_or_404(
        Application.objects.with_figures().prefetch_related("challenges", "territories"), pk=pk
    )
    if not permissions.can_view(request.user, application):
        raise PermissionDenied
    return application

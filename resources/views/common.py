"""What the resource pages of every audience share."""

from django.http import Http404
from django.urls import reverse

from .. import permissions, selectors
from ..models import Resource

CRUMBS = [("Ressources", "/ressources/")]


def crumbs(*extra):
    return CRUMBS + list(extra)


def resource_for(request, slug, *, working_copy=False) -> Resource:
    """The resource ``slug`` if the user may see it (its published version, or its working copy): 404 otherwise,
    so that a draft's or a refused contribution's existence is never disclosed."""
    resource = selectors.public_detail(slug)
    if resource is None:
        raise Http404("Ressource introuvable.")
    allowed = (
        permissions.can_view_working_copy(request.user, resource)
        if working_copy
        else permissions.can_view(request.user, resource)
    )
    if not allowed:
        raise Http404("Ressource introuvable.")
    return resource


def detail_crumbs(resource):
    return crumbs((resource.current_version.title if resource.current_version else resource.title,
                   reverse("resources:detail", args=[resource.slug])))  # fmt: skip

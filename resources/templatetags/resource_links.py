"""``{% resource_links resource %}``: on a resource's page, what it is about (links to the other modules' pages).
``{% related_resources obj %}``: on an FMIN project's, an Explorateurs project's, a Bâtisseurs group's, a
solution's, an action's or a pôle d'ingénierie request's page, the published resources about it (« Ressources
liées »)."""

from django import template

from ..links import LINKS, link_for
from ..models import Resource

register = template.Library()

RELATED_LIMIT = 10


@register.inclusion_tag("resources/_links.html", takes_context=True)
def resource_links(context, resource: Resource) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    items = []
    for link in LINKS:
        target = getattr(resource, link.field)
        if target is None:
            continue
        # A link only to what the reader can open (an FMIN file that was not funded has no public page; a request
        # to the pôle d'ingénierie, its collectivity and the pôle only).
        url = link.url(target) if link.choices(user).filter(pk=target.pk).exists() else ""
        items.append({"label": link.label, "title": str(target), "url": url})
    return {"items": items}


@register.inclusion_tag("resources/_related.html")
def related_resources(obj, heading_level: int = 2) -> dict:
    link = link_for(obj)
    rows = []
    if link is not None and obj.pk:
        rows = list(
            Resource.objects.published()
            .filter(**{link.field: obj})
            .select_related("current_version")
            .order_by("-published_at", "-pk")[:RELATED_LIMIT]
        )
    return {"related": rows, "heading": f"h{min(max(heading_level, 2), 4)}"}

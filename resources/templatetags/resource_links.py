"""``{% resource_links resource %}``: on a resource's page, what it is about (links to the other modules' pages).
(The pages of what a resource is about list it back through the kit's ``object_panel``: resources.panels.)"""

from django import template

from ..links import LINKS
from ..models import Resource

register = template.Library()


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

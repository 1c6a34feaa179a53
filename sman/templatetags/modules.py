"""``{% module_actions "fmin" %}``: on a module's home, the actions of the SMAN it implements, linked.
``{% object_panels obj %}`` (after its content) or ``{% object_panels obj "top" %}`` (under its title): on an object's
page, what the other modules show about it (``ModuleConfig.object_panel``), each panel's template rendered with its
context on top of the page's."""

from django import template
from django.utils.safestring import mark_safe

from ..modules import action_links
from ..modules import object_panels as module_object_panels

register = template.Library()


@register.inclusion_tag("includes/_module_actions.html")
def module_actions(label: str) -> dict:
    return {"links": action_links(label)}


@register.simple_tag(takes_context=True)
def object_panels(context, obj, place: str = "bottom") -> str:
    parts = []
    for name, panel in module_object_panels(obj, context.get("request"), place):
        with context.push(**panel):
            parts.append(context.template.engine.get_template(name).render(context))
    return mark_safe("".join(parts))  # noqa: S308 — templates rendered with autoescaping

"""``{% module_actions "fmin" %}``: on a module's home, the actions of the SMAN it implements, linked."""

from django import template

from ..modules import action_links

register = template.Library()


@register.inclusion_tag("includes/_module_actions.html")
def module_actions(label: str) -> dict:
    return {"links": action_links(label)}

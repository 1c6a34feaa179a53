from django import template

from contests.selectors import awards_of

register = template.Library()


@register.inclusion_tag("contests/_laureate.html")
def laureate(obj):
    """« Lauréat du prix … » on a marketplace solution's or a resource's page: ``{% laureate solution %}``."""
    return {"awards": awards_of(obj)}

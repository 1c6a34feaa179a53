from django import template

register = template.Library()


@register.filter
def fr_plural(count, suffix="s"):
    """« 0 soutien », « 1 soutien », « 2 soutiens »: French takes the singular below 2 (Django's pluralize does not)."""
    try:
        return suffix if int(count) > 1 else ""
    except (TypeError, ValueError):
        return ""

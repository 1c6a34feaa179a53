from django import template
from django.utils.safestring import mark_safe

from sman.richtext import clean_html

register = template.Library()


@register.filter(is_safe=True)
def richtext(value) -> str:
    """Stored rich text, cleaned again on the way out and marked safe only after cleaning."""
    return mark_safe(clean_html(str(value or "")))  # noqa: S308 - cleaned by nh3 just above

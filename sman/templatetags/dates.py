"""French dates: « 1er mars 2026 », « 2 mars 2026 ». ``{% load dates %}``, then ``{{ value|date_fr }}``."""

from django import template
from django.template.defaultfilters import date as date_filter

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date_fr(value, arg="j F Y"):
    """Django's ``date`` filter (same formats, same time zone), with « 1er » for the first day of the month
    wherever the format shows the day (``j``): ``{{ d|date_fr }}`` → « 1er mars 2026 »,
    ``{{ d|date_fr:"j F Y à H:i" }}`` → « 1er mars 2026 à 09:30 », « 2 mars 2026 à 09:30 »."""
    if value in (None, ""):
        return ""
    if getattr(value, "day", None) == 1:
        arg = _first_of_month(arg)
    return date_filter(value, arg)


def _first_of_month(fmt: str) -> str:
    """The format with each unescaped ``j`` written as the literal « 1er »."""
    out, escaped = [], False
    for char in fmt:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "j":
            out.append(r"1\e\r")
        else:
            out.append(char)
    return "".join(out)

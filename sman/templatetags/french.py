"""``{{ n|fr_plural }}``: the plural mark of a French count, for every module's templates."""

from django import template

register = template.Library()


@register.filter
def fr_plural(count, suffix="s"):
    """« 0 soutien », « 1 soutien », « 2 soutiens »: French takes the singular below 2 (Django's ``pluralize`` gives
    « 0 soutiens »). ``suffix`` is the plural's ending, or « singular,plural » endings as for ``pluralize``
    (« 1 commune est raccordable », « 3 communes sont raccordables »); ``count`` a number or a sequence."""
    singular, _, plural = suffix.rpartition(",") if "," in suffix else ("", "", suffix)
    try:
        number = float(count)
    except (TypeError, ValueError):
        try:
            number = len(count)
        except TypeError:
            return ""
    return plural if number >= 2 else singular

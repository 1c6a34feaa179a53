from django import template

from sman.money import format_euros, percent

register = template.Library()


@register.filter
def euros(cents):
    """``{{ amount_cents|euros }}`` → « 12 345,67 € »."""
    return format_euros(cents)


@register.filter
def euros_round(cents):
    """Whole euros when there are no cents: « 40 000 € »."""
    return format_euros(cents, with_cents=False)


@register.filter
def share_of(numerator, denominator):
    """``{{ part|share_of:total }}`` → « 42,5 % »."""
    return percent(int(numerator or 0), int(denominator or 0))

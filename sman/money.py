"""Amounts of money as whole cents (integers): no float ever touches a grant.

``parse_euros("12 345,67 €") == 1234567``; ``format_euros(1234567) == "12 345,67 €"``.
"""

import re
from decimal import Decimal

from django import forms

_NUMBER = re.compile(r"^(?P<sign>-?)(?P<units>\d+)(?:[.,](?P<cents>\d{1,2}))?$")


def parse_euros(text: str) -> int:
    """Euros as typed by a French user (spaces as thousands separators, comma or point) → cents."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", str(text))
    if "," in cleaned and "." in cleaned:  # "12.345,67": the point separates thousands
        cleaned = cleaned.replace(".", "")
    match = _NUMBER.match(cleaned)
    if not match:
        raise ValueError(text)
    cents = int(match["units"]) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    return -cents if match["sign"] else cents


def format_euros(cents: int | None, *, with_cents: bool = True) -> str:
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    grouped = f"{units:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€" if with_cents or rest else f"{sign}{grouped}\u00a0€"


def euros_decimal(cents: int | None) -> Decimal | None:
    """Cents as an exact Decimal of euros, for a spreadsheet cell that must stay a number."""
    return None if cents is None else Decimal(int(cents)).scaleb(-2)


def euros_plain(cents: int) -> str:
    """« 1234,56 »: euros with a decimal comma and no thousands separator, as a French CSV reader expects."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{units},{rest:02d}"


def percent(numerator: int, denominator: int) -> str:
    """A share in per cent with one decimal, French style; exact integer arithmetic."""
    if not denominator:
        return "—"
    tenths = (numerator * 1000 * 2 + denominator) // (2 * denominator)  # rounded half up
    return f"{tenths // 10},{tenths % 10}\u00a0%"


class EuroField(forms.CharField):
    """A form field for an amount in euros; cleans to cents (int)."""

    default_error_messages = {
        "invalid": "Saisissez un montant en euros, par exemple 12 500 ou 12 500,50.",
        "negative": "Le montant ne peut pas être négatif.",
        "too_small": "Le montant doit être d'au moins %(minimum)s.",
    }

    def __init__(self, *, max_cents: int = 10**12, min_cents: int = 0, **kwargs):
        self.max_cents = max_cents
        self.min_cents = min_cents
        super().__init__(**kwargs)  # no max_length: its validator would run on the cleaned integer

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off", "maxlength": "20"}

    def prepare_value(self, value):
        if isinstance(value, int):
            return format_euros(value).replace("\u00a0€", "").replace("\u202f", " ")
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            cents = parse_euros(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if cents < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if cents < self.min_cents:
            raise forms.ValidationError(
                self.error_messages["too_small"], code="too_small", params={"minimum": format_euros(self.min_cents)}
            )
        if cents > self.max_cents:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return cents

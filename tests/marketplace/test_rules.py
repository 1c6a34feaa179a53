from datetime import date

import pytest
from django.core.exceptions import ValidationError

from marketplace import rules
from marketplace.models import validate_siren


@pytest.mark.parametrize(
    ("siren", "ok"),
    [
        ("732829320", True),  # a real SIREN (L'Oréal) passes the Luhn check
        ("356000000", True),  # La Poste: the one exception to the Luhn key
        ("732829321", False),  # wrong key
        ("73282932", False),
        ("7328293200", False),
        ("73282932a", False),
        ("７３２８２９３２０", False),  # full-width digits are not ASCII
    ],
)
def test_siren_format_and_luhn_key(siren, ok):
    assert rules.siren_ok(siren) is ok
    if not ok:
        with pytest.raises(ValidationError, match="clé de contrôle"):
            validate_siren(siren)


@pytest.mark.parametrize(
    ("adopted", "due"),
    [
        (date(2026, 1, 15), date(2026, 7, 15)),
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2027, 8, 31), date(2028, 2, 29)),
    ],
)
def test_follow_up_six_months_later(adopted, due):
    assert rules.follow_up_due(adopted) == due


def test_semesters():
    assert rules.semester_of(date(2026, 6, 30)) == "2026-S1"
    assert rules.semester_of(date(2026, 7, 1)) == "2026-S2"

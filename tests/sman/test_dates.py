"""French dates: « 1er » for the first of the month, one filter for the whole portal."""

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.template import Context, Template

ROOT = Path(__file__).resolve().parents[2]


def _render(source: str, **context) -> str:
    return Template("{% load dates %}" + source).render(Context(context))


def test_the_first_of_the_month_is_1er_and_the_other_days_plain_numbers():
    assert _render("{{ d|date_fr }}", d=date(2026, 3, 1)) == "1er mars 2026"
    assert _render("{{ d|date_fr }}", d=date(2026, 3, 2)) == "2 mars 2026"
    assert _render("{{ d|date_fr }}", d=date(2026, 3, 11)) == "11 mars 2026"
    assert _render("{{ d|date_fr }}", d=date(2026, 3, 21)) == "21 mars 2026"
    assert _render('{{ d|date_fr:"l j F Y" }}', d=date(2026, 3, 1)) == "dimanche 1er mars 2026"
    assert _render('{{ d|date_fr:"j F" }}', d=date(2026, 1, 1)) == "1er janvier"
    # An escaped « j » stays a letter, and a format without the day is Django's.
    assert _render(r'{{ d|date_fr:"\j j F" }}', d=date(2026, 3, 1)) == "j 1er mars"
    assert _render('{{ d|date_fr:"F Y" }}', d=date(2026, 3, 1)) == "mars 2026"
    assert _render("{{ d|date_fr }}", d=None) == ""


def test_a_datetime_is_shown_in_the_portal_time_zone():
    # 23:30 UTC on 28 February is 00:30 on 1 March in Paris: the day shown is Paris's.
    late = datetime(2026, 2, 28, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert _render('{{ d|date_fr:"j F Y à H:i" }}', d=late) == "1er mars 2026 à 00:30"


def test_no_template_writes_a_day_with_the_plain_date_filter():
    """Every day of the month shown in words goes through ``date_fr`` (« 1er mars », not « 1 mars »)."""
    offenders = []
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix in (".html", ".txt"):
            for match in re.finditer(r"""\|date:["']([^"']*)["']""", path.read_text()):
                if re.search(r"(?<!\\)j", match.group(1)) and not re.fullmatch(r"[dmYjHi/ :.\\-]*", match.group(1)):
                    offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert offenders == []

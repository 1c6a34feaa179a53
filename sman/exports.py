"""The one CSV/XLSX export of the portal: a header and rows, written as either format, formula-safe.

Text typed by users ends up in spreadsheets (comments, titles, opinions, codes). A spreadsheet reads a
cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``):

- in CSV, such text gets a leading apostrophe, so that it is shown as typed and never run (OWASP « CSV
  injection » guidance; tab and carriage return too, which some spreadsheets skip before the ``=``);
- in XLSX, every text is written as a string cell, which no spreadsheet evaluates: the text stays literal.

Numbers, dates and amounts given as Python values (``int``, ``Decimal``, ``date``…) stay values: a
negative amount ``-12`` is a number, whereas the text ``"-12"`` typed by someone is neutralised.

Money goes in as :class:`Euros` (whole cents), written the same way by every export: « 1234,56 » in CSV
(decimal comma, no thousands separator: what a spreadsheet set to French reads as a number), an exact
number of euros shown with two decimals and « € » in XLSX.
"""

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .money import euros_decimal, euros_plain

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# Column widths in characters: wide enough to read a title, not so wide that a long comment hides the rest.
MIN_WIDTH, MAX_WIDTH = 8, 60
EUROS_FORMAT = '#,##0.00 "€"'


@dataclass(frozen=True)
class Euros:
    """An amount of money in a cell, in whole cents (``None``: an empty cell)."""

    cents: int | None


def _csv_value(value):
    if isinstance(value, Euros):
        return "" if value.cents is None else euros_plain(value.cents)  # ours, never a formula: not neutralised
    return neutralise(value)


def neutralise(value):
    """The value as a CSV cell: text a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Semicolon-separated text (what French spreadsheet software opens without an import wizard)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([neutralise(v) for v in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads the accents right."""
    return ("\ufeff" + csv_text(header, rows)).encode("utf-8")


def _xlsx_value(value):
    if isinstance(value, Euros):
        return euros_decimal(value.cents)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters make openpyxl refuse the file
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)  # Excel has no time zones: local time, as on the pages
    return value


def _sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31] or "Export"


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Export") -> bytes:
    """One sheet: bold header, first row frozen, widths from the content, every text a string cell."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    widths: dict[int, int] = {}
    for row_index, row in enumerate(itertools.chain([header], rows), start=1):
        for column, raw in enumerate(row, start=1):
            value = _xlsx_value(raw)
            cell = sheet.cell(row=row_index, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(raw, Euros):
                cell.number_format = EUROS_FORMAT
            if row_index == 1:
                cell.font = Font(bold=True)
            longest = max((len(line) for line in str(value).splitlines()), default=0) if value is not None else 0
            widths[column] = max(widths.get(column, 0), longest)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(
    fmt: str, *, filename: str, header: Sequence[str], rows: Iterable[Sequence], title: str = ""
) -> HttpResponse:
    """A download of the rows as ``fmt`` (``csv`` or ``xlsx``), named ``filename`` + the extension."""
    if fmt == "csv":
        response = HttpResponse(csv_bytes(header, rows), content_type=CSV_CONTENT_TYPE)
    elif fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(header, rows, title=title or filename), content_type=XLSX_CONTENT_TYPE)
    else:
        raise ValueError(f"unknown export format: {fmt}")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response

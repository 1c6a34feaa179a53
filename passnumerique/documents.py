"""Printable documents: monthly statements (PDF, CSV) and booklet sheets with QR codes (PDF)."""

import qrcode
import qrcode.image.svg
from django.utils import timezone
from django.utils.safestring import mark_safe

from sman.documents import render_pdf as _pdf
from sman.exports import Euros, csv_bytes

from . import codes


def statement_csv(statement, redemptions) -> bytes:
    """The statement's CSV for the place's and the Métropole's accountants: one line per validated ticket, then
    a blank line and the total; written by the portal's export (formula-safe, amounts as in every export).
    Times are Paris time, as on the PDF."""
    header = ["Date", "Ticket", "Formation", "Heures", "Valeur (€)", "Agent"]
    rows = [
        [
            f"{timezone.localtime(r.redeemed_at):%d/%m/%Y %H:%M}", r.ticket.code, r.training.title, _decimal(r.hours),
            Euros(r.ticket.value_cents), r.agent.email,
        ]
        for r in redemptions
    ]  # fmt: skip
    rows += [[], ["Total", statement.ticket_count, "", "", Euros(statement.amount_cents), ""]]
    return csv_bytes(header, rows)


def _decimal(value) -> str:
    """French decimal comma, as spreadsheets set to French read it (hours; amounts are ``Euros``)."""
    return str(value).replace(".", ",")


def statement_pdf(statement, redemptions) -> bytes:
    return _pdf("passnumerique/documents/statement.html", {"statement": statement, "redemptions": redemptions})


def qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=1)
    return image.to_string(encoding="unicode")


def booklet_sheets_pdf(order) -> bytes:
    """One page per booklet: its code and each ticket's code, readable and as a QR code."""
    booklets = []
    for booklet in order.booklets.prefetch_related("tickets").order_by("number"):
        tickets = [(codes.display(t.code), mark_safe(qr_svg(t.code))) for t in booklet.tickets.all()]  # noqa: S308 — our own SVG
        booklets.append((booklet, codes.display(booklet.code), tickets))
    return _pdf("passnumerique/documents/booklets.html", {"order": order, "booklets": booklets})

"""Printable documents: monthly statements (PDF, CSV) and booklet sheets with QR codes (PDF)."""

import qrcode
import qrcode.image.svg
from django.utils.safestring import mark_safe

from sman.documents import render_pdf as _pdf
from sman.exports import csv_bytes
from sman.money import euros_plain

from . import codes


def statement_csv(statement, redemptions) -> bytes:
    header = ["Date", "Ticket", "Formation", "Heures", "Valeur (€)", "Agent"]
    rows = [
        [
            r.redeemed_at.strftime("%d/%m/%Y %H:%M"), r.ticket.code, r.training.title, _decimal(r.hours),
            euros_plain(r.ticket.value_cents), r.agent.email,
        ]
        for r in redemptions
    ]  # fmt: skip
    rows += [[], ["Total", statement.ticket_count, "", "", euros_plain(statement.amount_cents), ""]]
    return csv_bytes(header, rows)


def _decimal(value) -> str:
    """French decimal comma, as spreadsheets set to French read it (hours; amounts go through euros_plain)."""
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

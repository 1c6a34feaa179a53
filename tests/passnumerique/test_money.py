"""Money in whole cents: the migration converts exactly, the form reads French euros, pages and PDFs show them."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from pypdf import PdfReader

from passnumerique import documents, services
from passnumerique.forms import OrderForm
from passnumerique.models import Order
from sman.models import Territory

from ..auth import login
from ..pdfs import assert_tagged_pdf

pytestmark = pytest.mark.django_db


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("passnumerique", target)])


def test_the_migration_converts_euros_to_cents_exactly_and_back(pn):
    ticket = pn.order.booklets.first().tickets.first()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: the tables can be altered
    _migrate("0001_initial")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE passnumerique_order SET face_value = 1234.56 WHERE id = %s", [pn.order.pk])
        cursor.execute("UPDATE passnumerique_ticket SET value = 0.29 WHERE id = %s", [ticket.pk])
    _migrate("0002_money_in_cents")
    with connection.cursor() as cursor:
        cursor.execute("SELECT face_value_cents FROM passnumerique_order WHERE id = %s", [pn.order.pk])
        assert cursor.fetchone() == (123456,)
        cursor.execute("SELECT value_cents FROM passnumerique_ticket WHERE id = %s", [ticket.pk])
        assert cursor.fetchone() == (29,)
    _migrate("0001_initial")
    with connection.cursor() as cursor:
        cursor.execute("SELECT face_value FROM passnumerique_order WHERE id = %s", [pn.order.pk])
        assert cursor.fetchone() == (Decimal("1234.56"),)
    _migrate("0002_money_in_cents")


def test_the_order_form_reads_euros_with_a_french_comma():
    field = OrderForm().fields["face_value"]
    assert field.clean("1 234,50") == 123450
    assert field.clean("10") == 1000
    for wrong in ("12,345", "abc"):
        form = OrderForm(
            {"face_value": wrong},
        )
        assert not form.is_valid()
        assert form.errors["face_value"] == ["Saisissez un montant en euros, par exemple 12 500 ou 12 500,50."]
    form = OrderForm(
        {"face_value": "0,50"},
    )
    assert not form.is_valid() and form.errors["face_value"] == ["Le montant doit être d'au moins 1,00\u00a0€."]


def test_the_order_page_and_the_booklet_sheets_show_french_euros(pn):
    order = services.order_create(
        user=pn.funder_agent, funder=pn.funder, booklet_count=1, tickets_per_booklet=5, face_value_cents=123450,
        territory=Territory.objects.get(code="T8"), target_public="all", valid_until=date(2030, 12, 31),
    )  # fmt: skip
    assert Order.objects.get(pk=order.pk).total_value_cents == 617250
    page = login(Client(), pn.funder_agent).get(order.get_absolute_url()).content.decode()
    assert "tickets de 1\u202f234,50\u00a0€" in page and "6\u202f172,50\u00a0€" in page
    pdf = documents.booklet_sheets_pdf(order)
    assert_tagged_pdf(pdf, title=f"Carnets {order.reference}")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "1 234,50 €" in " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())

"""Orders, distribution, balance, expiry and credit notes, monthly statements."""

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from passnumerique import codes, documents, services
from passnumerique.models import Beneficiary, CreditNote, ExpiryAlert, Redemption, Statement, Ticket
from passnumerique.tasks import expiry_daily, monthly_statements
from sman.models import Territory

from ..factories import OrganisationFactory
from ..pdfs import assert_tagged_pdf
from .conftest import distribute

pytestmark = pytest.mark.django_db
PARIS = timezone.get_default_timezone()


def test_an_order_creates_its_booklets_and_unique_tickets(pn):
    order = pn.order
    assert order.booklets.count() == 4
    tickets = Ticket.objects.filter(booklet__order=order)
    assert tickets.count() == 20 and all(codes.is_well_formed(t.code) for t in tickets)
    assert len({t.code for t in tickets} | set(order.booklets.values_list("code", flat=True))) == 24
    assert order.total_value_cents == 20000
    with pytest.raises(PermissionDenied):
        services.order_create(
            user=pn.place_agent, funder=pn.funder, booklet_count=1, tickets_per_booklet=5, face_value_cents=1000,
            territory=order.territory, target_public="all", valid_until=date(2030, 1, 1),
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.order_create(
            user=pn.funder_agent, funder=pn.funder, booklet_count=1, tickets_per_booklet=12, face_value_cents=1000,
            territory=order.territory, target_public="all", valid_until=date(2030, 1, 1),
        )  # fmt: skip


def test_printable_sheets_carry_every_code_and_qr_codes(pn):
    pdf = documents.booklet_sheets_pdf(pn.order)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for ticket in Ticket.objects.filter(booklet__order=pn.order):
        assert codes.display(ticket.code) in text
    assert "<path" in documents.qr_svg("ABC")


def test_aptic_import_is_all_or_nothing_with_a_report(pn):
    rows = [{"carnet": "APTIC-B1", "ticket": f"APT-{i:04d}"} for i in range(5)]
    bad = rows + [{"carnet": "APTIC-B2", "ticket": "APT-0001"}, {"carnet": "", "ticket": "X"}]
    order, report = services.order_import_aptic(
        user=pn.funder_agent, funder=pn.funder, rows=bad, face_value_cents=1000,
        territory=Territory.objects.get(code="T8"), target_public="all", valid_until=date(2030, 1, 1),
    )  # fmt: skip
    assert order is None
    assert [line for line, _ in report.rejected] == [7, 8]
    assert "en double" in report.rejected[0][1] and not Ticket.objects.filter(code__startswith="APT-").exists()
    order, report = services.order_import_aptic(
        user=pn.funder_agent, funder=pn.funder, rows=rows, face_value_cents=1000,
        territory=Territory.objects.get(code="T8"), target_public="all", valid_until=date(2030, 1, 1),
    )  # fmt: skip
    assert order.source == "aptic" and (report.booklets, report.tickets) == (1, 5)
    assert Ticket.objects.get(code="APT-0003").booklet.code == "APTIC-B1"  # opaque codes, kept as they are
    rows = services.parse_aptic_file("carnet;ticket\nB9;T1\n".encode("latin-1"))
    assert rows == [{"carnet": "B9", "ticket": "T1"}]
    with pytest.raises(ValidationError, match="colonnes"):
        services.parse_aptic_file(b"a,b\n1,2\n")


def test_distribution_keeps_only_what_is_needed(pn):
    booklet = pn.order.booklets.first()
    distribute(pn, booklet, public="seniors")
    booklet.refresh_from_db()
    beneficiary = booklet.beneficiary
    assert beneficiary.reference.startswith("B-") and beneficiary.age_band == "65-79"
    assert {f.name for f in Beneficiary._meta.concrete_fields} == {
        "id",
        "reference",
        "age_band",
        "territory",
        "target_public",
        "created_at",
    }
    with pytest.raises(ValidationError, match="déjà été remis"):
        distribute(pn, booklet)
    other = pn.order.booklets.all()[1]
    with pytest.raises(ValidationError, match="réservé aux habitants"):
        distribute(pn, other, commune="75056")
    stranger = OrganisationFactory(kind="funder", name="Autre financeur")
    with pytest.raises(PermissionDenied):
        services.booklet_distribute(
            user=pn.place_agent, distributor=stranger, booklet_code=other.code, age_band="25-44",
            territory=Territory.objects.get(code="93048"), target_public="all",
        )  # fmt: skip


def test_beneficiary_sees_the_balance_of_a_distributed_booklet(pn):
    booklet = pn.order.booklets.first()
    assert services.booklet_balance(code=booklet.code) is None  # not handed out yet
    distribute(pn, booklet)
    services.ticket_redeem(code=booklet.tickets.first().code, place=pn.place, training=pn.training, user=pn.place_agent)
    balance = services.booklet_balance(code=codes.display(booklet.code))
    assert (balance.remaining, balance.total, balance.expired) == (4, 5, False)


def test_expiry_alerts_blocking_and_credit_note(pn, django_capture_on_commit_callbacks):
    order = pn.order
    order.valid_until = date(2025, 6, 30)
    order.save()
    booklet = order.booklets.first()
    distribute(pn, booklet)
    used = list(booklet.tickets.all()[:2])
    for ticket in used:
        Redemption.objects.create(ticket=ticket, place=pn.place, training=pn.training, agent=pn.place_agent,
                                  redeemed_at=timezone.now(), hours=1)  # fmt: skip
    with time_machine.travel(datetime(2025, 5, 31, 8, tzinfo=PARIS), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert expiry_daily.delay().get() == {"alerts": 1, "credit_notes": 0}
        assert mail.outbox[-1].to == [pn.funder_agent.email] and "30 jours" in mail.outbox[-1].subject
        assert expiry_daily.delay().get() == {"alerts": 0, "credit_notes": 0}  # once per threshold
    with time_machine.travel(datetime(2025, 6, 15, 8, tzinfo=PARIS), tick=False):
        assert expiry_daily.delay().get()["alerts"] == 1
    assert ExpiryAlert.objects.filter(order=order).count() == 2
    ticket = booklet.tickets.exclude(pk__in=[t.pk for t in used]).first()
    with time_machine.travel(datetime(2025, 7, 31, 8, tzinfo=PARIS), tick=False):  # within the grace period
        assert services.ticket_check(code=ticket.code, place=pn.place).ok
        assert expiry_daily.delay().get()["credit_notes"] == 0
    with time_machine.travel(datetime(2025, 8, 1, 8, tzinfo=PARIS), tick=False):
        assert services.ticket_check(code=ticket.code, place=pn.place).reason == "expiré"
        assert expiry_daily.delay().get()["credit_notes"] == 1
        assert expiry_daily.delay().get()["credit_notes"] == 0
    note = CreditNote.objects.get(order=order)
    assert note.unused_tickets == 20 - 2 and note.amount_cents == 18000


def test_monthly_statements_total_the_redemptions_once(pn):
    tickets = []
    for booklet in pn.order.booklets.all()[:2]:
        distribute(pn, booklet)
        tickets += list(booklet.tickets.all())
    with time_machine.travel(datetime(2026, 3, 10, 10, tzinfo=PARIS), tick=False):
        for ticket in tickets[:7]:
            services.ticket_redeem(code=ticket.code, place=pn.place, training=pn.training, user=pn.place_agent)
    with time_machine.travel(datetime(2026, 4, 2, 9, tzinfo=PARIS), tick=False):
        services.ticket_redeem(code=tickets[7].code, place=pn.place, training=pn.training, user=pn.place_agent)
        assert monthly_statements.delay().get() == 1
        assert monthly_statements.delay().get() == 0  # re-running the task adds nothing
    statement = Statement.objects.get()
    march = Redemption.objects.filter(redeemed_at__month=3)
    assert statement.month == date(2026, 3, 1)
    assert statement.ticket_count == march.count() == 7
    assert statement.amount_cents == sum(r.ticket.value_cents for r in march) == 7000
    assert Redemption.objects.get(ticket=tickets[7]).statement is None  # April is next month's
    with default_storage.open(statement.csv.name) as f:
        lines = f.read().decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 7 + 2 and lines[-1].startswith("Total;7;")
    with default_storage.open(statement.pdf.name) as f:
        reader = assert_tagged_pdf(f.read(), title="Relevé")
        text = "".join(p.extract_text() for p in reader.pages)
    assert "Espace numérique de Montreuil" in text and "70,00" in text
    with pytest.raises(PermissionDenied):
        services.statement_mark_paid(statement=statement, user=pn.place_agent)
    assert services.statement_mark_paid(statement=statement, user=pn.staff).status == "paid"

"""Writes of the Pass Numérique. Redemption is safe under any concurrency: a row lock on the ticket
and a one-to-one constraint on the redemption (SMAN Annex 2, sheet #4)."""

import csv
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from sman import jobs
from sman.emails import send_email_on_commit
from sman.models import Membership, Organisation, Territory, User
from sman.permissions import is_metropole_staff

from . import codes, permissions
from .models import (
    Beneficiary,
    Booklet,
    BookletSheets,
    CreditNote,
    DistributorAuthorisation,
    ExpiryAlert,
    MediationPlace,
    Order,
    Redemption,
    Statement,
    TargetPublic,
    Ticket,
    Training,
)

logger = logging.getLogger(__name__)
ALERT_DAYS = (30, 15)


def _unique_codes(count: int, taken: set[str] | None = None) -> list[str]:
    taken = set(taken or ())
    result = []
    while len(result) < count:
        code = codes.generate()
        if code not in taken:
            taken.add(code)
            result.append(code)
    return result


@transaction.atomic
def order_create(
    *, user: User, funder: Organisation, booklet_count: int, tickets_per_booklet: int, face_value_cents: int,
    territory: Territory, target_public: str, valid_until: date, allowed_place_types=(), grace_days: int | None = None,
) -> Order:  # fmt: skip
    """A funder's order: the booklets and their tickets are created at once, with unguessable codes."""
    if not permissions.funders_of(user).filter(pk=funder.pk).exists():
        raise PermissionDenied
    order = Order(
        funder=funder,
        reference=f"PN-{timezone.localdate():%Y%m}-{secrets.token_hex(3).upper()}",
        booklet_count=booklet_count,
        tickets_per_booklet=tickets_per_booklet,
        face_value_cents=face_value_cents,
        territory=territory,
        target_public=target_public,
        allowed_place_types=list(allowed_place_types),
        valid_until=valid_until,
        created_by=user,
    )
    if grace_days is not None:
        order.grace_days = grace_days
    order.full_clean()
    order.save()
    booklet_codes = _unique_codes(booklet_count)
    booklets = Booklet.objects.bulk_create(
        Booklet(order=order, number=n, code=code) for n, code in enumerate(booklet_codes, start=1)
    )
    ticket_codes = iter(_unique_codes(booklet_count * tickets_per_booklet, taken=set(booklet_codes)))
    Ticket.objects.bulk_create(
        (
            Ticket(booklet=b, code=next(ticket_codes), value_cents=face_value_cents)
            for b in booklets
            for _ in range(tickets_per_booklet)
        ),
        batch_size=2000,
    )
    return order


@dataclass
class ImportReport:
    booklets: int = 0
    tickets: int = 0
    rejected: list[tuple[int, str]] = None

    def __post_init__(self):
        self.rejected = self.rejected or []


@transaction.atomic
def order_import_aptic(
    *, user: User, funder: Organisation, rows, face_value_cents: int, territory: Territory, target_public: str,
    valid_until: date,
) -> tuple[Order | None, ImportReport]:  # fmt: skip
    """Import an #APTIC order file (``carnet;ticket`` per line). All or nothing, with a report per line.

    #APTIC codes are stored as they are (opaque strings): our check symbol does not apply to them.
    """
    if not permissions.funders_of(user).filter(pk=funder.pk).exists():
        raise PermissionDenied
    report = ImportReport()
    by_booklet: dict[str, list[str]] = {}
    seen: set[str] = set()
    for line_number, row in enumerate(rows, start=2):
        booklet_code = (row.get("carnet") or "").strip()
        ticket_code = (row.get("ticket") or "").strip()
        if not booklet_code or not ticket_code:
            report.rejected.append((line_number, "code de carnet ou de ticket manquant"))
        elif ticket_code in seen:
            report.rejected.append((line_number, f"ticket {ticket_code} en double dans le fichier"))
        elif len(ticket_code) > 64 or len(booklet_code) > 64:
            report.rejected.append((line_number, "code trop long (64 caractères au plus)"))
        else:
            seen.add(ticket_code)
            by_booklet.setdefault(booklet_code, []).append(ticket_code)
    existing = set(Ticket.objects.filter(code__in=seen).values_list("code", flat=True))
    existing |= set(Booklet.objects.filter(code__in=by_booklet).values_list("code", flat=True))
    for code in sorted(existing):
        report.rejected.append((0, f"code déjà connu : {code}"))
    sizes = {len(t) for t in by_booklet.values()}
    if by_booklet and (len(sizes) != 1 or not 5 <= sizes.pop() <= 10):
        report.rejected.append((0, "chaque carnet doit compter le même nombre de tickets, de 5 à 10"))
    if report.rejected or not by_booklet:
        if not by_booklet and not report.rejected:
            report.rejected.append((0, "le fichier ne contient aucun ticket"))
        return None, report
    order = Order(
        funder=funder, reference=f"APTIC-{timezone.localdate():%Y%m}-{secrets.token_hex(3).upper()}",
        source=Order.Source.APTIC, booklet_count=len(by_booklet),
        tickets_per_booklet=len(next(iter(by_booklet.values()))), face_value_cents=face_value_cents,
        territory=territory,
        target_public=target_public, valid_until=valid_until, created_by=user,
    )  # fmt: skip
    order.full_clean()
    order.save()
    for number, (booklet_code, ticket_codes) in enumerate(by_booklet.items(), start=1):
        booklet = Booklet.objects.create(order=order, number=number, code=booklet_code)
        Ticket.objects.bulk_create(Ticket(booklet=booklet, code=c, value_cents=face_value_cents) for c in ticket_codes)
    report.booklets, report.tickets = len(by_booklet), len(seen)
    return order, report


# --- Printable sheets of an order's booklets (a long job, sman/jobs.py) ---------------------------------
@transaction.atomic
def order_sheets_request(*, order: Order, user: User) -> BookletSheets:
    """Ask for the printable sheets of an order whose codes the Métropole generated: the worker renders
    them (booklet_sheets_render). Sheets pending, running or done are the answer to a second request (an
    order's codes never change); failed ones are sent again, from their first attempt."""
    if not permissions.can_see_order(user, order):
        raise PermissionDenied
    if order.source != Order.Source.GENERATED:
        raise ValidationError("Les carnets #APTIC sont imprimés par leur émetteur.")
    latest = order.booklet_sheets.order_by("-created_at").first()
    if latest is not None and latest.state != BookletSheets.State.FAILED:
        return latest
    if latest is not None and latest.retryable:
        return jobs.job_retry(job=latest)
    try:
        with transaction.atomic():
            sheets = BookletSheets.objects.create(order=order, requested_by=user)
    except IntegrityError:  # a concurrent request created it first
        return order.booklet_sheets.get(state__in=jobs.ACTIVE)
    from .tasks import render_booklet_sheets

    transaction.on_commit(lambda: render_booklet_sheets.delay(sheets.pk))
    return sheets


def booklet_sheets_render(*, sheets_id: int) -> BookletSheets:
    """Render the sheets (WeasyPrint, documents.booklet_sheets_pdf) and store them as the job's private file,
    with their SHA-256 checksum. Run by the job task, which marks the sheets running before and done after."""
    from .documents import booklet_sheets_pdf

    sheets = BookletSheets.objects.select_related("order").get(pk=sheets_id)
    if sheets.state == BookletSheets.State.DONE:
        return sheets  # a redelivered task: nothing to do
    pdf = booklet_sheets_pdf(sheets.order)
    return jobs.job_result_write(job=sheets, content=pdf, filename=f"carnets-{sheets.order.reference}.pdf")


def _find_booklet(code: str):
    typed = code.strip()
    return (
        Booklet.objects.select_related("order", "beneficiary").filter(code__in={typed, codes.normalise(typed)}).first()
    )


@transaction.atomic
def booklet_distribute(
    *, user: User, distributor: Organisation, booklet_code: str, age_band: str, territory: Territory, target_public: str
) -> Booklet:
    """A distributor hands a booklet to a beneficiary; only a pseudonymous record is kept."""
    if not permissions.distributors_of(user).filter(pk=distributor.pk).exists():
        raise PermissionDenied
    found = _find_booklet(booklet_code)
    if found is None:
        raise ValidationError({"booklet_code": "Carnet inconnu : vérifiez le code imprimé sur la couverture."})
    booklet = Booklet.objects.select_for_update().select_related("order").get(pk=found.pk)
    order = booklet.order
    if not DistributorAuthorisation.objects.filter(funder=order.funder, distributor=distributor, active=True).exists():
        raise ValidationError(
            {"booklet_code": f"Votre structure n'est pas habilitée à distribuer les carnets de {order.funder}."}
        )
    if booklet.distributed_at:
        raise ValidationError({"booklet_code": f"Ce carnet a déjà été remis le {booklet.distributed_at:%d/%m/%Y}."})
    if order.target_public != TargetPublic.ALL and target_public != order.target_public:
        raise ValidationError(
            {"target_public": f"Ce carnet est réservé au public « {order.get_target_public_display()} »."}
        )
    if not _within(territory, order.territory):
        raise ValidationError({"territory": f"Ce carnet est réservé aux habitants de {order.territory}."})
    beneficiary = Beneficiary.objects.create(
        reference=f"B-{secrets.token_hex(5).upper()}",
        age_band=age_band,
        territory=territory,
        target_public=target_public,
    )
    booklet.beneficiary, booklet.distributor, booklet.distributed_by = beneficiary, distributor, user
    booklet.distributed_at = timezone.now()
    booklet.save(update_fields=["beneficiary", "distributor", "distributed_by", "distributed_at"])
    return booklet


def _within(place: Territory, scope: Territory) -> bool:
    """Is ``place`` (a commune) inside ``scope`` (a commune, an EPT or the Métropole)?"""
    return Territory.objects.within(scope).filter(pk=place.pk).exists()


class Refusal:
    UNKNOWN = "inconnu"
    MISTYPED = "mal saisi"
    USED = "déjà utilisé"
    EXPIRED = "expiré"
    NOT_DISTRIBUTED = "carnet non distribué"
    TERRITORY = "hors du territoire du financeur"
    TARGET = "hors du public cible"
    PLACE_TYPE = "type de lieu non accepté"
    LABEL = "label APTIC non valide"
    TRAINING = "formation non proposée par ce lieu"


MESSAGES = {
    Refusal.UNKNOWN: "Ce code ne correspond à aucun ticket.",
    Refusal.MISTYPED: "Ce code contient une faute de frappe (le caractère de contrôle ne correspond pas) : relisez-le.",
    Refusal.USED: "Ce ticket a déjà été utilisé.",
    Refusal.EXPIRED: "Ce ticket a expiré.",
    Refusal.NOT_DISTRIBUTED: "Ce ticket appartient à un carnet qui n'a pas encore été remis à un bénéficiaire.",
    Refusal.TERRITORY: "Ce ticket n'est pas valable dans ce lieu : il est financé pour un autre territoire.",
    Refusal.TARGET: "Ce ticket est réservé à un autre public.",
    Refusal.PLACE_TYPE: "Le financeur de ce ticket n'accepte pas ce type de lieu.",
    Refusal.LABEL: "Le label APTIC de ce lieu n'est pas valide : il ne peut pas valider de ticket.",
    Refusal.TRAINING: "Cette formation n'est pas proposée par ce lieu.",
}


@dataclass
class Check:
    ok: bool
    reason: str = ""
    ticket: Ticket | None = None
    detail: str = ""

    @property
    def message(self) -> str:
        return self.detail or MESSAGES.get(self.reason, "Ticket valable.")


def _find_ticket(code: str, *, lock: bool = False):
    typed = code.strip()
    qs = Ticket.objects.select_related("booklet__order__territory", "booklet__beneficiary", "redemption")
    if lock:
        qs = Ticket.objects.select_for_update(of=("self",)).select_related(
            "booklet__order__territory", "booklet__beneficiary"
        )
    return qs.filter(code__in={typed, codes.normalise(typed)}).first()


def ticket_check(
    *, code: str, place: MediationPlace, training: Training | None = None, today: date | None = None, ticket=None
) -> Check:
    """Is this ticket redeemable here today? Reads only; ``ticket_redeem`` repeats it under a lock."""
    today = today or timezone.localdate()
    ticket = ticket or _find_ticket(code)
    if ticket is None:
        normalised = codes.normalise(code)
        if len(normalised) == codes.BODY_LENGTH + 1 and not codes.is_well_formed(normalised):
            return Check(False, Refusal.MISTYPED)
        return Check(False, Refusal.UNKNOWN)
    order = ticket.booklet.order
    if Redemption.objects.filter(ticket=ticket).exists():
        return Check(False, Refusal.USED, ticket)
    if today > order.redeemable_until:
        return Check(False, Refusal.EXPIRED, ticket, f"Ce ticket a expiré le {order.valid_until:%d/%m/%Y}.")
    if not place.label_valid_on(today):
        return Check(False, Refusal.LABEL, ticket)
    if ticket.booklet.beneficiary_id is None:
        return Check(False, Refusal.NOT_DISTRIBUTED, ticket)
    if not _within(place.organisation.territory, order.territory):
        return Check(
            False, Refusal.TERRITORY, ticket, f"Ce ticket n'est valable que sur le territoire : {order.territory}."
        )
    if order.target_public != TargetPublic.ALL and ticket.booklet.beneficiary.target_public != order.target_public:
        return Check(False, Refusal.TARGET, ticket)
    if order.allowed_place_types and place.place_type not in order.allowed_place_types:
        return Check(False, Refusal.PLACE_TYPE, ticket)
    if training is not None and not place.trainings.filter(pk=training.pk).exists():
        return Check(False, Refusal.TRAINING, ticket)
    return Check(True, "", ticket)


class RedemptionRefused(ValidationError):
    def __init__(self, check: Check):
        super().__init__(check.message, code=check.reason)
        self.check = check


def ticket_redeem(
    *, code: str, place: MediationPlace, training: Training, user: User, now: datetime | None = None
) -> Redemption:
    """Validate a ticket for a training session: at most once, whatever the concurrency."""
    if not permissions.places_of(user).filter(pk=place.pk).exists():
        raise PermissionDenied
    now = now or timezone.now()
    try:
        with transaction.atomic():
            ticket = _find_ticket(code, lock=True)  # waits for a concurrent redemption to finish
            check = ticket_check(
                code=code, place=place, training=training, today=timezone.localdate(now), ticket=ticket
            )
            if not check.ok:
                raise RedemptionRefused(check)
            return Redemption.objects.create(
                ticket=ticket, place=place, training=training, agent=user, redeemed_at=now,
                hours=(training.duration_hours / training.tickets_required).quantize(Decimal("0.01")),
            )  # fmt: skip
    except IntegrityError as exc:  # the one-to-one constraint: someone else redeemed it first
        raise RedemptionRefused(Check(False, Refusal.USED)) from exc


@dataclass
class Balance:
    booklet: Booklet
    remaining: int
    total: int
    valid_until: date
    redeemable_until: date
    expired: bool


def booklet_balance(*, code: str, today: date | None = None) -> Balance | None:
    """What a beneficiary may know with their booklet's code: tickets left and validity. Nothing else."""
    today = today or timezone.localdate()
    booklet = _find_booklet(code)
    if booklet is None or booklet.distributed_at is None:
        return None
    counts = booklet.tickets.aggregate(total=Count("id"), used=Count("redemption"))
    order = booklet.order
    return Balance(
        booklet, counts["total"] - counts["used"], counts["total"], order.valid_until, order.redeemable_until,
        today > order.redeemable_until,
    )  # fmt: skip


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return start, timezone.make_aware(datetime(following.year, following.month, 1))


def previous_month(today: date) -> date:
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def statements_generate(*, month: date) -> list[Statement]:
    """One statement per place for the tickets it redeemed in ``month``. Running it again adds nothing."""
    from .documents import statement_csv, statement_pdf

    start, end = month_bounds(month)
    created = []
    places = MediationPlace.objects.filter(
        redemptions__redeemed_at__gte=start, redemptions__redeemed_at__lt=end, redemptions__statement__isnull=True
    ).distinct()
    for place in places.select_related("organisation"):
        with transaction.atomic():
            if Statement.objects.filter(place=place, month=month).exists():
                continue
            redemptions = place.redemptions.select_for_update().filter(
                redeemed_at__gte=start, redeemed_at__lt=end, statement__isnull=True
            )
            totals = redemptions.aggregate(n=Count("id"), amount=Sum("ticket__value_cents"))
            try:
                with transaction.atomic():
                    statement = Statement.objects.create(
                        place=place, month=month, ticket_count=totals["n"], amount_cents=totals["amount"] or 0
                    )
            except IntegrityError:  # a concurrent run made it
                continue
            redemptions.update(statement=statement)
            rows = list(statement.redemptions.select_related("ticket", "training", "agent").order_by("redeemed_at"))
            stem = f"releve-{place.pk}-{month:%Y-%m}"
            statement.csv.save(f"{stem}.csv", ContentFile(statement_csv(statement, rows)), save=False)
            statement.pdf.save(f"{stem}.pdf", ContentFile(statement_pdf(statement, rows)), save=False)
            statement.save(update_fields=["csv", "pdf"])
            created.append(statement)
    return created


@transaction.atomic
def statement_mark_paid(*, statement: Statement, user: User) -> Statement:
    if not is_metropole_staff(user):
        raise PermissionDenied
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    if locked.status == Statement.Status.PAID:
        raise ValidationError("Ce relevé est déjà payé.")
    locked.status, locked.paid_at = Statement.Status.PAID, timezone.now()
    locked.save(update_fields=["status", "paid_at"])
    return locked


def expiry_run(*, today: date) -> dict:
    """Daily: warn funders 30 and 15 days before the end; after the grace period, issue the credit note."""
    alerts = credits = 0
    for days in ALERT_DAYS:
        for order in Order.objects.filter(valid_until__lte=today + timedelta(days=days), valid_until__gt=today):
            with transaction.atomic():
                _, created = ExpiryAlert.objects.get_or_create(order=order, days_before=days)
                if not created:
                    continue
                alerts += 1
                send_email_on_commit(
                    name="pass_expiry_alert",
                    context={"order": order, "days": (order.valid_until - today).days},
                    to=list(Membership.objects.filter(organisation=order.funder).values_list("user__email", flat=True)),
                )
    for order in Order.objects.filter(credit_note__isnull=True):
        if today <= order.redeemable_until:
            continue
        credit_note_issue(order=order)
        credits += 1
    return {"alerts": alerts, "credit_notes": credits}


@transaction.atomic
def credit_note_issue(*, order: Order) -> CreditNote:
    unused = Ticket.objects.filter(booklet__order=order, redemption__isnull=True)
    totals = unused.aggregate(n=Count("id"), amount=Sum("value_cents"))
    note, _ = CreditNote.objects.get_or_create(
        order=order, defaults={"unused_tickets": totals["n"], "amount_cents": totals["amount"] or 0}
    )
    return note


def parse_aptic_file(data: bytes):
    """Rows of an #APTIC order file: ``;`` or ``,`` separated, UTF-8 (BOM or not) or Latin-1."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "carnet;ticket", delimiters=";,")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    reader.fieldnames = [f.strip().lower() for f in reader.fieldnames or []]
    if not {"carnet", "ticket"} <= set(reader.fieldnames):
        raise ValidationError("Le fichier doit avoir les colonnes « carnet » et « ticket ».")
    return list(reader)

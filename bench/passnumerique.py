"""Pass Numérique under load: concurrent ticket redemption and monthly statement generation.

1. Redemption (``services.ticket_redeem``) by 8 threads, each with its own database connection:
   first each worker redeems its own 250 tickets, then the 8 workers all try the same 200 tickets in
   the same order (contention on the ticket's row lock). Prints redemptions and attempts per second,
   and checks that no ticket was redeemed twice. The threads must see committed data, so this part
   commits what it creates (names prefixed ``bench-pn-<random>``) and deletes it all at the end.
2. Statements (``services.statements_generate``, one PDF with WeasyPrint and one CSV per place):
   10 places then 100 places × 100 redemptions in one month (10,000 for 100 places). Each scenario
   runs in its own process, inside a transaction that is rolled back; the statement files written to
   the storage are deleted. Prints time, time per statement and peak memory (RSS).

Each part runs in a child process (``--child redeem`` / ``--child statements N``). Takes about two
minutes on 2 cores; needs the local database with its reference data (``make run``):

    .venv/bin/python bench/passnumerique.py
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 8
TICKETS_PER_WORKER = 250
SHARED_TICKETS = 200
STATEMENT_SCENARIOS = [10, 100]  # places, each with REDEMPTIONS_PER_PLACE redemptions in the month
REDEMPTIONS_PER_PLACE = 100


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")
    import django

    django.setup()


# --- 1. Concurrent redemption (committed data, cleaned up) ------------------------------------------


def redeem_child() -> None:
    import secrets

    from django.db import transaction

    from passnumerique.models import Ticket

    prefix = f"bench-pn-{secrets.token_hex(4)}"
    try:
        agents, places, training, orders = redeem_setup(prefix)
        own, shared = orders
        own_codes = list(Ticket.objects.filter(booklet__order=own).order_by("id").values_list("code", flat=True))
        shared_codes = list(Ticket.objects.filter(booklet__order=shared).order_by("id").values_list("code", flat=True))
        chunks = [own_codes[i * TICKETS_PER_WORKER : (i + 1) * TICKETS_PER_WORKER] for i in range(WORKERS)]
        scenarios = [
            (f"distincts {WORKERS}×{TICKETS_PER_WORKER}", chunks, own),
            (f"mêmes {SHARED_TICKETS} ×{WORKERS}", [shared_codes] * WORKERS, shared),
        ]
        for label, codes_per_worker, order in scenarios:
            stats = run_workers(agents, places, training, codes_per_worker)
            rows, distinct, doubles = count_redemptions(order, stats["redeemed"])
            fields = [label, stats["attempts"], stats["redeemed"], stats["refused"], f"{stats['seconds']:.2f}"]
            print("\t".join(map(str, [*fields, f"{stats['p95_ms']:.0f}", rows, distinct, doubles])))
    finally:
        with transaction.atomic():
            redeem_cleanup(prefix)


def redeem_setup(prefix: str):
    """A funder, a distributor, 8 labelled places in Montreuil with one agent each, two orders for
    Est Ensemble (T8), every booklet handed out to a beneficiary."""
    from datetime import date
    from decimal import Decimal

    from django.contrib.gis.geos import Point

    from passnumerique import services
    from passnumerique.models import DistributorAuthorisation, MediationPlace, PlaceType, Training
    from sman.models import Membership, Organisation, Territory, User

    montreuil = Territory.objects.get(code="93048")
    ept = Territory.objects.get(code="T8")

    def organisation(kind: str, name: str) -> Organisation:
        slug = f"{prefix}-{Organisation.objects.filter(slug__startswith=prefix).count() + 1}"
        return Organisation.objects.create(kind=kind, name=f"{name} ({prefix})", slug=slug, territory=montreuil)

    def user(name: str, *organisations: Organisation) -> User:
        account = User.objects.create(email=f"{prefix}-{name}@example.org")
        for org in organisations:
            Membership.objects.create(user=account, organisation=org, role=Membership.Role.MEMBER)
        return account

    funder = organisation(Organisation.Kind.FUNDER, "CCAS de mesure")
    distributor = organisation(Organisation.Kind.DIGITAL_ACTOR, "Point de distribution de mesure")
    DistributorAuthorisation.objects.create(funder=funder, distributor=distributor)
    manager = user("gestion", funder, distributor)
    training = Training.objects.create(title=f"Premiers pas ({prefix})", theme="Découverte", duration_hours=Decimal(2))
    agents, places = [], []
    for n in range(1, WORKERS + 1):
        org = organisation(Organisation.Kind.MEDIATION_PLACE, f"Espace numérique {n}")
        place = MediationPlace.objects.create(
            organisation=org, place_type=PlaceType.ASSOCIATION, aptic_label=True, location=Point(2.44, 48.86)
        )
        place.trainings.add(training)
        places.append(place)
        agents.append(user(f"agent-{n}", org))
    orders = []
    for tickets in (WORKERS * TICKETS_PER_WORKER, SHARED_TICKETS):
        order = services.order_create(
            user=manager, funder=funder, booklet_count=tickets // 10, tickets_per_booklet=10, face_value_cents=1000,
            territory=ept, target_public="all", valid_until=date(date.today().year + 1, 12, 31),
        )  # fmt: skip
        for code in order.booklets.values_list("code", flat=True):
            services.booklet_distribute(
                user=manager, distributor=distributor, booklet_code=code, age_band="65-79", territory=montreuil,
                target_public="all",
            )  # fmt: skip
        orders.append(order)
    return agents, places, training, orders


def run_workers(agents, places, training, codes_per_worker) -> dict:
    """One thread per worker, started together; each redeems its list of codes in order."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import close_old_connections

    from passnumerique import services
    from passnumerique.models import MediationPlace

    start_line = threading.Barrier(WORKERS + 1, timeout=60)

    def worker(agent, place_pk, codes):
        try:
            place = MediationPlace.objects.select_related("organisation__territory").get(pk=place_pk)
            redeemed, latencies = 0, []
            start_line.wait()
            for code in codes:
                begin = time.perf_counter()
                try:
                    services.ticket_redeem(code=code, place=place, training=training, user=agent)
                    redeemed += 1
                except services.RedemptionRefused as refusal:
                    assert refusal.check.reason == services.Refusal.USED, refusal.check.reason
                latencies.append(time.perf_counter() - begin)
            return redeemed, latencies
        finally:
            close_old_connections()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(worker, a, p.pk, c) for a, p, c in zip(agents, places, codes_per_worker, strict=True)]
        start_line.wait()
        begin = time.perf_counter()
        results = [f.result() for f in futures]
        seconds = time.perf_counter() - begin
    latencies = sorted(t for _, worker_latencies in results for t in worker_latencies)
    redeemed = sum(r for r, _ in results)
    return {
        "attempts": len(latencies),
        "redeemed": redeemed,
        "refused": len(latencies) - redeemed,
        "seconds": seconds,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
    }


def count_redemptions(order, redeemed: int) -> tuple[int, int, int]:
    """Redemption rows of the order, distinct tickets among them, and double redemptions (a ticket
    validated more than once, in the table or in what the service reported)."""
    from django.db.models import Count

    from passnumerique.models import Redemption

    counts = Redemption.objects.filter(ticket__booklet__order=order).aggregate(
        rows=Count("id"), distinct=Count("ticket_id", distinct=True)
    )
    doubles = max(counts["rows"] - counts["distinct"], redeemed - counts["distinct"])
    return counts["rows"], counts["distinct"], doubles


def redeem_cleanup(prefix: str) -> None:
    """Everything made under ``prefix``, in dependency order (redemptions and beneficiaries are protected)."""
    from passnumerique.models import Beneficiary, Booklet, Order, Redemption, Training
    from sman.models import Membership, Organisation, User

    org_ids = list(Organisation.objects.filter(slug__startswith=f"{prefix}-").values_list("id", flat=True))
    orders = Order.objects.filter(funder_id__in=org_ids)
    booklets = Booklet.objects.filter(order__in=orders)
    beneficiary_ids = list(booklets.exclude(beneficiary=None).values_list("beneficiary_id", flat=True))
    Redemption.objects.filter(ticket__booklet__order__in=orders).delete()
    booklets.delete()  # and their tickets
    Beneficiary.objects.filter(id__in=beneficiary_ids).delete()
    orders.delete()
    membership_ids = list(Membership.objects.filter(organisation_id__in=org_ids).values_list("id", flat=True))
    # Places, authorisations and memberships go with their organisation.
    Organisation.objects.filter(id__in=org_ids).delete()
    Training.objects.filter(title__endswith=f"({prefix})").delete()
    User.objects.filter(email__startswith=f"{prefix}-").delete()
    Organisation.history.model.objects.filter(id__in=org_ids).delete()
    Membership.history.model.objects.filter(id__in=membership_ids).delete()


# --- 2. Monthly statements (rolled back) ------------------------------------------------------------


def statements_child(n_places: int) -> None:
    from datetime import timedelta
    from decimal import Decimal

    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.utils import timezone

    from passnumerique import services
    from passnumerique.models import MediationPlace, PlaceType, Redemption, Ticket, Training
    from sman.models import Membership, Organisation, Territory, User

    month = services.previous_month(timezone.localdate())
    start, end = services.month_bounds(month)
    place_ids = []
    try:
        with transaction.atomic():
            montreuil = Territory.objects.get(code="93048")
            funder = Organisation.objects.create(
                kind=Organisation.Kind.FUNDER, name="CCAS de mesure", slug="bench-pn-funder", territory=montreuil
            )
            manager = User.objects.create(email="bench-pn-manager@example.org")
            Membership.objects.create(user=manager, organisation=funder, role=Membership.Role.MEMBER)
            training = Training.objects.create(title="Premiers pas", theme="Découverte", duration_hours=Decimal(2))
            total = n_places * REDEMPTIONS_PER_PLACE
            order = services.order_create(
                user=manager, funder=funder, booklet_count=total // 10, tickets_per_booklet=10,
                face_value_cents=1000, territory=Territory.objects.get(code="T8"), target_public="all",
                valid_until=month + timedelta(days=365),
            )  # fmt: skip
            tickets = iter(Ticket.objects.filter(booklet__order=order).order_by("id"))
            redemptions = []
            for n in range(1, n_places + 1):
                org = Organisation.objects.create(
                    kind=Organisation.Kind.MEDIATION_PLACE, name=f"Espace numérique de mesure {n}",
                    slug=f"bench-pn-place-{n}", territory=montreuil,
                )  # fmt: skip
                place = MediationPlace.objects.create(
                    organisation=org, place_type=PlaceType.ASSOCIATION, aptic_label=True
                )
                redemptions += [
                    Redemption(ticket=next(tickets), place=place, training=training, agent=manager, hours=Decimal(1),
                               redeemed_at=start + timedelta(days=k % 28, hours=9 + k % 8, minutes=k))
                    for k in range(REDEMPTIONS_PER_PLACE)
                ]  # fmt: skip
            Redemption.objects.bulk_create(redemptions, batch_size=2000)
            # Every place that will get a statement (ours, and any other with redemptions that month): their
            # files are written to the storage and outlive the rollback.
            pending = Redemption.objects.filter(redeemed_at__gte=start, redeemed_at__lt=end, statement__isnull=True)
            place_ids += set(pending.values_list("place_id", flat=True))
            begin = time.perf_counter()
            statements = services.statements_generate(month=month)
            seconds = time.perf_counter() - begin
            mine = [s for s in statements if s.place.organisation.slug.startswith("bench-pn-place-")]
            assert len(mine) == n_places and all(s.ticket_count == REDEMPTIONS_PER_PLACE for s in mine)
            transaction.set_rollback(True)
    finally:
        deleted = delete_statement_files(default_storage, place_ids, month)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n_places}\t{total}\t{len(statements)}\t{seconds:.2f}\t{peak_mb:.0f}\t{deleted}")


def delete_statement_files(storage, place_ids: list[int], month) -> int:
    """The rolled-back statements' files ``releve-<place>-<month>[_suffix].pdf|csv``, whatever their
    fate (the storage adds a suffix when a name is taken)."""
    folder = "pass/statements"
    if not place_ids or not storage.exists(folder):
        return 0
    stems = tuple(f"releve-{pk}-{month:%Y-%m}" for pk in place_ids)
    names = [name for name in storage.listdir(folder)[1] if name.startswith(stems)]
    for name in names:
        storage.delete(f"{folder}/{name}")
    return len(names)


# --- Parent: run the children, print the tables ----------------------------------------------------


def run_child(*args: str) -> list[list[str]]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True, check=True)
    return [line.split("\t") for line in out.stdout.strip().splitlines()]


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        setup_django()
        if sys.argv[2] == "redeem":
            redeem_child()
        else:
            statements_child(int(sys.argv[3]))
        return

    print(f"Validation de tickets : {WORKERS} fils, une connexion chacun")
    print(f"{'scénario':<18} {'tentatives':>10} {'validés':>8} {'refusés':>8} {'durée (s)':>10} "
          f"{'validations/s':>14} {'tentatives/s':>13} {'p95 (ms)':>9} {'ratio tent./s':>14}")  # fmt: skip
    base = None
    doubles, mismatches = 0, []
    for label, attempts, redeemed, refused, seconds, p95, rows, distinct, double in run_child("redeem"):
        per_second, redeemed_per_second = int(attempts) / float(seconds), int(redeemed) / float(seconds)
        base = base or per_second
        doubles += int(double)
        if not rows == distinct == redeemed:
            mismatches.append(f"{label} : {rows} validations en base, {distinct} tickets, {redeemed} annoncées")
        print(f"{label:<18} {attempts:>10} {redeemed:>8} {refused:>8} {seconds:>10} "
              f"{redeemed_per_second:>14.0f} {per_second:>13.0f} {p95:>9} {per_second / base:>14.2f}")  # fmt: skip
    print(f"doubles : {doubles}")
    if doubles or mismatches:
        sys.exit("ÉCHEC : " + "; ".join(mismatches or ["ticket validé plusieurs fois"]))
    print()
    print(f"Relevés mensuels : {REDEMPTIONS_PER_PLACE} validations par lieu, un PDF et un CSV par lieu")
    print(f"{'lieux':>6} {'validations':>12} {'relevés':>8} {'durée (s)':>10} {'ms / relevé':>12} "
          f"{'mémoire max (Mo)':>17} {'ratio ms/relevé':>16}")  # fmt: skip
    base = None
    for n in STATEMENT_SCENARIOS:
        ((places, redemptions, created, seconds, peak, _files),) = run_child("statements", str(n))
        per_statement = float(seconds) * 1000 / int(created)
        base = base or per_statement
        print(f"{places:>6} {redemptions:>12} {created:>8} {seconds:>10} {per_statement:>12.0f} {peak:>17} "
              f"{per_statement / base:>16.2f}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Recording the computed indicators for every territory: time and SQL queries.

One indicator per registered provider, recorded for the Métropole, the 12 EPTs, the 130 communes and the
delegated commune (``actions.services.indicator_values_record_computed``, what the daily beat task runs), on
the local database as ``make run`` left it (reference and demo data), then with synthetic data added: 50,000
buildings, 10,000 Pass Numérique tickets redeemed in 100 places for 2,000 beneficiaries, 300 FMIN applications
(100 funded, 50 evaluated) carried by one to three collectivities, 200 agents. For comparison, the same
values computed one territory at a time (each provider's ``f(today, territory)``), what the recording would
cost without the batch forms: on the demo data only, unless ``--one-by-one`` (about three more minutes).
Everything runs inside a transaction that is rolled back: the local database is left as it was.

    .venv/bin/python bench/indicators.py [--one-by-one]
"""

import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")

BUILDINGS, TICKETS, PLACES, BENEFICIARIES, APPLICATIONS, AGENTS = 50_000, 10_000, 100, 2_000, 300, 200


def measure(call):
    """(result, SQL queries, seconds) of ``call()``; queries counted as they run (Django's query log keeps 9,000)."""
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - start
    return result, queries, seconds


def one_territory_at_a_time(today) -> int:
    """Every value the recording writes, computed with one call per territory and provider (no batch form)."""
    from sman.indicators import TerritoryTree, providers

    tree, computed = TerritoryTree(), 0
    for provider in providers.values():
        ids = tree.ids(provider.kinds) if provider.territorial else []
        for pk in ids:
            provider.value(today, None if pk == tree.metropole_id else tree.territory(pk))
            computed += 1
        if not ids:
            provider.value(today)
            computed += 1
    return computed


def add_synthetic_data(rng: random.Random) -> None:
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from explorateurs.models import Project as ExplorerProject
    from fmin.models import Application, Call, Decision, FollowUpReport, Participant
    from ftth.models import Building
    from passnumerique.models import Beneficiary, Booklet, MediationPlace, Order, Redemption, Ticket, Training
    from sman.models import Membership, Organisation, Territory, User

    now, today = timezone.now(), timezone.localdate()
    communes = list(Territory.objects.communes().values_list("pk", "code"))
    metropole = Territory.objects.get(kind="metropole")
    staff = User.objects.create(email="bench-indicators@example.org", is_staff=True)

    statuses = ["connectable", "connectable", "connectable", "on_demand", "in_progress", "target"]
    buildings = []
    for i in range(BUILDINGS):
        pk, code = rng.choice(communes)
        status = rng.choice(statuses)
        buildings.append(
            Building(
                operator_code="BENCH", building_id=f"bench-{i}", location=Point(2.35, 48.85, srid=4326),
                label=f"{i} rue du banc d'essai", insee_code=code, commune_id=pk, premises=rng.randint(1, 40),
                status=status, first_status=status, first_seen_at=now, updated_at=now,
            )
        )  # fmt: skip
    Building.objects.bulk_create(buildings, batch_size=5000)

    collectivities = list(Organisation.objects.filter(kind="collectivity"))
    users = User.objects.bulk_create(User(email=f"bench-agent-{i}@example.org") for i in range(AGENTS))
    Membership.objects.bulk_create(
        Membership(user=u, organisation=rng.choice(collectivities), role=Membership.Role.MEMBER) for u in users
    )

    funder = Organisation.objects.create(kind="funder", name="Banc d'essai", slug="bench-funder", territory=metropole)
    order = Order.objects.create(
        funder=funder, reference="BENCH-IND", booklet_count=TICKETS // 5, tickets_per_booklet=5,
        territory=metropole, valid_until=today + timedelta(days=365),
    )  # fmt: skip
    training = Training.objects.create(title="Banc d'essai", theme="Découverte", duration_hours=Decimal(1))
    places = []
    for i in range(PLACES):
        pk, _ = rng.choice(communes)
        organisation = Organisation.objects.create(
            kind="mediation_place", name=f"Lieu {i}", slug=f"bench-place-{i}", territory_id=pk
        )
        places.append(MediationPlace.objects.create(organisation=organisation, place_type="association"))
    beneficiaries = Beneficiary.objects.bulk_create(
        Beneficiary(reference=f"bench-{i}", age_band="25-44", territory_id=rng.choice(communes)[0], target_public="all")
        for i in range(BENEFICIARIES)
    )
    booklets = Booklet.objects.bulk_create(
        Booklet(order=order, number=i + 1, code=f"bench-booklet-{i}", distributed_at=now,
                beneficiary=beneficiaries[i % BENEFICIARIES])
        for i in range(TICKETS // 5)
    )  # fmt: skip
    tickets = Ticket.objects.bulk_create(
        Ticket(booklet=booklets[i // 5], code=f"bench-ticket-{i}", value_cents=1000) for i in range(TICKETS)
    )
    Redemption.objects.bulk_create(
        (Redemption(ticket=t, place=rng.choice(places), training=training, agent=staff, redeemed_at=now,
                    hours=Decimal(1)) for t in tickets),
        batch_size=5000,
    )  # fmt: skip

    call = Call.objects.create(year=today.year, title="Banc d'essai", opens_on=today, closes_on=today)
    for i in range(APPLICATIONS):
        carriers = rng.sample(collectivities, rng.randint(1, 3))
        application = Application.objects.create(
            call=call, lead=carriers[0], title=f"Projet {i}", created_by=staff, submitted_at=now,
        )  # fmt: skip
        if i % 7 == 0:  # started by an explorer's project (explorateurs.Project.fmin_application)
            ExplorerProject.objects.create(
                title=f"Projet {i}", idea="Banc d'essai.", collectivity=carriers[0], fmin_application=application
            )
        Participant.objects.bulk_create(
            Participant(application=application, organisation=o, is_lead=not k) for k, o in enumerate(carriers)
        )
        if i % 3 == 0:
            Decision.objects.create(
                application=application, outcome="funded", amount_cents=rng.randint(10, 60) * 100_000,
                reason="Banc d'essai.", decided_by=staff,
            )  # fmt: skip
            if i % 6 == 0:
                FollowUpReport.objects.create(application=application, kind="evaluation", due_on=today,
                                              submitted_at=now)  # fmt: skip


def main() -> None:
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from actions import services
    from actions.models import Action, Indicator, IndicatorValue
    from sman.indicators import providers
    from sman.models import Territory

    action = Action.objects.order_by("pk").first()
    if action is None or not Territory.objects.exists():
        sys.exit("No plan or no territories: run `make run` (or `manage.py load_reference`) first.")
    today = timezone.localdate()
    print(f"{len(providers)} indicateurs calculés, {Territory.objects.count()} territoires")
    print(
        f"{'données':>12} {'valeurs':>8} {'requêtes':>9} {'temps (s)':>10} {'un à un : requêtes':>19} {'temps (s)':>10}"
    )
    with transaction.atomic():
        for key in providers:
            Indicator.objects.create(
                action=action, name=f"Banc d'essai {key}", definition="Mesure.", kind="result", unit="nombre",
                target_value=1, target_date=today, source="bench", provider_key=key,
            )  # fmt: skip
        for label, grow in (("démo", None), ("synthétiques", add_synthetic_data)):
            if grow:
                grow(random.Random(2026))
                IndicatorValue.objects.filter(date=today, indicator__source="bench").delete()
            created, queries, seconds = measure(lambda: services.indicator_values_record_computed(today=today))
            alone = ""
            if not grow or "--one-by-one" in sys.argv:
                _, alone_queries, alone_seconds = measure(lambda: one_territory_at_a_time(today))
                alone = f" {alone_queries:>19} {alone_seconds:>10.2f}"
            print(f"{label:>12} {created:>8} {queries:>9} {seconds:>10.2f}{alone}")
            _, again_queries, again_seconds = measure(lambda: services.indicator_values_record_computed(today=today))
            print(f"{'  (relancé)':>12} {0:>8} {again_queries:>9} {again_seconds:>10.2f}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()

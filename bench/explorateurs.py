"""Explorateurs du numérique under load: the registration race and the network map.

1. Registration race: 200 explorers register at once for an exploration day of 40 seats
   (``services.event_register``), through 20 worker threads that each hold their own database connection
   (as gunicorn's threads would; 200 connections would exceed PostgreSQL's ``max_connections``), all released
   together. Checks: 40 registered, 160 waiting with the ranks 1..160 in the order the rows were written,
   nobody lost or registered twice. Prints time, registrations per second and latency percentiles. The threads
   must see committed data: the rows are created under a random prefix and deleted at the end.
2. Network map with 500 explorers spread over the Métropole's collectivities (communes and EPTs): GET of the
   public map page (``/explorateurs/reseau/``) and of the directory's first page for a signed-in agent, inside a
   transaction that is rolled back: SQL queries per request, median time of 5, page size.

Needs the local database with its reference data (``make run``); about a minute on 2 cores:

    .venv/bin/python bench/explorateurs.py
"""

import os
import queue
import secrets
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRATIONS, SEATS, WORKERS = 200, 40, 20
MAP_EXPLORERS = 500


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")
    import django

    django.setup()


def explorers_of(prefix: str, cohort, n: int, collectivities) -> list:
    from django.contrib.auth.hashers import make_password

    from explorateurs.models import Explorer
    from sman.models import User

    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"{prefix}-{i}@bench.example", first_name="Agent", last_name=f"{prefix} {i:04d}", password=password)
        for i in range(n)
    )
    return Explorer.objects.bulk_create(
        Explorer(cohort=cohort, user=u, collectivity=collectivities[i % len(collectivities)], role="Agent")
        for i, u in enumerate(users)
    )


def cohort_and_event(prefix: str):
    from django.utils import timezone

    from explorateurs.models import Cohort, Event

    today = timezone.localdate()
    year = 2200 + secrets.randbelow(700)
    cohort = Cohort.objects.create(
        start_year=year, call_opens_on=today - timedelta(days=90), call_closes_on=today - timedelta(days=60),
        starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=300),
    )  # fmt: skip
    event = Event.objects.create(
        cohort=cohort, title=f"{prefix} journée", starts_at=timezone.now() + timedelta(days=7),
        ends_at=timezone.now() + timedelta(days=7, hours=8), venue="Banc d'essai", seats=SEATS,
    )  # fmt: skip
    return cohort, event


def registration_race() -> None:
    from django.db import connection

    from explorateurs import services
    from explorateurs.models import Cohort, Registration
    from sman.models import Organisation, User

    prefix = f"bench-expl-{secrets.token_hex(4)}"
    collectivities = list(Organisation.objects.filter(kind="collectivity"))
    cohort, event = cohort_and_event(prefix)
    try:
        explorers = explorers_of(prefix, cohort, REGISTRATIONS, collectivities)
        for explorer in explorers:
            explorer.cohort = cohort
        work: queue.Queue = queue.Queue()
        for explorer in explorers:
            work.put(explorer)
        barrier = threading.Barrier(WORKERS)
        latencies, errors, lock = [], [], threading.Lock()

        def worker():
            try:
                barrier.wait()
                while True:
                    try:
                        explorer = work.get_nowait()
                    except queue.Empty:
                        return
                    start = time.perf_counter()
                    try:
                        services.event_register(event=event, explorer=explorer, user=explorer.user)
                    except Exception as exc:  # noqa: BLE001 — counted and printed: a lost registration
                        with lock:
                            errors.append(repr(exc))
                    with lock:
                        latencies.append(time.perf_counter() - start)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        rows = Registration.objects.filter(event=event)
        registered = rows.filter(status="registered").count()
        waiting = list(
            rows.filter(status="waiting").order_by("waitlist_position").values_list("waitlist_position", "pk")
        )
        ranks = [rank for rank, _ in waiting]
        in_order = [pk for _, pk in waiting] == sorted(pk for _, pk in waiting)
        distinct = rows.values("explorer").distinct().count()
        latencies.sort()
        print(f"1. Inscriptions concurrentes : {REGISTRATIONS} explorateurs, {SEATS} places, {WORKERS} connexions")
        print(f"   {elapsed:.2f} s, {REGISTRATIONS / elapsed:.0f} inscriptions/s ; latence p50 "
              f"{statistics.median(latencies) * 1000:.0f} ms, p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms")  # fmt: skip
        print(f"   inscrits {registered}, en liste d'attente {len(waiting)} (rangs 1..{max(ranks, default=0)} "
              f"{'contigus' if ranks == list(range(1, len(ranks) + 1)) else 'NON CONTIGUS'}, "
              f"{'dans l’ordre d’écriture' if in_order else 'DÉSORDONNÉS'}), perdues {REGISTRATIONS - rows.count()}, "
              f"doublons {rows.count() - distinct}, erreurs {len(errors)}")  # fmt: skip
        assert registered == SEATS and len(waiting) == REGISTRATIONS - SEATS and not errors and in_order
    finally:
        Registration.objects.filter(event=event).delete()
        event.delete()
        from explorateurs.models import Explorer

        Explorer.objects.filter(cohort=cohort).delete()
        Cohort.objects.filter(pk=cohort.pk).delete()
        User.objects.filter(email__startswith=prefix).delete()


class Rollback(Exception):
    pass


def network_map() -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from explorateurs.models import Cohort
    from sman.models import Membership, Organisation

    prefix = f"bench-expl-{secrets.token_hex(4)}"
    collectivities = list(Organisation.objects.filter(kind="collectivity", territory__kind__in=["commune", "ept"]))
    print(f"2. Carte du réseau : {MAP_EXPLORERS} explorateurs dans {len(collectivities)} collectivités")
    try:
        with transaction.atomic(), override_settings(ALLOWED_HOSTS=["*"], DEBUG=False):
            past, _ = cohort_and_event(prefix)
            Cohort.objects.filter(pk=past.pk).update(
                starts_on=past.starts_on - timedelta(days=800), ends_on=past.starts_on - timedelta(days=400)
            )
            current, _ = cohort_and_event(prefix + "b")
            explorers = explorers_of(prefix, current, MAP_EXPLORERS // 2, collectivities)
            explorers += explorers_of(prefix + "a", past, MAP_EXPLORERS - len(explorers), collectivities)
            agent = explorers[0].user
            Membership.objects.create(user=agent, organisation=explorers[0].collectivity)
            signed = Client()
            signed.force_login(agent)
            for label, client, url in (("carte publique", Client(), "/explorateurs/reseau/"),
                                       ("annuaire (1re page)", signed, "/explorateurs/annuaire/")):  # fmt: skip
                client.get(url)  # warm
                times, queries, size = [], 0, 0
                for _ in range(5):
                    with CaptureQueriesContext(connection) as ctx:
                        start = time.perf_counter()
                        response = client.get(url)
                        times.append(time.perf_counter() - start)
                    assert response.status_code == 200, response.status_code
                    queries, size = len(ctx), len(response.content)
                print(f"   {label} : {queries} requêtes SQL, {statistics.median(times) * 1000:.0f} ms (médiane de 5), "
                      f"{size / 1024:.0f} Kio")  # fmt: skip
            raise Rollback
    except Rollback:
        pass
    del settings


def main() -> None:
    setup_django()
    registration_race()
    network_map()


if __name__ == "__main__":
    main()

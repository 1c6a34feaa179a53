"""FttH benchmark on synthetic buildings (default 1,000,000), all measured in one run:

- import throughput (rows/s) against a raw COPY of the same file into an unlogged text table;
- peak memory of the import (its own process);
- address search p50/p95 in the database, and over HTTP under concurrent load (gunicorn on loopback)
  with its ratio to the SQL alone;
- tile p50/p95 and size at zooms 10, 12, 14 and 16 over central Paris, uncached.

It uses the local database (`make run`, or DATABASE_URL / REDIS_URL), under the operator code BENCH, and
removes what it created. ``--only search`` imports the file once and measures the address search alone
(no raw COPY, no re-import, no tiles).

    .venv/bin/python bench/ftth.py [--buildings 1000000] [--only search]
"""

import argparse
import math
import multiprocessing
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")


def setup_django():
    import django

    django.setup()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def child_import(path: str) -> None:
    """Runs in its own process so that its peak RSS is the import's: the Celery task's body, end to end
    (the import, then the VACUUM that follows it)."""
    setup_django()
    from ftth.models import ImportRun
    from ftth.tasks import import_file

    run = ImportRun.objects.create(file_name=Path(path).name, operator_code="BENCH")
    start = time.perf_counter()
    import_file(run.pk, path)
    elapsed = time.perf_counter() - start
    run.refresh_from_db()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RESULT\t{run.state}\t{elapsed:.2f}\t{peak:.0f}\t{run.created}\t{run.rows_rejected}\t{run.error[:200]!r}")


def imported(path: Path) -> tuple:
    """The import of ``path`` in its own process: state, seconds, peak MB, created, rejected, error."""
    out = subprocess.run(
        [sys.executable, __file__, "--child-import", str(path)], capture_output=True, text=True, check=True
    )
    result = [line for line in out.stdout.splitlines() if line.startswith("RESULT\t")]
    if not result:
        sys.exit(f"L'import n'a pas rendu de résultat :\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    state, seconds, peak, created, rejected, error = result[-1].split("\t")[1:7]
    return state, float(seconds), peak, created, rejected, error


def raw_copy_seconds(path: Path) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        header = path.open(encoding="utf-8").readline().strip().split(";")
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute("CREATE UNLOGGED TABLE bench_raw (" + ", ".join(f'"{c}" text' for c in header) + ")")
        start = time.perf_counter()
        with (
            path.open("rb") as f,
            cursor.copy("COPY bench_raw FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)") as copy,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_raw")
    return elapsed


def search_queries(n: int) -> dict[str, list[str]]:
    """Addresses that exist, typed the way people type them (abbreviations, no accents, commas), with their
    commune (the common case), without it, and in a commune that has no street of that name."""
    from ftth.models import Building, Street

    rng = random.Random(7)
    sample = list(
        Building.objects.filter(operator_code="BENCH")
        .order_by("?")
        .values_list("number", "street_type", "street_name", "commune__name", "street_key")[:n]
    )
    communes = list(Street.objects.values_list("commune__name", "commune_id").distinct())
    typed = {"avec la commune": [], "sans la commune": [], "rue absente de la commune": []}
    for number, street_type, street, commune, key in sample:
        short = {"BOULEVARD": "bd", "AVENUE": "av", "RUE": "rue", "PLACE": "pl"}.get(street_type, street_type.lower())
        typed["avec la commune"].append(
            f"{number} {short} {street.lower()}{',' if rng.random() < 0.5 else ''} {commune}"
        )
        typed["sans la commune"].append(f"{number} {short} {street.lower()}")
        if len(typed["rue absente de la commune"]) < n // 4:
            other, other_id = rng.choice(communes)
            if not Street.objects.filter(commune_id=other_id, key=key).exists():
                typed["rue absente de la commune"].append(f"{number} {short} {street.lower()} {other}")
    return typed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# As in production (Dockerfile, docker-compose.yml, settings with SMAN_ENV=production): gunicorn with the
# project's settings (sman/gunicorn.conf.py), no DEBUG, persistent database connections (a new
# PostgreSQL backend per request costs more than the search itself), no access log.
GUNICORN = ["-c", "sman/gunicorn.conf.py", "--log-level", "warning", "--access-logfile", "/dev/null"]
SERVER_ENV = {"API_ANON_RATE": "100000/minute", "API_USER_RATE": "100000/minute", "DJANGO_DEBUG": "false",
              "DATABASE_CONN_MAX_AGE": "60"}  # fmt: skip


def client(port: int, queries: list[str], offset: int, step: int, deadline: float) -> tuple[list[float], int]:
    """One client: a search after another until the deadline; its latencies (ms) and errors."""
    latencies, errors, i = [], 0, offset
    while time.time() < deadline:
        q = urllib.parse.quote(queries[i % len(queries)])
        start = time.perf_counter()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ftth/addresses/?q={q}", timeout=10).read()
            latencies.append((time.perf_counter() - start) * 1000)
        except OSError:
            errors += 1
        i += step
    return latencies, errors


def http_load(queries: list[str], seconds: float = 15.0, clients: int = 8) -> tuple[list[float], int, float]:
    """``clients`` concurrent clients, each its own process (threads of one process would wait for each
    other's interpreter lock, and count that wait as the server's latency)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN],
        cwd=ROOT, env={**os.environ, **SERVER_ENV, "SMAN_WEB_HOST": "127.0.0.1", "SMAN_WEB_PORT": str(port)},
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/fibre/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        with multiprocessing.get_context("spawn").Pool(clients) as pool:
            pool.map(abs, range(clients))  # the processes are up before the clock starts
            start = time.time()
            results = pool.starmap(client, [(port, queries, k, clients, start + seconds) for k in range(clients)])
            elapsed = time.time() - start
        latencies = [ms for result, _ in results for ms in result]
        return latencies, sum(errors for _, errors in results), len(latencies) / elapsed
    finally:
        server.terminate()
        server.wait(timeout=20)


def answers(n: int) -> list[float]:
    """The answer of a building's page (ftth/arrival.py: one pass over its commune's buildings), in ms."""
    from django.utils import timezone

    from ftth import arrival, selectors
    from ftth.models import CONNECTABLE_STATUSES, Building

    ids = Building.objects.filter(operator_code="BENCH").exclude(status__in=CONNECTABLE_STATUSES).order_by("?")
    today, timings = timezone.localdate(), []
    for pk in ids.values_list("pk", flat=True)[:n]:
        start = time.perf_counter()
        arrival.arrival_for(selectors.building_detail(pk), today)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def search(selectors) -> None:
    """The selector alone (each kind of query), then over HTTP under load (the common kind)."""
    queries = search_queries(400)
    print("\nRecherche d'adresse")
    print(f"{'mesure':<52} {'requêtes':>8} {'p50 (ms)':>10} {'p95 (ms)':>10} {'req/s':>8}")
    sql_p95 = {}
    for kind, typed in queries.items():
        sql_ms = []
        for q in typed:
            start = time.perf_counter()
            selectors.search_addresses(q)
            sql_ms.append((time.perf_counter() - start) * 1000)
        sql_p95[kind] = percentile(sql_ms, 95)
        print(
            f"{'base de données (selector), ' + kind:<52} {len(typed):>8} {percentile(sql_ms, 50):>10.1f} "
            f"{sql_p95[kind]:>10.1f} {'':>8}"
        )
    answer_ms = answers(100)
    print(f"{'réponse d’un immeuble non raccordable':<52} {len(answer_ms):>8} {percentile(answer_ms, 50):>10.1f} "
          f"{percentile(answer_ms, 95):>10.1f} {'':>8}")  # fmt: skip
    common = queries["avec la commune"]
    http_ms, errors, rps = http_load(common)
    print(
        f"{'HTTP, 8 clients (gunicorn), avec la commune':<52} {len(http_ms):>8} {percentile(http_ms, 50):>10.1f} "
        f"{percentile(http_ms, 95):>10.1f} {rps:>8.0f}"
    )
    print(f"ratio HTTP / SQL (p95) : {percentile(http_ms, 95) / sql_p95['avec la commune']:.1f} ; erreurs : {errors}")


def tile_xy(lon, lat, z):
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buildings", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["search"], help="Only the address search (after one import).")
    parser.add_argument("--child-import")
    args = parser.parse_args()
    if args.child_import:
        child_import(args.child_import)
        return
    setup_django()
    from django.db import connection

    from ftth import selectors, synthetic, tiles
    from ftth.imports import STREETS_SQL
    from ftth.models import ImportRun

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ipe.csv"
        start = time.perf_counter()
        synthetic.write(path, buildings=args.buildings, fmt="ipe", seed=11)
        print(f"Fichier IPE synthétique : {args.buildings} immeubles, {path.stat().st_size / 1e6:.0f} Mo, "
              f"écrit en {time.perf_counter() - start:.1f} s")  # fmt: skip
        try:
            if args.only == "search":
                state, seconds, peak, created, rejected, error = imported(path)
                print(f"Import ({state}) : {seconds:.1f} s, {created} immeubles créés, {rejected} rejetés {error}")
                search(selectors)
                return
            raw = raw_copy_seconds(path)
            state, seconds, peak, created, rejected, error = imported(path)
            # The same file again: every building is compared with the file, nothing is written.
            again_state, again, again_peak, *_ = imported(path)
            print("\nImport")
            print(f"{'étape':<32} {'durée (s)':>10} {'lignes/s':>10} {'ratio':>7}")
            print(f"{'COPY brut (table non journalisée)':<32} {raw:>10.2f} {args.buildings / raw:>10.0f} {1:>7.1f}")
            print(
                f"{'import complet (' + state + ')':<32} {seconds:>10.2f} {args.buildings / seconds:>10.0f} {seconds / raw:>7.1f}"
            )
            print(
                f"{'ré-import (rien ne change, ' + again_state + ')':<32} {again:>10.2f} {args.buildings / again:>10.0f} "
                f"{again / raw:>7.1f}"
            )
            print(f"créés : {created}, rejetés : {rejected}, mémoire max de l'import : {peak} Mo "
                  f"(ré-import : {again_peak} Mo) {error}")  # fmt: skip

            search(selectors)

            print("\nTuiles vectorielles (non mises en cache), Paris centre")
            print(f"{'zoom':>5} {'tuiles':>7} {'p50 (ms)':>10} {'p95 (ms)':>10} {'taille max (Ko)':>16}")
            for z in (10, 12, 14, 16):
                cx, cy = tile_xy(2.3470, 48.8590, z)
                span = 1 if z <= 12 else 2
                timings, sizes = [], []
                for x in range(cx - span, cx + span + 1):
                    for y in range(cy - span, cy + span + 1):
                        start = time.perf_counter()
                        data = tiles.render(z, x, y)
                        timings.append((time.perf_counter() - start) * 1000)
                        sizes.append(len(data))
                print(
                    f"{z:>5} {len(timings):>7} {percentile(timings, 50):>10.1f} {percentile(timings, 95):>10.1f} {max(sizes) / 1024:>16.0f}"
                )
        finally:
            with connection.cursor() as cursor:  # in SQL: the ORM would load a million buildings to delete them
                for table in ("ftth_buildingstatuschange", "ftth_alertsubscription"):
                    cursor.execute(
                        f"DELETE FROM {table} WHERE building_id IN "  # noqa: S608 — constant names
                        "(SELECT id FROM ftth_building WHERE operator_code = 'BENCH')"
                    )
                cursor.execute("DELETE FROM ftth_building WHERE operator_code = 'BENCH'")
                ImportRun.objects.filter(operator_code="BENCH").delete()
                cursor.execute(STREETS_SQL)
                cursor.execute(tiles.AGGREGATES_SQL)
            tiles.invalidate()


if __name__ == "__main__":
    main()

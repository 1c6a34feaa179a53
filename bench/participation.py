"""Participatory budget votes under load: never lost, never doubled, counted exactly; the vote's latency.

1. Service (``services.ballot_cast``): ``--voters`` citizens (500) vote on one budget (approval, 3 projects at
   most, 8 projects) from ``--threads`` threads (32), each thread with its own database connection. Every voter
   casts twice, a first ballot and a changed one, and the 1,000 casts are shuffled together: a voter's change
   often runs while their first ballot is still being written by another connection. At the end: exactly one
   ballot per voter, the per-project totals (the tally's aggregate) equal to the sum of what the ballots hold,
   and every ballot holds one of the two choices its voter sent. Prints casts per second and the p50/p95 of a
   cast.
2. HTTP (``--url http://127.0.0.1:8014``, a gunicorn started with the same ``DATABASE_URL``): ``--http-voters``
   signed-in citizens (sessions made for the bench) POST the vote form, ``--http-concurrency`` at a time (4), twice each (a vote then a
   change); prints the p50/p95 of the POST (a 302 to the vote page) against the 100 ms target.

What the bench creates is committed (the threads need it) under a ``bench-part-<random>`` prefix and deleted
at the end. Needs the local database with its reference data:

    .venv/bin/python bench/participation.py [--voters 500] [--threads 32] [--url http://127.0.0.1:8014]
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from participation import selectors, services  # noqa: E402
from participation.models import Ballot, BallotChoice, Budget, BudgetProject, Phase, Process, Space  # noqa: E402
from sman.models import Organisation, User  # noqa: E402


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def setup(prefix: str, voters: int):
    organisation = Organisation.objects.filter(kind="collectivity", participation_space__isnull=True).first()
    staff = User.objects.create_user(f"{prefix}-staff@example.invalid", is_staff=True)
    with transaction.atomic():
        space = services.space_create(organisation=organisation, slug=prefix, by=staff)
        today = timezone.localdate()
        process = services.process_create(
            space=space, by=staff, title=f"{prefix} budget", slug=prefix, summary="Bench",
            territories=[organisation.territory], phases=[(Phase.Kind.VOTE, today, today + timedelta(days=1), [])],
        )  # fmt: skip
        budget = Budget.objects.create(
            process=process, title=prefix, territory=organisation.territory, amount_cents=100_000_00, rule="approval",
            max_projects=3, vote_opens_at=timezone.now() - timedelta(hours=1),
            vote_closes_at=timezone.now() + timedelta(days=1),
        )  # fmt: skip
        projects = BudgetProject.objects.bulk_create(
            [BudgetProject(budget=budget, title=f"Projet {i}", cost_cents=(i + 1) * 5_000_00) for i in range(8)]
        )
        users = User.objects.bulk_create([User(email=f"{prefix}-{i}@example.invalid") for i in range(voters)])
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
        )
    return staff, space, budget, [p.pk for p in projects], users


def cleanup(prefix: str) -> None:
    with transaction.atomic():
        BallotChoice.objects.filter(ballot__budget__title=prefix).delete()
        Ballot.objects.filter(budget__title=prefix).delete()
        Process.objects.filter(slug=prefix).delete()
        Space.objects.filter(slug=prefix).delete()
        User.objects.filter(email__startswith=f"{prefix}-").delete()


def service_bench(budget, project_ids, users, threads: int) -> None:
    rng = random.Random(5)
    sent = {u.pk: [] for u in users}
    casts = []
    for user in users:
        for _ in range(2):
            choice = rng.sample(project_ids, rng.randint(1, 3))
            sent[user.pk].append(set(choice))
            casts.append((user, choice))
    rng.shuffle(casts)
    queue, lock, timings, errors = list(casts), threading.Lock(), [], []
    barrier = threading.Barrier(threads)

    def worker():
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    user, choice = queue.pop()
                start = time.perf_counter()
                services.ballot_cast(budget=budget, voter=user, project_ids=choice)
                elapsed = time.perf_counter() - start
                with lock:
                    timings.append(elapsed)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(repr(exc))
        finally:
            close_old_connections()

    start = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - start
    ballots = list(Ballot.objects.filter(budget=budget).prefetch_related("choices"))
    held = {b.voter_id: {c.project_id for c in b.choices.all()} for b in ballots}
    per_project = {}
    for choices in held.values():
        for pk in choices:
            per_project[pk] = per_project.get(pk, 0) + 1
    tally = {row["project"].pk: row["votes"] for row in selectors.budget_tally(budget)["rows"]}
    one_each = len(ballots) == len(users) and len(held) == len(users)
    exact = all(tally.get(pk, 0) == per_project.get(pk, 0) for pk in project_ids)
    consistent = all(held[u.pk] in sent[u.pk] for u in users)
    print(f"service: {len(casts)} casts by {len(users)} voters on {threads} connections in {seconds:.1f} s "
          f"({len(casts) / seconds:.0f}/s); cast p50 {statistics.median(timings) * 1000:.0f} ms, "
          f"p95 {percentile(timings, 95) * 1000:.0f} ms; errors {len(errors)}")  # fmt: skip
    print(f"  ballots {len(ballots)} for {len(users)} voters (one each: {one_each}); totals = sum of ballots: "
          f"{exact} ({sum(tally.values())} choices); each ballot is one of its voter's casts: {consistent}")  # fmt: skip
    if errors:
        print("  first error:", errors[0])
    if not (one_each and exact and consistent and not errors):
        sys.exit(1)


def session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_bench(url: str, budget, project_ids, users, concurrency: int) -> None:
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked secret, sent as cookie and field
    opener = urllib.request.build_opener(NoRedirect)
    target = f"{url.rstrip('/')}/participation/budgets/{budget.pk}/"
    sessions = [(u, session_cookie(u)) for u in users]
    rng = random.Random(9)

    def post(item):
        _, key = item
        body = urllib.parse.urlencode(
            [("csrfmiddlewaretoken", csrf), *(("projects", pk) for pk in rng.sample(project_ids, 2))]
        ).encode()
        request = urllib.request.Request(target, data=body, method="POST")
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}")
        request.add_header("Referer", target)
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        start = time.perf_counter()
        try:
            status = opener.open(request, timeout=30).status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, time.perf_counter() - start

    with ThreadPoolExecutor(8) as pool:  # warm the workers (imports, connections)
        list(pool.map(post, sessions[:16]))
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(post, sessions + sessions))
    baseline = []
    for _ in range(50):  # the machine's own pace: a static page, one at a time
        start = time.perf_counter()
        opener.open(f"{url.rstrip('/')}/mentions-legales/", timeout=30).read()
        baseline.append(time.perf_counter() - start)
    print(
        f"HTTP baseline (a static page, sequential): p50 {statistics.median(baseline) * 1000:.0f} ms, "
        f"p95 {percentile(baseline, 95) * 1000:.0f} ms"
    )
    statuses = {s: sum(1 for x, _ in results if x == s) for s in {x for x, _ in results}}
    timings = [t for _, t in results]
    p95 = percentile(timings, 95) * 1000
    print(f"HTTP: {len(results)} vote POSTs ({concurrency} concurrent) → {statuses}; p50 {statistics.median(timings) * 1000:.0f} ms,"
          f" p95 {p95:.0f} ms (target 100 ms: {'met' if p95 <= 100 else 'missed'})")  # fmt: skip
    ballots = Ballot.objects.filter(budget=budget, voter__in=users).count()
    print(f"  ballots of the HTTP voters: {ballots} for {len(users)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--url", default="")
    parser.add_argument("--http-voters", type=int, default=200)
    parser.add_argument("--http-concurrency", type=int, default=4)
    args = parser.parse_args()
    prefix = f"bench-part-{secrets.token_hex(3)}"
    try:
        staff, space, budget, project_ids, users = setup(prefix, args.voters + args.http_voters)
        voters, http_voters = users[: args.voters], users[args.voters :]
        service_bench(budget, project_ids, voters, args.threads)
        if args.url:
            http_bench(args.url, budget, project_ids, http_voters, args.http_concurrency)
    finally:
        close_old_connections()
        connection.close()
        cleanup(prefix)


if __name__ == "__main__":
    main()

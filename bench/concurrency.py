"""Many clients at once against the running portal (`make run`, gunicorn): no connection may be dropped.

Each round opens 200 connections at the same time (asyncio, one process) and, once they are all open,
sends one request on each: the home page, a public API list, a static file (WhiteNoise), or the
validation of a demo Pass Numérique ticket by the demo place's agent (``POST /api/pass/tickets/redeem/``,
with an API token), every validation of a round on the same ticket: exactly one succeeds (201) and all
the others are refused (409, already used). Prints the connections attempted, completed and dropped or
failed, the status codes, p50 / p95 / max latency per kind of request and requests per second; exits
with status 1 when a connection was dropped, a status was unexpected or a ticket was not validated
exactly once.

The server's API limits (``API_ANON_RATE`` 120/minute, ``API_USER_RATE`` 2000/hour by default) answer
429 long before 200 clients: start `make run` for benchmarks with high ones (it restarts the web server
with the environment it is given), then run the bench:

    API_ANON_RATE=1000000/minute API_USER_RATE=1000000/minute make run
    .venv/bin/python bench/concurrency.py [--url http://127.0.0.1:8000] [--connections 200] [--rounds 3]

It reads the demo data (`make run` loads it) in the server's database (the same ``DATABASE_URL``), and
puts everything back afterwards: the validations it made are deleted, and the API token if it made one.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")

HOME, API_LIST, STATIC, REDEEM = "/", "/api/actions/", "/static/css/portal.css", "/api/pass/tickets/redeem/"
KINDS = {  # connection i sends the request of kind i % 4
    "page": "accueil /",
    "api": f"API {API_LIST}",
    "static": f"fichier statique {STATIC}",
    "redeem": "validation de ticket",
}
DEMO_PLACE = "demo-espace-numerique-montreuil"  # sman/demo.py, passnumerique/demo.py
DEMO_FUNDER = "demo-ccas-montreuil"
USED = "déjà utilisé"  # passnumerique.services.Refusal.USED


def setup_django() -> None:
    import django

    django.setup()


def api_token(user) -> tuple[str, Callable[[], object]]:
    """An API token with which ``user`` may validate tickets, and how to put things back afterwards (the
    token is deleted afterwards)."""
    from sman.services import api_token_create

    token, key = api_token_create(user=user, name="bench/concurrency.py", scopes=["pass:tickets"], days=30)
    return key, token.delete


def demo_tickets(rounds: int):
    """The demo place's agent, the place, one of its trainings, and ``rounds`` demo tickets it may
    validate today (handed out, never validated)."""
    from passnumerique import services
    from passnumerique.models import MediationPlace, Ticket
    from sman.demo import ACCOUNTS
    from sman.models import User

    email = next(account.email for account in ACCOUNTS if account.role == "mediation_agent")
    agent = User.objects.filter(email=email).first()
    place = MediationPlace.objects.filter(organisation__slug=DEMO_PLACE).select_related("organisation").first()
    training = place and place.trainings.order_by("tickets_required", "id").first()
    if agent is None or training is None:
        sys.exit("Pas de données de démonstration : lancer d'abord `make run`.")
    candidates = Ticket.objects.filter(
        booklet__order__funder__slug=DEMO_FUNDER, booklet__beneficiary__isnull=False, redemption__isnull=True
    ).order_by("id")
    tickets = [t for t in candidates if services.ticket_check(code=t.code, place=place, training=training).ok]
    if len(tickets) < rounds:
        sys.exit(f"{len(tickets)} tickets de démonstration validables pour {rounds} tours : moins de tours.")
    return agent, place, training, tickets[:rounds]


# A SYN the server's listen queue had no room for is dropped, and the client's kernel sends it again only
# after a second: a connection that took that long to open was turned away once.
RETRIED_CONNECT_MS = 950


@dataclass
class Outcome:
    kind: str
    status: int | None  # None: the connection was dropped or failed
    ms: float = 0.0  # from the request sent to the end of the response
    connect_ms: float = 0.0
    error: str = ""
    reason: str = ""  # a ticket validation's refusal


def http_request(host: str, port: int, kind: str, ticket_body: bytes, token: str) -> bytes:
    lines = [f"Host: {host}:{port}", "Connection: close", "User-Agent: sman-bench-concurrency"]
    if kind != "redeem":
        path = {"page": HOME, "api": API_LIST, "static": STATIC}[kind]
        return ("\r\n".join([f"GET {path} HTTP/1.1", *lines]) + "\r\n\r\n").encode()
    lines += [f"Authorization: Token {token}", "Content-Type: application/json", "Accept: application/json",
              f"Content-Length: {len(ticket_body)}"]  # fmt: skip
    return ("\r\n".join([f"POST {REDEEM} HTTP/1.1", *lines]) + "\r\n\r\n").encode() + ticket_body


async def exchange(connection, kind: str, request: bytes, timeout: float) -> Outcome:
    """Sends the request on an open connection and reads the response to the end (the server closes)."""
    (reader, writer), connect_ms = connection
    start = time.perf_counter()
    try:
        writer.write(request)
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), timeout)
    except (OSError, TimeoutError) as exc:
        return Outcome(kind, None, connect_ms=connect_ms, error=type(exc).__name__)
    finally:
        writer.close()
    ms = (time.perf_counter() - start) * 1000
    head, _, body = response.partition(b"\r\n\r\n")
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) < 2 or not parts[1].isdigit():
        return Outcome(kind, None, ms, connect_ms, error="réponse vide ou illisible")
    outcome = Outcome(kind, int(parts[1]), ms, connect_ms)
    if kind == "redeem" and outcome.status == 409:
        try:
            outcome.reason = json.loads(body).get("reason", "")
        except ValueError:
            outcome.reason = "?"
    return outcome


async def one_round(host: str, port: int, kinds: list[str], requests: dict, timeout: float):
    """Opens every connection at once, then, when all are open (or failed), sends every request."""

    async def connect():
        start = time.perf_counter()
        streams = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        return streams, (time.perf_counter() - start) * 1000

    connections = await asyncio.gather(*(connect() for _ in kinds), return_exceptions=True)
    start = time.perf_counter()
    pending, outcomes = [], []
    for kind, connection in zip(kinds, connections, strict=True):
        if isinstance(connection, BaseException):
            outcomes.append(Outcome(kind, None, error=f"connexion : {type(connection).__name__}"))
        else:
            pending.append(exchange(connection, kind, requests[kind], timeout))
    outcomes += await asyncio.gather(*pending)
    return outcomes, time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def report(args, outcomes: list[Outcome], seconds: float, per_ticket: list[Counter], in_database: list[int]) -> bool:
    completed = [o for o in outcomes if o.status is not None]
    dropped = [o for o in outcomes if o.status is None]
    statuses = Counter(o.status for o in completed)
    print(f"\nServeur {args.url} : {args.connections} connexions simultanées × {args.rounds} tours")
    print(f"{'connexions tentées':<28} {len(outcomes):>8}")
    print(f"{'réponses complètes':<28} {len(completed):>8}")
    print(f"{'perdues ou en erreur':<28} {len(dropped):>8}")
    connect_ms = [o.connect_ms for o in outcomes if o.connect_ms]
    retried = sum(ms >= RETRIED_CONNECT_MS for ms in connect_ms)
    print(f"{'ouvertes au second essai':<28} {retried:>8}   (ouverture : p50 {percentile(connect_ms, 50):.0f} ms, "
          f"max {max(connect_ms, default=0):.0f} ms ; un SYN refusé coûte 1 s)")  # fmt: skip
    print(f"{'codes HTTP':<28} " + ", ".join(f"{code} : {n}" for code, n in sorted(statuses.items())))
    for error, n in Counter(o.error for o in dropped).most_common():
        print(f"  {error} : {n}")
    print(f"\n{'requête':<40} {'nombre':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, label in [*KINDS.items(), ("", "ensemble")]:
        ms = [o.ms for o in completed if o.kind == kind or not kind]
        print(
            f"{label:<40} {len(ms):>7} {percentile(ms, 50):>8.0f} {percentile(ms, 95):>8.0f} {max(ms, default=0):>8.0f}"
        )
    print(f"\n{len(completed) / seconds:.0f} requêtes/s ({len(completed)} réponses en {seconds:.2f} s, "
          f"ouverture des connexions non comptée)")  # fmt: skip

    ok = not dropped and not retried
    expected = {"page": {200}, "api": {200}, "static": {200}, "redeem": {201, 409}}
    unexpected = Counter((o.kind, o.status) for o in completed if o.status not in expected[o.kind])
    if unexpected:
        ok = False
        print("Codes inattendus : " + ", ".join(f"{KINDS[k]} → {s} ({n})" for (k, s), n in unexpected.items()))
    if statuses[429]:
        print("Des 429 : limites de l'API du serveur. Relancer `API_ANON_RATE=1000000/minute "
              "API_USER_RATE=1000000/minute make run` avant la mesure.")  # fmt: skip
    reasons = Counter(o.reason for o in completed if o.kind == "redeem" and o.status == 409)
    once = all(c[201] == 1 for c in per_ticket) and in_database == [1] * len(per_ticket) and set(reasons) <= {USED}
    print(f"Tickets : {len(per_ticket)}, validés {'chacun une seule fois' if once else 'PAS une seule fois'} "
          f"(201 par ticket : {[c[201] for c in per_ticket]}, 409 : {sum(c[409] for c in per_ticket)} "
          f"{dict(reasons)}, validations en base par ticket : {in_database})")  # fmt: skip
    return ok and once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('SMAN_WEB_PORT', '8000')}")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="secondes, par connexion et par réponse")
    args = parser.parse_args()
    url = urlsplit(args.url)
    if url.scheme != "http" or not url.hostname:
        sys.exit("--url : une adresse http://hôte:port")
    host, port = url.hostname, url.port or 80

    setup_django()
    from django.utils import timezone

    from passnumerique.models import Redemption

    agent, place, training, tickets = demo_tickets(args.rounds)
    token, revoke_token = api_token(agent)
    started_at = timezone.now()
    kinds = [list(KINDS)[i % len(KINDS)] for i in range(args.connections)]
    outcomes, seconds, per_ticket = [], 0.0, []
    try:
        # Every worker past its first request (URL resolver, templates), not measured.
        warm_up = {k: http_request(host, port, k, b"", token) for k in ("page", "api", "static")}
        asyncio.run(one_round(host, port, ["page", "api", "static"] * 8, warm_up, args.timeout))
        for ticket in tickets:
            body = json.dumps({"code": ticket.code, "place": place.pk, "training": training.pk}).encode()
            requests = {k: http_request(host, port, k, body, token) for k in KINDS}
            round_outcomes, round_seconds = asyncio.run(one_round(host, port, kinds, requests, args.timeout))
            outcomes += round_outcomes
            seconds += round_seconds
            per_ticket.append(Counter(o.status for o in round_outcomes if o.kind == "redeem"))
        in_database = [Redemption.objects.filter(ticket=t).count() for t in tickets]
    finally:
        # The demo tickets as they were: only this run's validations, by the demo agent, not yet on a statement.
        Redemption.objects.filter(
            ticket__in=tickets, agent=agent, redeemed_at__gte=started_at, statement__isnull=True
        ).delete()
        revoke_token()
    if not report(args, outcomes, seconds, per_ticket, in_database):
        sys.exit(1)


if __name__ == "__main__":
    main()

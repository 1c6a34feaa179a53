"""Time and SQL queries per request for the shared pages and API (Django test client, local DB).

Prints, per URL: median and 95th-percentile time, queries per request, and the ratio to the home
page, so that a regression on one page stands out whatever the machine.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")
# The bench is its own server (test client): the API limits are for clients, not for the measure, which
# makes hundreds of API calls a minute from one address (the limit would answer 429).
os.environ["API_ANON_RATE"] = os.environ["API_USER_RATE"] = "1000000/minute"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

URLS = [
    "/",
    "/territoires/",
    "/territoires/T12/",
    "/communes/75056/",
    "/api/territories/?kind=commune",
    "/api/territories/?format=geojson&parent=T12",
]


def measure(client: Client, url: str, n: int) -> tuple[float, float, int]:
    client.get(url)  # warm-up
    timings = []
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (n - 1))], len(ctx) // n


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    setup_test_environment()
    client = Client()
    results = {url: measure(client, url, args.requests) for url in URLS}
    base = results["/"][0]
    print(f"{'URL':<48} {'médiane ms':>10} {'p95 ms':>8} {'requêtes SQL':>13} {'× accueil':>10}")
    for url, (median, p95, queries) in results.items():
        print(f"{url:<48} {median:>10.1f} {p95:>8.1f} {queries:>13} {median / base:>10.1f}")


if __name__ == "__main__":
    main()

"""Resource centre: the French search with its facets at 100,000 published resources, and the annual review PDF.

Generates 100,000 published resources in a few SQL statements (random kinds, themes, défis, communes,
contributing collectivities, years; titles, summaries and bodies drawn from a French vocabulary; one published
version each, a stored search vector), then times what the search page asks of the database: the six facets,
the count and the ids of the first page of 20 (ranked or by date) in one statement, then the 20 cards, uncached
(the facet cache is reset before each search: the first visitor), over a set of searches with and without text
and filters; then with the facets cached (the page's ids then read alone); then the whole page through the
Django test client; then the annual review PDF over these data. Everything is created inside a transaction that is rolled
back: the local database (`make run`) is left as it was — unless ``--keep`` commits the generated
corpus; a later run finds it (the resources whose slug starts with ``bench-``) and reuses it instead of generating
it again (minutes on a loaded machine); ``--drop`` deletes it.

    .venv/bin/python bench/resources.py [--rows 100000] [--repeat 5] [--keep] [--drop]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")
# Measured as the portal runs in production: without DEBUG, which keeps every SQL statement of the process in
# memory with its timing (until session 25 this bench ran with it: about 2 ms more per search).
os.environ.setdefault("DJANGO_DEBUG", "false")

WORDS = (  # noqa: SIM905 — a sentence of the plan's words is easier to read than a list
    "numérique médiation données ouvertes stationnement capteurs guichet usagers citoyens participation budget "
    "fablab bibliothèque école jeunesse inclusion accessibilité écoresponsable blockchain cartographie "
    "dématérialisation courrier relation démarches portail application mobile tiers-lieu formation agents "
    "cybersécurité marchés startups expérimentation évaluation mobilité vélo qualité air énergie éclairage "
    "réseau fibre wifi quartier commune territoire métropole association seniors emploi santé culture sport"
).split()
SEARCHES = [
    {},
    {"q": "médiation numérique"},
    {"q": "donnees ouvertes"},
    {"q": "stationnement", "tri": "date"},
    {"q": "capteurs qualité de l'air", "kind": "feedback"},
    {"q": "fablab", "theme": "digital_inclusion"},
    {"q": "portail citoyens", "territoire": "T8"},
    {"q": "blockchain"},
    {"kind": "guide", "annee": "2024"},
    {"theme": "open_data", "defi": "3"},
    {"territoire": "93048"},
    {"q": "formation des agents", "territoire": "T12", "kind": "kit"},
    {"q": "vélo -énergie"},
    {"q": '"relation usagers"'},
    {"q": "inexistantmot"},
]

SYLLABLES = ("ca", "lo", "mi", "ter", "pon", "vi", "ra", "de", "su", "ni", "bo", "gal")


def vocabulary(size: int = 3000) -> list[str]:
    """The plan's words first, then made-up French-looking words: a corpus where a word is in a few percent of
    the resources (a search's matches grow with its words' frequency, as in a real centre)."""
    import itertools

    made_up = ("".join(p) for n in (3, 4) for p in itertools.product(SYLLABLES, repeat=n))
    return WORDS + list(itertools.islice(made_up, size - len(WORDS)))


# Titles draw from the 300 first words, summaries from the 600 first, bodies from all: the plan's words are in
# about 1 % of titles, 2 % of summaries and 1.3 % of bodies each.
GENERATE = """
WITH params AS (SELECT %(words)s::text[] AS w, %(kinds)s::text[] AS k, %(themes)s::text[] AS t,
                       %(orgs)s::bigint[] AS o),
rows AS (SELECT i, 2018 + floor(random() * 9)::int AS y FROM generate_series(1, %(rows)s) AS i)
INSERT INTO resources_resource (kind, slug, title, summary, body, themes, organisation_id, author_id, licence,
    source_app, source_id, is_demo, state, refusal_reason, created_at, updated_at, published_at, published_year,
    attachments_text, submitted_at)
SELECT k[1 + floor(random() * array_length(k, 1))::int],
       'bench-' || i,
       initcap(array_to_string(ARRAY(SELECT w[1 + floor(random() * 300)::int] FROM generate_series(1, 4)
                                     WHERE i > 0), ' ')),
       array_to_string(ARRAY(SELECT w[1 + floor(random() * 600)::int] FROM generate_series(1, 15) WHERE i > 0), ' '),
       '<p>' || array_to_string(ARRAY(SELECT w[1 + floor(random() * array_length(w, 1))::int]
                                      FROM generate_series(1, 40) WHERE i > 0), ' ') || '</p>',
       ARRAY[t[1 + floor(random() * array_length(t, 1))::int], t[1 + floor(random() * array_length(t, 1))::int]]
           ::varchar[],
       o[1 + floor(random() * array_length(o, 1))::int], %(author)s, 'lo-2.0', '', NULL, false, 'published', '',
       now(), now(), make_timestamptz(y, 1 + floor(random() * 12)::int, 1 + floor(random() * 28)::int, 12, 0, 0),
       y, '', now()
FROM params, rows
"""
VERSIONS = """
INSERT INTO resources_resourceversion (resource_id, number, title, summary, body, change_note, author_id,
    published_by_id, published_at)
SELECT id, 1, title, summary, body, 'Première publication', author_id, author_id, published_at
FROM resources_resource WHERE slug LIKE 'bench-%%'
"""
LINK = """
UPDATE resources_resource r SET current_version_id = v.id,
  search_vector = setweight(to_tsvector('fr_unaccent', v.title), 'A')
               || setweight(to_tsvector('fr_unaccent', v.summary), 'B')
               || setweight(to_tsvector('fr_unaccent', v.body), 'C')
FROM resources_resourceversion v WHERE v.resource_id = r.id AND r.slug LIKE 'bench-%%'
"""
M2M = """
INSERT INTO resources_resource_territories (resource_id, territory_id)
SELECT r.id, (%(communes)s::bigint[])[1 + floor(random() * array_length(%(communes)s::bigint[], 1))::int]
FROM resources_resource r WHERE r.slug LIKE 'bench-%%';
INSERT INTO resources_resource_challenges (resource_id, challenge_id)
SELECT r.id, (%(challenges)s::bigint[])[1 + floor(random() * array_length(%(challenges)s::bigint[], 1))::int]
FROM resources_resource r WHERE r.slug LIKE 'bench-%%';
"""


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="commit the generated rows (to profile with EXPLAIN)")
    parser.add_argument("--drop", action="store_true", help="delete a kept corpus and exit")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from resources import review, selectors, services
    from resources.models import Kind, Resource, SearchEntry, Theme
    from sman.models import Challenge, Organisation, Territory, User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    orgs = list(Organisation.objects.filter(kind="collectivity").values_list("pk", flat=True))
    if not orgs:
        sys.exit("No collectivities: run `make run` (or `manage.py load_reference`) first.")
    communes = list(Territory.objects.communes().values_list("pk", flat=True))
    challenges = list(Challenge.objects.values_list("pk", flat=True))

    kept = Resource.objects.filter(slug__startswith="bench-")
    if args.drop:
        with transaction.atomic(), connection.cursor() as cursor:
            bench = "(SELECT id FROM resources_resource WHERE slug LIKE 'bench-%%')"
            cursor.execute(f"UPDATE resources_resource SET current_version_id = NULL WHERE id IN {bench}")
            for table in (
                "searchentry",
                "resourceversion",
                "resource_territories",
                "resource_challenges",
                "dailyusage",
            ):
                cursor.execute(f"DELETE FROM resources_{table} WHERE resource_id IN {bench}")
            cursor.execute("DELETE FROM resources_resource WHERE slug LIKE 'bench-%%'")
            deleted = cursor.rowcount
            User.objects.filter(email="bench-resources@example.org").delete()
        selectors.facets_changed()  # the portal's cached facet counts no longer count the corpus
        print(f"kept corpus deleted ({deleted} rows)")
        return

    def generate():
        started = time.perf_counter()
        author = User.objects.create(email="bench-resources@example.org", is_staff=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute(
                GENERATE,
                {"words": vocabulary(), "kinds": [k for k in Kind.values if k != "annual_review"],
                 "themes": Theme.values, "orgs": orgs, "author": author.pk, "rows": args.rows},
            )  # fmt: skip
            cursor.execute(VERSIONS)
            cursor.execute(LINK)
            cursor.execute(M2M, {"communes": communes, "challenges": challenges})
            cursor.execute("SELECT array_agg(id) FROM resources_resource WHERE slug LIKE 'bench-%%'")
            services.refresh_search_entries(cursor.fetchone()[0])  # the narrow rows, as publication writes them
            cursor.execute("ANALYZE resources_resource; ANALYZE resources_resourceversion;")
            cursor.execute("ANALYZE resources_searchentry;")
            cursor.execute("ANALYZE resources_resource_territories; ANALYZE resources_resource_challenges;")
        elapsed = time.perf_counter() - started
        print(f"{args.rows:,} published resources generated in {elapsed:.1f} s".replace(",", " "))

    if kept.exists():
        print(f"reusing the kept corpus ({kept.count():,} resources)".replace(",", " "))
        if SearchEntry.objects.filter(resource__slug__startswith="bench-").count() < kept.count():
            with transaction.atomic(), connection.cursor() as cursor:  # the narrow rows, after a schema change
                services.refresh_search_entries(kept.values_list("pk", flat=True))
                cursor.execute("ANALYZE resources_searchentry;")
    elif args.keep:
        with transaction.atomic():  # committed before the timings: kept even if a later step fails
            generate()
        selectors.facets_changed()  # the local portal's counts: with the corpus from now on

    with transaction.atomic():  # rolled back: the corpus when not kept, what the pages and the review write
        if not kept.exists():
            generate()

        def one_search(data, *, cached=False):
            """What the search page asks: the facets (whose kinds' counts give the number of results) and the
            page of 20."""
            params = selectors.SearchParams.from_query("&".join(f"{k}={v}" for k, v in data.items()))
            if not cached:
                cache.clear()  # the facets computed: what the first visitor of a search waits for
            t0 = time.perf_counter()
            found = selectors.run_search(params)  # the facets and, when computed, the first page's ids
            facet_parts.append((time.perf_counter() - t0) * 1000)
            count, results = found.count, found.results
            page = results[:20]  # as the page reads it (the cards of the 20)
            assert len(page) == min(20, count)
            return (time.perf_counter() - t0) * 1000, count

        facet_parts = []

        for data in SEARCHES:  # warm-up: plans, caches of the database
            one_search(data)
        timings, rows_found = [], {}
        facet_parts.clear()
        for _ in range(args.repeat):
            for data in SEARCHES[1:]:
                elapsed, count = one_search(data)
                rows_found[str(data)] = count
                timings.append(elapsed)
        facet_median = statistics.median(facet_parts)
        uncached_all, rows_found[str({})] = one_search({})
        everything = [one_search({}, cached=True)[0] for _ in range(args.repeat)]
        print(f"{'search':<62} {'matches':>8}")
        for data in SEARCHES:
            print(f"{str(data)[:62]:<62} {rows_found[str(data)]:>8}")
        print(
            f"searches with a text or a filter, facets uncached, {len(timings)} runs: median "
            f"{statistics.median(timings):.1f} ms (facets {facet_median:.1f} ms), p95 {percentile(timings, 95):.1f} ms, "
            f"max {max(timings):.1f} ms"
        )
        print(f"the whole centre (no text, no filter; its facets cached until the next publication): median "
              f"{statistics.median(everything):.1f} ms")  # fmt: skip
        print(f"the same, its facets computed (after a publication): {uncached_all:.0f} ms")
        for data in SEARCHES:
            one_search(data, cached=True)  # each search's facets in the cache
        cached = [one_search(data, cached=True)[0] for data in SEARCHES for _ in range(args.repeat)]
        print(
            f"every search, facets cached: median {statistics.median(cached):.1f} ms, p95 {percentile(cached, 95):.1f} ms"
        )

        client = Client()
        pages = []
        for data in SEARCHES:
            cache.clear()
            t0 = time.perf_counter()
            response = client.get("/ressources/", data)
            pages.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        print(f"whole page /ressources/ (rendered), uncached facets: median {statistics.median(pages):.1f} ms, "
              f"p95 {percentile(pages, 95):.1f} ms")  # fmt: skip

        year = timezone.localdate().year - 1
        t0 = time.perf_counter()
        pdf = review.review_pdf(year, "Introduction du banc d'essai.\n\nUne année de coopération.")
        print(f"annual review {year} PDF: {time.perf_counter() - t0:.1f} s, {len(pdf) / 1024:.0f} KB")
        transaction.set_rollback(True)
    # The facet counts the runs cached (the corpus rolled back, or the kept one's) are not the local portal's.
    selectors.facets_changed()


if __name__ == "__main__":
    main()

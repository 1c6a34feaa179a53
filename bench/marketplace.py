"""« J'adopte une innovation » hot paths: matching a need, and the needs search.

Creates 5,000 official members (profile, charter signature) with 20,000 published solutions and 10,000
published needs, all with generated French text, by SQL (INSERT … SELECT: a few seconds), stores their search
vectors (``fr_unaccent``) in one UPDATE per table, then times:

- the matching of a need (``marketplace.selectors.match_need``: défi, themes, territory, French full-text search
  over solutions and member profiles, best solution per member, top 20) for 100 needs — target p95 ≤ 50 ms;
- the needs search of the list page (``selectors.search_public_needs`` on the narrow ``NeedSearchRow`` rows: exact
  count, the 200 first matches ranked, first page of 20 needs with their joins) for 100 one- and two-word queries
  — target p95 ≤ 30 ms; the former way (``rank_search`` over the wide needs, every match ranked) is timed on the
  same queries for comparison, and both must find the same number of needs.

Everything happens inside a transaction that is rolled back: the local database (`make run`) is left as it was.

    .venv/bin/python bench/marketplace.py [--members 5000 --solutions 20000 --needs 10000]
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")

WORDS = [
    "usagers",
    "guichet",
    "rendez-vous",
    "état",
    "civil",
    "mairie",
    "accueil",
    "agent",
    "conversationnel",
    "démarches",
    "formulaire",
    "dématérialisé",
    "école",
    "cantine",
    "périscolaire",
    "inscription",
    "famille",
    "qualité",
    "air",
    "capteur",
    "dioxyde",
    "particules",
    "classe",
    "bruit",
    "mesure",
    "vélo",
    "piste",
    "cyclable",
    "comptage",
    "piétons",
    "mobilité",
    "stationnement",
    "voirie",
    "éclairage",
    "public",
    "énergie",
    "bâtiment",
    "consommation",
    "chauffage",
    "données",
    "ouvertes",
    "tableau",
    "bord",
    "cartographie",
    "signalement",
    "propreté",
    "déchets",
    "collecte",
    "tri",
    "participation",
    "citoyenne",
    "budget",
    "participatif",
    "vote",
    "consultation",
    "concertation",
    "habitants",
    "quartier",
    "association",
    "médiation",
    "numérique",
    "inclusion",
    "seniors",
    "formation",
    "accompagnement",
    "tablette",
    "aide",
    "sociale",
    "logement",
    "urbanisme",
    "permis",
    "cybersécurité",
    "sauvegarde",
    "messagerie",
    "archivage",
    "parapheur",
    "signature",
    "électronique",
    "facturation",
    "paiement",
    "en",
    "ligne",
]


# Besides the domain words, a long tail of other words (as in real sheets: names, places, techniques), drawn with a
# skew (the first ones often, the last ones rarely): a corpus where a few words are everywhere and most are rare.
VOCABULARY = WORDS + [f"terme{i}" for i in range(3000)]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--solutions", type=int, default=20000)
    parser.add_argument("--needs", type=int, default=10000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from marketplace import selectors, services
    from marketplace.models import Charter, MemberProfile, Need, Solution
    from sman.models import Organisation, Territory, User
    from sman.search import rank_search

    charter = Charter.objects.current()
    communes = list(Territory.objects.communes().values_list("pk", flat=True))
    buyers = list(
        Organisation.objects.filter(kind="collectivity", territory__kind="commune").values_list("pk", flat=True)
    )
    if not charter or not communes or not buyers:
        sys.exit("No reference data: run `make run` (or `manage.py load_reference`) first.")
    random.seed(42)

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            started = time.perf_counter()
            user = User.objects.create(email="bench-marketplace@example.org")
            text = (
                "array_to_string(ARRAY(SELECT (%(words)s::text[])[1 + floor(power(random(), 2.5) * %(n)s)::int] "
                "FROM generate_series(1, {k}) WHERE g > 0), ' ')"
            )
            params = {
                "words": VOCABULARY,
                "n": len(VOCABULARY),
                "communes": communes,
                "buyers": buyers,
                "user": user.pk,
            }
            themes = (
                "ARRAY['citizen_relations','mobility','environment','digital_inclusion','participation','data',"
                "'administration','education','security','other']"
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO sman_organisation (kind, name, slug, siren, siret, address, postal_code, city,"
                    " territory_id, email, website, is_active, created_at)"
                    " SELECT 'digital_actor', 'Membre ' || g, 'bench-membre-' || g, '', '', '', '', '',"
                    " (%(communes)s::bigint[])[1 + (g %% cardinality(%(communes)s::bigint[]))], '', '', true, now()"
                    f" FROM generate_series(1, {args.members}) g",
                    params,
                )
                cursor.execute(
                    'INSERT INTO marketplace_memberprofile (organisation_id, category, siren, activity, "references",'
                    " is_listed, updated_at)"
                    f" SELECT o.id, 'startup', '', {text.format(k=15)}, '', true, now()"
                    " FROM (SELECT id, row_number() OVER () AS g FROM sman_organisation WHERE slug LIKE 'bench-membre-%%') o",
                    params,
                )
                cursor.execute(
                    "INSERT INTO marketplace_chartersignature (charter_id, organisation_id, signed_by_id, signed_at)"
                    " SELECT %(charter)s, id, %(user)s, now() FROM sman_organisation WHERE slug LIKE 'bench-membre-%%'",
                    {**params, "charter": charter.pk},
                )
                cursor.execute(
                    "INSERT INTO marketplace_solution (member_id, title, problem, audience, description, price_model,"
                    ' price_note, "references", accessibility, accessibility_note, gdpr_note, hosting, hosting_note,'
                    " themes, status, created_at, updated_at)"
                    f" SELECT m.ids[1 + (g %% cardinality(m.ids))], {text.format(k=4)}, {text.format(k=20)},"
                    f" 'Communes', {text.format(k=40)}, 'subscription', '', '', 'partial', '', '', 'france', '',"
                    f" ARRAY[({themes})[1 + (g %% 10)], ({themes})[1 + ((g * 7) %% 10)]], 'published', now(), now()"
                    " FROM (SELECT array_agg(id) AS ids FROM sman_organisation WHERE slug LIKE 'bench-membre-%%') m,"
                    f" generate_series(1, {args.solutions}) g",
                    params,
                )
                cursor.execute(
                    "INSERT INTO marketplace_solution_challenges (solution_id, challenge_id)"
                    " SELECT s.id, (SELECT id FROM sman_challenge ORDER BY id OFFSET (s.id %% 6) LIMIT 1)"
                    " FROM marketplace_solution s JOIN sman_organisation o ON o.id = s.member_id"
                    " WHERE o.slug LIKE %(pattern)s",
                    {"pattern": "bench-membre-%"},
                )
                cursor.execute(
                    "INSERT INTO marketplace_need (buyer_id, created_by_id, title, problem, context, expected_outcome,"
                    " challenge_id, themes, territory_id, budget_band, deadline, contact_name, contact_email, procedure,"
                    " quantity_unit, state, outcome, outcome_note, review_note, created_at, published_at)"
                    f" SELECT (%(buyers)s::bigint[])[1 + (g %% cardinality(%(buyers)s::bigint[]))], %(user)s,"
                    f" {text.format(k=6)}, {text.format(k=25)}, '', {text.format(k=10)},"
                    " (SELECT id FROM sman_challenge ORDER BY id OFFSET (g %% 6) LIMIT 1),"
                    f" ARRAY[({themes})[1 + (g %% 10)]], (%(communes)s::bigint[])[1 + (g %% 130)], '',"
                    " current_date + 30, 'Contact', 'c@example.org', 'innovative', '', 'published', '', '', '', now(),"
                    f" now() - (g || ' minutes')::interval FROM generate_series(1, {args.needs}) g",
                    params,
                )
            with connection.cursor() as cursor:  # fresh statistics, or the planner loops over 5,000 × 5,000 rows
                for table in (
                    "marketplace_memberprofile",
                    "marketplace_solution",
                    "marketplace_need",
                    "sman_organisation",
                ):
                    cursor.execute(f"ANALYZE {table}")
            bench_members = MemberProfile.objects.filter(organisation__slug__startswith="bench-membre-")
            services.refresh_profile_vectors(bench_members)
            services.refresh_solution_vectors(Solution.objects.filter(member__slug__startswith="bench-membre-"))
            services.refresh_solution_facets()
            bench_needs = Need.objects.filter(created_by=user)
            services.refresh_need_vectors(bench_needs)
            services.refresh_need_search()
            services.lexeme_stats_refresh()
            with connection.cursor() as cursor:  # what autovacuum does to bulk-inserted GIN entries on a live base
                for index in (
                    "mkt_facet_text",
                    "mkt_facet_challenges",
                    "mkt_solution_search",
                    "mkt_solution_themes",
                    "mkt_need_search",
                    "mkt_member_search",
                    "mkt_needsearch_text",
                ):
                    cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            with connection.cursor() as cursor:
                for table in (
                    "marketplace_solution",
                    "marketplace_memberprofile",
                    "marketplace_need",
                    "marketplace_chartersignature",
                    "marketplace_solution_challenges",
                    "marketplace_solutionfacet",
                    "marketplace_needsearchrow",
                    "sman_organisation",
                ):
                    cursor.execute(f"ANALYZE {table}")
            print(
                f"data: {args.members} members, {args.solutions} solutions, {args.needs} needs "
                f"in {time.perf_counter() - started:.1f} s"
            )
            with connection.cursor() as cursor:  # how fast the machine is now: an idle one counts 1e6 rows in ~60 ms
                spent = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    cursor.execute("SELECT count(*) FROM generate_series(1, 1000000)")
                    spent.append((time.perf_counter() - t0) * 1000)
            print(
                f"machine: load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
                f"counting 1,000,000 rows took {statistics.median(spent):.0f} ms (median of 3)"
            )

            if os.environ.get("BENCH_EXPLAIN"):
                from marketplace.selectors import _MEMBERS_SQL, _SOLUTIONS_SQL, _ept_of, _need_query, _theme_points

                need = bench_needs.select_related("territory", "territory__parent").first()
                ept = _ept_of(need.territory)
                p = {
                    "challenge": need.challenge_id,
                    "themes": list(need.themes),
                    "local": list(Territory.objects.within(ept).values_list("pk", flat=True)),
                    "served": [need.territory_id, ept.pk],
                    "q": _need_query(need),
                    "charter": charter.pk,
                    "limit": 20,
                    "pool": 300,
                    "w_challenge": 30,
                    "w_theme": 20,
                    "w_local": 15,
                    "w_text": 105,
                }
                print("query:", p["q"])
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")
                    for sql in (_SOLUTIONS_SQL.replace("{theme_points}", _theme_points(need.themes, p)), _MEMBERS_SQL):
                        cursor.execute("EXPLAIN ANALYZE " + sql, p)
                        print("\n".join(r[0] for r in cursor.fetchall()))
                    q = rank_search(selectors.public_needs(), "usagers")
                    found = selectors.search_public_needs("usagers")
                    for qs_sql, qp in (
                        q.query.sql_with_params(),
                        q[:20].query.sql_with_params(),
                        found.candidates_sql(),
                    ):
                        cursor.execute("EXPLAIN ANALYZE " + qs_sql, qp)
                        print("\n".join(r[0] for r in cursor.fetchall()))
                raise Rollback
            needs = list(bench_needs.select_related("territory", "territory__parent", "challenge").order_by("?")[:110])
            timings, found = [], []
            for need in needs:
                t0 = time.perf_counter()
                result = selectors.match_need(need)
                timings.append((time.perf_counter() - t0) * 1000)
                found.append(len(result))
            timings = timings[10:]  # warm-up
            if os.environ.get("BENCH_PARTS"):
                from marketplace import selectors as sel

                parts = {"words": [], "all": []}
                for need in needs[:30]:
                    t0 = time.perf_counter()
                    sel._need_query(need)
                    parts["words"].append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    sel.match_need(need)
                    parts["all"].append((time.perf_counter() - t0) * 1000)
                print({k: round(statistics.median(v), 1) for k, v in parts.items()})
            print(
                f"matching a need ({len(timings)} needs): median {statistics.median(timings):.1f} ms, "
                f"p95 {percentile(timings, 95):.1f} ms, max {max(timings):.1f} ms "
                f"(target p95 ≤ 50 ms); {statistics.mean(found):.0f} members proposed on average"
            )
            example = selectors.match_need(needs[0])[0]
            print(f"  e.g. score {example.score}: {' ; '.join(example.reasons)}")

            queries = [random.choice(WORDS) for _ in range(60)] + [
                f"{random.choice(WORDS)} {random.choice(VOCABULARY)}" for _ in range(50)
            ]
            public = selectors.public_needs()
            ways = {
                "former (rank_search over the wide needs, every match ranked)": lambda q: rank_search(public, q),
                "narrow rows (search_public_needs, 200 matches ranked)": selectors.search_public_needs,
            }
            found_by = {}
            for label, search in ways.items():
                timings, counts = [], []
                for query in queries:
                    t0 = time.perf_counter()
                    rows = search(query)
                    counts.append(rows.count())
                    list(rows[:20])
                    timings.append((time.perf_counter() - t0) * 1000)
                found_by[label] = counts
                timings = timings[10:]
                print(
                    f"needs search, {label}, count and first page of 20 ({len(timings)} queries): median "
                    f"{statistics.median(timings):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
                    f"max {max(timings):.1f} ms (target p95 ≤ 30 ms); {statistics.median(counts):.0f} needs found "
                    "(median)"
                )
            former, narrow = found_by.values()
            print(f"  same number of needs found for every query: {'yes' if former == narrow else 'NO'}")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()

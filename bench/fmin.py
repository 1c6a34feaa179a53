"""FMIN hot paths: the ranking page (staff, over a whole call) and the draft page's rules check.

For 30, 300 and 1,000 eligible files scored by three reviewers on the six criteria: median time and query
count of the ranking page (Django test client, in process), and its ratio to the 30-file page; then the
time of one rules check on a joint application (what the draft page's autosave recomputes) and of the
submitted file's PDF. Everything is created inside a transaction that is rolled back: the local database
(`make run`) is left as it was.

    .venv/bin/python bench/fmin.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")
SIZES = [30, 300, 1000]
REVIEWERS = 3


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from fmin import documents, selectors, services
    from fmin.models import Application, Assignment, BudgetLine, FundingLine, Participant, Score
    from sman.models import Organisation, User
    from sman.services import role_grant

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    leads = list(Organisation.objects.filter(kind="collectivity", territory__kind="commune").order_by("id"))
    if not leads:
        sys.exit("No collectivities: run `make run` (or `manage.py load_reference`) first.")

    with transaction.atomic():
        staff = User.objects.create(email="bench-fmin-staff@example.org", is_staff=True, is_superuser=True)
        reviewers = [User.objects.create(email=f"bench-fmin-{i}@example.org") for i in range(REVIEWERS)]
        for reviewer in reviewers:
            role_grant(user=reviewer, role="fmin.reviewer", by=staff)
        today = timezone.localdate()
        call = services.call_create(
            user=staff, year=today.year, title="Banc d'essai FMIN", opens_on=today, closes_on=today, is_published=True
        )
        criteria = list(call.criteria.all())
        client = Client()
        client.force_login(staff)
        # The MFA middleware sends staff without TOTP to its set-up page; the bench measures the page itself.
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "RequireMfa" not in m]
        created = 0
        print(f"{'files':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'× 30 files':>11}")
        base = None
        for size in SIZES:
            add = size - created
            apps = Application.objects.bulk_create(
                Application(call=call, lead=leads[(created + i) % len(leads)], title=f"Dossier {created + i}",
                            status="eligible", created_by=staff, commits_to_evaluate=True)
                for i in range(add)
            )  # fmt: skip
            Participant.objects.bulk_create(
                Participant(application=a, organisation_id=a.lead_id, is_lead=True, request_cents=4_000_000)
                for a in apps
            )
            BudgetLine.objects.bulk_create(
                BudgetLine(application=a, expense_type="software", label="Logiciel", amount_ht_cents=10_000_000,
                           amount_ttc_cents=12_000_000)
                for a in apps
            )  # fmt: skip
            FundingLine.objects.bulk_create(
                FundingLine(application=a, source="own_funds", funder="Fonds propres", amount_cents=6_000_000)
                for a in apps
            )
            assignments = Assignment.objects.bulk_create(
                Assignment(application=a, reviewer=r, assigned_by=staff, submitted_at=timezone.now())
                for a in apps
                for r in reviewers
            )
            Score.objects.bulk_create(
                Score(assignment=x, criterion=c, value=(x.application_id * 7 + k + x.reviewer_id) % 6, comment="ok")
                for x in assignments
                for k, c in enumerate(criteria)
            )
            created = size
            timings, queries = [], 0
            for _ in range(7):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(f"/fmin/appels/{call.pk}/classement/")
                    timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
                queries = len(captured)
            median = statistics.median(timings)
            base = base or median
            p95 = sorted(timings)[-1]
            print(f"{size:>6} {median:>10.1f} {p95:>8.1f} {queries:>8} {median / base:>11.1f}")

        # The draft page recomputes the rules after each autosave: one joint file, figures and verdicts.
        application = Application.objects.filter(call=call).first()
        Participant.objects.create(
            application=application, organisation=leads[-1], cost_share_cents=5_000_000, request_cents=2_000_000
        )
        samples = []
        for _ in range(50):
            start = time.perf_counter()
            selectors.rules_result(selectors.application_with_figures(application.pk))
            samples.append((time.perf_counter() - start) * 1000)
        print(f"rules check of one file (load + verdicts): median {statistics.median(samples):.2f} ms")
        start = time.perf_counter()
        pdf = documents.application_pdf(application.pk)
        print(f"submitted file PDF (WeasyPrint): {(time.perf_counter() - start) * 1000:.0f} ms, {len(pdf) // 1024} KB")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()

"""Time and peak memory of the COPIL evaluation report (WeasyPrint), as issues #3 and #14 ask.

Scenarios: the 17 actions of the roadmap with a full year of data — 10 indicators × 8 semesters of values
each, plus, for each action with a module, one computed indicator recorded every day for a year (365 values),
budget lines for two years, milestones done, a previous session with its opinions — then 100 actions. The
report has every part (summary, action sections, the territories per EPT and per commune from the registry's
providers, over the module data of the database). Each scenario runs in its own process (peak RSS includes
WeasyPrint's C libraries), inside a transaction that is rolled back: the local database is left as it was.
Target: ≤ 10 s and ≤ 400 MB for the 17-action report.

    .venv/bin/python bench/copil_report.py
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [17, 100]


def child(n_actions: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sman.settings")
    import django

    django.setup()
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db import transaction

    from actions import services
    from actions.models import Action, BudgetLine, Indicator, IndicatorValue, Roadmap
    from actions.report_figures import module_providers
    from actions.reports import render_report_pdf
    from sman.models import User
    from sman.services import role_grant

    with transaction.atomic():
        staff = User.objects.create(email="bench-staff@example.org", is_staff=True)
        copil = User.objects.create(email="bench-copil@example.org")
        role_grant(user=copil, role="actions.copil_member", by=staff)
        extra = n_actions - Action.objects.active().count()
        roadmap = Roadmap.objects.get(code="2023-2024")
        template = Action.objects.get(roadmap__code="2019-2020", number=2)
        for number in range(1, extra + 1):
            Action.objects.create(roadmap=roadmap, challenge_id=template.challenge_id, number=900 + number,
                                  title=f"Action de mesure {number}", summary=template.summary)  # fmt: skip
        previous = services.copil_session_create(user=staff, year=2024, semester=1, on=date(2024, 6, 15))
        for review in previous.reviews.all():
            services.review_record_opinion(review=review, user=copil, version=0, opinion="keep", reasons="Avant.")
        for action in Action.objects.active().prefetch_related("milestones"):
            for year, spent in ((2023, 80_000_00), (2024, 120_000_00)):
                BudgetLine.objects.update_or_create(
                    action=action, year=year,
                    defaults={"allocated_cents": 100_000_00, "committed_cents": spent, "spent_cents": spent},
                )  # fmt: skip
            for milestone in action.milestones.all()[:2]:
                milestone.actual_date = date(2024, 9, 1)
                milestone.save()
            for provider in module_providers(action.module)[:1]:
                indicator = Indicator.objects.create(
                    action=action, name=provider.label, definition="Calcul automatique.", kind="result",
                    unit=provider.unit, target_value=100, target_date=date(2024, 12, 31), source="portail",
                    provider_key=provider.key,
                )  # fmt: skip
                IndicatorValue.objects.bulk_create(
                    IndicatorValue(
                        indicator=indicator,
                        date=date(2023, 12, 1) + timedelta(days=d),
                        value=d / 4,
                        provider=provider.key,
                    )  # fmt: skip
                    for d in range(366)
                )
        session = services.copil_session_create(user=staff, year=2024, semester=2, on=date(2024, 12, 1))
        semesters = [date(2021 + i // 2, 6 if i % 2 == 0 else 12, 30) for i in range(8)]
        for review in session.reviews.select_related("action"):
            for k in range(10):
                indicator = Indicator.objects.create(
                    action=review.action, name=f"Indicateur {k + 1}", definition="Mesure de charge.", kind="result",
                    unit="%", target_value=100, target_date=date(2024, 12, 31), source="bench",
                )  # fmt: skip
                IndicatorValue.objects.bulk_create(
                    IndicatorValue(indicator=indicator, date=d, value=Decimal(40 + 5 * i + k), author=copil)
                    for i, d in enumerate(semesters)
                )
            opinion = "scale_up" if review.action.number % 5 == 0 else "keep"
            services.review_record_opinion(review=review, user=copil, version=0, opinion=opinion, reasons="Mesure.")
        if os.environ.get("BENCH_PROFILE"):
            _profile(session)
        start, cpu = time.perf_counter(), time.process_time()
        pdf = render_report_pdf(session)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        transaction.set_rollback(True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"{n_actions}\t{elapsed:.2f}\t{cpu:.2f}\t{peak_mb:.0f}\t{len(pdf) / 1024:.0f}\t{pages}")


def _profile(session) -> None:
    """Where the time goes (BENCH_PROFILE=1): context, template, layout, PDF; wall and CPU seconds."""
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    from actions.reports import report_context

    def step(name, func):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        print(f"# {name}: {time.perf_counter() - wall:.2f} s ({time.process_time() - cpu:.2f} s CPU)", file=sys.stderr)
        return result

    context = step("context", lambda: report_context(session))
    html = step("template", lambda: render_to_string("actions/report/report.html", context))
    css = CSS(filename=finders.find("css/report.css"))
    document = step("layout", lambda: HTML(string=html).render(stylesheets=[css]))
    step("pdf", lambda: document.write_pdf())
    document = step("layout (tags)", lambda: HTML(string=html).render(stylesheets=[css], pdf_tags=True))
    step("pdf (tags)", lambda: document.write_pdf(pdf_tags=True))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
        return
    # The CPU time of the process tells the report's own cost when other work shares the cores.
    print(
        f"{'actions':>8} {'temps (s)':>10} {'CPU (s)':>8} {'mémoire max (Mo)':>17} {'PDF (Ko)':>9} {'pages':>6}"
        f" {'ratio temps':>12}"
    )
    base = None
    for n in SCENARIOS:
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True)
        actions, seconds, cpu, peak, size, pages = out.stdout.strip().splitlines()[-1].split("\t")
        base = base or float(seconds)
        print(f"{actions:>8} {seconds:>10} {cpu:>8} {peak:>17} {size:>9} {pages:>6} {float(seconds) / base:>12.1f}")
    print("Objectif (17 actions) : ≤ 10 s et ≤ 400 Mo.")


if __name__ == "__main__":
    main()

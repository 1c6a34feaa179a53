"""The plan as data: défis' chantiers, the three roadmaps and the 17 actions of the first one.

Written from the SMAN (roadmap table, Annex 2 sheets) in ``actions/data/roadmap.json``. Loaded by
``load_reference``; only reference fields are written, never what owners update (status, progress,
actual dates, budgets spent).
"""

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sman.models import Challenge
from sman.reference import LoadReport, upsert

from .models import Action, Milestone, Roadmap, Workstream

DATA_FILE = Path(__file__).resolve().parent / "data" / "roadmap.json"

# Where the plan's texts come from. The SMAN numbers two different sections « 4.2.1 » (« Évolutivité et
# agilité », then « Expérimentation et généralisation »): a citation gives the section's title with its number.
SECTION_ROADMAP_TABLE = "§ 4.2.1.2 « La première feuille de route bisannuelle » (partie « Évolutivité et agilité »)"
SECTION_SHEETS = (
    "annexe 2, § 5.2 « Fiches actions de la première vague d'innovations numériques territoriales bisannuelle "
    "(2019-2020) »"
)
SECTION_INDICATORS = (
    "§ 4.2.1.3 « Pour une plus grande agilité, les actions seront évaluées régulièrement » "
    "(partie « Évolutivité et agilité »)"
)


def read_plan() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def load_plan(report: LoadReport) -> None:
    plan = read_plan()
    challenges = {c.number: c for c in Challenge.objects.all()}
    for item in plan["challenges"]:
        challenge = challenges[item["number"]]
        # The chantiers the roadmap table lists per défi; the SMAN assigns no action to a chantier.
        for order, name in enumerate(item["workstreams"]):
            upsert(Workstream, {"challenge": challenge, "name": name}, {"order": order}, report, "chantiers")
    roadmaps = {}
    for item in plan["roadmaps"]:
        existing = Roadmap.objects.filter(code=item["code"]).first()
        values = {k: item[k] for k in ("title", "start_year", "end_year")}
        if existing is None or existing.status == Roadmap.Status.TO_DEFINE:
            values["status"] = item["status"]  # a drafted or closed roadmap keeps its status
        roadmaps[item["code"]] = upsert(Roadmap, {"code": item["code"]}, values, report, "feuilles de route")
    for item in plan["actions"]:
        _load_action(item, roadmaps, challenges, report)


def _load_action(item, roadmaps, challenges, report) -> None:
    challenge = challenges[item["challenge"]]
    amount = item.get("budget_amount_eur")
    values = {
        "challenge": challenge,
        "annex_sheet_number": item.get("annex_sheet_number"),
        "title": item["title"],
        "annex_title": item.get("annex_title", ""),
        "summary": item.get("summary", ""),
        "pain_point": item.get("pain_point", ""),
        "concept": item.get("concept", ""),
        "project_owner": item.get("project_owner", ""),
        "potential_providers": item.get("potential_providers", ""),
        "contract_type": item.get("contract_type", ""),
        "institutional_partners": item.get("institutional_partners", ""),
        "budget_estimate_cents": _cents(amount),
        "budget_label": item.get("budget_label", ""),
        "module": item.get("module") or "",
        "partner_name": item.get("partner", {}).get("name", ""),
        "partner_url": item.get("partner", {}).get("url", ""),
    }
    action = upsert(Action, {"roadmap": roadmaps[item["roadmap"]], "number": item["number"]}, values, report, "actions")
    for order, milestone in enumerate(item.get("milestones", [])):
        upsert(
            Milestone,
            {"action": action, "order": order},
            {
                "title": milestone["title"],
                "planned_start": date.fromisoformat(milestone["planned_start"]),
                "planned_end": date.fromisoformat(milestone["planned_end"]),
                "source_text": milestone.get("source_text", ""),
            },
            report,
            "jalons",
        )


def _cents(euros) -> int | None:
    """An amount in euros from the reference file (a number) → whole cents, rounded half up."""
    if euros is None:
        return None
    return int((Decimal(str(euros)) * 100).quantize(Decimal(1), ROUND_HALF_UP))

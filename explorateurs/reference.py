"""Reference data of the Explorateurs: the first cohort's projects listed in Annex 3 of the SMAN (« Projets
soutenus dans le cadre du programme des Explorateurs du numérique »), each with its défi, its collectivity and
the role of the agent who carried it as the annex writes them (data/annex3.json). Loaded and refreshed by
``load_reference`` without duplicates (by key); the step a project reached later, its explorer and its FMIN
file are never touched."""

import json
from pathlib import Path

from sman.models import Challenge, Organisation
from sman.reference import upsert

from .models import Project

DATA = Path(__file__).resolve().parent / "data" / "annex3.json"


def annex3_rows() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["projects"]


def load_reference(report) -> None:
    challenges = {c.number: c for c in Challenge.objects.all()}
    collectivities = {
        o.territory.code: o
        for o in Organisation.objects.filter(kind=Organisation.Kind.COLLECTIVITY).select_related("territory")
    }
    for row in annex3_rows():
        upsert(
            Project,
            {"reference_key": f"annex3-{row['key']}"},
            {
                "title": row["title"],
                "idea": row["description"],
                "challenge": challenges[row["challenge"]],
                "collectivity": collectivities[row["territory"]],
                "carrier_role": row["carrier_role"],
                "source": Project.Source.ANNEX_3,
            },
            report,
            "projets des Explorateurs (annexe 3)",
        )

"""Demo follow-up data: owners, budgets and an indicator, so that the plan pages show something."""

from datetime import date
from decimal import Decimal

from .models import Action, BudgetLine, Indicator, IndicatorValue


def load_demo(users: dict) -> None:
    ftth = Action.objects.filter(roadmap__code="2019-2020", number=2).first()
    if ftth is None:
        return
    ftth.owners.add(users["staff"], users["commune_agent"])
    Action.objects.filter(roadmap__code="2019-2020", number=10).first().owners.add(users["staff"])
    for year, allocated, spent in ((2019, 8_000_000, 7_500_000), (2020, 12_000_000, 13_100_000)):
        BudgetLine.objects.get_or_create(
            action=ftth,
            year=year,
            defaults={"allocated_cents": allocated, "committed_cents": allocated, "spent_cents": spent},
        )
    indicator, _ = Indicator.objects.get_or_create(
        action=ftth,
        name="Logements raccordables à la fibre",
        defaults={
            "definition": "Part des logements de la Métropole raccordables au FttH (démonstration).",
            "kind": Indicator.Kind.RESULT,
            "unit": "%",
            "baseline": Decimal(55),
            "target_value": Decimal(100),
            "target_date": date(2022, 12, 31),
            "source": "ARCEP, données de démonstration",
            "owner": users["staff"],
        },
    )
    for on, value in ((date(2019, 6, 30), 61), (date(2019, 12, 31), 68), (date(2020, 6, 30), 74)):
        IndicatorValue.objects.get_or_create(
            indicator=indicator, territory=None, date=on, defaults={"value": Decimal(value), "author": users["staff"]}
        )

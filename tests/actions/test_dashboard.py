from datetime import date

import pytest

from actions.models import Action, BudgetLine, Milestone, Roadmap

from ..auth import login
from ..queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def _add_actions(n: int, owner):
    roadmap = Roadmap.objects.get(code="2023-2024")
    first = Action.objects.get(roadmap__code="2019-2020", number=1)
    start = roadmap.actions.count() + 1
    for number in range(start, start + n):
        action = Action.objects.create(
            roadmap=roadmap, challenge_id=first.challenge_id, number=number, title=f"Action {number}"
        )
        action.owners.add(owner)
        Milestone.objects.create(
            action=action, title="Lancement", planned_start=date(2023, 1, 1), planned_end=date(2023, 3, 31)
        )
        BudgetLine.objects.create(action=action, year=2023, allocated_cents=100_000, spent_cents=120_000)
    return roadmap


def test_dashboard_query_count_does_not_grow_with_actions(client, staff, owner):
    login(client, staff)
    assert_queries_do_not_grow(
        client,
        "/copil/",
        lambda: _add_actions(183, owner),
        small=lambda response: "17 actions" in response.content.decode() or pytest.fail("17 actions"),
        large=lambda response: "200 actions" in response.content.decode() or pytest.fail("200 actions"),
    )


def test_filters_and_exports(client, staff, owner):
    roadmap = _add_actions(2, owner)  # overspent by 20 %: red
    login(client, staff)
    html = client.get("/copil/", {"roadmap": roadmap.pk, "light": "red"}).content.decode()
    assert "2 actions" in html
    assert "0 action." in client.get("/copil/", {"roadmap": roadmap.pk, "light": "green"}).content.decode()
    html = client.get(
        "/copil/", {"challenge": Action.objects.get(roadmap__code="2019-2020", number=3).challenge_id}
    ).content.decode()
    assert "2 actions" in html  # défi 2: actions #3 and #4
    csv = client.get("/copil/", {"export": "csv", "roadmap": roadmap.pk, "light": "red"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Feuille de route;N°") and len(lines) == 3
    xlsx = client.get("/copil/exports/valeurs.xlsx")
    assert xlsx.content[:2] == b"PK"
    assert client.get("/copil/exports/revues.pdf").status_code == 404

"""Participation indicators per territory, « Mon espace » and territory panels, the metropolitan page."""

from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone

from participation import panels, services
from sman.models import Territory

from ..auth import login
from ..factories import ProcessFactory, ProposalFactory, ResidenceProofFactory, ResultFactory, UserFactory
from ..indicators import nonzero, values_by_code

pytestmark = pytest.mark.django_db


def test_indicators_count_per_scope_and_people_once(part):
    # Montreuil: its process (a proposal, a budget); Pantin: its process; Est Ensemble (T8): a process of two
    # communes; a metropolitan process.
    both = ProcessFactory(space=part.space, territories=[Territory.objects.get(code="93048"),
                                                          Territory.objects.get(code="93055")])  # fmt: skip
    ProcessFactory(space=part.space, territories=[Territory.objects.get(code="MGP")])
    person = UserFactory()
    ProposalFactory(process=both, author=person)
    services.ballot_cast(budget=part.budget, voter=person, project_ids=[part.projects[0].pk])
    ResultFactory(process=both, delivered=True)
    today = timezone.localdate()
    processes = nonzero(values_by_code("participation.processes", today))
    assert processes == {"MGP": 4, "T8": 3, "93048": 2, "93055": 2}
    # part.author and person in Montreuil; person once for the EPT and the Métropole.
    assert nonzero(values_by_code("participation.participants", today)) == {"MGP": 2, "T8": 2, "93048": 2, "93055": 1}
    assert nonzero(values_by_code("participation.proposals", today))["T8"] == Decimal(2)
    assert nonzero(values_by_code("participation.ballots", today)) == {"MGP": 1, "T8": 1, "93048": 1}
    assert nonzero(values_by_code("participation.results_delivered", today)) == {
        "MGP": 1, "T8": 1, "93048": 1, "93055": 1,
    }  # fmt: skip


def _panel(user):
    request = RequestFactory().get("/")
    request.user = user
    return panels.space_panel(request)


def test_space_panel_shows_each_its_work(part):
    services.report_create(user=UserFactory(), proposal=part.proposal, reason="spam")
    ResidenceProofFactory(space=part.space)
    ResidenceProofFactory(space=part.space, accepted=True)  # decided: no longer work
    admin_panel = _panel(part.space_admin)
    assert [t.label for t in admin_panel.todos] == [
        "1 proposition à répondre (Commune de Montreuil)",
        "1 justificatif de domicile à examiner (Commune de Montreuil)",
        "1 signalement à examiner (Commune de Montreuil)",
    ]  # fmt: skip
    assert admin_panel.todos[1].url == f"/participation/espaces/{part.space.slug}/justificatifs/"
    assert [t.label for t in _panel(part.moderator).todos] == ["1 signalement à examiner (Commune de Montreuil)"]
    assert _panel(part.other_moderator).todos == []
    assert _panel(UserFactory()) is None
    assert "Mes données de participation" in _panel(part.author).links[0][0]


def test_territory_panel_and_metropolitan_page(part, client):
    template, context = panels.territory_panel(Territory.objects.get(code="T8"))
    assert {p.slug for p in context["processes"]} == {"idees-montreuil", "idees-pantin"}
    assert panels.territory_panel(Territory.objects.get(code="75056")) is None
    login(client, UserFactory(staff=True))
    page = client.get("/participation/metropole/")
    rows = {r["territory"].code: r for r in page.context["rows"]}
    assert rows["T8"]["processes"] == 2 and rows["93048"]["proposals"] == 1
    csv = client.get("/participation/metropole/", {"export": "csv"}).content.decode("utf-8-sig")
    assert "T8" in csv.splitlines()[2] or "T8" in csv

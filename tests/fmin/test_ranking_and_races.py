"""The ranking page (weighted averages, disagreement, envelope) and its fixed query count; decisions
racing for the last euros of the envelope."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fmin import selectors, services
from fmin.models import Application, Assignment, BudgetLine, Decision, FundingLine, Participant, Score
from sman.models import Organisation

from ..auth import login
from ..factories import UserFactory
from ..queries import assert_queries_do_not_grow
from .conftest import open_call


def bulk_eligible(call, count: int, reviewers, *, request=4_000_000) -> list[Application]:
    """``count`` eligible single-collectivity files (100 k€, 60 k€ own funds), each scored by every reviewer."""
    leads = list(Organisation.objects.filter(kind="collectivity", territory__kind="commune").order_by("id")[:count])
    leads = (leads * (count // len(leads) + 1))[:count]
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            lead=lead,
            title=f"Dossier {i:03d}",
            status="eligible",
            created_by=reviewers[0],
            commits_to_evaluate=True,
        )
        for i, lead in enumerate(leads)
    )
    Participant.objects.bulk_create(
        Participant(application=a, organisation_id=a.lead_id, is_lead=True, request_cents=request) for a in applications
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            application=a,
            expense_type="software",
            label="Logiciel",
            amount_ht_cents=10_000_000,
            amount_ttc_cents=12_000_000,
        )
        for a in applications
    )
    FundingLine.objects.bulk_create(
        FundingLine(application=a, source="own_funds", funder="Fonds propres", amount_cents=10_000_000 - request)
        for a in applications
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(application=a, reviewer=r, assigned_by=r, submitted_at=a.created_at)
        for a in applications
        for r in reviewers
    )
    criteria = list(call.criteria.all())
    Score.objects.bulk_create(
        Score(assignment=x, criterion=c, value=(x.application_id + i) % 6, comment="ok")
        for x in assignments
        for i, c in enumerate(criteria)
    )
    return applications


@pytest.mark.django_db
def test_ranking_page_makes_the_same_queries_for_10_and_300_files(reference):
    staff = UserFactory(staff=True)
    call = open_call(staff)
    reviewers = [UserFactory(reviewer=True), UserFactory(reviewer=True)]
    client = Client()
    login(client, staff)

    def rows(expected: int):
        return lambda response: len(response.context["rows"]) == expected or pytest.fail(f"{expected} rows")

    bulk_eligible(call, 10, reviewers)
    assert_queries_do_not_grow(
        client,
        reverse("fmin:ranking", args=[call.pk]),
        lambda: bulk_eligible(call, 290, reviewers),
        max_queries=16,
        small=rows(10),
        large=rows(300),
    )


@pytest.mark.django_db
def test_ranking_weighted_average_spread_and_envelope(fm):
    fm.call.envelope_cents = 7_000_000
    fm.call.save()
    necessity = fm.call.criteria.get(code="necessity")
    necessity.weight = 3
    necessity.save()
    a, b = fm.eligible(title="A"), fm.eligible(title="B")
    fm.eligible(title="C")
    other = UserFactory(reviewer=True)

    def score(application, reviewer, values: dict):
        assignment = services.assignment_create(application=application, reviewer=reviewer, user=fm.staff)
        scores = {x.id: (values.get(x.code, 2), "c") for x in fm.call.criteria.all()}
        services.review_save(assignment=assignment, user=reviewer, scores=scores, comment="", submit=True)

    score(a, fm.reviewer, {"necessity": 5})  # (5×3 + 2×5) / 8 = 3.125
    score(a, other, {"necessity": 5})
    score(b, fm.reviewer, {})  # 2
    score(b, other, {"necessity": 5, "impact": 5, "method": 5, "capacity": 5, "evaluation": 5, "sharing": 5})  # 5
    rows = selectors.ranking(fm.call)
    assert [r.application.title for r in rows] == ["B", "A", "C"]  # C has no review yet: last
    by = {r.application.title: r for r in rows}
    assert by["A"].average == Decimal("3.13") and by["A"].spread == Decimal("0.00") and not by["A"].disagreement
    assert by["B"].average == Decimal("3.50") and by["B"].spread == Decimal("3.00") and by["B"].disagreement
    assert by["C"].average is None and by["C"].reviews_submitted == 0
    # Cumulative capped amounts (40 k€ each) against the 70 k€ envelope.
    assert [r.cumulative_cents for r in rows] == [4_000_000, 8_000_000, 12_000_000]
    assert [r.within_envelope for r in rows] == [True, False, False]


@pytest.mark.django_db(transaction=True)
def test_two_decisions_racing_for_the_last_euros_only_one_succeeds(reference):
    staff = UserFactory(staff=True)
    call = open_call(staff, envelope_cents=5_000_000)
    first, second = bulk_eligible(call, 2, [UserFactory(reviewer=True)])
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(application):
        try:
            barrier.wait()
            services.decision_record(
                application=application, user=staff, outcome="funded", amount_cents=4_000_000, reason="Oui"
            )
            outcomes.append("funded")
        except services.ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=decide, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("funded") == 1
    assert any("il reste 10" in o.replace("\u202f", " ") for o in outcomes)
    assert Decision.objects.filter(application__call=call, outcome="funded").count() == 1
    assert selectors.committed_cents(call) == 4_000_000


@pytest.mark.django_db
def test_list_pages_make_the_same_queries_whatever_the_number_of_files(reference):
    staff = UserFactory(staff=True)
    call = open_call(staff)
    reviewers = [UserFactory(reviewer=True)]
    staff_client, public = Client(), Client()
    login(staff_client, staff)
    pages = [(staff_client, "/fmin/candidatures/"), (public, "/fmin/projets/"), (public, "/api/fmin/projects/")]

    def fund(applications):
        Decision.objects.bulk_create(
            Decision(application=a, outcome="funded", amount_cents=4_000_000, reason="Oui", decided_by=staff)
            for a in applications
        )
        Application.objects.filter(pk__in=[a.pk for a in applications]).update(status="funded")
        for a in applications:
            a.territories.add(a.lead.territory)

    def counts():
        result = []
        for client, path in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            result.append(len(queries))
        return result

    fund(bulk_eligible(call, 3, reviewers))
    small = counts()
    fund(bulk_eligible(call, 17, reviewers))  # 20 files: a full page
    assert counts() == small

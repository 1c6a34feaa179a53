"""Participatory budget votes: rules, one ballot per voter, changes until the close, exact counting, races."""

import random
import threading
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import close_old_connections
from django.utils import timezone

from participation import rules, selectors, services
from participation.models import Ballot, BallotChoice, Result

from ..factories import BudgetFactory, BudgetProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- The rules, pure ------------------------------------------------------------------------------------------
def test_approval_allows_up_to_the_maximum():
    assert rules.check_ballot(rule="approval", costs=[1, 2], amount_cents=10, max_projects=2, min_share_percent=0).ok
    refused = rules.check_ballot(rule="approval", costs=[1, 2, 3], amount_cents=10, max_projects=2, min_share_percent=0)
    assert not refused.ok and "2 projets au plus" in refused.message
    assert not rules.check_ballot(rule="approval", costs=[], amount_cents=10, max_projects=2, min_share_percent=0).ok


def test_basket_stays_within_the_amount_and_spends_the_minimum_share():
    check = rules.check_ballot
    assert check(rule="basket", costs=[60_00, 40_00], amount_cents=100_00, max_projects=None, min_share_percent=50).ok
    over = check(rule="basket", costs=[60_00, 50_00], amount_cents=100_00, max_projects=None, min_share_percent=50)
    assert not over.ok and "dépasse" in over.message and "100,00\u00a0€" in over.message
    under = check(rule="basket", costs=[40_00], amount_cents=100_00, max_projects=None, min_share_percent=50)
    assert not under.ok and "50 %" in under.message and "50,00\u00a0€" in under.message


def test_winners_by_votes_within_the_amount():
    # (id, cost, votes): 1 and 3 fit; 2 has more votes than 3 but no longer fits once 1 is taken.
    assert rules.winners(rule="basket", amount_cents=100, projects=[(1, 60, 9), (2, 50, 7), (3, 40, 5), (4, 1, 0)]) == [
        1,
        3,
    ]


# --- The service --------------------------------------------------------------------------------------------
def test_a_ballot_is_changed_never_doubled(part):
    voter = UserFactory()
    a, b, c, _ = part.projects
    services.ballot_cast(budget=part.budget, voter=voter, project_ids=[a.pk, b.pk])
    ballot = services.ballot_cast(budget=part.budget, voter=voter, project_ids=[c.pk])
    assert Ballot.objects.filter(budget=part.budget).count() == 1
    assert ballot.changes == 1
    assert set(ballot.choices.values_list("project_id", flat=True)) == {c.pk}
    tally = selectors.budget_tally(part.budget)
    assert {row["project"].pk: row["votes"] for row in tally["rows"]} == {
        a.pk: 0,
        b.pk: 0,
        c.pk: 1,
        part.projects[3].pk: 0,
    }


def test_the_rule_and_the_dates_are_checked(part):
    voter = UserFactory()
    ids = [p.pk for p in part.projects[:3]]
    with pytest.raises(ValidationError, match="2 projets au plus"):
        services.ballot_cast(budget=part.budget, voter=voter, project_ids=ids)
    other = BudgetProjectFactory()  # another budget's
    with pytest.raises(ValidationError, match="n'appartient pas"):
        services.ballot_cast(budget=part.budget, voter=voter, project_ids=[other.pk])
    with pytest.raises(ValidationError, match="clos"):
        services.ballot_cast(budget=part.budget, voter=voter, project_ids=ids[:1], now=part.budget.vote_closes_at)
    with pytest.raises(ValidationError, match="pas encore ouvert"):
        services.ballot_cast(
            budget=part.budget, voter=voter, project_ids=ids[:1], now=part.budget.vote_opens_at - timedelta(seconds=1)
        )
    with pytest.raises(ValidationError, match="Confirmez"):
        services.ballot_cast(budget=part.budget, voter=UserFactory(verified=False), project_ids=ids[:1])
    assert not Ballot.objects.exists()


def test_basket_budget(part):
    budget = BudgetFactory(process=part.process, basket=True)
    big, small = (
        BudgetProjectFactory(budget=budget, cost_cents=60_000_00),
        BudgetProjectFactory(budget=budget, cost_cents=45_000_00),
    )
    voter = UserFactory()
    with pytest.raises(ValidationError, match="dépasse"):
        services.ballot_cast(budget=budget, voter=voter, project_ids=[big.pk, small.pk])
    with pytest.raises(ValidationError, match="au moins 50 %"):
        services.ballot_cast(budget=budget, voter=voter, project_ids=[small.pk])
    assert services.ballot_cast(budget=budget, voter=voter, project_ids=[big.pk]).pk


def test_residents_only_checks_the_address_in_the_commune_outline(part):
    budget = BudgetFactory(process=part.process, residents=True)
    project = BudgetProjectFactory(budget=budget)
    voter = UserFactory()
    montreuil_town_hall = Point(2.4417, 48.8620, srid=4326)
    paris = Point(2.3522, 48.8566, srid=4326)
    with pytest.raises(ValidationError, match="réservé aux habitants"):
        services.ballot_cast(budget=budget, voter=voter, project_ids=[project.pk])
    with pytest.raises(ValidationError, match="pas dans la commune"):
        services.ballot_cast(budget=budget, voter=voter, project_ids=[project.pk], address="Paris", point=paris)
    ballot = services.ballot_cast(
        budget=budget, voter=voter, project_ids=[project.pk], address="Place Jean-Jaurès", point=montreuil_town_hall
    )
    assert ballot.declared_address == "Place Jean-Jaurès"


def test_paper_ballots_are_entered_once_by_the_space_admins(part):
    a = part.projects[0]
    services.paper_ballot_enter(budget=part.budget, by=part.space_admin, reference="P-001", project_ids=[a.pk])
    with pytest.raises(ValidationError, match="déjà saisi"):
        services.paper_ballot_enter(budget=part.budget, by=part.space_admin, reference="P-001", project_ids=[a.pk])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.paper_ballot_enter(budget=part.budget, by=part.other_moderator, reference="P-002", project_ids=[a.pk])
    tally = selectors.budget_tally(part.budget)
    assert (tally["ballots"], tally["paper"], tally["choices"]) == (1, 1, 1)


def test_winners_become_results(part):
    a, b, c, d = part.projects
    for ids in ([a.pk, b.pk], [a.pk], [c.pk, a.pk]):
        services.ballot_cast(budget=part.budget, voter=UserFactory(), project_ids=ids)
    part.budget.vote_closes_at = timezone.now() - timedelta(seconds=1)
    part.budget.vote_opens_at = timezone.now() - timedelta(days=2)
    part.budget.save()
    winners = services.budget_select_winners(budget=part.budget, by=part.space_admin)
    # 100 000 €: a (3 votes), then b and c (1 vote each, same cost: the older first), 90 000 € in all.
    assert {w.pk for w in winners} == {a.pk, b.pk, c.pk}
    assert set(Result.objects.values_list("project_id", flat=True)) == {a.pk, b.pk, c.pk}


# --- Concurrency: real connections ----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_concurrent_voters_and_changes_end_with_one_ballot_each_and_exact_totals(reference):
    budget = BudgetFactory(max_projects=2)
    projects = BudgetProjectFactory.create_batch(4, budget=budget)
    ids = [p.pk for p in projects]
    voters = UserFactory.create_batch(12)
    # Each voter casts three times, the casts of all voters shuffled: two threads often hold the same voter.
    casts = [(voter, random.Random(n).sample(ids, 2)) for voter in voters for n in range(3)]
    random.Random(7).shuffle(casts)
    last_choice, errors, lock = {}, [], threading.Lock()
    barrier = threading.Barrier(12)
    queue = list(casts)

    def worker():
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    voter, choice = queue.pop()
                services.ballot_cast(budget=budget, voter=voter, project_ids=choice)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Ballot.objects.filter(budget=budget).count() == len(voters)
    assert BallotChoice.objects.filter(ballot__budget=budget).count() == 2 * len(voters)
    tally = selectors.budget_tally(budget)
    assert sum(row["votes"] for row in tally["rows"]) == tally["choices"] == 2 * len(voters)
    assert sum(Ballot.objects.get(voter=v, budget=budget).changes for v in voters) == 2 * len(voters)
    del last_choice


@pytest.mark.django_db(transaction=True)
def test_the_same_first_vote_sent_twice_at_once_makes_one_ballot(reference):
    budget = BudgetFactory()
    project = BudgetProjectFactory(budget=budget)
    voter = UserFactory()
    barrier = threading.Barrier(8)
    errors = []

    def cast():
        barrier.wait()
        try:
            services.ballot_cast(budget=budget, voter=voter, project_ids=[project.pk])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=cast) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert Ballot.objects.get(budget=budget).changes == 7
    assert BallotChoice.objects.filter(ballot__budget=budget).count() == 1

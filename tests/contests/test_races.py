"""Concurrency with real connections, one per thread: scores saved at once by two jurors, or twice by one."""

import pytest

from contests import selectors, services
from contests.models import Entry, Evaluation, Score

from ..factories import EntryFactory, JurorFactory, ResourceFactory
from ..races import race_messages as _race


def _values(contest, a, b):
    first, second = contest.criteria.all()
    return {first.pk: a, second.pk: b}


@pytest.mark.django_db(transaction=True)
def test_two_jurors_saving_the_same_entry_at_once_both_land(reference):
    first = JurorFactory(declared=True)
    second = JurorFactory(contest=first.contest, declared=True)
    entry = EntryFactory(contest=first.contest)
    contest = first.contest
    outcomes = _race(
        [
            lambda: services.evaluation_save(user=first.user, entry=entry, values=_values(contest, 9, 6)),
            lambda: services.evaluation_save(user=second.user, entry=entry, values=_values(contest, 3, 3)),
        ]
    )
    assert outcomes == ["ok", "ok"]
    assert Evaluation.objects.filter(entry=entry).count() == 2
    assert Score.objects.filter(evaluation__entry=entry).count() == 4
    (row,) = selectors.ranking(contest)
    assert sorted(row.totals) == [3, 8]


@pytest.mark.django_db(transaction=True)
def test_one_juror_saving_twice_at_once_keeps_one_evaluation(reference):
    juror = JurorFactory(declared=True)
    entry = EntryFactory(contest=juror.contest)
    contest = juror.contest
    outcomes = _race(
        [
            lambda i=i: services.evaluation_save(user=juror.user, entry=entry, values=_values(contest, i, i))
            for i in (4, 7, 10)
        ]
    )
    assert outcomes == ["ok", "ok", "ok"]
    evaluation = Evaluation.objects.get(entry=entry, juror=juror)
    assert evaluation.scores.count() == 2
    assert {s.value for s in evaluation.scores.all()} == {int(evaluation.total)}  # one save's scores, whole


@pytest.mark.django_db(transaction=True)
def test_one_candidate_entering_twice_at_once_makes_one_entry(reference):
    from ..factories import ContestFactory

    contest = ContestFactory(open=True, resources=True)
    resource = ResourceFactory(published=True)
    outcomes = _race(
        [
            lambda: services.entry_submit(
                user=resource.author, contest=contest, resource=resource, title="T", pitch="P"
            )
            for _ in range(2)
        ]
    )
    assert sorted(outcomes)[1] == "ok" and "une seule candidature" in sorted(outcomes)[0]
    assert Entry.objects.filter(contest=contest).count() == 1

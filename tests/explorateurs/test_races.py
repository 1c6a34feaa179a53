"""Race-proof seats: concurrent selections and registrations in separate database connections (threads),
never more than the seats, the waiting lists in order, nobody lost."""

import pytest

from explorateurs import services
from explorateurs.models import Candidacy, Explorer, Registration

from ..factories import (
    CandidacyFactory,
    CohortFactory,
    ExplorationEventFactory,
    ExplorerFactory,
    RegistrationFactory,
    UserFactory,
)
from ..races import race


@pytest.mark.django_db(transaction=True)
def test_concurrent_selections_never_exceed_the_seats(reference):
    staff = UserFactory(staff=True)
    cohort = CohortFactory(seats=3)
    candidacies = [CandidacyFactory(cohort=cohort, confirmed=True) for _ in range(8)]
    outcomes = race([lambda c=c: services.candidacy_select(candidacy=c, user=staff) for c in candidacies])
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert Explorer.objects.filter(cohort=cohort, status="active").count() == 3
    assert Candidacy.objects.filter(cohort=cohort, status="selected").count() == 3
    ranks = sorted(
        Candidacy.objects.filter(cohort=cohort, status="waitlisted").values_list("waitlist_position", flat=True)
    )
    assert ranks == [1, 2, 3, 4, 5]


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_fill_the_seats_then_wait_in_order(reference):
    event = ExplorationEventFactory(seats=4)
    explorers = [ExplorerFactory(cohort=event.cohort) for _ in range(12)]
    outcomes = race([lambda e=e: services.event_register(event=event, explorer=e, user=e.user) for e in explorers])
    assert all(isinstance(o, Registration) for o in outcomes)  # nobody lost
    rows = Registration.objects.filter(event=event)
    assert rows.count() == 12 and rows.filter(status="registered").count() == 4
    waiting = list(rows.filter(status="waiting").order_by("waitlist_position"))
    assert [r.waitlist_position for r in waiting] == list(range(1, 9))
    # In order of arrival: each waited for the row lock in turn, so ranks follow the commit order.
    assert [r.pk for r in waiting] == sorted(r.pk for r in waiting)


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_promote_the_first_waiting_each_once(reference):
    event = ExplorationEventFactory(seats=2)
    registered = [RegistrationFactory(event=event) for _ in range(2)]
    waiting = [RegistrationFactory(event=event, waiting=True, waitlist_position=i + 1) for i in range(3)]
    outcomes = race(
        [lambda r=r: services.registration_cancel(registration=r, user=r.explorer.user) for r in registered]
    )
    assert sorted(o.pk for o in outcomes) == [waiting[0].pk, waiting[1].pk]
    assert Registration.objects.filter(event=event, status="registered").count() == 2
    assert Registration.objects.get(pk=waiting[2].pk).waitlist_position == 3

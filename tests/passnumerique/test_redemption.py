import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections
from django.utils import timezone

from passnumerique import codes, services
from passnumerique.models import Redemption
from passnumerique.services import RedemptionRefused, Refusal

from .conftest import distribute

pytestmark = pytest.mark.django_db


def _ticket(pn, index=0, distributed=True):
    booklet = pn.order.booklets.order_by("number")[index]
    if distributed and booklet.distributed_at is None:
        distribute(pn, booklet)
    return booklet.tickets.first()


def _redeem(pn, code, place=None, user=None, **kwargs):
    return services.ticket_redeem(
        code=code, place=place or pn.place, training=pn.training, user=user or pn.place_agent, **kwargs
    )


def _refused(pn, code, **kwargs) -> str:
    with pytest.raises(RedemptionRefused) as exc:
        _redeem(pn, code, **kwargs)
    return exc.value.check.reason


def test_a_valid_ticket_is_redeemed_once_with_who_where_when(pn):
    ticket = _ticket(pn)
    typed = codes.display(ticket.code).lower()
    assert services.ticket_check(code=typed, place=pn.place, training=pn.training).ok
    redemption = _redeem(pn, typed)
    assert (redemption.ticket, redemption.place, redemption.agent) == (ticket, pn.place, pn.place_agent)
    assert redemption.hours == Decimal("1.00")  # a 2-hour training worth 2 tickets
    assert redemption.redeemed_at <= timezone.now()
    assert _refused(pn, ticket.code) == Refusal.USED


def test_every_refusal_reason(pn):
    assert _refused(pn, "ZZZZZZZZZZZZZ") in (Refusal.UNKNOWN, Refusal.MISTYPED)
    good = _ticket(pn).code
    typo = good[:3] + ("A" if good[3] != "A" else "B") + good[4:]
    assert _refused(pn, typo) == Refusal.MISTYPED
    assert _refused(pn, "pas-un-code") == Refusal.UNKNOWN
    assert _refused(pn, _ticket(pn, 1, distributed=False).code) == Refusal.NOT_DISTRIBUTED
    ticket = _ticket(pn, 2)
    assert _refused(pn, ticket.code, place=pn.other_place, user=pn.other_agent) == Refusal.TERRITORY
    pn.place.label_valid_until = date(2020, 1, 1)
    pn.place.save()
    assert _refused(pn, ticket.code) == Refusal.LABEL
    pn.place.label_valid_until = None
    pn.place.save()
    pn.order.allowed_place_types = ["library"]
    pn.order.save()
    assert _refused(pn, ticket.code) == Refusal.PLACE_TYPE
    pn.order.allowed_place_types = []
    pn.order.target_public = "seniors"  # the beneficiary was recorded as « tout public »
    pn.order.save()
    assert _refused(pn, ticket.code) == Refusal.TARGET
    pn.order.target_public = "all"
    pn.order.valid_until = timezone.localdate() - timedelta(days=pn.order.grace_days + 1)
    pn.order.save()
    assert _refused(pn, ticket.code) == Refusal.EXPIRED
    assert not Redemption.objects.exists()


def test_a_training_the_place_does_not_offer_is_refused(pn):
    from passnumerique.models import Training

    other = Training.objects.create(title="Tableur avancé", theme="Bureautique")
    check = services.ticket_check(code=_ticket(pn).code, place=pn.place, training=other)
    assert (check.ok, check.reason) == (False, Refusal.TRAINING)


def test_only_the_place_agents_redeem(pn):
    ticket = _ticket(pn)
    for user in (pn.other_agent, pn.funder_agent, pn.distributor_agent, pn.staff):
        with pytest.raises(PermissionDenied):
            _redeem(pn, ticket.code, user=user)


def test_grace_period_keeps_tickets_usable_one_month(pn):
    ticket = _ticket(pn)
    pn.order.valid_until = date(2025, 3, 31)
    pn.order.save()
    inside = services.ticket_check(code=ticket.code, place=pn.place, today=date(2025, 3, 31) + timedelta(days=31))
    after = services.ticket_check(code=ticket.code, place=pn.place, today=date(2025, 5, 2))
    assert inside.ok and (after.ok, after.reason) == (False, Refusal.EXPIRED)
    assert "31/03/2025" in after.message


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_redemptions_of_one_ticket_exactly_one_succeeds(pn):
    ticket = _ticket(pn)
    barrier = threading.Barrier(50)
    outcomes = []
    lock = threading.Lock()

    def attempt():
        try:
            barrier.wait()
            _redeem(pn, ticket.code)
            result = "ok"
        except RedemptionRefused as exc:
            result = exc.check.reason
        finally:
            close_old_connections()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert outcomes.count(Refusal.USED) == 49
    assert Redemption.objects.filter(ticket=ticket).count() == 1

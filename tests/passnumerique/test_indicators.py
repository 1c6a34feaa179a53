"""The Pass Numérique's indicators for the COPIL, per commune and per EPT: tickets and hours where the place
that redeemed them is, beneficiaries where they live."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from passnumerique import selectors, services
from sman.models import Membership, Territory

from ..factories import MembershipFactory
from ..indicators import nonzero, values_by_code
from .conftest import distribute, make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(pn):
    """An order valid in the whole Métropole; tickets redeemed at places in Montreuil (3) and Bagnolet (2),
    both in T8, in Paris (1, T1) and in Pierrefitte (1, a delegated commune of Saint-Denis, T6), plus one in
    Paris tomorrow; booklets handed to two people living in Montreuil, one in Pantin (T8) and one in Paris."""
    order = services.order_create(
        user=pn.funder_agent, funder=pn.funder, booklet_count=4, tickets_per_booklet=5, face_value_cents=1000,
        territory=Territory.objects.get(code="MGP"), target_public="all", valid_until=date(2030, 12, 31),
    )  # fmt: skip
    booklets = list(order.booklets.all())
    for booklet, commune in zip(booklets, ("93048", "93048", "93055", "75056"), strict=True):
        distribute(pn, booklet, commune=commune)
    tickets = [ticket for booklet in booklets for ticket in booklet.tickets.all()]
    places = {
        "93048": pn.place,
        "75056": pn.other_place,
        "93006": make_place("Médiathèque de Bagnolet", "93006"),
        "93059": make_place("Espace de Pierrefitte", "93059"),
    }
    now = timezone.now()
    for commune, count, when in (("93048", 3, now), ("93006", 2, now), ("75056", 1, now), ("93059", 1, now),
                                 ("75056", 1, now + timedelta(days=1))):  # fmt: skip
        place = places[commune]
        place.trainings.add(pn.training)
        agent = MembershipFactory(organisation=place.organisation, role=Membership.Role.MEMBER).user
        for _ in range(count):
            services.ticket_redeem(code=tickets.pop().code, place=place, training=pn.training, user=agent, now=when)
    return timezone.localdate(now)


def test_tickets_and_hours_count_where_the_place_is(spread):
    expected = {"93048": 3, "93006": 2, "T8": 5, "75056": 1, "T1": 1, "93059": 1, "93066": 1, "T6": 1, "MGP": 7}
    tickets = values_by_code("passnumerique.tickets_redeemed", spread)
    assert nonzero(tickets) == expected  # the ticket redeemed tomorrow is not counted today
    assert nonzero(values_by_code("passnumerique.hours_delivered", spread)) == expected  # 2 h for 2 tickets
    assert values_by_code("passnumerique.tickets_redeemed", spread + timedelta(days=1))["T1"] == 2
    # An EPT is the sum of its communes (and of places attached to the EPT itself, none here).
    t8 = Territory.objects.get(code="T8").children.values_list("code", flat=True)
    assert tickets["T8"] == sum(tickets[code] for code in t8)
    # The Métropole's value is the dashboard's, as before.
    assert tickets["MGP"] == selectors.totals(until=spread)["tickets_redeemed"] == 7


def test_beneficiaries_count_where_they_live(spread):
    beneficiaries = values_by_code("passnumerique.beneficiaries_reached", spread)
    assert nonzero(beneficiaries) == {"93048": 2, "93055": 1, "T8": 3, "75056": 1, "T1": 1, "MGP": 4}
    assert beneficiaries["MGP"] == selectors.totals()["beneficiaries"] == Decimal(4)

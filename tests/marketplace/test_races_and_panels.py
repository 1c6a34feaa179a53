"""Concurrency (real connections, one per thread) and what the module shows in « Mon espace » and on a commune."""

import pytest
from django.test import RequestFactory

from marketplace import panels, selectors, services
from marketplace.models import FunnelEvent, NeedParticipant, Response
from sman.models import Territory

from ..factories import NeedFactory, collectivity_of
from ..races import race_messages as _race
from .conftest import agent_of, signed_member


@pytest.mark.django_db(transaction=True)
def test_two_responses_of_one_member_sent_at_once_make_one(reference):
    need = NeedFactory(published=True)
    member, user = signed_member("Membre pressé")
    outcomes = _race(
        [
            lambda i=i: services.response_submit(user=user, need=need, member=member, proposal=f"Offre {i}")
            for i in range(2)
        ]
    )
    assert outcomes.count("ok") == 1
    assert any("déjà répondu" in o for o in outcomes)
    assert Response.objects.filter(need=need, member=member).count() == 1
    assert FunnelEvent.objects.filter(need=need, member=member, stage="answered").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_agents_joining_a_need_for_one_collectivity_at_once_make_one_participation(reference):
    need = NeedFactory(published=True)
    pantin = collectivity_of("93055")
    first, second = agent_of(pantin), agent_of(pantin)
    outcomes = _race(
        [
            lambda: services.need_join(user=first, need=need, organisation=pantin, quantity=3),
            lambda: services.need_join(user=second, need=need, organisation=pantin, quantity=5),
        ]
    )
    assert sorted(outcomes) == ["Votre collectivité participe déjà à ce besoin.", "ok"]
    assert NeedParticipant.objects.filter(need=need, organisation=pantin).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_funnel_step_recorded_by_many_requests_at_once_is_one_event(reference):
    need = NeedFactory(published=True)
    member, _ = signed_member("Membre très vu")
    _race([lambda: services.funnel_record(need=need, member_id=member.pk, stage="viewed") for _ in range(6)])
    assert FunnelEvent.objects.filter(need=need, member=member, stage="viewed").count() == 1


def _panel(user):
    request = RequestFactory().get("/")
    request.user = user
    return panels.space_panel(request)


@pytest.mark.django_db
def test_my_space_lists_what_waits_for_buyers_and_members(market, staff_user):
    buyer = _panel(market.users["commune_agent"])
    labels = [todo.label for todo in buyer.todos]
    assert "1 besoin avec des réponses à lire" in labels or "2 besoins avec des réponses à lire" in labels
    assert "1 question de membre à laquelle répondre" in labels
    assert "1 besoin en brouillon à publier" in labels
    assert _panel(market.users["citizen"]) is None
    assert _panel(market.users["digital_actor"]) is None  # never joined the community: nothing waiting
    services.charter_publish(user=staff_user, title="v2", body="Texte v2")
    member = _panel(market.users["member"])
    assert "1 nouvelle version de la charte à signer" in [todo.label for todo in member.todos]


@pytest.mark.django_db
def test_a_commune_shows_the_solutions_its_collectivity_adopted(market):
    template, context = panels.territory_panel(Territory.objects.get(code="93048"))
    assert context["count"] == 1 and context["adoptions"][0].solution == market.extra["solution"]
    assert panels.territory_panel(Territory.objects.get(code="T8"))[1]["count"] == 1  # Montreuil is in T8
    assert panels.territory_panel(Territory.objects.get(code="93055")) is None


@pytest.mark.django_db
def test_indicators_per_territory_and_semester(market):
    from django.utils import timezone

    from marketplace import indicators
    from sman.indicators import TerritoryTree

    today = timezone.localdate()
    assert indicators.official_members(today) >= 2
    assert indicators.projects_born(today, territory=Territory.objects.get(code="T8")) == 1
    assert indicators.projects_born(today, territory=Territory.objects.get(code="93055")) == 0
    tree = TerritoryTree()
    montreuil = Territory.objects.get(code="93048")
    posted = indicators._need_indicator("posted")[0](today, tree)
    assert posted[montreuil.pk] == indicators._need_indicator("posted")[1](today, territory=montreuil) == 3
    semesters = selectors.needs_per_semester()
    assert semesters and semesters[-1]["posted"] == 3 and semesters[-1]["adopted"] == 1

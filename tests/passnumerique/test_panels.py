"""What the Pass Numérique puts in « Mon espace » and on a territory's page (passnumerique/panels.py)."""

import html

import pytest
from django.urls import reverse

from ..auth import login
from .conftest import distribute

pytestmark = pytest.mark.django_db


def space(client, user) -> str:
    login(client, user)
    return html.unescape(client.get(reverse("dashboard")).content.decode())


def test_a_place_agent_is_offered_to_validate_a_ticket(client, pn):
    page = space(client, pn.place_agent)
    assert "Valider un ticket" in page and reverse("passnumerique:redeem") in page


def test_a_distributor_is_offered_to_hand_out_a_booklet_and_sees_what_was_handed(client, pn):
    distribute(pn, pn.order.booklets.first())
    page = space(client, pn.distributor_agent)
    assert "Remettre un carnet" in page and "1 carnet remis par votre structure" in page


def test_a_funder_finds_the_dashboard_and_not_the_ticket_validation(client, pn):
    page = space(client, pn.funder_agent)
    assert reverse("passnumerique:dashboard") in page and "Valider un ticket" not in page


def test_a_communes_page_lists_its_mediation_places(client, pn):
    page = client.get(reverse("commune_detail", args=["93048"])).content.decode()
    assert "Espace numérique de Montreuil" in page and "Lieu parisien" not in page
    page = client.get(reverse("commune_detail", args=["93055"])).content.decode()
    assert "Espace numérique de Montreuil" not in page

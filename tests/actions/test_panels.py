"""What the roadmap and the COPIL put in « Mon espace » (actions/panels.py)."""

import html
from datetime import date

import pytest
from django.urls import reverse

from actions import services

from ..auth import login

pytestmark = pytest.mark.django_db


def space(client, user) -> str:
    login(client, user)
    return html.unescape(client.get(reverse("dashboard")).content.decode())


def test_an_owner_is_asked_to_update_their_action(client, owner, plan_action):
    page = space(client, owner)
    assert f"Mettre à jour le suivi de l'action #{plan_action.number}" in page
    assert reverse("actions:action_follow", args=[plan_action.roadmap.code, plan_action.number]) in page


def test_a_copil_member_is_asked_to_prepare_the_next_session(client, copil_member, staff):
    page = space(client, copil_member)
    assert "Préparer la séance" not in page
    session = services.copil_session_create(user=staff, year=2030, semester=1, on=date(2030, 3, 12))
    page = space(client, copil_member)
    assert "Préparer la séance du COPIL du 12/03/2030" in page and session.get_absolute_url() in page


def test_staff_without_a_planned_session_are_offered_to_create_one(client, staff):
    assert "Aucune séance du COPIL n'est prévue" in space(client, staff)

"""« Mon espace », the territory pages and the demo data of the support module."""

import html

import pytest
from django.test import Client
from django.urls import reverse

from engineering import demo
from engineering.models import EngineeringRequest, Place, Product, SpaceOffer
from resources.models import Resource

from ..auth import login
from ..factories import EngineeringRequestFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def space(user) -> str:
    return html.unescape(login(Client(), user).get(reverse("dashboard")).content.decode())


def test_the_demo_gives_each_account_its_work_and_loads_once(world):
    demo.load_demo(world.users)
    demo.load_demo(world.users)  # idempotent
    assert sorted(EngineeringRequest.objects.values_list("status", flat=True)) == sorted(
        ["received", "received", "qualified", "in_progress", "delivered", "closed"]
    )
    assert sorted(Product.objects.values_list("phase", flat=True)) == sorted(Product.Phase.values)
    assert Place.objects.count() == len(demo.PLACES)
    assert set(SpaceOffer.objects.values_list("status", flat=True)) == {"submitted", "published", "matched"}

    agent = space(world.users["commune_agent"])
    assert "1 demande où le pôle d'ingénierie vous a écrit" in agent
    assert "1 demande livrée : donnez votre avis" in agent
    staff = space(world.users["staff"])
    assert "2 demandes d'accompagnement à trier" in staff
    assert "1 demande confiée à prendre en charge" in staff and "1 demande à laquelle répondre" in staff
    assert "1 problème à examiner" in staff and "1 espace vacant à modérer" in staff
    in_progress = EngineeringRequest.objects.get(status="in_progress")
    page = html.unescape(
        login(Client(), world.users["commune_agent"]).get(in_progress.get_absolute_url()).content.decode()
    )
    assert "Quelles dates vous conviennent ?" in page

    # The closed request's deliverable is published and listed on the request's page; the delivered one's waits as a
    # draft of the expert, linked to its request.
    closed, delivered = (EngineeringRequest.objects.get(status=status) for status in ("closed", "delivered"))
    shared = Resource.objects.get(engineering_request=closed)
    assert shared.state == Resource.State.PUBLISHED and shared.is_demo
    page = html.unescape(login(Client(), world.users["ept_agent"]).get(closed.get_absolute_url()).content.decode())
    assert "Ressources liées" in page and shared.current_version.title in page
    draft = Resource.objects.get(engineering_request=delivered)
    assert draft.state == Resource.State.DRAFT and draft.author == world.users["staff"] and draft.is_demo


def test_a_citizen_has_nothing_waiting_here(world):
    assert "Accompagnement" not in space(world.users["citizen"]).split("Ce qui vous attend")[-1]


def test_a_communes_page_shows_its_places_and_requests(world):
    PlaceFactory(name="Fablab de Montreuil")
    EngineeringRequestFactory(closed=True)
    page = html.unescape(Client().get(reverse("commune_detail", args=["93048"])).content.decode())
    assert "1 fablab" in page and "1 demande au pôle d'ingénierie, dont 1 close" in page
    page = html.unescape(Client().get(reverse("commune_detail", args=["93055"])).content.decode())
    assert "demande au pôle d'ingénierie" not in page

"""Demo data: a labelled place with its trainings, an order of booklets, a few distributed and used."""

from datetime import date
from decimal import Decimal

from django.contrib.gis.geos import Point

from sman.models import Organisation, Territory

from . import services
from .models import DistributorAuthorisation, MediationPlace, Order, Training

TRAININGS = [
    ("Premiers pas avec un ordinateur", "Découverte", "beginner", 2, 2),
    ("Utiliser sa messagerie électronique", "Communication", "beginner", 1, 1),
    ("Faire ses démarches administratives en ligne", "Démarches", "intermediate", 2, 2),
    ("Protéger ses données personnelles", "Sécurité", "intermediate", 1, 1),
]


def load_demo(users: dict) -> None:
    funder = Organisation.objects.filter(slug="demo-ccas-montreuil").first()
    place_org = Organisation.objects.filter(slug="demo-espace-numerique-montreuil").first()
    if funder is None or place_org is None or Order.objects.filter(funder=funder).exists():
        return
    trainings = [
        Training.objects.get_or_create(
            title=title,
            defaults={"theme": theme, "level": level, "duration_hours": Decimal(hours), "tickets_required": tickets},
        )[0]
        for title, theme, level, hours, tickets in TRAININGS
    ]
    place, _ = MediationPlace.objects.get_or_create(
        organisation=place_org,
        defaults={
            "place_type": "association", "aptic_label": True, "label_valid_until": date(2027, 12, 31),
            "location": Point(2.4433, 48.8638, srid=4326),
            "opening_hours": "Du mardi au samedi, de 10 h à 18 h", "accessibility": "Accessible en fauteuil roulant",
        },
    )  # fmt: skip
    place.trainings.set(trainings)
    montreuil = Territory.objects.get(code="93048")
    distributor = Organisation.objects.get(kind="collectivity", territory=montreuil)
    DistributorAuthorisation.objects.get_or_create(funder=funder, distributor=distributor)
    order = services.order_create(
        user=users["funder"], funder=funder, booklet_count=10, tickets_per_booklet=10, face_value_cents=1000,
        territory=Territory.objects.get(code="T8"), target_public="all", valid_until=date(2027, 6, 30),
    )  # fmt: skip
    for booklet in order.booklets.order_by("number")[:3]:
        services.booklet_distribute(
            user=users["commune_agent"], distributor=distributor, booklet_code=booklet.code, age_band="65-79",
            territory=montreuil, target_public="seniors",
        )  # fmt: skip
        for ticket in booklet.tickets.all()[:2]:
            services.ticket_redeem(code=ticket.code, place=place, training=trainings[1], user=users["mediation_agent"])

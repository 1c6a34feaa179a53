from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point

from passnumerique import services
from passnumerique.models import DistributorAuthorisation, MediationPlace, Order, PlaceType, Training
from sman.models import Membership, Organisation, Territory

from ..factories import MembershipFactory, OrganisationFactory, UserFactory


@dataclass
class Pass:
    funder: Organisation
    funder_agent: object
    distributor: Organisation
    distributor_agent: object
    place: MediationPlace
    place_agent: object
    other_place: MediationPlace
    other_agent: object
    training: Training
    order: Order
    staff: object


def make_place(name: str, commune: str, **extra) -> MediationPlace:
    org = OrganisationFactory(
        kind=Organisation.Kind.MEDIATION_PLACE, name=name, territory=Territory.objects.get(code=commune)
    )
    return MediationPlace.objects.create(
        organisation=org, place_type=extra.pop("place_type", PlaceType.ASSOCIATION), aptic_label=True,
        location=Point(2.44, 48.86, srid=4326), **extra,
    )  # fmt: skip


def distribute(pn: Pass, booklet, *, commune="93048", public="all"):
    return services.booklet_distribute(
        user=pn.distributor_agent, distributor=pn.distributor, booklet_code=booklet.code, age_band="65-79",
        territory=Territory.objects.get(code=commune), target_public=public,
    )  # fmt: skip


@pytest.fixture
def pn(reference):
    """A funder (CCAS) with an order for Est Ensemble (T8), Montreuil as authorised distributor, a labelled
    place in Montreuil and another in Paris."""
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="CCAS d'essai")
    funder_agent = MembershipFactory(organisation=funder).user
    distributor = Organisation.objects.get(kind="collectivity", territory__code="93048")
    DistributorAuthorisation.objects.create(funder=funder, distributor=distributor)
    distributor_agent = MembershipFactory(organisation=distributor).user
    training = Training.objects.create(
        title="Premiers pas sur internet", theme="Découverte", duration_hours=Decimal(2), tickets_required=2
    )
    place = make_place("Espace numérique de Montreuil", "93048")
    place.trainings.add(training)
    other_place = make_place("Lieu parisien", "75056")
    other_place.trainings.add(training)
    place_agent = MembershipFactory(organisation=place.organisation, role=Membership.Role.ADMIN).user
    other_agent = MembershipFactory(organisation=other_place.organisation).user
    order = services.order_create(
        user=funder_agent, funder=funder, booklet_count=4, tickets_per_booklet=5, face_value_cents=1000,
        territory=Territory.objects.get(code="T8"), target_public="all", valid_until=date(2030, 12, 31),
    )  # fmt: skip
    return Pass(funder, funder_agent, distributor, distributor_agent, place, place_agent, other_place, other_agent,
                training, order, UserFactory(staff=True))  # fmt: skip


PASS_ROLES = ("anonymous", "pass_funder", "pass_distributor", "place_agent", "other_place_agent", "staff")


@pytest.fixture
def pn_world(world, pn):
    """The shared role world (tests/matrix.py) with the Pass Numérique's own roles plugged in: the CCAS's agent,
    Montreuil's distributing agent, the Montreuil place's admin and the Paris place's agent. ``pn`` is in
    ``world.extra["pn"]``."""
    world.add_user("pass_funder", pn.funder_agent)
    world.add_user("pass_distributor", pn.distributor_agent)
    world.add_user("place_agent", pn.place_agent)
    world.add_user("other_place_agent", pn.other_agent)
    world.extra["pn"] = pn
    return world

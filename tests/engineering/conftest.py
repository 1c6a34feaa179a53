from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engineering import services
from engineering.models import EngineeringRequest, ExchangeMember, ServiceOffer
from sman.models import Organisation

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    ServiceOfferFactory,
    UserFactory,
    collectivity_of,
)

EXPERT = "engineering.expert"
PDF = b"%PDF-1.4\n% essai\n"


def pdf(name="note.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class Eng:
    montreuil: Organisation
    agent: object  # Montreuil's agent
    pantin_agent: object
    expert: object
    other_expert: object
    staff: object
    service: ServiceOffer
    ess: Organisation
    ess_agent: object

    def request(self, **extra) -> EngineeringRequest:
        fields = {"title": "Ouvrir nos données", "description": "Le besoin.", "kind": "technical", "stage": "upstream"}
        return services.request_submit(user=self.agent, organisation=self.montreuil, **(fields | extra))

    def in_progress(self) -> EngineeringRequest:
        req = self.request()
        services.request_qualify(request=req, user=self.staff, service=self.service, expert=self.expert)
        return services.request_start(request=req, user=self.expert)


@pytest.fixture
def eng(reference):
    montreuil = collectivity_of("93048")
    ess = OrganisationFactory(name="Recyclerie d'essai")
    ExchangeMember.objects.create(organisation=ess, kind=ExchangeMember.Kind.ESS)
    return Eng(
        montreuil=montreuil,
        agent=MembershipFactory(organisation=montreuil).user,
        pantin_agent=MembershipFactory(organisation=collectivity_of("93055")).user,
        expert=UserFactory(roles=[EXPERT]),
        other_expert=UserFactory(roles=[EXPERT]),
        staff=UserFactory(staff=True),
        service=ServiceOfferFactory(typical_delay_days=12),
        ess=ess,
        ess_agent=MembershipFactory(organisation=ess).user,
    )


ENG_ROLES = ("expert", "other_expert", "ess_agent")


@pytest.fixture
def eng_world(world, eng):
    """The shared world (tests/matrix.py) with the module's own roles: the expert a request is assigned to,
    another expert, an agent of an admitted social and solidarity economy organisation. ``eng`` is in
    ``world.extra["eng"]``; requests of the world's commune (Montreuil) in each state are in ``world.extra``."""
    world.add_user("expert", eng.expert)
    world.add_user("other_expert", eng.other_expert)
    world.add_user("ess_agent", eng.ess_agent)
    world.extra["eng"] = eng
    return world

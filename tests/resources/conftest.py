from dataclasses import dataclass

import pytest

from resources import services
from resources.models import Resource
from sman.models import Membership, Organisation

from ..factories import MembershipFactory, ResourceFactory, UserFactory, collectivity_of


def agent_of(organisation: Organisation, **traits):
    return MembershipFactory(organisation=organisation, role=Membership.Role.MEMBER, user=UserFactory(**traits)).user


@dataclass
class Centre:
    montreuil: Organisation
    author: object  # an agent of Montreuil
    other_agent: object  # an agent of Pantin
    moderator: object  # Métropole staff
    moderator2: object
    citizen: object

    def draft(self, **fields) -> Resource:
        data = {
            "kind": "feedback",
            "title": "Un guichet numérique unique",
            "summary": "Ce que Montreuil a appris en ouvrant un guichet numérique.",
            "body": "<p>Un guichet pour toutes les démarches.</p>",
            "themes": ["citizen_relations"],
            **fields,
        }
        return services.resource_create(user=self.author, organisation=self.montreuil, **data)

    def submitted(self, **fields) -> Resource:
        return services.resource_submit(resource=self.draft(**fields), user=self.author)

    def published(self, **fields) -> Resource:
        resource = self.submitted(**fields)
        services.resource_publish(resource=resource, user=self.moderator)
        resource.refresh_from_db()
        return resource


@pytest.fixture
def centre(reference):
    montreuil = collectivity_of("93048")
    return Centre(
        montreuil=montreuil,
        author=agent_of(montreuil),
        other_agent=agent_of(collectivity_of("93055")),
        moderator=UserFactory(staff=True),
        moderator2=UserFactory(staff=True),
        citizen=UserFactory(),
    )


@pytest.fixture
def published_resource(reference):
    return ResourceFactory(published=True)

"""Reusable role × URL permission matrix. Every app's tests use it for their protected pages.

A ``World`` holds one user per role (the same roles as the demo accounts) and the organisations they
act for. A ``Case`` names a URL (or a function of the world that returns one), the HTTP method, and
the expected status per role; ``matrix_params`` turns cases into pytest parameters, one per
(case, role), so a failure names exactly who could do what.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client

from sman.models import Membership, Organisation, Territory, User

from .auth import login
from .factories import MembershipFactory, OrganisationFactory, UserFactory

ROLES = (
    "anonymous",
    "citizen",
    "commune_agent",
    "ept_agent",
    "org_admin",
    "digital_actor",
    "mediation_agent",
    "funder",
    "reviewer",
    "copil",
    "staff",
)
SIGNED_IN = tuple(r for r in ROLES if r != "anonymous")


@dataclass
class World:
    users: dict[str, User | None]
    commune: Territory
    commune_org: Organisation
    other_commune_org: Organisation
    ept_org: Organisation
    actor_org: Organisation
    place_org: Organisation
    funder_org: Organisation
    extra: dict = field(default_factory=dict)

    def client_for(self, role: str) -> Client:
        client = Client()
        user = self.users[role]
        if user is not None:
            login(client, user)
        return client


def build_world() -> World:
    """One user per role. Needs the reference data (communes and their collectivities)."""
    commune = Territory.objects.get(code="93048")  # Montreuil, T8 Est Ensemble
    commune_org = Organisation.objects.get(kind="collectivity", territory=commune)
    other_commune_org = Organisation.objects.get(kind="collectivity", territory__code="93055")  # Pantin
    ept_org = Organisation.objects.get(kind="collectivity", territory__code="T8")
    metropole_org = Organisation.objects.get(kind="metropole")
    actor_org = OrganisationFactory(kind=Organisation.Kind.DIGITAL_ACTOR, name="Startup d'essai")
    place_org = OrganisationFactory(kind=Organisation.Kind.MEDIATION_PLACE, name="Lieu de médiation d'essai")
    funder_org = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="Financeur d'essai")

    def member(org, role=Membership.Role.MEMBER, **traits):
        return MembershipFactory(organisation=org, role=role, user=UserFactory(**traits)).user

    users = {
        "anonymous": None,
        "citizen": UserFactory(),
        "commune_agent": member(commune_org),
        "ept_agent": member(ept_org),
        "org_admin": member(commune_org, Membership.Role.ADMIN),
        "digital_actor": member(actor_org),
        "mediation_agent": member(place_org),
        "funder": member(funder_org),
        "reviewer": UserFactory(reviewer=True),
        "copil": UserFactory(copil=True),
        "staff": member(metropole_org, Membership.Role.ADMIN, staff=True),
    }
    return World(users, commune, commune_org, other_commune_org, ept_org, actor_org, place_org, funder_org)


@dataclass(frozen=True)
class Case:
    name: str
    url: str | Callable[[World], str]
    expect: dict[str, int]
    default: int | None = None
    method: str = "get"
    data: dict | None = None

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if self.default is None:
            raise KeyError(f"{self.name}: no expectation for role {role}")
        return self.default


def matrix_params(cases: list[Case], roles=ROLES):
    """One pytest parameter per (case, role); apps add roles of their own (e.g. an action's owner)."""
    return [pytest.param(case, role, id=f"{case.name}-{role}") for case in cases for role in roles]


def check(world: World, case: Case, role: str):
    url = case.url(world) if callable(case.url) else case.url
    client = world.client_for(role)
    response = getattr(client, case.method)(url, case.data or {})
    expected = case.expected(role)
    assert response.status_code == expected, (
        f"{role} {case.method.upper()} {url}: expected {expected}, got {response.status_code}"
    )
    return response

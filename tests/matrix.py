"""Reusable role × URL permission matrix. Every app's tests use it for their protected pages.

A ``World`` holds one user per role (the same roles as the demo accounts) and the organisations they
act for. A ``Case`` names a URL (or a function of the world that returns one), the HTTP method, and
the expected status per role; ``matrix_params`` turns cases into pytest parameters, one per
(case, role), so a failure names exactly who could do what.

Apps plug their own roles into the one world (an action's owner, a place agent of another place, a network
operator member, an FMIN co-applicant…): their conftest fixture takes ``world``, builds what it needs and
calls ``world.add_user(role, user)``; the role is then usable in ``matrix_params(cases, world_roles(...))``
and ``world.client_for(role)``. No app keeps a private client/role helper.

Every case says which URL pattern it covers: a string URL is resolved; a URL built from the world (a
lambda) names its pattern with ``covers="app:name"``. All cases register in ``ALL_CASES``, and
tests/test_url_coverage.py fails when a URL pattern of the project is in no case and not exempted.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import resolve

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
    extra_users: dict[str, User | None] = field(default_factory=dict)

    def add_user(self, role: str, user: User | None) -> User | None:
        """The hook for an app's own roles: ``role`` signs in as ``user`` in ``client_for`` and ``check``."""
        self.extra_users[role] = user
        self.users[role] = user
        return user

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


ALL_CASES: list["Case"] = []


def world_roles(*extra: str) -> tuple[str, ...]:
    """The world's roles plus an app's own (added by its fixture with ``World.add_user``)."""
    return (*ROLES, *extra)


@dataclass(frozen=True)
class Case:
    name: str
    url: str | Callable[[World], str]
    expect: dict[str, int]
    default: int | None = None
    method: str = "get"
    data: dict | None = None
    covers: str | None = None  # the URL name ("app:name") a lambda URL resolves to

    def __post_init__(self):
        if callable(self.url) and not self.covers and getattr(self.url, "covers", None):
            object.__setattr__(self, "covers", self.url.covers)
        if callable(self.url) and not self.covers:
            raise ValueError(f"{self.name}: a URL built from the world needs covers='app:url_name'")
        ALL_CASES.append(self)

    def url_name(self) -> str:
        """The URL pattern name this case covers."""
        if self.covers:
            return self.covers
        return resolve(self.url.split("?", 1)[0]).view_name

    def expected(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if self.default is None:
            raise KeyError(f"{self.name}: no expectation for role {role}")
        return self.default


def matrix_params(cases: list[Case], roles=ROLES):
    """One pytest parameter per (case, role); apps add roles of their own (e.g. an action's owner)."""
    return [pytest.param(case, role, id=f"{case.name}-{role}") for case in cases for role in roles]


def close(response) -> None:
    """Close a response (a file download streams from an open file) without closing the test's database
    connection, as the test client itself does."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def check(world: World, case: Case, role: str):
    url = case.url(world) if callable(case.url) else case.url
    client = world.client_for(role)
    response = getattr(client, case.method)(url, case.data or {})
    close(response)
    expected = case.expected(role)
    assert response.status_code == expected, (
        f"{role} {case.method.upper()} {url}: expected {expected}, got {response.status_code}"
    )
    return response

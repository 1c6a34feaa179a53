"""Role × URL matrix of the support module (tests/matrix.py): every page, action and API route, every role."""

import pytest
from django.urls import reverse

from engineering.models import SpaceApplication

from ..factories import (
    EngineeringRequestFactory,
    PlaceFactory,
    ProblemFactory,
    ProductFactory,
    SpaceOfferFactory,
    SponsorshipBudgetFactory,
)
from ..matrix import Case, check, matrix_params, world_roles
from .conftest import ENG_ROLES, pdf

pytestmark = pytest.mark.django_db

ROLES = world_roles(*ENG_ROLES)
ENG = "engineering:"
COLLECTIVITY = ("commune_agent", "ept_agent", "org_admin")
MONTREUIL = ("commune_agent", "org_admin")


def only(*allowed: str, ok: int = 200) -> dict:
    """``ok`` for the given roles, a login redirect for the public, 403 for everyone else."""
    return {role: ok if role in allowed else 302 if role == "anonymous" else 403 for role in ROLES}


OPEN = dict.fromkeys(ROLES, 200)


def url(name: str, make):
    """A URL built from the world: ``make(world)`` gives the object whose pk the pattern takes."""

    def build(world):
        return reverse(ENG + name, args=[make(world).pk])

    build.covers = ENG + name
    return build


def _request(status: str):
    def make(world):
        eng = world.extra["eng"]
        traits = {status: True} if status != "received" else {}
        extra = {"expert": eng.expert} if status != "received" else {}
        return EngineeringRequestFactory(organisation=world.commune_org, **traits, **extra)

    return make


def _document_url(world):
    req = _request("in_progress")(world)
    document = req.documents.create(file=pdf(), name="cahier.pdf", uploaded_by=world.users["commune_agent"])
    return reverse(ENG + "document_download", args=[req.pk, document.pk])


def _deliverable_url(world):
    req = _request("in_progress")(world)
    document = req.documents.create(
        file=pdf(), name="note.pdf", is_deliverable=True, uploaded_by=world.extra["eng"].expert
    )
    return reverse(ENG + "deliverable_publish", args=[req.pk, document.pk])


def _place(world):
    return PlaceFactory(organisation=world.place_org)


def _offer(trait: str | None):
    return lambda world: SpaceOfferFactory(owner=world.commune_org, **({trait: True} if trait else {}))


def _application(world):
    offer = SpaceOfferFactory(owner=world.commune_org, published=True)
    eng = world.extra["eng"]
    return SpaceApplication.objects.create(offer=offer, organisation=eng.ess, applicant=eng.ess_agent, project="p")


def _problem(world):
    SponsorshipBudgetFactory()
    return ProblemFactory(organisation=world.commune_org)


POLE = (*MONTREUIL, "expert", "staff")  # who reads a Montreuil request assigned to the expert
CASES = [
    Case("home", "/accompagnement/", OPEN),
    Case("services", "/accompagnement/services/", OPEN),
    Case("requests", "/accompagnement/demandes/", only(*COLLECTIVITY, "expert", "other_expert", "staff")),
    Case("request-new", "/accompagnement/demandes/nouvelle/", only(*COLLECTIVITY)),
    Case("request", url("request_detail", _request("in_progress")), only(*POLE)),
    Case("request-received", url("request_detail", _request("received")), only(*MONTREUIL, "staff")),
    Case("request-message-empty", url("request_detail", _request("in_progress")), only(*POLE), method="post"),
    Case("request-qualify", url("request_qualify", _request("received")), only("staff", ok=302), method="post"),
    Case("request-start", url("request_start", _request("qualified")), only("expert", "staff", ok=302), method="post"),
    Case(
        "request-document-empty",
        url("document_add", _request("in_progress")),
        only(*POLE, ok=302),
        method="post",
    ),
    Case("request-document", _document_url, only(*POLE), covers=ENG + "document_download"),
    Case(  # the pôle drafts a resource from its deliverable; the collectivity reads it but does not publish it
        "request-deliverable-to-resources",
        _deliverable_url,
        {**only(*POLE), **dict.fromkeys(MONTREUIL, 403), "expert": 302, "staff": 302},
        method="post",
        covers=ENG + "deliverable_publish",
    ),
    Case(
        "request-deliver",
        url("request_deliver", _request("in_progress")),
        only("expert", "staff", ok=302),
        method="post",
    ),  # fmt: skip
    Case("request-close-form", url("request_close", _request("delivered")), only(*MONTREUIL)),
    Case("request-close-empty", url("request_close", _request("delivered")), only(*MONTREUIL), method="post"),
    Case("places", "/accompagnement/lieux/", OPEN),
    Case("place", url("place_detail", _place), OPEN),
    Case("place-edit", url("place_edit", _place), only("mediation_agent", "staff")),
    Case("products", "/accompagnement/start-up/", OPEN),
    Case("product", url("product_detail", lambda w: ProductFactory()), OPEN),
    Case(
        "product-decide-empty",
        url("product_decide", lambda w: ProductFactory()),
        only("staff", ok=302),
        method="post",
    ),  # fmt: skip
    Case("problems", "/accompagnement/start-up/problemes/", only(*COLLECTIVITY, "staff")),
    Case("problem-new", "/accompagnement/start-up/problemes/nouveau/", only(*COLLECTIVITY)),
    Case("problem", url("problem_detail", _problem), only(*MONTREUIL, "staff")),
    Case("problem-select-empty", url("problem_select", _problem), only("staff", ok=400), method="post"),
    Case("problem-reject-empty", url("problem_reject", _problem), only("staff", ok=302), method="post"),
    Case("spaces", "/accompagnement/espaces/", OPEN),
    Case("space-new", "/accompagnement/espaces/nouveau/", only(*COLLECTIVITY)),
    Case("space-published", url("space_detail", _offer("published")), OPEN),
    Case("space-to-moderate", url("space_detail", _offer(None)), only(*MONTREUIL, "staff") | {"anonymous": 404}),
    Case("space-moderate", url("offer_moderate", _offer(None)), only("staff", ok=302), method="post"),
    Case("space-apply-empty", url("space_apply", _offer("published")), only("ess_agent", ok=302), method="post"),
    Case("space-occupied", url("offer_occupied", _offer("matched")), only(*MONTREUIL, "staff", ok=302), method="post"),
    Case("space-accept", url("application_accept", _application), only(*MONTREUIL, "staff", ok=302), method="post"),
    Case("api-places", "/api/engineering/places/", OPEN),
    Case("api-place", lambda w: f"/api/engineering/places/{_place(w).pk}/", OPEN, covers="engineering-place-detail"),
    Case("api-products", "/api/engineering/products/", OPEN),
    Case(
        "api-product",
        lambda w: f"/api/engineering/products/{ProductFactory().pk}/",
        OPEN,
        covers="engineering-product-detail",
    ),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, ROLES))
def test_role_matrix(eng_world, case, role):
    check(eng_world, case, role)

"""Role matrix of the Pass Numérique, pages, API and indicators."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from passnumerique import services
from passnumerique.models import BookletSheets, DistributorAuthorisation, Order, Redemption
from sman import jobs
from sman.indicators import providers
from sman.models import Organisation, Territory

from ..auth import token_header
from ..factories import MembershipFactory, OrganisationFactory
from ..matrix import Case, check, matrix_params
from ..queries import assert_queries_do_not_grow
from .conftest import PASS_ROLES, distribute, make_place

pytestmark = pytest.mark.django_db

ROLES = PASS_ROLES  # the world's anonymous and staff, and the Pass Numérique's own roles


def _statement(pn):
    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    services.ticket_redeem(code=booklet.tickets.first().code, place=pn.place, training=pn.training, user=pn.place_agent)
    from django.utils import timezone

    (statement,) = services.statements_generate(month=timezone.localdate().replace(day=1))
    return statement


def done_sheets(order) -> BookletSheets:
    """The order's printable sheets, done (a small stand-in PDF: what is checked here is who gets it)."""
    sheets = BookletSheets.objects.create(order=order, state=BookletSheets.State.DONE, finished_at=timezone.now())
    return jobs.job_result_write(job=sheets, content=b"%PDF-1.7 planches", filename=f"carnets-{order.reference}.pdf")


def only(*allowed: str) -> dict:
    """200 for the given roles, a login redirect for the public, 403 for everyone else."""
    return {role: 200 if role in allowed else 302 if role == "anonymous" else 403 for role in ROLES}


OPEN = dict.fromkeys(ROLES, 200)
PLACES = ("place_agent", "other_place_agent")
PASS = "passnumerique:"
CASES = [
    Case("home", "/pass-numerique/", OPEN),
    Case("places", "/pass-numerique/lieux/", OPEN),
    Case("place", lambda w: w.extra["pn"].place.get_absolute_url(), OPEN, covers=PASS + "place_detail"),
    Case("trainings", "/pass-numerique/formations/", OPEN),
    Case("balance", "/pass-numerique/solde/", OPEN),
    Case("redeem", "/pass-numerique/valider/", only(*PLACES)),
    Case(
        "redeem-at-another-place",
        lambda w: f"/pass-numerique/valider/?lieu={w.extra['pn'].place.pk}",
        only("place_agent"),
        covers=PASS + "redeem",
    ),
    Case("distribute", "/pass-numerique/distribuer/", only("pass_distributor")),
    Case("orders", "/pass-numerique/commandes/", only("pass_funder", "staff")),
    Case(
        "order",
        lambda w: w.extra["pn"].order.get_absolute_url(),
        only("pass_funder", "staff"),
        covers=PASS + "order_detail",
    ),
    Case(
        "order-sheets",
        lambda w: reverse("passnumerique:order_sheets", args=[done_sheets(w.extra["pn"].order).order_id]),
        only("pass_funder", "staff"),
        covers=PASS + "order_sheets",
    ),
    Case(
        "order-sheets-not-ready",
        lambda w: reverse("passnumerique:order_sheets", args=[w.extra["pn"].order.pk]),
        only("pass_funder", "staff") | {"pass_funder": 404, "staff": 404},
        covers=PASS + "order_sheets",
    ),
    Case(
        "order-sheets-request",
        lambda w: reverse("passnumerique:order_sheets_request", args=[w.extra["pn"].order.pk]),
        only("pass_funder", "staff") | {"pass_funder": 302, "staff": 302},
        method="post",
        covers=PASS + "order_sheets_request",
    ),
    Case(
        "order-sheets-request-get",
        lambda w: reverse("passnumerique:order_sheets_request", args=[w.extra["pn"].order.pk]),
        dict.fromkeys(ROLES, 405) | {"anonymous": 302},  # POST only, before the order is looked at
        covers=PASS + "order_sheets_request",
    ),
    Case(
        "order-sheets-status",
        lambda w: reverse("passnumerique:order_sheets_status", args=[done_sheets(w.extra["pn"].order).order_id]),
        only("pass_funder", "staff"),
        covers=PASS + "order_sheets_status",
    ),
    Case("dashboard", "/pass-numerique/tableau-de-bord/", only("pass_funder", "staff")),
    Case("statements", "/pass-numerique/releves/", only(*PLACES, "staff")),
    Case(
        "statement-file",
        lambda w: reverse("passnumerique:statement_file", args=[_statement(w.extra["pn"]).pk, "csv"]),
        only("place_agent", "staff"),
        covers=PASS + "statement_file",
    ),
    Case(
        "statement-paid",
        lambda w: reverse("passnumerique:statement_paid", args=[_statement(w.extra["pn"]).pk]),
        only("staff") | {"staff": 302},
        method="post",
        covers=PASS + "statement_paid",
    ),
    # Anyone signed in is sent back to the orders page: the form offers only the user's own funders.
    Case("order-import-empty", "/pass-numerique/commandes/import/", dict.fromkeys(ROLES, 302), method="post"),
    Case("api-place", lambda w: f"/api/pass/places/{w.extra['pn'].place.pk}/", OPEN, covers="pass-place-detail"),
    Case(
        "api-training",
        lambda w: f"/api/pass/trainings/{w.extra['pn'].training.pk}/",
        OPEN,
        covers="pass-training-detail",
    ),
    Case(
        "api-ticket-check-empty",
        "/api/pass/tickets/check/",
        dict.fromkeys(ROLES, 400) | {"anonymous": 401},
        method="post",
    ),
    Case(
        "api-ticket-redeem-empty",
        "/api/pass/tickets/redeem/",
        dict.fromkeys(ROLES, 400) | {"anonymous": 401},
        method="post",
    ),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, ROLES))
def test_role_matrix(pn_world, case, role):
    check(pn_world, case, role)


def test_an_agent_of_another_place_cannot_redeem_for_this_one(pn_world, pn):
    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    code = booklet.tickets.first().code
    client = pn_world.client_for("other_place_agent")
    page = client.post(
        "/pass-numerique/valider/", {"lieu": pn.place.pk, "code": code, "training": pn.training.pk, "confirm": "1"}
    )
    assert page.status_code == 403
    # At their own place (Paris), this T8 ticket is refused.
    page = client.post("/pass-numerique/valider/", {"code": code, "training": pn.training.pk, "confirm": "1"})
    assert "hors du territoire du financeur" in page.content.decode()
    assert not Redemption.objects.exists()


def test_the_phone_page_checks_then_validates(pn_world, pn):
    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    code = booklet.tickets.first().code
    client = pn_world.client_for("place_agent")
    checked = client.post(
        "/pass-numerique/valider/", {"code": code.lower(), "training": pn.training.pk}
    ).content.decode()
    assert "Ticket valable" in checked and not Redemption.objects.exists()
    done = client.post("/pass-numerique/valider/", {"code": code, "training": pn.training.pk, "confirm": "1"})
    assert "Ticket validé" in done.content.decode() and Redemption.objects.count() == 1
    again = client.post("/pass-numerique/valider/", {"code": code, "training": pn.training.pk, "confirm": "1"})
    assert "déjà utilisé" in again.content.decode()


def test_places_page_queries_are_bounded(pn):
    def grow():
        for i in range(15):
            make_place(f"Lieu {i}", "93048").trainings.add(pn.training)

    assert_queries_do_not_grow(Client(), "/pass-numerique/lieux/", grow)


def test_api_ticket_check_and_redeem_with_a_token(pn):
    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    code = booklet.tickets.first().code
    api = APIClient()
    assert api.post("/api/pass/tickets/check/", {"code": code, "place": pn.place.pk}).status_code == 401
    api.credentials(HTTP_AUTHORIZATION=token_header(pn.place_agent, scopes=["pass:tickets"]))
    checked = api.post("/api/pass/tickets/check/", {"code": code, "place": pn.place.pk}).json()
    assert checked["valid"] is True
    assert api.post("/api/pass/tickets/check/", {"code": code, "place": pn.other_place.pk}).status_code == 403
    created = api.post("/api/pass/tickets/redeem/", {"code": code, "place": pn.place.pk, "training": pn.training.pk})
    assert created.status_code == 201
    refused = api.post("/api/pass/tickets/redeem/", {"code": code, "place": pn.place.pk, "training": pn.training.pk})
    assert refused.status_code == 409 and refused.json()["reason"] == "déjà utilisé"
    public = APIClient()
    assert public.get("/api/pass/places/").json()["count"] == 2
    assert public.get("/api/pass/statistics/").json()["tickets_redeemed"] == 1


def test_registered_indicators_for_the_copil(pn):
    from datetime import date

    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    for ticket in booklet.tickets.all()[:3]:
        services.ticket_redeem(code=ticket.code, place=pn.place, training=pn.training, user=pn.place_agent)
    today = date.today()
    assert providers["passnumerique.tickets_redeemed"].compute(today) == 3
    assert providers["passnumerique.hours_delivered"].compute(today) == 3
    assert providers["passnumerique.beneficiaries_reached"].compute(today) == 1


def test_dashboard_by_funder_and_territory(pn_world, pn):
    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    services.ticket_redeem(code=booklet.tickets.first().code, place=pn.place, training=pn.training, user=pn.place_agent)
    html = pn_world.client_for("pass_funder").get("/pass-numerique/tableau-de-bord/").content.decode()
    assert "Espace numérique de Montreuil" in html and "Montreuil : 1" in html
    html = pn_world.client_for("staff").get("/pass-numerique/tableau-de-bord/", {"territoire": "T1"}).content.decode()
    assert "Aucun ticket validé pour cette sélection." in html


def test_places_nearest_to_a_commune_come_first(pn):
    from django.contrib.gis.geos import Point

    from sman.models import Territory

    pn.place.location = Territory.objects.get(code="93048").geometry.point_on_surface  # Montreuil
    pn.place.save()
    pn.other_place.location = Point(2.3522, 48.8566, srid=4326)  # Paris centre
    pn.other_place.save()
    paris = Territory.objects.get(code="75056")
    html = Client().get("/pass-numerique/lieux/", {"near": paris.pk}).content.decode()
    assert html.index("Lieu parisien") < html.index("Espace numérique de Montreuil")
    montreuil = Territory.objects.get(code="93048")
    html = Client().get("/pass-numerique/lieux/", {"near": montreuil.pk}).content.decode()
    assert html.index("Espace numérique de Montreuil") < html.index("Lieu parisien")


# --- Acting for another organisation --------------------------------------------------------------
@pytest.fixture
def foreign(pn):
    """Another funder (Métropole-wide order, Pantin authorised to hand it out) and a statement of the
    Paris place for one of its tickets: what pn's funder, distributor and Montreuil place must not reach."""
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="Département d'essai")
    funder_agent = MembershipFactory(organisation=funder).user
    distributor = Organisation.objects.get(kind="collectivity", territory__code="93055")  # Pantin
    DistributorAuthorisation.objects.create(funder=funder, distributor=distributor)
    order = services.order_create(
        user=funder_agent, funder=funder, booklet_count=2, tickets_per_booklet=5, face_value_cents=1000,
        territory=Territory.objects.get(kind="metropole"), target_public="all", valid_until=date(2030, 12, 31),
    )  # fmt: skip
    booklet = order.booklets.first()
    services.booklet_distribute(
        user=MembershipFactory(organisation=distributor).user, distributor=distributor, booklet_code=booklet.code,
        age_band="25-44", territory=Territory.objects.get(code="93055"), target_public="all",
    )  # fmt: skip
    services.ticket_redeem(
        code=booklet.tickets.first().code, place=pn.other_place,
        training=pn.training, user=pn.other_agent,
    )  # fmt: skip
    (statement,) = services.statements_generate(month=timezone.localdate().replace(day=1))
    return SimpleNamespace(
        funder=funder, distributor=distributor, order=order, booklet=order.booklets.last(), statement=statement
    )


def _refused(*allowed: str, allowed_status=200) -> dict:
    return {role: allowed_status if role in allowed else 302 if role == "anonymous" else 403 for role in ROLES}


def _cross(name, url_of, expect, covers):
    """A URL of pn's world and of the ``foreign`` organisations (in ``world.extra["foreign"]``)."""
    return Case(name, lambda w: url_of(w.extra["pn"], w.extra["foreign"]), expect, covers=PASS + covers)


CROSS = [
    _cross("order-of-another-funder", lambda pn, f: f.order.get_absolute_url(), _refused("staff"), "order_detail"),
    _cross(
        "order-sheets-of-another-funder",
        lambda pn, f: reverse("passnumerique:order_sheets", args=[done_sheets(f.order).order_id]),
        _refused("staff"),
        "order_sheets",
    ),
    _cross(
        "order-sheets-status-of-another-funder",
        lambda pn, f: reverse("passnumerique:order_sheets_status", args=[done_sheets(f.order).order_id]),
        _refused("staff"),
        "order_sheets_status",
    ),
    _cross(
        "statement-of-another-place",
        lambda pn, f: reverse("passnumerique:statement_file", args=[f.statement.pk, "csv"]),
        _refused("other_place_agent", "staff"),
        "statement_file",
    ),
    _cross(
        "redeem-at-own-place",
        lambda pn, f: f"/pass-numerique/valider/?lieu={pn.other_place.pk}",
        _refused(*PLACES[1:]),
        "redeem",
    ),
    _cross("redeem-at-a-malformed-place", lambda pn, f: "/pass-numerique/valider/?lieu=abc", _refused(), "redeem"),
    _cross(
        "distribute-for-own-distributor",
        lambda pn, f: f"/pass-numerique/distribuer/?distributeur={pn.distributor.pk}",
        _refused("pass_distributor"),
        "distribute",
    ),
    _cross(
        "distribute-for-another-distributor",
        lambda pn, f: f"/pass-numerique/distribuer/?distributeur={f.distributor.pk}",
        _refused(),
        "distribute",
    ),
    _cross(
        "distribute-for-a-malformed-distributor",
        lambda pn, f: "/pass-numerique/distribuer/?distributeur=1x",
        _refused(),
        "distribute",
    ),
    _cross(
        "dashboard-of-own-funder",
        lambda pn, f: f"/pass-numerique/tableau-de-bord/?financeur={pn.funder.pk}",
        _refused("pass_funder", "staff"),
        "dashboard",
    ),
    _cross(
        "dashboard-of-another-funder",
        lambda pn, f: f"/pass-numerique/tableau-de-bord/?financeur={f.funder.pk}",
        _refused("staff"),
        "dashboard",
    ),
    _cross(
        "dashboard-of-a-malformed-funder",
        lambda pn, f: "/pass-numerique/tableau-de-bord/?financeur=abc",
        _refused(),
        "dashboard",
    ),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CROSS, ROLES))
def test_cross_organisation_matrix(pn_world, foreign, case, role):
    """An id of another organisation's order, statement, place, distributor or funder in the URL or the
    query string is refused; the user's own one is served."""
    pn_world.extra["foreign"] = foreign
    check(pn_world, case, role)


def test_a_distributor_cannot_hand_out_a_booklet_in_another_distributors_name(pn_world, pn, foreign):
    booklet = pn.order.booklets.first()
    form = {"booklet_code": booklet.code, "age_band": "65-79", "territory": pn.place.organisation.territory_id,
            "target_public": "all"}  # fmt: skip
    client = pn_world.client_for("pass_distributor")
    refused = client.post("/pass-numerique/distribuer/", {**form, "distributeur": foreign.distributor.pk})
    assert refused.status_code == 403
    assert "Vous n&#x27;agissez pas pour cette structure" in refused.content.decode()
    booklet.refresh_from_db()
    assert booklet.distributed_at is None
    done = client.post("/pass-numerique/distribuer/", {**form, "distributeur": pn.distributor.pk})
    assert done.status_code == 302
    booklet.refresh_from_db()
    assert booklet.distributor == pn.distributor and booklet.distributed_by == pn.distributor_agent


def test_a_funder_cannot_order_nor_import_for_another_funder(pn_world, pn, foreign):
    client = pn_world.client_for("pass_funder")
    order = {"booklet_count": 1, "tickets_per_booklet": 5, "face_value": "10", "territory": pn.order.territory_id,
             "target_public": "all", "valid_until": "2030-12-31"}  # fmt: skip
    before = Order.objects.count()
    refused = client.post("/pass-numerique/commandes/", {**order, "funder": foreign.funder.pk})
    assert refused.status_code == 200 and "Sélectionnez un choix valide" in refused.content.decode()
    aptic = SimpleUploadedFile("aptic.csv", b"carnet;ticket\n" + b"".join(b"C1;T%d\n" % i for i in range(5)))
    imported = client.post(
        "/pass-numerique/commandes/import/",
        {**{f"import-{k}": v for k, v in order.items()}, "import-funder": foreign.funder.pk, "import-file": aptic},
    )
    assert imported.status_code == 302 and imported["Location"] == "/pass-numerique/commandes/"
    assert Order.objects.count() == before
    assert not Order.objects.filter(funder=foreign.funder).exclude(pk=foreign.order.pk).exists()
    created = client.post("/pass-numerique/commandes/", {**order, "funder": pn.funder.pk})
    assert created.status_code == 302 and Order.objects.filter(funder=pn.funder).count() == 2


def test_api_redeem_for_another_place_is_refused(pn):
    booklet = pn.order.booklets.first()
    distribute(pn, booklet)
    code = booklet.tickets.first().code
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(pn.other_agent, scopes=["pass:tickets"]))
    body = {"code": code, "place": pn.place.pk, "training": pn.training.pk}
    refused = api.post("/api/pass/tickets/redeem/", body)
    assert refused.status_code == 403 and not Redemption.objects.exists()
    api.credentials(HTTP_AUTHORIZATION=token_header(pn.place_agent, scopes=["pass:tickets"]))
    assert api.post("/api/pass/tickets/redeem/", body).status_code == 201

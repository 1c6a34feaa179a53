"""The API answers as its OpenAPI schema (/api/schema/) says it does.

Schemathesis reads the schema the site serves and generates requests for every operation (valid and
invalid parameters and bodies), sends them to the WSGI application in-process, and checks each answer:
no server error, a documented status code, a documented content type, a body (and headers) matching the
documented schema, and invalid input refused with a 4xx. Once anonymously, once with a staff API token.
Every operation of the schema is tested, none excluded (the operators' file upload included: the files
generated here are refused before any import).

Generated identifiers rarely name an object that exists: a hook mixes in the values of objects created for
the module (``Known``), so that detail pages, filters, the address search and the ticket endpoints answer
with data.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

from actions.models import Action, Indicator, IndicatorValue
from fmin import services as fmin_services
from fmin.models import Application
from ftth.models import Building, ImportRun
from passnumerique import services as pass_services
from passnumerique.models import DistributorAuthorisation, Training
from sman.api import CODE_MESSAGE
from sman.models import Membership, Organisation, Territory
from sman.throttling import ClientRateThrottle
from sman.wsgi import application

from ..auth import token_header
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from ..fmin.conftest import agent_of, draft, open_call
from ..ftth.test_imports import IPE_HEADER, _import, _write
from ..passnumerique.conftest import make_place

# A fixed seed, deterministic generation and no example database: every run sends the same requests,
# so a failure seen once is seen again. A few examples per operation and phase keep the module short.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260101,
        "generation": {"max-examples": 12, "deterministic": True, "database": "none"},
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            "response_headers_conformance": {"enabled": True},
            "negative_data_rejection": {"enabled": True},
        },
    }
)

# Loading the schema needs no database: drf-spectacular builds it from the code.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@dataclass
class Known:
    """Values of objects that exist, per operation path, mixed into the generated ones."""

    path: dict[str, list[dict]] = field(default_factory=dict)
    query: dict[str, list[dict]] = field(default_factory=dict)
    body: dict[str, list[dict]] = field(default_factory=dict)


KNOWN = Known()


def _with_known(case, values: dict):
    """The case with the ``values`` of an existing object in place of the generated ones, for the parts
    generated valid (an invalid part stays invalid, so that the case still tests its rejection)."""
    for location, container in (("path", "path_parameters"), ("query", "query"), ("body", "body")):
        known = values.get(location)
        if known and not case.meta.is_negative_at(ParameterLocation(location)):
            current = getattr(case, container)
            if isinstance(current, dict):
                current.update(known)
    return case


@schema.hook
def flatmap_case(context, case):
    path = context.operation.path
    choices = (
        [{"path": p} for p in KNOWN.path.get(path, [])]
        + [{"query": q} for q in KNOWN.query.get(path, [])]
        + [{"body": b} for b in KNOWN.body.get(path, [])]
    )
    if case.meta is None or not choices:
        return st.just(case)
    return st.sampled_from([None, *choices]).map(lambda values: case if values is None else _with_known(case, values))


def _build_data() -> dict:
    """A staff user (also agent of a mediation place), a place with a training and tickets, an indicator
    with a value, a funded FMIN project, an FttH import with its buildings."""
    metropole = Organisation.objects.get(kind=Organisation.Kind.METROPOLE)
    staff = MembershipFactory(organisation=metropole, role=Membership.Role.ADMIN, user=UserFactory(staff=True)).user
    montreuil = Territory.objects.get(code="93048")

    # Pass Numérique: the staff user is also an agent of a place, so that check and redeem answer
    # with the ticket's state rather than 403 for every request of the staff run.
    training = Training.objects.create(
        title="Premiers pas sur internet", theme="Découverte", duration_hours=Decimal(2), tickets_required=1
    )
    place = make_place("Espace numérique de Montreuil", "93048")
    place.trainings.add(training)
    MembershipFactory(organisation=place.organisation, user=staff, role=Membership.Role.ADMIN)
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="CCAS d'essai")
    funder_agent = MembershipFactory(organisation=funder).user
    distributor = Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory=montreuil)
    DistributorAuthorisation.objects.create(funder=funder, distributor=distributor)
    distributor_agent = MembershipFactory(organisation=distributor).user
    order = pass_services.order_create(
        user=funder_agent, funder=funder, booklet_count=2, tickets_per_booklet=5, face_value_cents=1000,
        territory=Territory.objects.get(code="T8"), target_public="all", valid_until=date(2030, 12, 31),
    )  # fmt: skip
    handed, kept = order.booklets.order_by("pk")
    pass_services.booklet_distribute(
        user=distributor_agent, distributor=distributor, booklet_code=handed.code, age_band="65-79",
        territory=montreuil, target_public="all",
    )  # fmt: skip
    codes = [handed.tickets.first().code, kept.tickets.first().code]

    # Plan: an indicator with one value.
    action = Action.objects.exclude(roadmap__status="draft").order_by("pk").first()
    indicator = Indicator.objects.create(
        action=action, name="Logements raccordables", definition="Part des logements.", kind="result", unit="%",
        source="ARCEP",
    )  # fmt: skip
    IndicatorValue.objects.create(indicator=indicator, date=date(2020, 1, 1), value=Decimal(60), author=staff)

    # FMIN: a funded project of Montreuil.
    lead = Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory=montreuil)
    agent = agent_of(lead)
    call = open_call(staff)
    funded = fmin_services.application_create(user=agent, call=call, lead=lead, title="Projet financé")
    funded = fmin_services.application_save_draft(
        application=funded, user=agent, version=None,
        draft=draft(cost=10_000_000, own=6_000_000, lead_request=4_000_000, title="Projet financé"),
    )  # fmt: skip
    fmin_services.application_submit(application=funded, user=agent)
    checklist = {code: True for code, _ in fmin_services.ELIGIBILITY_ITEMS}
    fmin_services.eligibility_record(application=funded, user=staff, checklist=checklist, note="")
    fmin_services.decision_record(
        application=funded, user=staff, outcome="funded", amount_cents=4_000_000, reason="Oui"
    )
    assert Application.objects.funded().filter(pk=funded.pk).exists()

    return {
        "staff": staff,
        "action": action,
        "indicator": indicator,
        "place": place,
        "training": training,
        "codes": codes,
        "call": call,
        "funded": funded,
    }


def _import_buildings(tmp_path) -> ImportRun:
    rows = [
        "A1;h;93066;93200;X;BOULEVARD;DE LA LIBERATION;12;;;10;DEPLOYE;20200601;PM-1;DEPLOYE;;IMMEUBLE;"
        "652869.51;6870396.25;RGF93",
        "A2;h;93048;93100;X;RUE;DE PARIS;5;B;;4;EN COURS DE DEPLOIEMENT;;PM-2;DEPLOYE;20240101;IMMEUBLE;"
        "661400;6862300;RGF93",
        "A3;h;99999;99999;X;RUE;HORS METROPOLE;1;;;1;DEPLOYE;;PM-3;DEPLOYE;;IMMEUBLE;0;0;RGF93",
    ]
    run = _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert run.state == ImportRun.State.DONE, run.error
    return run


@pytest.fixture(scope="module")
def contract_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The module's objects, created once in a transaction rolled back at the end of the module; each
    test runs in a savepoint inside it (pytest-django's usual per-test transaction)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            data = _build_data()
            data["run"] = _import_buildings(tmp_path_factory.mktemp("ftth"))
            data["token"] = token_header(data["staff"], scopes=("read", "ftth:import", "pass:tickets"))
            building_pks = list(Building.objects.order_by("pk").values_list("pk", flat=True))
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    KNOWN.path.update(
        {
            "/api/territories/{code}/": [{"code": "93048"}, {"code": "T8"}, {"code": "MGP"}],
            "/api/challenges/{number}/": [{"number": 1}],
            "/api/roadmaps/{code}/": [{"code": "2019-2020"}],
            "/api/actions/{id}/": [{"id": data["action"].pk}],
            "/api/indicators/{id}/": [{"id": data["indicator"].pk}],
            "/api/pass/places/{id}/": [{"id": data["place"].pk}],
            "/api/pass/trainings/{id}/": [{"id": data["training"].pk}],
            "/api/fmin/projects/{id}/": [{"id": data["funded"].pk}],
            "/api/fmin/applications/{id}/": [{"id": data["funded"].pk}],
            "/api/ftth/buildings/{id}/": [{"id": pk} for pk in building_pks],
            "/api/ftth/imports/{id}/": [{"id": data["run"].pk}],
            "/api/observatory/{code}/": [{"code": "93048"}, {"code": "T8"}, {"code": "MGP"}, {"code": "93059"}],
        }
    )
    KNOWN.query.update(
        {
            "/api/ftth/addresses/": [{"q": "12 bd de la liberation saint-denis"}, {"q": "5 rue de paris montreuil"}],
            "/api/ftth/coverage/": [{"territory": "T8"}, {"territory": "93066"}, {"territory": "MGP", "page": 3}],
            "/api/ftth/coverage/series/": [{"territory": "93048"}, {"territory": "T6"}, {"territory": "MGP"}],
            "/api/territories/": [{"parent": "T8"}, {"code": "93048,93066"}, {"name": "ile-saint-denis"}],
            "/api/actions/": [{"roadmap__code": "2019-2020"}, {"challenge__number": 1}],
            "/api/indicators/": [
                {"action__number": data["action"].number},
                {"territory": "93048"},
                {"territory": "T8"},
            ],
            "/api/pass/places/": [{"organisation__territory__code": "93048"}],
            "/api/fmin/projects/": [{"call__year": data["call"].year}],
            "/api/fmin/applications/": [{"call": data["call"].pk}],
        }
    )
    tickets = [{"place": data["place"].pk, "training": data["training"].pk, "code": code} for code in data["codes"]] + [
        {"place": data["place"].pk}
    ]
    KNOWN.body.update({"/api/pass/tickets/check/": tickets, "/api/pass/tickets/redeem/": tickets})
    yield data
    KNOWN.path.clear()
    KNOWN.query.clear()
    KNOWN.body.clear()
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def wsgi_requests(monkeypatch):
    """Requests go through the WSGI handler, which closes the database connection when a request ends;
    like Django's test client, keep it open (the test's transaction lives on it).

    Throttling is off: a long run would exceed the anonymous rate and every later answer would be a 429,
    which the schema documents on every operation (so the checks would pass without testing anything).
    ``test_a_throttled_answer_is_documented`` checks the 429 itself."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setitem(ClientRateThrottle.THROTTLE_RATES, "anon", None)
    monkeypatch.setitem(ClientRateThrottle.THROTTLE_RATES, "user", None)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# pytest-django's per-test transaction spans the examples of one operation (a redeemed ticket stays
# redeemed for the next example): harmless here, the examples are the same at each run.
SHARED_TRANSACTION = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@schema.parametrize()
@SHARED_TRANSACTION
def test_anonymous_answers_match_the_schema(case, contract_data, db, wsgi_requests):
    case.call_and_validate()


@schema.parametrize()
@SHARED_TRANSACTION
def test_staff_token_answers_match_the_schema(case, contract_data, db, wsgi_requests):
    case.call_and_validate(headers={"Authorization": contract_data["token"]})


def call(label: str, *, token: str | None = None, **parts):
    """One request written by hand (``label`` as "GET /api/…/{id}/"), checked like the generated ones."""
    method, path = label.split(" ", 1)
    if "body" in parts:
        parts.setdefault("media_type", "application/json")
    case = schema[path][method].Case(**parts)
    return case.call_and_validate(headers={"Authorization": token} if token else None)


def test_objects_that_exist_are_answered_as_documented(contract_data, db, wsgi_requests):
    data, token = contract_data, contract_data["token"]
    # An action without workstream (null), the Métropole without parent (null).
    actions = call("GET /api/actions/", query={"roadmap__code": "2019-2020"}).json()
    assert actions["count"] == 17 and None in {a["workstream"] for a in actions["results"]}
    assert call("GET /api/territories/{code}/", path_parameters={"code": "MGP"}).json()["parent"] is None
    project = call("GET /api/fmin/projects/{id}/", path_parameters={"id": data["funded"].pk}).json()
    assert project["grant_cents"] == 4_000_000
    assert call("GET /api/indicators/{id}/", path_parameters={"id": data["indicator"].pk}).status_code == 401
    indicator = call("GET /api/indicators/{id}/", token=token, path_parameters={"id": data["indicator"].pk}).json()
    assert [v["value"] for v in indicator["values"]] == ["60.000"]
    run = call("GET /api/ftth/imports/{id}/", token=token, path_parameters={"id": data["run"].pk}).json()
    assert run["state"] == "done"
    found = call("GET /api/ftth/addresses/", query={"q": "12 bd de la liberation saint-denis"}).json()
    building = call("GET /api/ftth/buildings/{id}/", path_parameters={"id": found[0]["id"]}).json()
    assert building["street_name"] == "DE LA LIBERATION" and building["history"]
    me = call("GET /api/me/", token=token).json()
    assert me["is_staff"] and len(me["memberships"]) == 2


def test_coverage_answers_are_documented(contract_data, db, wsgi_requests):
    t8 = call("GET /api/ftth/coverage/", query={"territory": "T8"}).json()
    assert t8["count"] == 10 and t8["results"][0]["sources"][0]["file_name"] == "ipe.csv"
    montreuil = next(r for r in t8["results"] if r["code"] == "93048")
    assert (montreuil["premises"], montreuil["rate"]) == (4, 0.0)
    table = call("GET /api/ftth/coverage/", query={"territory": "93066", "format": "csv"})
    assert table.headers["content-type"] == ["text/csv; charset=utf-8"] and "Saint-Denis" in table.text
    series = call("GET /api/ftth/coverage/series/", query={"territory": "MGP"}).json()
    assert [(p["premises"], p["rate"]) for p in series["results"]] == [(14, 71.4)]
    assert call("GET /api/ftth/coverage/series/", query={"territory": "93059"}).status_code == 400


def test_the_observatory_answers_are_documented(contract_data, db, wsgi_requests):
    # The indicator with a value typed in (no provider) is not the observatory's: every figure is computed.
    for code in ("MGP", "T8", "93048", "93059"):
        answer = call("GET /api/observatory/{code}/", path_parameters={"code": code}).json()
        assert answer["territory"]["code"] == code and answer["indicators"]
    assert call("GET /api/observatory/{code}/", path_parameters={"code": "00000"}).status_code == 404


def test_territories_in_geojson_are_described_as_such(contract_data, db, wsgi_requests):
    page = call("GET /api/territories/", query={"format": "geojson", "code": "93048,MGP"})
    assert page.headers["content-type"] == ["application/geo+json"]
    assert page.json()["type"] == "FeatureCollection" and page.json()["count"] == 2
    feature = call("GET /api/territories/{code}/", path_parameters={"code": "T8"}, query={"format": "geojson"})
    assert feature.headers["content-type"] == ["application/geo+json"]
    assert feature.json()["type"] == "Feature" and feature.json()["geometry"]["type"] == "MultiPolygon"


def test_ticket_check_and_redeem_answers_are_documented(contract_data, db, wsgi_requests):
    data, token = contract_data, contract_data["token"]
    handed, kept = data["codes"]
    ticket = {"place": data["place"].pk, "training": data["training"].pk}
    checked = call("POST /api/pass/tickets/check/", token=token, body={**ticket, "code": handed})
    assert checked.status_code == 200 and checked.json()["valid"] is True
    refused = call("POST /api/pass/tickets/check/", token=token, body={**ticket, "code": kept})
    assert refused.status_code == 200 and refused.json()["valid"] is False
    assert call("POST /api/pass/tickets/redeem/", token=token, body={**ticket, "code": handed}).status_code == 201
    again = call("POST /api/pass/tickets/redeem/", token=token, body={**ticket, "code": handed})
    assert again.status_code == 409 and again.json()["valid"] is False
    no_training = call("POST /api/pass/tickets/redeem/", token=token, body={"place": data["place"].pk, "code": kept})
    assert no_training.status_code == 400 and no_training.json() == {"training": "Indiquez la formation suivie."}
    other_place = call("POST /api/pass/tickets/check/", token=token, body={"place": 0, "code": kept})
    assert other_place.status_code == 403
    assert call("POST /api/pass/tickets/check/", body={**ticket, "code": kept}).status_code == 401


INTEGER = ["Saisissez un nombre entier."]


@pytest.mark.parametrize(
    ("label", "query", "message"),
    [
        ("GET /api/actions/", {"challenge__number": "0.5"}, {"challenge__number": INTEGER}),
        ("GET /api/fmin/projects/", {"call__year": "deux"}, {"call__year": INTEGER}),
        (
            "GET /api/territories/",
            {"kind": "zzz"},
            {"kind": ["Sélectionnez un choix valide. zzz n’en fait pas partie."]},
        ),
        ("GET /api/territories/", {"code": "93048,-1e+16"}, {"code": [CODE_MESSAGE]}),
        ("GET /api/ftth/addresses/", {"q": "12 rue\x00"}, {"q": ["Le caractère nul n’est pas autorisé."]}),
    ],
)
def test_invalid_query_parameters_are_refused_in_french(contract_data, db, wsgi_requests, label, query, message):
    response = call(label, query=query)
    assert response.status_code == 400 and response.json() == message


def test_unknown_api_addresses_answer_in_json(contract_data, db, wsgi_requests):
    # Addresses that no API route matches (an identifier that is not a number, an unknown path).
    for path in ("/api/ftth/buildings/abc/", "/api/ftth/buildings/1,5/", "/api/inconnue/"):
        response = Client().get(path)
        assert response.status_code == 404 and response.json() == {"detail": "Adresse inconnue de l'API."}, path
    assert Client().get("/page-inconnue/")["Content-Type"].startswith("text/html")


def test_a_throttled_answer_is_documented(contract_data, db, wsgi_requests, monkeypatch):
    monkeypatch.setitem(ClientRateThrottle.THROTTLE_RATES, "anon", "1/minute")
    assert call("GET /api/challenges/").status_code == 200
    throttled = call("GET /api/challenges/")
    assert throttled.status_code == 429 and throttled.headers["retry-after"]

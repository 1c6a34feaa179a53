"""Every list makes the same number of SQL queries whatever its number of rows (STYLE.md §3, DESIGN.md « The
module kit »): each page built on ``sman.lists.Listing``, each API list endpoint (the router's viewsets, the
``ListAPIView``s) and the other list pages, GET at a small and a larger size (tests/queries.py).

Each test names the URL patterns it covers with ``@covers``; the last tests fail when a page that lists with
``Listing`` or an API list endpoint is covered by no test here nor by one named in ``ELSEWHERE``.
"""

import csv
import importlib
import inspect
import io
from datetime import date

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import ListAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.test import APIClient

from actions.models import Indicator, IndicatorValue, Roadmap, Workstream
from ftth.models import ImportRun
from sman.lists import Listing
from sman.models import Challenge, Membership, Organisation, Territory

from .auth import login, token_header
from .factories import (
    ApplicationFactory,
    AssignmentFactory,
    BookletFactory,
    CallFactory,
    CandidacyFactory,
    CohortFactory,
    CopilSessionFactory,
    ExplorationEventFactory,
    ExplorerFactory,
    ExplorerProjectFactory,
    ImportRejectionFactory,
    ImportRunFactory,
    MediationPlaceFactory,
    MembershipFactory,
    OrderFactory,
    OrganisationFactory,
    RegistrationFactory,
    StatementFactory,
    TrainingFactory,
    UserFactory,
    WorkingGroupFactory,
    collectivity_of,
)
from .queries import assert_queries_do_not_grow as _assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

COVERED: dict[str, str] = {}  # URL name → the test of this module that covers it
# URL names whose query count another module checks at two sizes: "tests/…/test_x.py::test_name".
ELSEWHERE = {
    "notifications": "tests/sman/test_notifications.py::test_my_notifications_page_makes_the_same_queries_at_any_size",
    "api_ftth_coverage": "tests/ftth/test_coverage.py::test_queries_do_not_grow_with_the_data",
    "api_ftth_coverage_series": "tests/ftth/test_coverage.py::test_queries_do_not_grow_with_the_data",
}


def assert_queries_do_not_grow(*args, **kwargs) -> int:
    return _assert_queries_do_not_grow(*args, warm=True, **kwargs)


def covers(*names):
    def register(test):
        for name in names:
            COVERED[name] = test.__name__
        return test

    return register


# --- What a response lists ----------------------------------------------------------------------------------
def listed(response) -> int:
    """How many rows the response lists in all: a page's paginator, a CSV's lines, an API page's count."""
    if response["Content-Type"].startswith("text/csv"):
        return len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))) - 1
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        return data["count"] if isinstance(data, dict) and "count" in data else len(data)
    return response.context["page_obj"].paginator.count


def rows(n: int):
    def check(response):
        assert listed(response) == n, f"{listed(response)} rows listed, {n} expected"

    return check


def signed_in(user) -> Client:
    return login(Client(), user)


def agent_of(organisation: Organisation, role=Membership.Role.MEMBER):
    return MembershipFactory(organisation=organisation, role=role).user


# --- FMIN -----------------------------------------------------------------------------------------------------
@pytest.fixture
def funded_projects():
    """A published call and ``add(n)``: n funded projects of Montreuil with Est Ensemble as co-applicant."""
    call, user = CallFactory(), UserFactory()
    t8 = collectivity_of("T8")

    def add(n):
        ApplicationFactory.create_batch(
            n, call=call, created_by=user, funded=True, decision__decided_by=user, co_applicants=[t8],
            territories=[t8.territory, collectivity_of("93048").territory],
        )  # fmt: skip

    return add


@covers("fmin:project_list", "fmin:project_export", "fmin-project-list")
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/fmin/projets/", {}),
        ("/fmin/projets/", {"territory": "T8", "challenge": "4", "theme": "citizen_relations", "q": "Dossier"}),
        ("/fmin/projets.csv", {}),
        ("/fmin/projets.csv", {"territory": "T8"}),
        ("/api/fmin/projects/", {}),
    ],
)
def test_funded_projects_list_export_and_api(funded_projects, url, data):
    if "territory" in data:
        data = {**data, "territory": Territory.objects.get(code=data["territory"]).pk}
    if "challenge" in data:
        data = {**data, "challenge": Challenge.objects.get(number=4).pk}
    ApplicationFactory(submitted=True)  # not funded: never listed
    funded_projects(2)
    assert_queries_do_not_grow(Client(), url, lambda: funded_projects(10), data=data, small=rows(2), large=rows(12))


@pytest.fixture
def montreuil_files():
    """Montreuil's agent and ``add(n)``: n files of Montreuil in every state, with Pantin as co-applicant."""
    call, user, pantin = CallFactory(), UserFactory(), collectivity_of("93055")
    states = ["submitted", "corrections", "eligible", "ineligible", "funded", "refused", "withdrawn"]

    def add(n):
        for i in range(n):
            ApplicationFactory(call=call, created_by=user, co_applicants=[pantin], **{states[i % len(states)]: True})

    return agent_of(collectivity_of("93048")), add


@covers("fmin:application_list", "fmin-application-list")
@pytest.mark.parametrize("who", ["agent", "staff"])
@pytest.mark.parametrize(
    ("url", "data"),
    [("/fmin/candidatures/", {}), ("/fmin/candidatures/", {"q": "Dossier", "statut": "eligible"}),
     ("/api/fmin/applications/", {})],
)  # fmt: skip
def test_applications_list_and_api(montreuil_files, who, url, data):
    agent, add = montreuil_files
    client = signed_in(agent if who == "agent" else UserFactory(staff=True))
    ApplicationFactory(lead=collectivity_of("93001"), submitted=True)  # Aubervilliers': staff only
    add(7)  # one per state (all submitted)
    assert_queries_do_not_grow(client, url, lambda: add(14), data=data)
    response = client.get(url, data)
    expected = {("agent", False): 21, ("staff", False): 22, ("agent", True): 3, ("staff", True): 3}[(who, bool(data))]
    assert listed(response) == expected


@covers("fmin:review_list")
def test_reviewer_assignments():
    reviewer, call = UserFactory(reviewer=True), CallFactory()

    def add(n):
        for i in range(n):
            AssignmentFactory(reviewer=reviewer, application__call=call, submitted=bool(i % 2))

    add(2)
    client = signed_in(reviewer)
    assert_queries_do_not_grow(client, "/fmin/evaluations/", lambda: add(10))
    assert len(client.get("/fmin/evaluations/").context["assignments"]) == 12


@covers("fmin:group_list")
def test_working_groups():
    WorkingGroupFactory.create_batch(2)
    assert_queries_do_not_grow(Client(), "/fmin/batisseurs/", lambda: WorkingGroupFactory.create_batch(10))


@covers("fmin:programme_detail")
def test_a_programmes_calls():
    from fmin.models import Programme
    from fmin.reference import PROGRAMMES

    pcaem, _ = Programme.objects.get_or_create(slug="pcaem", defaults=PROGRAMMES[1])  # a flush may have wiped it
    CallFactory.create_batch(2, programme=pcaem)
    assert_queries_do_not_grow(
        Client(), "/fmin/programmes/pcaem/", lambda: CallFactory.create_batch(10, programme=pcaem)
    )


# --- Pass Numérique ---------------------------------------------------------------------------------------------
@covers("passnumerique:places", "pass-place-list")
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/pass-numerique/lieux/", {}),
        ("/pass-numerique/lieux/", {"near": "93055", "theme": "couverte", "place_type": "association"}),
        ("/pass-numerique/lieux/", {"q": "Montreuil"}),
        ("/api/pass/places/", {}),
    ],
)
def test_places_list_and_api(url, data):
    if "near" in data:
        data = {**data, "near": Territory.objects.get(code=data["near"]).pk}
    trainings = TrainingFactory.create_batch(2, theme="Découverte")

    def add(n):
        MediationPlaceFactory.create_batch(n, trainings=trainings)
        MediationPlaceFactory(unlabelled=True, trainings=trainings)  # never listed

    add(2)
    assert_queries_do_not_grow(Client(), url, lambda: add(10), data=data, small=rows(2), large=rows(12))


@covers("passnumerique:trainings", "pass-training-list")
@pytest.mark.parametrize("url", ["/pass-numerique/formations/", "/api/pass/trainings/"])
def test_trainings_list_and_api(url):
    place = MediationPlaceFactory()

    def add(n):
        place.trainings.add(*TrainingFactory.create_batch(n))

    add(2)
    assert_queries_do_not_grow(Client(), url, lambda: add(10))


@covers("passnumerique:orders")
def test_orders_of_a_funder():
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER)

    def add(n):
        for order in OrderFactory.create_batch(n, funder=funder, booklet_count=1):
            BookletFactory(order=order, distributed=True, tickets=False)

    add(2)
    OrderFactory(booklets=False)  # another funder's
    client = signed_in(agent_of(funder))
    assert_queries_do_not_grow(client, "/pass-numerique/commandes/", lambda: add(10), small=rows(2), large=rows(12))
    assert [o.distributed for o in client.get("/pass-numerique/commandes/").context["page_obj"]] == [1] * 12


@covers("passnumerique:order_detail")
def test_booklets_of_an_order():
    order = OrderFactory(booklets=False)

    def add(n):
        for i in range(n):
            BookletFactory(order=order, distributed=bool(i % 2), tickets=False)

    add(2)
    client = signed_in(agent_of(order.funder))
    url = order.get_absolute_url()
    assert_queries_do_not_grow(client, url, lambda: add(10), small=rows(2), large=rows(12))


@covers("passnumerique:statements")
@pytest.mark.parametrize("who", ["place_agent", "staff"])
def test_statements_of_a_place(who):
    place = MediationPlaceFactory()
    months = iter(date(2020 + m // 12, m % 12 + 1, 1) for m in range(100))

    def add(n):
        for i in range(n):
            StatementFactory(place=place, month=next(months), paid=bool(i % 2))

    add(2)
    user = agent_of(place.organisation, Membership.Role.ADMIN) if who == "place_agent" else UserFactory(staff=True)
    url = "/pass-numerique/releves/"
    assert_queries_do_not_grow(signed_in(user), url, lambda: add(10), small=rows(2), large=rows(12))


# --- FttH imports ---------------------------------------------------------------------------------------------
STATES = ["pending", "running", "done", "failed", "refused", "awaiting_confirmation", "cancelled"]


def _runs(n: int, **fields) -> list[ImportRun]:
    requester = UserFactory()
    runs = [ImportRunFactory(requested_by=requester, **fields, **{STATES[i % len(STATES)]: True}) for i in range(n)]
    for run in runs:
        ImportRejectionFactory.create_batch(2, run=run)
    return runs


@covers("ftth:imports")
def test_imports_page():
    _runs(2)
    client = signed_in(UserFactory(staff=True))
    assert_queries_do_not_grow(client, "/fibre/imports/", lambda: _runs(13), small=rows(2), large=rows(15))
    awaiting = ImportRun.objects.filter(state="awaiting_confirmation").count()
    assert len(client.get("/fibre/imports/").context["awaiting"]) == awaiting == 2  # its table of runs to confirm


@covers("ftth:import_detail")
def test_rejected_lines_of_an_import():
    run = ImportRunFactory(refused=True)
    ImportRejectionFactory.create_batch(2, run=run)
    client = signed_in(UserFactory(staff=True))
    url = f"/fibre/imports/{run.pk}/"
    grow = lambda: ImportRejectionFactory.create_batch(10, run=run)  # noqa: E731
    assert_queries_do_not_grow(client, url, grow, small=rows(2), large=rows(12))


@covers("ftth-import-list")
def test_imports_api_of_an_operator():
    operator = OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI Essai")
    _runs(1)  # another operator's
    _runs(2, operator=operator)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(agent_of(operator), scopes=["read", "ftth:import"]))
    assert_queries_do_not_grow(api, "/api/ftth/imports/", lambda: _runs(10, operator=operator), small=rows(2))
    assert listed(api.get("/api/ftth/imports/")) == 12


IPE_HEADER = (
    "IdentifiantImmeuble;CodeAdresseImmeuble;CodeInseeImmeuble;CodePostalImmeuble;CommuneImmeuble;"
    "TypeVoieImmeuble;NomVoieImmeuble;NumeroVoieImmeuble;ComplementNumeroVoieImmeuble;BatimentImmeuble;"
    "NombreLogementsAdresseIPE;EtatImmeuble;DateMiseEnServiceCommercialeImmeuble;ReferencePM;EtatPM;"
    "DateInstallationPM;TypeImmeuble;CoordonneeImmeubleX;CoordonneeImmeubleY;TypeProjectionGeographique"
)


def _street(tmp_path, numbers: int) -> None:
    """Numbers 1 to ``numbers`` of the rue de la Paix in Saint-Denis, imported as an operator's file."""
    from ftth import imports

    lines = [
        f"IMB/93066/{n};h{n};93066;93200;SAINT-DENIS;RUE;DE LA PAIX;{n};;;4;DEPLOYE;;PM-1;DEPLOYE;;IMMEUBLE;"
        f"{652869 + n};6870396;RGF93"
        for n in range(1, numbers + 1)
    ]
    path = tmp_path / f"ipe-{numbers}.csv"
    path.write_text("\n".join([IPE_HEADER, *lines]) + "\n")
    run = ImportRun.objects.create(file_name=path.name, operator_code="OI-PAIX")
    run = imports.run_import(run=run, path=path, threshold=0.9, retirement_threshold=1.0)
    assert run.state == ImportRun.State.DONE, run.error


@covers("api_ftth_addresses")
def test_address_search_api(tmp_path):
    _street(tmp_path, 2)
    api = APIClient()
    url = "/api/ftth/addresses/"
    search = {"q": "rue de la paix saint-denis"}
    assert_queries_do_not_grow(api, url, lambda: _street(tmp_path, 10), data=search, small=rows(2), large=rows(10))


# --- The plan and the COPIL -------------------------------------------------------------------------------------
def _actions(n: int, owner=None) -> None:
    """n more actions in roadmap 2023-2024, each with a milestone, a budget line, an indicator and its values."""
    from .actions.test_dashboard import _add_actions

    roadmap = _add_actions(n, owner or UserFactory())
    for action in roadmap.actions.order_by("-id")[:n]:
        indicator = Indicator.objects.create(
            action=action, name=f"Indicateur {action.number}", definition="Une part.", kind="result", source="Essai"
        )
        IndicatorValue.objects.bulk_create(
            IndicatorValue(indicator=indicator, date=date(2023, month, 1), value=month, provider="essai")
            for month in (3, 6)
        )


@covers("actions:dashboard")
@pytest.mark.parametrize("data", [{}, {"export": "csv"}, {"export": "xlsx", "light": "red"}])
def test_copil_dashboard_and_its_exports(data):
    client = signed_in(UserFactory(copil=True))
    assert_queries_do_not_grow(client, "/copil/", lambda: _actions(12), data=data)


@covers("actions:session_list")
def test_copil_sessions():
    def add(n):
        for i in range(n):
            CopilSessionFactory(**({"closed": True} if i % 2 else {"upcoming": True}))

    add(2)
    client = signed_in(UserFactory(copil=True))
    assert_queries_do_not_grow(client, "/copil/seances/", lambda: add(10))
    assert len(client.get("/copil/seances/").context["sessions"]) == 12


@covers("actions:plan", "actions:challenge_detail", "action-list", "indicator-list")
@pytest.mark.parametrize(
    "url", ["/feuille-de-route/", "/feuille-de-route/defis/1/", "/api/actions/", "/api/indicators/"]
)
def test_plan_pages_and_api(url):
    Roadmap.objects.filter(code="2023-2024").update(status="in_progress")  # listed (drafts are not)
    _actions(2)
    client = signed_in(UserFactory())
    assert_queries_do_not_grow(client, url, lambda: _actions(10))


@covers("challenge-list")
def test_challenges_api():
    challenge = Challenge.objects.get(number=1)
    grow = lambda: Workstream.objects.bulk_create(  # noqa: E731
        Workstream(challenge=challenge, name=f"Chantier {i}", order=i) for i in range(10)
    )
    assert_queries_do_not_grow(APIClient(), "/api/challenges/", grow, small=rows(6), large=rows(6))


@covers("roadmap-list")
def test_roadmaps_api():
    start = 2031
    grow = lambda: Roadmap.objects.bulk_create(  # noqa: E731
        Roadmap(code=f"{y}-{y + 1}", title=f"Feuille de route {y}", start_year=y, end_year=y + 1, status="adopted")
        for y in range(start, start + 20, 2)
    )
    before = listed(APIClient().get("/api/roadmaps/"))
    assert_queries_do_not_grow(APIClient(), "/api/roadmaps/", grow, large=rows(before + 10))


@covers("territory-list")
@pytest.mark.parametrize("data", [{}, {"parent": "T8"}, {"format": "geojson", "parent": "T8"}])
def test_territories_api(data):
    t8 = Territory.objects.get(code="T8")
    before = listed(APIClient().get("/api/territories/", {"parent": "T8"}))

    def grow():
        for i in range(5):
            Territory.objects.create(kind="delegated_commune", code=f"99{i:03d}", name=f"Commune déléguée {i}",
                                     parent=t8.children.first())  # fmt: skip
        for i in range(5):
            Territory.objects.create(kind="commune", code=f"98{i:03d}", name=f"Commune {i}", parent=t8)

    count = assert_queries_do_not_grow(APIClient(), "/api/territories/", grow, data=data)
    assert count <= 3
    assert listed(APIClient().get("/api/territories/", {"parent": "T8"})) == before + 5


# --- Resource centre -----------------------------------------------------------------------------------------
def _resources(n: int, **fields):
    from .factories import ResourceFactory

    ResourceFactory.create_batch(n, published=True, **fields)
    ResourceFactory(submitted=True, **fields)  # waiting for a moderator: never in the public lists


@covers("resources:home", "resource-list")
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/ressources/", {}),
        ("/ressources/", {"q": "relation usagers", "kind": "feedback", "theme": "citizen_relations", "defi": "4",
                          "territoire": "T8"}),
        ("/ressources/", {"q": "relation", "tri": "date"}),
        ("/api/resources/", {}),
        ("/api/resources/", {"q": "relation"}),
    ],
)  # fmt: skip
def test_resources_search_and_api(url, data, monkeypatch):
    monkeypatch.setattr("resources.selectors.FACET_CACHE_SECONDS", 0)  # the facets computed at both sizes
    _resources(2)
    assert_queries_do_not_grow(Client(), url, lambda: _resources(10), data=data, small=rows(2), large=rows(12))


@covers("resources:mine")
def test_resources_of_a_contributor():
    author = UserFactory()
    _resources(2, author=author)
    client = signed_in(author)
    assert_queries_do_not_grow(client, "/ressources/mes-ressources/", lambda: _resources(10, author=author),
                               small=rows(3), large=rows(14))  # fmt: skip


@covers("resources:moderation")
def test_resources_moderation_queue():
    from .factories import ResourceFactory

    ResourceFactory.create_batch(2, submitted=True)
    client = signed_in(UserFactory(staff=True))
    grow = lambda: ResourceFactory.create_batch(10, in_review=True)  # noqa: E731
    assert_queries_do_not_grow(client, "/ressources/moderation/", grow, small=rows(2), large=rows(12))


# --- Engineering: requests, places, start-ups, vacant spaces ------------------------------------------------
@covers("engineering:request_list")
@pytest.mark.parametrize("who", ["agent", "expert", "staff"])
@pytest.mark.parametrize("data", [{}, {"q": "Demande", "status": "in_progress", "kind": "technical"}])
def test_engineering_requests(who, data):
    from .factories import EngineeringRequestFactory

    expert = UserFactory(roles=["engineering.expert"])
    states = [{}, {"qualified": True}, {"in_progress": True}, {"delivered": True}, {"closed": True}]

    def add(n):
        for i in range(n):
            traits = states[i % len(states)]
            EngineeringRequestFactory(**traits, **({"expert": expert} if traits else {}))

    add(5)
    EngineeringRequestFactory(organisation=collectivity_of("93055"))  # Pantin's: staff only
    user = {"agent": agent_of(collectivity_of("93048")), "expert": expert, "staff": UserFactory(staff=True)}[who]
    assert_queries_do_not_grow(signed_in(user), "/accompagnement/demandes/", lambda: add(10), data=data)


@covers("engineering:place_list", "engineering-place-list")
@pytest.mark.parametrize(
    ("url", "data"),
    [("/accompagnement/lieux/", {}), ("/accompagnement/lieux/", {"kind": "fablab", "territory": "T8", "q": "Lieu"}),
     ("/api/engineering/places/", {})],
)  # fmt: skip
def test_engineering_places_map_list_and_api(url, data):
    from .factories import PlaceFactory

    if "territory" in data:
        data = {**data, "territory": Territory.objects.get(code=data["territory"]).pk}

    def add(n):
        PlaceFactory.create_batch(n, organisation=OrganisationFactory())
        PlaceFactory(unpublished=True)  # never listed

    add(2)
    assert_queries_do_not_grow(Client(), url, lambda: add(10), data=data, small=rows(2), large=rows(12))


@covers("engineering:product_list", "engineering-product-list")
@pytest.mark.parametrize("url", ["/accompagnement/start-up/", "/api/engineering/products/"])
def test_engineering_products(url):
    from engineering.models import ImpactIndicator

    from .factories import ProductFactory

    def add(n):
        for product in ProductFactory.create_batch(n):
            ImpactIndicator.objects.create(product=product, name="Usagers", unit="usagers")

    add(2)
    assert_queries_do_not_grow(Client(), url, lambda: add(10))


@covers("engineering:problem_list")
@pytest.mark.parametrize("who", ["agent", "staff"])
def test_engineering_problems(who):
    from .factories import ProblemFactory

    def add(n):
        for i in range(n):
            ProblemFactory(**({"selected": True} if i % 2 else {}))

    add(2)
    user = agent_of(collectivity_of("93048")) if who == "agent" else UserFactory(staff=True)
    url = "/accompagnement/start-up/problemes/"
    assert_queries_do_not_grow(signed_in(user), url, lambda: add(10), small=rows(2), large=rows(12))


@covers("engineering:offer_list")
@pytest.mark.parametrize("who", ["public", "owner", "staff"])
def test_engineering_vacant_spaces(who):
    from .factories import SpaceOfferFactory

    def add(n):
        for i in range(n):
            SpaceOfferFactory(**({"published": True} if i % 2 else {}))

    add(2)
    client = {
        "public": Client(),
        "owner": signed_in(agent_of(collectivity_of("93048"))),
        "staff": signed_in(UserFactory(staff=True)),
    }[who]
    assert_queries_do_not_grow(client, "/accompagnement/espaces/", lambda: add(10))


# --- Explorateurs du numérique ----------------------------------------------------------------------------------
@covers("explorateurs:projects", "explorateurs-project-list")
@pytest.mark.parametrize(
    ("url", "data"),
    [("/explorateurs/projets/", {}), ("/explorateurs/projets/", {"q": "Projet", "status": "idea"}),
     ("/api/explorateurs/projects/", {})],
)  # fmt: skip
def test_explorer_projects_list_and_api(url, data):
    def add(n):
        for _ in range(n):
            ExplorerProjectFactory(explorer=ExplorerFactory(), fmin_application=ApplicationFactory(submitted=True))

    add(2)
    assert_queries_do_not_grow(Client(), url, lambda: add(8), data=data)


@covers("explorateurs:events", "explorateurs-event-list")
@pytest.mark.parametrize("url", ["/explorateurs/journees/", "/api/explorateurs/events/"])
def test_explorateurs_events_list_and_api(url):
    def add(n):
        for event in ExplorationEventFactory.create_batch(n):
            RegistrationFactory.create_batch(2, event=event)

    add(2)
    assert_queries_do_not_grow(Client(), url, lambda: add(8), small=rows(2), large=rows(10))


@covers("explorateurs:directory")
def test_explorateurs_directory():
    def add(n):
        for _ in range(n):
            ExplorerProjectFactory(explorer=ExplorerFactory())

    add(2)
    client = signed_in(agent_of(collectivity_of("93055")))
    assert_queries_do_not_grow(client, "/explorateurs/annuaire/", lambda: add(10), small=rows(2), large=rows(12))


@covers("explorateurs:candidacies")
@pytest.mark.parametrize("data", [{}, {"status": "selected", "q": "Montreuil"}, {"export": "csv"}])
def test_explorateurs_candidacies(data):
    staff = UserFactory(staff=True)
    cohort = CohortFactory()

    def add(n):
        from explorateurs import services

        for candidacy in CandidacyFactory.create_batch(n, cohort=cohort, confirmed=True):
            services.candidacy_select(candidacy=candidacy, user=staff)

    add(2)
    assert_queries_do_not_grow(signed_in(staff), "/explorateurs/equipe/candidatures/", lambda: add(8), data=data)


def test_explorateurs_network_map_queries_do_not_grow():
    """The public network map (not a Listing: every collectivity of the network, on the map and in its lists)."""
    codes = iter(["93055", "93066", "T6", "92071", "94028", "T12", "92050", "T4", "93070", "94002"])

    def add(n):
        for _ in range(n):
            ExplorerFactory(collectivity=collectivity_of(next(codes)))

    add(2)
    assert_queries_do_not_grow(Client(), "/explorateurs/reseau/", lambda: add(6))


# --- Every list is covered ----------------------------------------------------------------------------------------
def _patterns(patterns=None, namespaces=()):
    """(URL name, view callback) of every named pattern, through include()s."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _patterns(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespaces, pattern.name)), pattern.callback


def _names(code) -> set[str]:
    """The global names a function's code reads, its lambdas and comprehensions included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names(const)
    return names


def uses_listing(function, seen=None) -> bool:
    """Whether a view builds a ``Listing`` (or a subclass), itself or through a function of its module."""
    function = inspect.unwrap(function)
    seen = seen if seen is not None else set()
    seen.add(function)
    for name in _names(function.__code__):
        target = function.__globals__.get(name)
        if inspect.isclass(target) and issubclass(target, Listing):
            return True
        if inspect.isfunction(target) and target.__module__ == function.__module__:
            target = inspect.unwrap(target)
            if target not in seen and uses_listing(target, seen):
                return True
    return False


def lists() -> dict[str, str]:
    """URL name → what it is, for every page that lists with Listing and every API list endpoint."""
    found = {}
    for name, callback in _patterns():
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is not None:
            actions = getattr(callback, "actions", None) or {}
            is_list = actions.get("get") == "list" if actions else issubclass(view_class, ListAPIView)
            if is_list and issubclass(view_class, ListModelMixin):
                found[name] = f"API list {view_class.__module__}.{view_class.__name__}"
        elif inspect.isfunction(inspect.unwrap(callback)) and uses_listing(callback):
            found[name] = f"page {callback.__module__}.{inspect.unwrap(callback).__name__}"
    return found


def test_the_discovery_finds_pages_and_api_lists():
    found = lists()
    assert {"fmin:project_list", "passnumerique:statements", "ftth:imports", "actions:dashboard"} <= found.keys()
    assert {"territory-list", "fmin-application-list", "api_ftth_addresses", "api_ftth_coverage"} <= found.keys()
    assert not {"fmin:project_detail", "territory-detail", "api_ftth_building", "home"} & found.keys()


def test_every_list_has_a_query_count_test():
    missing = sorted(f"{name} ({what})" for name, what in lists().items() if name not in COVERED | ELSEWHERE)
    assert not missing, "lists whose query count no test checks at two sizes:\n" + "\n".join(missing)


def test_lists_tested_elsewhere_name_real_tests():
    for target in ELSEWHERE.values():
        path, _, test = target.partition("::")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert inspect.isfunction(getattr(module, test, None)), target
        assert "assert_queries_do_not_grow" in inspect.getsource(module) or "large == small" in inspect.getsource(
            getattr(module, test)
        ), target


# --- Marketplace (« J'adopte une innovation ») ------------------------------------------------------------------
@pytest.fixture
def market_rows():
    """``add(n)``: n published needs (each pooled with Pantin), n published solutions of signed members, n
    listed profiles, and one adoption per 3 needs."""
    from marketplace.models import Adoption, NeedParticipant

    from .factories import MemberProfileFactory, NeedFactory, SolutionFactory

    pantin, user = collectivity_of("93055"), UserFactory()

    def add(n):
        for i in range(n):
            profile = MemberProfileFactory(activity="Logiciels pour l'accueil des usagers")
            solution = SolutionFactory(member=profile.organisation, published=True)
            solution.challenges.add(Challenge.objects.get(number=4))
            need = NeedFactory(published=True, title=f"Accueil des usagers {i}", created_by=user)
            NeedParticipant.objects.create(need=need, organisation=pantin, quantity=2, joined_by=user)
            if i % 3 == 0:
                adoption = Adoption.objects.create(
                    need=need, solution=solution, adopted_on=date(2026, 1, 1), recorded_by=user,
                    follow_up_due_on=date(2026, 7, 1),
                )  # fmt: skip
                adoption.collectivities.add(need.buyer, pantin)
        from marketplace.models import MemberProfile, Solution
        from marketplace.services import refresh_profile_vectors, refresh_solution_facets, refresh_solution_vectors

        refresh_solution_vectors(Solution.objects.all())
        refresh_solution_facets()
        refresh_profile_vectors(MemberProfile.objects.all())

    return add


@covers(
    "marketplace:need_list",
    "marketplace:solution_list",
    "marketplace:member_list",
    "marketplace-need-list",
    "marketplace-solution-list",
)
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/adopte-une-innovation/besoins/", {}),
        ("/adopte-une-innovation/besoins/", {"q": "usagers", "theme": "citizen_relations", "state": "published"}),
        ("/adopte-une-innovation/solutions/", {}),
        ("/adopte-une-innovation/solutions/", {"q": "guichet", "hosting": "france", "challenge": "4"}),
        ("/adopte-une-innovation/annuaire/", {}),
        ("/adopte-une-innovation/annuaire/", {"q": "usagers", "category": "startup", "official": "true"}),
        ("/api/marketplace/needs/", {}),
        ("/api/marketplace/solutions/", {}),
    ],
)
def test_marketplace_public_lists_and_api(market_rows, url, data):
    if "challenge" in data:
        data = {**data, "challenge": Challenge.objects.get(number=4).pk}
    market_rows(2)
    assert_queries_do_not_grow(Client(), url, lambda: market_rows(10), data=data, small=rows(2), large=rows(12))


@covers("marketplace:buyer_space")
def test_marketplace_needs_of_a_collectivity(market_rows):
    client = signed_in(agent_of(collectivity_of("93055")))  # Pantin joined every need
    market_rows(2)
    assert_queries_do_not_grow(client, "/adopte-une-innovation/espace-collectivite/", lambda: market_rows(10),
                               small=rows(2), large=rows(12))  # fmt: skip


@covers("marketplace:review_list")
def test_marketplace_needs_in_review():
    from .factories import NeedFactory

    def add(n):
        for _ in range(n):
            NeedFactory(in_review=True)

    add(2)
    assert_queries_do_not_grow(signed_in(UserFactory(staff=True)), "/adopte-une-innovation/equipe/relecture/",
                               lambda: add(10), small=rows(2), large=rows(12))  # fmt: skip


@covers("marketplace:event_list")
def test_marketplace_events():
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.models import CommunityEvent, EventRegistration

    staff, commune = UserFactory(staff=True), Territory.objects.get(code="93048")
    member = OrganisationFactory(kind=Organisation.Kind.DIGITAL_ACTOR)

    def add(n):
        for i in range(n):
            starts = timezone.now() + timedelta(days=i + 1)
            event = CommunityEvent.objects.create(
                title=f"Rencontre {i}", description="Échanges.", starts_at=starts, ends_at=starts + timedelta(hours=2),
                place="Montreuil", territory=commune, seats=1, created_by=staff,
            )  # fmt: skip
            for status in ("registered", "waitlisted"):
                EventRegistration.objects.create(event=event, user=UserFactory(), organisation=member, status=status)

    add(2)
    assert_queries_do_not_grow(Client(), "/adopte-une-innovation/evenements/", lambda: add(10), small=rows(2),
                               large=rows(12))  # fmt: skip


# --- Participation ------------------------------------------------------------------------------------------------
@pytest.fixture
def participation_data():
    """Montreuil's space with a process; ``add(n)`` adds n processes, each with a proposal, a comment report, a
    followed result with two milestones, and a hidden (moderated) comment."""
    from participation import services
    from participation.models import Milestone

    from .factories import MeetingFactory, ProcessFactory, ProposalFactory, ResultFactory, SpaceFactory

    space = SpaceFactory()
    process = ProcessFactory(space=space, slug="demarche-listee")
    moderator = agent_of(space.organisation)
    from participation.models import SpaceMember

    SpaceMember.objects.create(space=space, user=moderator, role=SpaceMember.Role.MODERATOR)

    def add(n):
        for _ in range(n):
            other = ProcessFactory(
                space=space, territories=[Territory.objects.get(code="93048"), Territory.objects.get(code="T8")]
            )
            proposal = ProposalFactory(process=process)
            ProposalFactory(process=other)
            result = ResultFactory(process=process, proposal=proposal)
            Milestone.objects.create(result=result, title="Étape 1")
            Milestone.objects.create(result=result, title="Étape 2")
            comment = services.comment_create(proposal=proposal, author=UserFactory(), body="Publicité")
            services.report_create(user=UserFactory(), comment=comment, reason="spam")
            hidden = services.comment_create(proposal=proposal, author=UserFactory(), body="Injure")
            services.report_create(user=UserFactory(), comment=hidden, reason="offensive")
            case = hidden.moderation
            services.moderation_decide(case_ids=[case.pk], by=moderator, hide=True, reason="Propos injurieux")
            MeetingFactory(process=process)

    return space, process, moderator, add


@covers(
    "participation:home",
    "participation:proposals",
    "participation:results",
    "participation:moderation_log",
    "participation:meetings",
    "participation-process-list",
    "participation-proposal-list",
    "participation-result-list",
)
@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/participation/", {}),
        ("/participation/", {"q": "Démarche", "etat": "open", "territoire": "T8"}),
        ("/participation/demarches/demarche-listee/propositions/", {}),
        ("/participation/demarches/demarche-listee/propositions/", {"q": "proposition", "tri": "-support_count"}),
        ("/participation/demarches/demarche-listee/resultats/", {}),
        ("/participation/demarches/demarche-listee/reunions/", {}),
        ("/participation/moderation/journal/", {}),
        ("/api/participation/processes/", {}),
        ("/api/participation/proposals/", {}),
        ("/api/participation/results/", {}),
    ],
)
def test_participation_lists_and_api(participation_data, url, data):
    if "territoire" in data:
        data = {**data, "territoire": Territory.objects.get(code=data["territoire"]).pk}
    *_, add = participation_data
    add(2)
    assert_queries_do_not_grow(Client(), url, lambda: add(8), data=data)


@covers("participation:moderation", "participation:space")
@pytest.mark.parametrize("page", ["moderation/", ""])
def test_participation_space_and_its_moderation_queue(participation_data, page):
    space, _, moderator, add = participation_data
    add(2)
    client = signed_in(moderator)
    url = f"/participation/espaces/{space.slug}/{page}"
    expected = (2, 10) if page else (3, 11)  # reported comments; processes
    assert_queries_do_not_grow(client, url, lambda: add(8), small=rows(expected[0]), large=rows(expected[1]))


@covers("participation:proofs")
def test_participation_proof_queue(participation_data):
    from participation.models import SpaceMember

    from .factories import ResidenceProofFactory

    space, *_ = participation_data
    admin = agent_of(space.organisation)
    SpaceMember.objects.create(space=space, user=admin, role=SpaceMember.Role.ADMIN)

    def add(n):
        ResidenceProofFactory.create_batch(n, space=space)

    add(2)
    url = f"/participation/espaces/{space.slug}/justificatifs/"
    assert_queries_do_not_grow(signed_in(admin), url, lambda: add(8), small=rows(2), large=rows(10))


# --- Prizes and contests ----------------------------------------------------------------------------------------
def _contests(n: int, **traits):
    from .factories import ContestFactory, EntryFactory

    for _ in range(n):
        EntryFactory(contest=ContestFactory(**traits))


@covers("contests:list")
@pytest.mark.parametrize("data", [{}, {"module": "marketplace", "status": "open", "q": "prix"}])
def test_contests_list(data):
    _contests(2, open=True)
    assert_queries_do_not_grow(Client(), "/prix-et-concours/", lambda: _contests(6, open=True), data=data)


@covers("contests:my_entries")
def test_entries_of_a_candidate():
    from .factories import EntryFactory

    user = UserFactory()
    EntryFactory(user=user, organisation=None)

    def grow():
        for _ in range(6):
            EntryFactory(user=user, organisation=None, prize=None)

    assert_queries_do_not_grow(
        signed_in(user), "/prix-et-concours/mes-candidatures/", grow, small=rows(1), large=rows(7)
    )


@covers("contests:jury")
def test_the_jury_ranking():
    from contests import services

    from .factories import EntryFactory, JurorFactory

    juror = JurorFactory(declared=True)
    other = JurorFactory(contest=juror.contest, declared=True)
    contest = juror.contest
    values = {c.pk: 5 for c in contest.criteria.all()}

    def add(n):
        for _ in range(n):
            entry = EntryFactory(contest=contest)
            services.evaluation_save(user=other.user, entry=entry, values=values)
            services.evaluation_save(user=juror.user, entry=entry, values=values)

    add(2)
    assert_queries_do_not_grow(signed_in(juror.user), f"/prix-et-concours/{contest.slug}/jury/", lambda: add(6))

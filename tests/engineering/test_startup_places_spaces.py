"""Start-up de métropole (budget never exceeded, phases), the places directory, the exchange of vacant spaces."""

import threading
from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.test import Client

from engineering import selectors, services
from engineering.models import PhaseDecision, Place, Problem, Product, SpaceApplication, SpaceOffer, SponsorshipBudget
from sman.models import Territory

from ..auth import login
from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    PlaceFactory,
    ProblemFactory,
    ProductFactory,
    UserFactory,
    collectivity_of,
)
from ..indicators import nonzero, values_by_code

pytestmark = pytest.mark.django_db

PROBLEM = {
    "title": "Rendez-vous manqués", "problem": "20 % des rendez-vous ne sont pas honorés.", "users": "Les usagers.",
    "evidence": "Relevé de six mois.", "intrapreneur_name": "Camille", "intrapreneur_job": "Chargée d'accueil",
    "manager_name": "Dominique",
}  # fmt: skip


def _select(problem, staff, budget, cents):
    return services.problem_select(
        problem=problem, user=staff, budget=budget, sponsorship_cents=cents, reason="Oui", product_name="Lapin",
        pitch="Moins de rendez-vous manqués.", team="Camille et une coach.",
    )  # fmt: skip


# --- Start-up de métropole ---------------------------------------------------------------------------------
def test_a_problem_needs_the_managers_agreement_and_a_collectivity_agent(eng):
    with pytest.raises(ValidationError, match="accord"):
        services.problem_submit(user=eng.agent, organisation=eng.montreuil, manager_agreement=False, **PROBLEM)
    with pytest.raises(PermissionDenied):
        services.problem_submit(user=eng.pantin_agent, organisation=eng.montreuil, manager_agreement=True, **PROBLEM)
    problem = services.problem_submit(user=eng.agent, organisation=eng.montreuil, manager_agreement=True, **PROBLEM)
    assert problem.status == Problem.Status.SUBMITTED


def test_selection_is_recorded_against_the_budget_and_never_beyond_it(eng):
    budget = SponsorshipBudget.objects.create(year=2040, label="Parrainages 2040", amount_cents=3_000_000)
    first, second = ProblemFactory(), ProblemFactory()
    with pytest.raises(PermissionDenied):
        _select(first, eng.agent, budget, 2_000_000)
    product = _select(first, eng.staff, budget, 2_000_000)
    assert product.phase == Product.Phase.INVESTIGATION and product.problem.budget == budget
    with pytest.raises(ValidationError) as refused:
        _select(second, eng.staff, budget, 2_000_000)
    assert "n'a plus que 10\u202f000,00" in refused.value.messages[0]
    assert services.committed_cents(budget) == 2_000_000
    with pytest.raises(ValidationError, match="déjà « retenu »"):
        _select(first, eng.staff, budget, 1)


@pytest.mark.django_db(transaction=True)
def test_two_selections_racing_for_the_last_euros_only_one_succeeds(reference):
    staff = UserFactory(staff=True)
    budget = SponsorshipBudget.objects.create(year=2041, label="Parrainages 2041", amount_cents=3_000_000)
    problems = [ProblemFactory(), ProblemFactory()]
    barrier, outcomes = threading.Barrier(2), []

    def select(problem):
        try:
            barrier.wait()
            _select(problem, staff, budget, 2_000_000)
            outcomes.append("selected")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=select, args=(p,)) for p in problems]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("selected") == 1
    assert services.committed_cents(budget) == 2_000_000
    assert Problem.objects.filter(status="selected").count() == Product.objects.count() == 1


def test_a_product_goes_through_its_phases_with_a_decision_at_each_end(eng):
    product = ProductFactory()
    decide = lambda decision: services.product_decide(  # noqa: E731
        product=product, user=eng.staff, decision=decision, reasons="Motifs."
    )
    with pytest.raises(ValidationError, match="Motivez"):
        services.product_decide(product=product, user=eng.staff, decision="continue", reasons=" ")
    with pytest.raises(PermissionDenied):
        services.product_decide(product=product, user=eng.agent, decision="continue", reasons="x")
    decide("continue")
    decide("pivot")  # the construction starts again on a new footing
    decide("continue")
    decide("continue")
    product.refresh_from_db()
    assert product.phase == Product.Phase.TRANSFER
    assert list(product.decisions.values_list("phase", "decision")) == [
        ("investigation", "continue"), ("construction", "pivot"), ("construction", "continue"),
        ("acceleration", "continue"),
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="plus de décision"):
        decide("stop")
    stopped = ProductFactory()
    services.product_decide(product=stopped, user=eng.staff, decision="stop", reasons="Pas d'usage.")
    stopped.refresh_from_db()
    assert stopped.phase == Product.Phase.STOPPED
    assert PhaseDecision.objects.filter(product=stopped).get().decision == "stop"
    page = Client().get(product.get_absolute_url()).content.decode()
    assert "Décisions de fin de phase" in page and "pivoter" in page and "Enregistrer la décision" not in page


def test_the_pages_select_a_problem_and_refuse_an_amount_over_the_budget(eng):
    budget = SponsorshipBudget.objects.create(year=2042, label="Parrainages 2042", amount_cents=2_000_000)
    problem = ProblemFactory()
    staff = login(Client(), eng.staff)
    data = {"budget": budget.pk, "sponsorship_cents": "25 000", "product_name": "Lapin", "pitch": "p", "team": "t"}
    response = staff.post(f"/accompagnement/start-up/problemes/{problem.pk}/retenir/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "25 000" in page and "le dépasserait" in page  # kept, and refused
    response = staff.post(
        f"/accompagnement/start-up/problemes/{problem.pk}/retenir/", data | {"sponsorship_cents": "20 000"}
    )
    problem.refresh_from_db()
    assert response.status_code == 302 and problem.sponsorship_cents == 2_000_000


# --- Places ------------------------------------------------------------------------------------------------
def test_a_places_commune_comes_from_its_position(eng):
    place = services.place_save(
        place=Place(kind="micro_folie", name="Micro-Folie", address="a", location=Point(2.5275, 48.9386, srid=4326)),
        user=eng.staff,
    )
    assert place.territory.code == "93071"  # Sevran
    with pytest.raises(ValidationError, match="aucune commune de la Métropole"):
        services.place_save(
            place=Place(kind="fablab", name="Ailleurs", address="a", location=Point(4.83, 45.76, srid=4326)),
            user=eng.staff,
        )
    with pytest.raises(PermissionDenied):
        services.place_save(
            place=Place(kind="fablab", name="x", address="a", location=Point(2.44, 48.86)), user=eng.agent
        )


def test_a_places_own_members_update_its_sheet_others_cannot(eng):
    manager = OrganisationFactory(name="Association du fablab")
    member = MembershipFactory(organisation=manager).user
    place = PlaceFactory(organisation=manager)
    url = f"/accompagnement/lieux/{place.pk}/modifier/"
    assert login(Client(), eng.agent).get(url).status_code == 403
    client = login(Client(), member)
    data = {"name": "Fablab rénové", "kind": "fablab", "address": "3 rue", "longitude": "2,4410", "latitude": "48,8617",
            "opening_hours": "Mardi", "services": "", "accessibility": "", "website": ""}  # fmt: skip
    assert client.post(url, data).status_code == 302
    place.refresh_from_db()
    assert (place.name, place.territory.code) == ("Fablab rénové", "93048")


def test_the_map_page_filters_by_kind_and_territory_and_lists_what_it_maps(eng):
    PlaceFactory(name="Fablab de Montreuil")
    PlaceFactory(name="Micro-Folie de Sevran", micro_folie=True, territory=Territory.objects.get(code="93071"))
    PlaceFactory(name="Fablab caché", unpublished=True)
    response = Client().get("/accompagnement/lieux/", {"kind": "fablab"})
    names = [p.name for p in response.context["page_obj"]]
    assert names == ["Fablab de Montreuil"]
    assert [f["properties"]["name"] for f in response.context["map_data"]["features"]] == names
    t8 = Territory.objects.get(code="T8")
    assert [p.name for p in Client().get("/accompagnement/lieux/", {"territory": t8.pk}).context["page_obj"]] == names
    api = Client().get("/api/engineering/places/").json()
    assert {p["name"] for p in api["results"]} == {"Fablab de Montreuil", "Micro-Folie de Sevran"}
    assert nonzero(values_by_code("engineering.cultural_places", date.today())) == {
        "MGP": 1, "T7": 1, "93071": 1,
    }  # fmt: skip
    assert selectors.place_counts(t8) == {"fablab": 1}


# --- Vacant spaces ----------------------------------------------------------------------------------------
def test_a_space_is_offered_moderated_applied_for_matched_and_occupied(eng):
    fields = {
        "title": "Boutique vacante", "description": "60 m² sur rue.", "surface_m2": 60, "address": "1 rue",
        "location": Point(2.4410, 48.8617, srid=4326), "conditions": "Loyer modéré.",
        "available_from": date(2030, 1, 1),
    }  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.offer_submit(user=eng.ess_agent, owner=eng.ess, **fields)
    offer = services.offer_submit(user=eng.agent, owner=eng.montreuil, **fields)
    assert (offer.status, offer.territory.code) == (SpaceOffer.Status.SUBMITTED, "93048")
    assert Client().get(offer.get_absolute_url()).status_code == 404  # not public before moderation
    with pytest.raises(ValidationError, match="ne reçoit plus"):
        services.space_apply(offer=offer, user=eng.ess_agent, organisation=eng.ess, project="Recyclerie")
    services.offer_moderate(offer=offer, user=eng.staff, publish=True)
    with pytest.raises(PermissionDenied):  # a collectivity is not an ESS organisation admitted to the exchange
        services.space_apply(offer=offer, user=eng.agent, organisation=eng.montreuil, project="x")
    application = services.space_apply(offer=offer, user=eng.ess_agent, organisation=eng.ess, project="Recyclerie")
    with pytest.raises(ValidationError, match="déjà candidaté"):
        services.space_apply(offer=offer, user=eng.ess_agent, organisation=eng.ess, project="Encore")
    with pytest.raises(PermissionDenied):
        services.application_accept(application=application, user=eng.ess_agent)
    services.application_accept(application=application, user=eng.agent)
    offer.refresh_from_db()
    application.refresh_from_db()
    assert (offer.status, application.status) == (SpaceOffer.Status.MATCHED, SpaceApplication.Status.ACCEPTED)
    services.offer_occupied(offer=offer, user=eng.agent)
    offer.refresh_from_db()
    assert offer.status == SpaceOffer.Status.OCCUPIED
    assert "Boutique vacante" in Client().get("/accompagnement/espaces/").content.decode()


def test_an_ept_agent_cannot_offer_for_montreuil(eng):
    ept_agent = MembershipFactory(organisation=collectivity_of("T8")).user
    with pytest.raises(PermissionDenied):
        services.offer_submit(user=ept_agent, owner=eng.montreuil, title="x")

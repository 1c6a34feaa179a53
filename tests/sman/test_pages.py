import pytest

from sman.models import Membership, MembershipRequest
from sman.modules import modules

from ..auth import login
from ..factories import MembershipFactory, MembershipRequestFactory
from ..queries import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db


def test_home_presents_the_six_challenges_and_entry_points(client):
    html = client.get("/").content.decode()
    for title in ("Une Métropole connectée", "Une Métropole rayonnante et attractive"):
        assert title in html
    assert "Vous êtes agent d'une collectivité" in html
    assert "bientôt" not in html  # the home page says what exists, and promises nothing it lacks
    for built in ("fibre arrive à votre adresse", "Pass Numérique", "candidatez au FMIN"):
        assert built in html
    for missing in ("consultations citoyennes", "partagez vos besoins", "répondre aux besoins des collectivités"):
        assert missing not in html
    assert 'href="#contenu"' in html and 'lang="fr"' in html


def test_territory_list_shows_the_12_territories(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        html = client.get("/territoires/").content.decode()
    assert html.count('class="card"') == 12
    assert "T12 — Grand-Orly Seine Bièvre" in html and "Le Raincy" in html


def test_territory_page_lists_its_communes_with_a_map(client, django_assert_max_num_queries):
    # The territory and its communes, then one query per module's panel that has nothing to show here, and
    # the Explorateurs' projects (Saint-Ouen's, of the SMAN's Annex 3, is in T6).
    panels = sum(1 for module in modules() if module.territory_panel)
    with django_assert_max_num_queries(3 + panels + 1):
        response = client.get("/territoires/T6/")
    html = response.content.decode()
    assert "Plaine Commune" in html and "Saint-Denis" in html and "Pierrefitte" not in html
    assert 'id="carte-territoire-data"' in html and "MultiPolygon" in html
    assert client.get("/territoires/T13/").status_code == 404


def test_commune_page(client):
    html = client.get("/communes/93066/").content.decode()
    assert "Plaine Commune" in html and "Pierrefitte-sur-Seine (93059)" in html
    assert "avant sa fusion avec Pierrefitte-sur-Seine" in html  # the outline caveat
    assert client.get("/communes/93059/").status_code == 404  # delegated: no page of its own
    assert client.get("/communes/T6/").status_code == 404


def test_static_pages(client):
    assert "RGAA" in client.get("/accessibilite/").content.decode()
    assert "200054781" in client.get("/mentions-legales/").content.decode().replace(" ", "")
    assert "RGPD" in client.get("/donnees-personnelles/").content.decode()


def test_organisation_page_queries_do_not_grow_with_members(client):
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    organisation = admin.organisation
    login(client, admin.user)
    MembershipFactory.create_batch(3, organisation=organisation)
    MembershipRequestFactory.create_batch(3, organisation=organisation)

    def grow():
        MembershipFactory.create_batch(40, organisation=organisation)
        MembershipRequestFactory.create_batch(40, organisation=organisation)

    assert_queries_do_not_grow(client, organisation.get_absolute_url(), grow)
    assert MembershipRequest.objects.filter(organisation=organisation).count() == 43


def test_dashboard_queries_do_not_grow_with_memberships(client):
    first = MembershipFactory()
    login(client, first.user)

    def grow():
        MembershipFactory.create_batch(10, user=first.user)
        MembershipRequestFactory.create_batch(10, user=first.user)

    assert_queries_do_not_grow(client, "/espace/", grow)


def test_staff_edit_territories_on_a_map(client):
    from sman.models import Territory

    from ..factories import UserFactory

    login(client, UserFactory(staff=True))
    html = client.get(f"/admin/sman/territory/{Territory.objects.get(code='93048').pk}/change/").content.decode()
    assert "leaflet" in html.lower() and "id_geometry" in html
    listing = client.get("/admin/sman/territory/", {"kind": "commune", "q": "montreuil"}).content.decode()
    assert "93048" in listing

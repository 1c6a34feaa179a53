"""The FMIN's lists on the one list pattern (sman/lists.py): the funded projects (page, CSV) and the files."""

import csv
import io

import pytest
from django.test import Client

from sman.models import Challenge, Territory

from ..auth import login
from ..factories import ApplicationFactory, CallFactory, MembershipFactory, UserFactory, collectivity_of

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [p.title for p in response.context["page_obj"].object_list]


def _csv_titles(response) -> list[str]:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][2] == "Projet"
    return [row[2] for row in rows[1:]]


@pytest.fixture
def projects():
    """Funded projects of 2019 and of this year's call, in Montreuil (T8), Paris and Saint-Denis (T6)."""
    old, new = CallFactory(year=2019, closed=True), CallFactory()
    CallFactory(year=2030, unpublished=True)  # its year is offered to nobody
    paris, saint_denis = collectivity_of("75056"), collectivity_of("93066")
    ApplicationFactory(call=old, title="Guichet numérique", funded=True, theme="administration")
    ApplicationFactory(
        call=new, title="Capteurs de Paris", lead=paris, funded=True, theme="mobility",
        challenges=Challenge.objects.filter(number=2), summary="Mesure du bruit.",
    )  # fmt: skip
    # Led from Saint-Denis (T6), run in Montreuil (T8) too.
    ApplicationFactory(
        call=new, title="Tiers-lieu partagé", lead=saint_denis, funded=True,
        territories=[saint_denis.territory, Territory.objects.get(code="93048")],
    )  # fmt: skip
    ApplicationFactory(call=new, title="Dossier refusé", refused=True)
    ApplicationFactory(call=new, title="Dossier recevable", eligible=True)


def test_projects_filter_by_text_challenge_territory_year_and_theme(projects):
    client = Client()
    assert _titles(client.get("/fmin/projets/")) == ["Capteurs de Paris", "Tiers-lieu partagé", "Guichet numérique"]
    assert _titles(client.get("/fmin/projets/", {"q": "bruit"})) == ["Capteurs de Paris"]  # the summary too
    assert _titles(client.get("/fmin/projets/", {"challenge": Challenge.objects.get(number=2).pk})) == [
        "Capteurs de Paris"
    ]
    t8 = Territory.objects.get(code="T8").pk
    assert _titles(client.get("/fmin/projets/", {"territory": t8})) == ["Tiers-lieu partagé", "Guichet numérique"]
    assert _titles(client.get("/fmin/projets/", {"year": "2019"})) == ["Guichet numérique"]
    assert _titles(client.get("/fmin/projets/", {"theme": "mobility", "territory": t8})) == []


def test_the_year_choices_are_the_published_calls_and_a_wrong_value_is_explained(projects):
    response = Client().get("/fmin/projets/", {"year": "2030", "theme": "mobility"})
    form = response.context["form"]
    years = [value for value, _ in form.fields["year"].choices if value]
    assert years == [max(years), 2019] and 2030 not in years
    assert "year" in form.errors and _titles(response) == ["Capteurs de Paris"]  # the theme still applies
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_the_csv_and_the_pages_follow_the_filters(projects):
    client = Client()
    assert _csv_titles(client.get("/fmin/projets.csv", {"theme": "mobility"})) == ["Capteurs de Paris"]
    page = client.get("/fmin/projets/", {"theme": "mobility"}).content.decode()
    assert 'href="/fmin/projets.csv?theme=mobility"' in page
    ApplicationFactory.create_batch(20, call=CallFactory(), theme="mobility", funded=True)
    page = client.get("/fmin/projets/", {"theme": "mobility"})
    assert len(_titles(page)) == 20 and page.context["total"] == 21
    assert 'href="?theme=mobility&amp;page=2"' in page.content.decode()
    assert len(_titles(client.get("/fmin/projets/", {"theme": "mobility", "page": "2"}))) == 1


@pytest.fixture
def files():
    montreuil = collectivity_of("93048")
    agent = MembershipFactory(organisation=montreuil).user
    call, other_call = CallFactory(title="FMIN — session A"), CallFactory(title="FMIN — session B")
    ApplicationFactory(call=call, title="Brouillon de Montreuil")
    ApplicationFactory(call=call, title="Dossier déposé", submitted=True)
    ApplicationFactory(call=other_call, title="Dossier recevable", eligible=True)
    ApplicationFactory(call=call, title="Dossier voisin", lead=collectivity_of("93055"), submitted=True)
    hidden = CallFactory(title="FMIN — en préparation", unpublished=True)
    return agent, call, other_call, hidden


def test_files_filter_by_status_call_and_text_with_french_parameters(files):
    agent, call, other_call, hidden = files
    staff = login(Client(), UserFactory(staff=True))
    assert sorted(_titles(staff.get("/fmin/candidatures/"))) == [
        "Dossier déposé", "Dossier recevable", "Dossier voisin",
    ]  # fmt: skip
    assert _titles(staff.get("/fmin/candidatures/", {"statut": "eligible"})) == ["Dossier recevable"]
    assert sorted(_titles(staff.get("/fmin/candidatures/", {"appel": call.pk}))) == [
        "Dossier déposé", "Dossier voisin",
    ]  # fmt: skip
    assert _titles(staff.get("/fmin/candidatures/", {"q": "pantin"})) == ["Dossier voisin"]  # the lead's name
    agent_client = login(Client(), agent)
    assert sorted(_titles(agent_client.get("/fmin/candidatures/"))) == [
        "Brouillon de Montreuil", "Dossier déposé", "Dossier recevable",
    ]  # fmt: skip
    response = agent_client.get("/fmin/candidatures/", {"appel": hidden.pk, "statut": "draft"})
    assert "appel" in response.context["form"].errors  # a call being prepared is not offered to agents
    assert _titles(response) == ["Brouillon de Montreuil"]


def test_the_files_filter_form_is_the_shared_one(files):
    agent, *_ = files
    page = login(Client(), agent).get("/fmin/candidatures/", {"q": "Dossier", "statut": "submitted"}).content.decode()
    assert '<label for="id_q">Rechercher</label>' in page and 'type="search" name="q" value="Dossier"' in page
    assert '<option value="submitted" selected>déposée</option>' in page
    assert '<option value="">Tous</option>' in page

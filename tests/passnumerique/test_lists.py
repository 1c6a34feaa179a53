"""The Pass Numérique's lists on the one list pattern (sman/lists.py): the directory of places and its
filters, the funders' orders and booklets, the statements; the statement's CSV for accountants."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.core.files.storage import default_storage
from django.test import Client

from passnumerique import services
from sman.models import Organisation, Territory

from ..auth import login
from ..factories import (
    BookletFactory,
    MediationPlaceFactory,
    MembershipFactory,
    OrderFactory,
    OrganisationFactory,
    TicketFactory,
    TrainingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _names(response) -> list[str]:
    return [str(p) for p in response.context["page_obj"].object_list]


def _place(name, commune, location, trainings=(), **fields):
    organisation = OrganisationFactory(
        kind=Organisation.Kind.MEDIATION_PLACE, name=name, territory=Territory.objects.get(code=commune)
    )
    return MediationPlaceFactory(organisation=organisation, location=location, trainings=list(trainings), **fields)


@pytest.fixture
def places():
    office, web = TrainingFactory(theme="Bureautique"), TrainingFactory(theme="Démarches en ligne")
    web_again = TrainingFactory(theme="Démarches en ligne")
    _place("Médiathèque de Pantin", "93055", Point(2.40, 48.89, srid=4326), [web, web_again], place_type="library")
    _place("Espace numérique de Montreuil", "93048", Point(2.44, 48.86, srid=4326), [office])
    _place("Association de Saint-Denis", "93066", None, [web])
    _place("Lieu sans label", "93048", None, [web], unlabelled=True)


def test_places_filter_by_name_or_commune_type_and_training_theme(places):
    client = Client()
    assert _names(client.get("/pass-numerique/lieux/")) == [
        "Association de Saint-Denis", "Espace numérique de Montreuil", "Médiathèque de Pantin",
    ]  # fmt: skip
    assert _names(client.get("/pass-numerique/lieux/", {"q": "montreuil"})) == ["Espace numérique de Montreuil"]
    assert _names(client.get("/pass-numerique/lieux/", {"q": "saint-denis"})) == ["Association de Saint-Denis"]
    assert _names(client.get("/pass-numerique/lieux/", {"place_type": "library"})) == ["Médiathèque de Pantin"]
    # Without accents, and once per place whatever the number of its trainings on that theme.
    assert _names(client.get("/pass-numerique/lieux/", {"theme": "demarches"})) == [
        "Association de Saint-Denis", "Médiathèque de Pantin",
    ]  # fmt: skip


def test_places_near_a_commune_come_nearest_first_and_those_without_a_position_last(places):
    pantin = Territory.objects.get(code="93055")
    response = Client().get("/pass-numerique/lieux/", {"near": pantin.pk})
    assert _names(response) == ["Médiathèque de Pantin", "Espace numérique de Montreuil", "Association de Saint-Denis"]
    response = Client().get("/pass-numerique/lieux/", {"near": pantin.pk, "theme": "demarches"})
    assert _names(response) == ["Médiathèque de Pantin", "Association de Saint-Denis"]
    assert f'<option value="{pantin.pk}" selected>Pantin</option>' in response.content.decode()


def test_the_places_pages_keep_the_filters():
    for i in range(21):
        _place(f"Lieu {i:02d}", "93048", None, place_type="library")
    response = Client().get("/pass-numerique/lieux/", {"place_type": "library"})
    assert len(_names(response)) == 20 and response.context["total"] == 21
    assert 'href="?place_type=library&amp;page=2" rel="next"' in response.content.decode()
    assert _names(Client().get("/pass-numerique/lieux/", {"place_type": "library", "page": 2})) == ["Lieu 20"]


def test_orders_and_booklets_come_in_pages_of_30_and_50():
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER)
    orders = OrderFactory.create_batch(31, funder=funder, booklets=False)
    client = login(Client(), MembershipFactory(organisation=funder).user)
    first, second = client.get("/pass-numerique/commandes/"), client.get("/pass-numerique/commandes/", {"page": 2})
    assert len(first.context["page_obj"]) == 30 and [o.pk for o in second.context["page_obj"]] == [orders[0].pk]
    order = orders[-1]
    for _ in range(51):
        BookletFactory(order=order, tickets=False)
    page = client.get(order.get_absolute_url(), {"page": 2})
    assert [b.number for b in page.context["page_obj"]] == [51]
    assert 'href="?page=1" rel="prev"' in page.content.decode()


def test_the_statement_csv_keeps_its_columns_with_paris_time_and_amounts_as_every_export():
    """The layout the places' and the Métropole's accountants read is unchanged: one line per ticket (date,
    ticket, training, hours, value, agent), a blank line, the total. The times are Paris time, as on the PDF."""
    place = MediationPlaceFactory()
    agent = UserFactory(email="agent@lieu.fr")
    for code, minute in (("TICKET-A", 5), ("TICKET-B", 6)):  # 17:05 and 17:06 UTC
        TicketFactory(
            code=code, value_cents=1050, redeemed=True, redemption__place=place, redemption__agent=agent,
            redemption__redeemed_at=datetime(2026, 3, 10, 18, minute, tzinfo=PARIS),
            redemption__training=TrainingFactory(title="Premiers pas"),
        )  # fmt: skip
    (statement,) = services.statements_generate(month=datetime(2026, 3, 1).date())
    with default_storage.open(statement.csv.name) as f:
        lines = f.read().decode("utf-8-sig").splitlines()
    assert lines == [
        "Date;Ticket;Formation;Heures;Valeur (€);Agent",
        "10/03/2026 18:05;TICKET-A;Premiers pas;1,00;10,50;agent@lieu.fr",
        "10/03/2026 18:06;TICKET-B;Premiers pas;1,00;10,50;agent@lieu.fr",
        "",
        "Total;2;;;21,00;",
    ]


def test_the_commune_choices_cost_one_query_not_one_per_commune(pn, django_assert_max_num_queries):
    """The places' filter and the distribution form offer the 130 communes: str() of a commune reads its kind,
    which the choices load with it."""
    client = login(Client(), pn.distributor_agent)
    with django_assert_max_num_queries(20):
        page = client.get("/pass-numerique/distribuer/").content.decode()
    assert page.count("<option value=") >= Territory.objects.filter(kind="commune").count()
    with django_assert_max_num_queries(10):
        assert Client().get("/pass-numerique/lieux/").status_code == 200

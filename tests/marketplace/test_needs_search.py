"""The needs search reads narrow rows (``NeedSearchRow``) that the services keep after every write on a need; it
finds what the former search over the wide needs found, with an exact count, the best matches first."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from marketplace import selectors, services
from marketplace.models import Need, NeedSearchRow, ReviewSetting
from sman.models import Territory
from sman.search import rank_search

from ..factories import NeedFactory, UserFactory
from .conftest import need_fields

pytestmark = pytest.mark.django_db

URL = "/adopte-une-innovation/besoins/"


def found(text, **filters):
    search = selectors.search_public_needs(text, **filters)
    return [need.title for need in search[0 : search.count()]]


def test_the_search_row_follows_every_write_on_a_need(market, django_capture_on_commit_callbacks):
    agent = market.users["commune_agent"]
    need = services.need_create(
        user=agent, buyer=market.commune_org, fields=need_fields(market.commune, title="Capteurs de bruit")
    )
    assert not NeedSearchRow.objects.filter(need=need).exists()  # a draft is never searched
    services.need_update(user=agent, need=need, fields={"title": "Capteurs de bruit des écoles"})
    assert not NeedSearchRow.objects.filter(need=need).exists()
    assert "Capteurs de bruit des écoles" not in found("capteurs")

    with django_capture_on_commit_callbacks(execute=True):
        services.need_publish(user=agent, need=need)
    row = NeedSearchRow.objects.get(need=need)
    need.refresh_from_db()
    assert (row.state, row.published_at, row.territory_id, row.themes) == (
        "published",
        need.published_at,
        market.commune.pk,
        ["citizen_relations"],
    )
    assert found("école") == ["Capteurs de bruit des écoles"]

    with django_capture_on_commit_callbacks(execute=True):
        services.need_update(user=agent, need=need, fields={"title": "Sonomètres des crèches", "themes": ["data"]})
    assert found("crèche") == ["Sonomètres des crèches"]
    assert found("école") == []  # the old title is gone from the row
    assert NeedSearchRow.objects.get(need=need).themes == ["data"]

    services.need_close(user=agent, need=need)
    assert NeedSearchRow.objects.get(need=need).state == "closed"
    assert found("crèche", state="closed") == ["Sonomètres des crèches"]
    assert found("crèche", state="published") == []

    services.need_decide(user=agent, need=need, outcome=Need.Outcome.NOT_PURSUED)
    assert NeedSearchRow.objects.get(need=need).state == "decided"

    need.delete()
    assert not NeedSearchRow.objects.filter(need_id=need.pk).exists()
    assert found("crèche") == []


def test_a_need_in_review_is_searched_once_staff_publish_it(market):
    agent, staff = market.users["commune_agent"], UserFactory(staff=True)
    ReviewSetting.objects.update_or_create(pk=1, defaults={"review_needs": True})
    need = services.need_create(
        user=agent, buyer=market.commune_org, fields=need_fields(market.commune, title="Tablettes des seniors")
    )
    services.need_publish(user=agent, need=need)
    assert Need.objects.get(pk=need.pk).state == Need.State.IN_REVIEW
    assert found("tablettes") == []
    services.need_send_back(user=staff, need=need, reason="Précisez le nombre de tablettes.")
    assert found("tablettes") == []
    services.need_publish(user=agent, need=need)
    services.need_review_publish(user=staff, need=need)
    assert found("tablettes") == ["Tablettes des seniors"]


def _need(title, problem, *, minutes_ago, **extra):
    return NeedFactory(
        published=True,
        title=title,
        problem=problem,
        published_at=timezone.now() - timedelta(minutes=minutes_ago),
        **extra,
    )


@pytest.fixture
def corpus(world):
    """Five published needs about « vélo », one about something else, a draft and a need in review."""
    _need("Compter les vélos", "Mesurer la fréquentation des pistes.", minutes_ago=50)
    _need("Vélos en libre service et vélo cargo", "Prêter des vélos.", minutes_ago=40)
    _need("Stationnement", "Des arceaux pour le vélo devant la mairie.", minutes_ago=30)
    _need("Voirie", "Signaler les trous sur la piste vélo.", minutes_ago=20)
    _need("Éclairage", "Allumer les rues au passage des vélos.", minutes_ago=10)
    _need("Cantine", "Inscrire les enfants en ligne.", minutes_ago=5)
    NeedFactory(title="Vélo en brouillon")
    NeedFactory(in_review=True, title="Vélo en relecture")


def test_the_search_finds_and_orders_what_the_former_search_did(corpus):
    for text in ("vélo", "velos", "vélo mairie", "piste", "cantine", "rien du tout", "vél"):
        former = [n.title for n in rank_search(selectors.public_needs(), text)]
        assert found(text) == former, text
        assert selectors.search_public_needs(text).count() == len(former)
    # The title weighs most; then the more occurrences; equal ranks: the newest first. Drafts never.
    assert found("vélo") == [
        "Vélos en libre service et vélo cargo",
        "Compter les vélos",
        "Éclairage",
        "Voirie",
        "Stationnement",
    ]


def test_past_the_ranked_matches_the_title_matches_then_the_newest_follow(corpus, monkeypatch):
    monkeypatch.setattr(selectors, "RANKED", 3)
    search = selectors.search_public_needs("vélo")
    assert search.count() == 5  # exact
    # The 3 first in the cheap order (title matches, then the newest: « Éclairage ») ranked; then « Voirie »
    # and « Stationnement », newest first.
    assert [n.title for n in search[0:5]] == [
        "Vélos en libre service et vélo cargo",
        "Compter les vélos",
        "Éclairage",
        "Voirie",
        "Stationnement",
    ]
    pages = [n.title for start in range(0, 5, 2) for n in search[start : start + 2]]
    assert pages == [n.title for n in search[0:5]]  # pages follow each other without gap nor repeat


def test_the_list_page_searches_with_its_filters(corpus, django_assert_max_num_queries):
    client = Client()
    page = client.get(URL, {"q": "vélo"}).content.decode()
    assert "5 besoins." in page
    assert page.index("Vélos en libre service") < page.index("Compter les vélos") < page.index("Stationnement")
    assert "Vélo en brouillon" not in page and "Vélo en relecture" not in page
    assert "1 besoin." in client.get(URL, {"q": "cantine"}).content.decode()
    assert "0 besoin." in client.get(URL, {"q": "vélo", "theme": "mobility"}).content.decode()
    assert "5 besoins." in client.get(URL, {"q": "vélo", "theme": "citizen_relations"}).content.decode()
    assert "0 besoin." in client.get(URL, {"q": "vélo", "state": "closed"}).content.decode()
    ept = Territory.objects.get(code="T8")  # Est Ensemble, Montreuil's
    assert "5 besoins." in client.get(URL, {"q": "vélo", "territory": ept.pk}).content.decode()
    other = Territory.objects.get(code="T1")
    assert "0 besoin." in client.get(URL, {"q": "vélo", "territory": other.pk}).content.decode()
    with django_assert_max_num_queries(12):
        client.get(URL, {"q": "vélo", "page": 1})

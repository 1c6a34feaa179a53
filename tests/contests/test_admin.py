"""Staff create a contest in the admin through its service: the call's rich text is sanitised there too."""

import pytest
from django.test import Client

from contests.models import Contest

from ..auth import login
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_contest_added_in_the_admin_goes_through_the_service(reference):
    client = login(Client(), UserFactory(staff=True, is_superuser=True))
    response = client.post(
        "/admin/contests/contest/add/",
        {
            "module": "resources",
            "title": "Concours des guides pratiques",
            "theme": "Guides",
            "call_text": '<p>Appel</p><img src="x" onerror="alert(1)" alt="x"><script>alert(1)</script>',
            "rules": "<p>Règlement</p>",
            "opens_on": "2026-01-10",
            "closes_on": "2026-02-10",
            "jury_deadline": "2026-03-10",
            "results_on": "2026-03-20",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contest = Contest.objects.get()
    assert contest.slug == "concours-des-guides-pratiques" and contest.status == Contest.Status.DRAFT
    assert "onerror" not in contest.call_text and "<script" not in contest.call_text


def test_dates_out_of_order_are_refused_on_the_admin_form(reference):
    client = login(Client(), UserFactory(staff=True, is_superuser=True))
    response = client.post(
        "/admin/contests/contest/add/",
        {
            "module": "resources",
            "title": "Concours à l'envers",
            "theme": "Guides",
            "call_text": "<p>Appel</p>",
            "rules": "<p>Règlement</p>",
            "opens_on": "2026-03-10",
            "closes_on": "2026-02-10",
            "jury_deadline": "2026-03-10",
            "results_on": "2026-03-20",
        },
    )
    assert response.status_code == 200
    assert "Les dates doivent se suivre" in response.content.decode()
    assert not Contest.objects.exists()

import pytest
from rest_framework.test import APIClient

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_public_plan_api(reference):
    api = APIClient()
    challenges = api.get("/api/challenges/").json()
    assert challenges["count"] == 6 and "Fibre" in challenges["results"][0]["workstreams"]
    assert [r["code"] for r in api.get("/api/roadmaps/").json()["results"]] == ["2019-2020", "2021-2022", "2023-2024"]
    actions = api.get("/api/actions/", {"roadmap__code": "2019-2020"}).json()
    assert actions["count"] == 17
    ftth = api.get("/api/actions/", {"challenge__number": 1}).json()["results"]
    assert {a["number"] for a in ftth} == {1, 2} and {a["annex_sheet_number"] for a in ftth} == {1, 2}


def test_indicators_need_an_account(reference):
    api = APIClient()
    assert api.get("/api/indicators/").status_code == 401
    api.force_authenticate(UserFactory())
    assert api.get("/api/indicators/").json()["count"] == 0

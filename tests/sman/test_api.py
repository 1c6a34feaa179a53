import html
import json
import re

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from sman.throttling import ClientRateThrottle

from ..auth import token_header
from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_territories_are_paginated_and_filterable(api):
    page = api.get("/api/territories/").json()
    assert page["count"] == 1 + 12 + 130 + 1
    assert len(page["results"]) == 50 and page["next"]
    epts = api.get("/api/territories/", {"kind": "ept"}).json()
    assert [t["code"] for t in epts["results"]][:3] == ["T1", "T2", "T3"]
    assert epts["count"] == 12
    t8 = api.get("/api/territories/", {"parent": "T8", "kind": "commune"}).json()
    assert t8["count"] == 9 and {t["parent"] for t in t8["results"]} == {"T8"}
    # Accent- and case-insensitive name search.
    found = api.get("/api/territories/", {"name": "ile-saint-denis"}).json()
    assert [t["name"] for t in found["results"]] == ["L'Île-Saint-Denis"]
    assert "geometry" not in found["results"][0]


def test_territory_detail_and_geojson(api):
    detail = api.get("/api/territories/93066/").json()
    assert detail["name"] == "Saint-Denis" and detail["parent"] == "T6" and detail["url"] == "/communes/93066/"
    response = api.get("/api/territories/", {"format": "geojson", "code": "93066,93048"})
    assert response["Content-Type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert {f["id"] for f in collection["features"]} == {"93066", "93048"}
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in collection["features"])


def test_token_authentication_for_machine_clients(api):
    assert api.get("/api/me/").status_code == 401
    membership = MembershipFactory()
    api.credentials(HTTP_AUTHORIZATION=token_header(membership.user))
    me = api.get("/api/me/").json()
    assert me["email"] == membership.user.email
    assert me["memberships"] == [
        {
            "organisation": membership.organisation.name,
            "organisation_kind": "digital_actor",
            "territory": "93048",
            "role": "member",
        }
    ]
    api.credentials(HTTP_AUTHORIZATION="Token invalide")
    assert api.get("/api/me/").status_code == 401


def test_anonymous_requests_are_throttled(api, monkeypatch):
    monkeypatch.setitem(ClientRateThrottle.THROTTLE_RATES, "anon", "3/minute")
    codes = [api.get("/api/territories/", {"kind": "ept"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    api.force_authenticate(UserFactory())
    assert api.get("/api/territories/", {"kind": "ept"}).status_code == 200


def test_signed_in_users_have_their_own_rate_and_each_request_counts_once(api, monkeypatch):
    monkeypatch.setitem(ClientRateThrottle.THROTTLE_RATES, "anon", "2/minute")
    monkeypatch.setitem(ClientRateThrottle.THROTTLE_RATES, "user", "5/minute")
    user = UserFactory()
    api.force_authenticate(user)
    assert [api.get("/api/me/").status_code for _ in range(6)] == [200] * 5 + [429]
    assert len(cache.get(f"throttle_user_{user.pk}")) == 6 - 1  # the refused request is not counted
    api.force_authenticate(None)
    assert [api.get("/api/territories/").status_code for _ in range(3)] == [200, 200, 429]
    assert len(cache.get("throttle_anon_127.0.0.1")) == 2 and cache.get("throttle_user_127.0.0.1") is None


def test_openapi_schema_and_self_hosted_docs(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    assert "/api/territories/" in schema["paths"] and "/api/me/" in schema["paths"]
    docs = api.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn." not in docs and "unpkg" not in docs
    # Both documentation pages are in French, with a landmark and a heading, and fetch nothing from elsewhere;
    # Redoc may style itself inline (its page only), scripts stay the portal's own.
    assert "'unsafe-inline'" in api.get("/api/redoc/")["Content-Security-Policy"]
    # Redoc's bundle asks for its logo on cdn.redoc.ly (drf-spectacular-sidecar issue #11): the CSP refuses it.
    assert re.search(r"img-src 'self' data:(;|$)", api.get("/api/redoc/")["Content-Security-Policy"])
    assert "'unsafe-inline'" not in api.get("/api/docs/")["Content-Security-Policy"]
    redoc = api.get("/api/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in redoc
    assert "<main" in redoc, "Swagger UI draws its own main landmark; Redoc's is the page's"
    # Redoc reads its theme from a JSON attribute: a typo would leave its default colours (below 4.5:1).
    theme = json.loads(html.unescape(re.search(r"theme='([^']*)'", redoc).group(1)))
    assert theme["colors"]["responses"]["success"]["color"] and theme["typography"]["code"]["color"]
    for page in (docs, redoc):
        assert '<html lang="fr">' in page and "<h1>" in page
        assert not re.search(r"""(src|href)=["']https?://""", page), "a third-party request"

"""Every role against every protected page and endpoint of the platform (tests/matrix.py)."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from actions.models import Action
from sman.models import MembershipRequest, Territory
from sman.notifications import preference_of
from sman.permissions import acts_for_territory, territories_acted_for
from sman.services import api_token_create

from ..auth import login, token_header
from ..factories import MembershipRequestFactory, UserFactory
from ..matrix import SIGNED_IN, Case, check, matrix_params

pytestmark = pytest.mark.django_db

ALL_200 = dict.fromkeys(SIGNED_IN + ("anonymous",), 200)
SIGNED_IN_200 = {"anonymous": 302, **dict.fromkeys(SIGNED_IN, 200)}
STAFF_ONLY_ADMIN = {"staff": 200, "anonymous": 302}


def _pending_request(world):
    request = world.extra.get("request")
    if request is None:
        request = world.extra["request"] = MembershipRequestFactory(organisation=world.commune_org)
    return request


def _request_to_other_commune(world):
    request = world.extra.get("other_request")
    if request is None:
        request = world.extra["other_request"] = MembershipRequestFactory(organisation=world.other_commune_org)
    return request


def _agent_token(world):
    token = world.extra.get("token")
    if token is None:
        token = world.extra["token"] = api_token_create(user=world.users["commune_agent"], name="x", scopes=["read"])[0]
    return token


CASES = [
    Case("home", "/", ALL_200),
    Case("territories", "/territoires/", ALL_200),
    Case("territory", "/territoires/T8/", ALL_200),
    Case("commune", "/communes/93048/", ALL_200),
    Case("api-territories", "/api/territories/", ALL_200),
    Case("api-docs", "/api/docs/", ALL_200),
    Case("api-territory", "/api/territories/93048/", ALL_200),
    Case("api-challenges", "/api/challenges/", ALL_200),
    Case("api-challenge", "/api/challenges/1/", ALL_200),
    Case("api-roadmaps", "/api/roadmaps/", ALL_200),
    Case("api-roadmap", "/api/roadmaps/2019-2020/", ALL_200),
    Case(
        "api-action",
        lambda w: f"/api/actions/{Action.objects.get(roadmap__code='2019-2020', number=2).pk}/",
        ALL_200,
        covers="action-detail",
    ),
    Case("api-pass-places", "/api/pass/places/", ALL_200),
    Case("api-pass-trainings", "/api/pass/trainings/", ALL_200),
    Case("api-pass-statistics", "/api/pass/statistics/", ALL_200),
    Case("api-fmin-projects", "/api/fmin/projects/", ALL_200),
    Case("admin-app", "/admin/sman/", {"staff": 200}, default=302),
    Case("dashboard", "/espace/", SIGNED_IN_200),
    Case("join-form", "/espace/rejoindre/", SIGNED_IN_200),
    Case("api-me", "/api/me/", {"anonymous": 401}, default=200),
    Case(
        "own-commune-organisation",
        lambda w: w.commune_org.get_absolute_url(),
        {"anonymous": 302, "commune_agent": 200, "org_admin": 200, "staff": 200},
        default=403,
        covers="organisation_detail",
    ),
    Case(
        "other-commune-organisation",
        lambda w: w.other_commune_org.get_absolute_url(),
        {"anonymous": 302, "staff": 200},
        default=403,
        covers="organisation_detail",
    ),
    Case(
        "ept-organisation",
        lambda w: w.ept_org.get_absolute_url(),
        {"anonymous": 302, "ept_agent": 200, "staff": 200},
        default=403,
        covers="organisation_detail",
    ),
    Case(
        "reject-confirmation",
        lambda w: reverse("membership_request_reject", args=[_pending_request(w).pk]),
        {"anonymous": 302, "org_admin": 200, "staff": 200},
        default=403,
        covers="membership_request_reject",
    ),
    Case(
        "approve",
        lambda w: reverse("membership_request_approve", args=[_pending_request(w).pk]),
        {"anonymous": 302, "org_admin": 302, "staff": 302},
        default=403,
        method="post",
        covers="membership_request_approve",
    ),
    # Another organisation's request: Montreuil's admin decides nothing for Pantin; no one withdraws
    # someone else's request.
    Case(
        "reject-confirmation-other-organisation",
        lambda w: reverse("membership_request_reject", args=[_request_to_other_commune(w).pk]),
        {"anonymous": 302, "staff": 200},
        default=403,
        covers="membership_request_reject",
    ),
    Case(
        "approve-other-organisation",
        lambda w: reverse("membership_request_approve", args=[_request_to_other_commune(w).pk]),
        {"anonymous": 302, "staff": 302},
        default=403,
        method="post",
        covers="membership_request_approve",
    ),
    Case(
        "cancel-someone-elses-request",
        lambda w: reverse("membership_request_cancel", args=[_pending_request(w).pk]),
        {"anonymous": 302},
        default=404,
        method="post",
        covers="membership_request_cancel",
    ),
    Case("admin-login", "/admin/login/", {"anonymous": 302, "staff": 302}, default=403),
    Case("api-tokens", "/espace/jetons/", SIGNED_IN_200),
    Case(
        "api-token-revoke-own",
        lambda w: reverse("api_token_revoke", args=[_agent_token(w).pk]),
        {"anonymous": 302, "commune_agent": 200},
        default=404,
        covers="api_token_revoke",
    ),
    Case(
        "api-token-revoke-post",
        lambda w: reverse("api_token_revoke", args=[_agent_token(w).pk]),
        {"anonymous": 302, "commune_agent": 302},
        default=404,
        method="post",
        covers="api_token_revoke",
    ),
    Case("notifications", "/espace/notifications/", SIGNED_IN_200),
    Case(
        "notifications-unsubscribe",  # the link's token is the credential, whoever follows it
        lambda w: reverse("notifications_unsubscribe", args=[preference_of(w.users["commune_agent"]).token]),
        ALL_200,
        covers="notifications_unsubscribe",
    ),
    Case("notifications-unsubscribe-unknown", "/notifications/inconnu/desabonnement/", {}, default=404),
    Case("admin-notifications", "/admin/sman/notification/", STAFF_ONLY_ADMIN, default=302),
    Case("admin-index", "/admin/", STAFF_ONLY_ADMIN, default=302),
    Case("admin-api-tokens", "/admin/sman/apitoken/", STAFF_ONLY_ADMIN, default=302),
    Case("admin-organisations", "/admin/sman/organisation/", STAFF_ONLY_ADMIN, default=302),
    Case("admin-territory-map", "/admin/sman/territory/", STAFF_ONLY_ADMIN, default=302),
    Case("admin-requests", "/admin/sman/membershiprequest/", STAFF_ONLY_ADMIN, default=302),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES))
def test_role_matrix(world, case, role):
    check(world, case, role)


@pytest.mark.parametrize("role", SIGNED_IN)
def test_role_matrix_with_a_read_token(world, role):
    """Every role's read-only token reads its account and writes nothing."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(world.users[role], scopes=["read"]))
    assert api.get("/api/me/").json()["email"] == world.users[role].email
    for url in ("/api/pass/tickets/redeem/", "/api/ftth/imports/", "/api/pass/tickets/check/"):
        response = api.post(url, {})
        assert response.status_code == 403 and "portée" in response.json()["detail"], (role, url)


def test_approval_by_an_admin_really_adds_the_member(world):
    request = _pending_request(world)
    world.client_for("org_admin").post(reverse("membership_request_approve", args=[request.pk]))
    assert world.commune_org.memberships.filter(user=request.user).exists()


def test_an_admin_decides_only_their_own_organisations_requests(world):
    foreign = _request_to_other_commune(world)
    client = world.client_for("org_admin")
    assert client.post(reverse("membership_request_approve", args=[foreign.pk])).status_code == 403
    assert client.post(reverse("membership_request_reject", args=[foreign.pk]), {"note": "Non"}).status_code == 403
    foreign.refresh_from_db()
    assert foreign.status == "pending" and not world.other_commune_org.memberships.filter(user=foreign.user).exists()
    # Only its author withdraws a request.
    own = _pending_request(world)
    assert world.client_for("org_admin").post(reverse("membership_request_cancel", args=[own.pk])).status_code == 404
    assert login(Client(), own.user).post(reverse("membership_request_cancel", args=[own.pk])).status_code == 302
    assert not MembershipRequest.objects.filter(pk=own.pk).exists()


def test_acting_for_territories(world):
    montreuil, pantin = world.commune, Territory.objects.get(code="93055")
    assert acts_for_territory(world.users["commune_agent"], montreuil)
    assert not acts_for_territory(world.users["commune_agent"], pantin)
    # An EPT agent acts for every commune of the EPT, not for other EPTs' communes.
    assert acts_for_territory(world.users["ept_agent"], pantin)
    assert not acts_for_territory(world.users["ept_agent"], Territory.objects.get(code="93066"))
    assert len(territories_acted_for(world.users["staff"])) == Territory.objects.count()
    assert territories_acted_for(world.users["citizen"]) == set()
    assert territories_acted_for(world.users["digital_actor"]) == set()


@pytest.mark.parametrize("trait", ["staff", "reviewer", "copil"])
def test_roles_that_need_mfa_must_set_it_up_first(client, trait):
    user = UserFactory(**{trait: True}, mfa=False)
    login = client.post(reverse("account_login"), {"login": user.email, "password": "mot-de-passe-de-test"})
    assert login.status_code == 302
    response = client.get("/espace/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # allauth asks for the password again before activating a device; both pages stay reachable.
    assert client.post(reverse("account_reauthenticate"), {"password": "mot-de-passe-de-test"}).status_code == 302
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 200 and "secret" in activate.content.decode().lower()
    assert not Authenticator.objects.filter(user=user).exists()


def test_citizens_do_not_need_mfa(client):
    login(client, UserFactory())
    assert client.get("/espace/").status_code == 200

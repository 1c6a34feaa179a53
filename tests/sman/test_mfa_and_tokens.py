"""Second factor on every entrance, and scoped, expiring API tokens.

A role that needs MFA (staff, reviewer, COPIL member) must reach no protected page or endpoint on a
password alone: not through allauth's login, the admin's login, a password reset, a session created any
other way, nor an API token.
"""

import re
import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from sman.models import ApiToken, Membership, Organisation
from sman.services import api_token_create

from ..auth import login, token_header
from ..factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "mot-de-passe-de-test"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MFA_ROLES = ("staff", "reviewer", "copil")
# A page each MFA role may open once fully signed in.
PROTECTED = {"staff": "/admin/", "reviewer": "/fmin/evaluations/", "copil": "/copil/"}


def _user(role, **kwargs):
    user = UserFactory(**{role: True}, mfa=False, **kwargs)
    TOTP.activate(user, SECRET)
    return user


def _code():
    return format_hotp_value(hotp_value(SECRET, int(time.time()) // 30))


def _reaches(client, url) -> bool:
    return client.get(url).status_code == 200


@pytest.mark.parametrize("role", MFA_ROLES)
def test_allauth_login_needs_the_code(role):
    user, client = _user(role), Client()
    response = client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "/2fa/authenticate" in response["Location"]
    assert not _reaches(client, PROTECTED[role])
    assert client.post("/comptes/2fa/authenticate/", {"code": "000000"}).status_code == 200  # wrong code
    assert not _reaches(client, PROTECTED[role])
    client.post("/comptes/2fa/authenticate/", {"code": _code()})
    assert _reaches(client, PROTECTED[role])


@pytest.mark.parametrize("role", MFA_ROLES)
def test_the_admin_login_form_is_closed(role):
    """The admin's own form would sign in on a password alone: it sends to allauth's login instead."""
    user, client = _user(role), Client()
    response = client.post("/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/?next=")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    assert not _reaches(client, PROTECTED[role])


def test_admin_login_attempts_are_rate_limited_through_allauth():
    user, client = _user("staff"), Client()
    for _ in range(30):
        assert client.post("/admin/login/", {"username": user.email, "password": "mauvais"}).status_code == 302
        client.post("/comptes/login/", {"login": user.email, "password": "mauvais"})
    # Locked out: even the right password does not lead to the second step for now.
    response = client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code in (200, 429) and "2fa" not in response.get("Location", "")
    assert not _reaches(client, "/admin/")


def test_a_signed_in_user_without_staff_rights_gets_a_403_from_the_admin_login():
    client = login(Client(), UserFactory())
    assert client.get("/admin/login/").status_code == 403


@pytest.mark.parametrize("role", MFA_ROLES)
def test_a_session_that_skipped_the_second_factor_is_ended(role):
    """Any other way of creating a session (here, a session with only a password record) is refused."""
    user, client = _user(role), Client()
    client.force_login(user)
    response = client.get(PROTECTED[role])
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/api/me/").status_code in (401, 403)


@pytest.mark.parametrize("role", MFA_ROLES)
def test_password_reset_then_login_still_needs_the_code(role):
    user, client = _user(role), Client()
    client.post("/comptes/password/reset/", {"email": user.email})
    link = re.search(r"https?://testserver(/comptes/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    new = "une-toute-nouvelle-phrase-secrete"
    client.post(form_url, {"password1": new, "password2": new})
    assert not _reaches(client, PROTECTED[role])
    response = client.post("/comptes/login/", {"login": user.email, "password": new})
    assert "/2fa/authenticate" in response["Location"]
    assert not _reaches(client, PROTECTED[role])
    client.post("/comptes/2fa/authenticate/", {"code": _code()})
    assert _reaches(client, PROTECTED[role])


@pytest.mark.parametrize("role", MFA_ROLES)
def test_the_api_refuses_a_session_without_the_second_factor(role):
    user, api = _user(role), APIClient()
    api.force_login(user)
    response = api.get("/api/me/")
    assert response.status_code == 403 and "double authentification" in response.json()["detail"]
    login(api, user)
    assert api.get("/api/me/").json()["email"] == user.email


@pytest.mark.parametrize("role", MFA_ROLES)
def test_a_role_without_totp_can_neither_create_nor_use_a_token(role):
    user = UserFactory(**{role: True}, mfa=False)
    with pytest.raises(ValidationError, match="double authentification"):
        api_token_create(user=user, name="script", scopes=["read"])
    # A token made before the device was removed stops working.
    TOTP.activate(user, SECRET)
    header = token_header(user)
    Authenticator.objects.filter(user=user).delete()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/me/")
    assert response.status_code == 403 and "double authentification" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)  # allauth announces the new device once the transaction commits
def test_enrolling_totp_passes_the_factor_for_this_session(reference):
    user, client = UserFactory(reviewer=True, mfa=False), Client()
    client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert client.get("/fmin/evaluations/")["Location"].startswith("/comptes/2fa/totp/activate/")
    if client.get("/comptes/2fa/totp/activate/").status_code == 302:  # allauth asks for the password again
        client.post("/comptes/reauthenticate/", {"password": PASSWORD})
    page = client.get("/comptes/2fa/totp/activate/")
    secret = page.context["form"].secret
    client.post("/comptes/2fa/totp/activate/", {"code": format_hotp_value(hotp_value(secret, int(time.time()) // 30))})
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert _reaches(client, "/fmin/evaluations/")


# --- API tokens ----------------------------------------------------------------------------------


def _operator_agent():
    operator = OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI d'essai", siren="123456789")
    return MembershipFactory(organisation=operator).user


def test_a_token_reaches_only_what_its_scopes_open():
    agent = _operator_agent()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(agent, scopes=["ftth:import"]))
    assert api.get("/api/ftth/imports/").status_code == 200
    refused = api.get("/api/me/")
    assert refused.status_code == 403 and "portée" in refused.json()["detail"]
    api.credentials(HTTP_AUTHORIZATION=token_header(agent, scopes=["read"]))
    assert api.get("/api/me/").status_code == 200
    assert api.get("/api/ftth/imports/").status_code == 200  # reading is reading
    assert api.post("/api/ftth/imports/", {}, format="multipart").status_code == 403  # writing is not


def test_scopes_are_limited_to_what_the_account_does():
    citizen = UserFactory()
    for scope in ("ftth:import", "pass:tickets"):
        with pytest.raises(ValidationError, match="Portée non autorisée"):
            api_token_create(user=citizen, name="x", scopes=[scope])
    with pytest.raises(ValidationError):
        api_token_create(user=citizen, name="x", scopes=[])
    with pytest.raises(ValidationError):
        api_token_create(user=citizen, name="x", scopes=["read"], days=3650)


def test_expired_and_revoked_tokens_are_refused():
    user = UserFactory()
    token, key = api_token_create(user=user, name="script", scopes=["read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=91), expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = api.get("/api/me/")
    assert expired.status_code == 401 and "expiré" in expired.json()["detail"]
    token, key = api_token_create(user=user, name="script 2", scopes=["read"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client = login(Client(), user)
    assert client.post(f"/espace/jetons/{token.pk}/revoquer/").status_code == 302
    assert api.get("/api/me/").status_code == 401


def test_the_key_is_shown_once_and_stored_as_a_digest():
    user = _operator_agent()
    client = login(Client(), user)
    page = client.get("/espace/jetons/").content.decode()
    assert "aucun jeton" in page and "dépôt et suivi des imports FttH" in page
    response = client.post("/espace/jetons/", {"name": "Serveur IPE", "scopes": ["ftth:import"], "days": "90"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = re.search(r'value="(smi_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=user)
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.prefix == key[:10] and token.scopes == ["ftth:import"]
    assert (token.expires_at - timezone.now()).days in (89, 90)
    listing = client.get("/espace/jetons/").content.decode()
    assert "Serveur IPE" in listing and token.prefix in listing and key not in listing


def test_the_token_form_keeps_what_was_typed_and_explains():
    client = login(Client(), UserFactory())
    response = client.post("/espace/jetons/", {"name": "Mon script", "days": "90"})
    html = response.content.decode()
    assert response.status_code == 200 and 'class="error-summary"' in html
    assert "Choisissez au moins une portée" in html and 'value="Mon script"' in html
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_else_s_token():
    owner, other = UserFactory(), UserFactory()
    token, _ = api_token_create(user=owner, name="script", scopes=["read"])
    client = login(Client(), other)
    assert client.get(f"/espace/jetons/{token.pk}/revoquer/").status_code == 404
    assert client.post(f"/espace/jetons/{token.pk}/revoquer/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_place_agent_token_validates_tickets_only():
    place = OrganisationFactory(kind=Organisation.Kind.MEDIATION_PLACE)
    agent = MembershipFactory(organisation=place, role=Membership.Role.MEMBER).user
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(agent, scopes=["pass:tickets"]))
    # The scope opens the endpoint (its own checks answer: this agent has no such place).
    assert "portée" not in api.post("/api/pass/tickets/check/", {"code": "x", "place": 0}).json()["detail"]
    assert "portée" in api.get("/api/me/").json()["detail"]
    assert api.get("/api/fmin/applications/").status_code == 403

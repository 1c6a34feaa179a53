"""How tests sign people in: one place, so that the rules of a complete sign-in live in one helper."""

from allauth.account.internal.flows.login import record_authentication
from django.test import RequestFactory

from sman.mfa import MFA_METHOD, has_totp


def login(client, user):
    """Signs ``user`` in on a Django test client (or a DRF APIClient), as after allauth's complete
    sign-in: password, then the second factor for a user who has a TOTP device."""
    client.force_login(user)
    if has_totp(user):
        request = RequestFactory().get("/")
        request.session = client.session
        record_authentication(request, user, "password")
        record_authentication(request, user, MFA_METHOD, type="totp")
        request.session.save()
    return client


def token_header(user, scopes=("read",)) -> str:
    """An ``Authorization`` header value for a new API token of ``user`` with the given scopes.

    Scopes: ``read`` (read-only data), ``ftth:import`` (an operator's FttH imports), ``pass:tickets``
    (a place's ticket check and validation).
    """
    from sman.services import api_token_create

    _, key = api_token_create(user=user, name="Jeton de test", scopes=list(scopes))
    return f"Token {key}"

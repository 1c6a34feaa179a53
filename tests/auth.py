"""How tests sign people in: one place, so that the rules of a complete sign-in live in one helper."""

from rest_framework.authtoken.models import Token


def login(client, user):
    """Signs ``user`` in on a Django test client (or a DRF APIClient), as after a complete sign-in."""
    client.force_login(user)
    return client


def token_header(user, scopes=("read",)) -> str:
    """An ``Authorization`` header value for an API token of ``user`` with the given scopes.

    Scopes: ``read`` (read-only data), ``ftth:import`` (an operator's FttH imports), ``pass:tickets``
    (a place's ticket check and validation).
    """
    token, _ = Token.objects.get_or_create(user=user)
    return f"Token {token.key}"

"""API tokens for machine clients: what each scope opens, and the DRF authentication that enforces it.

A token reaches only what its scopes name, and never more than its user may do (the views' own
permission checks still apply). Deny by default: an endpoint no scope names is closed to tokens, so a new
endpoint is never opened to machine clients by accident.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS

from .mfa import has_totp
from .models import ApiToken, ApiTokenScope

KEY_PREFIX = "smi_"
# Writing the date of use at most this often: one UPDATE per token and per period, not per request.
LAST_USED_PRECISION = timedelta(minutes=5)


@dataclass(frozen=True)
class ScopeRule:
    url_names: tuple[str, ...] = ()  # URL names (or prefixes ending with "-") this scope opens
    safe_methods_everywhere: bool = False

    def allows(self, url_name: str, method: str) -> bool:
        if self.safe_methods_everywhere and method in SAFE_METHODS:
            return True
        return any(url_name == n or (n.endswith("-") and url_name.startswith(n)) for n in self.url_names)


SCOPE_RULES = {
    ApiTokenScope.READ: ScopeRule(safe_methods_everywhere=True),
    ApiTokenScope.FTTH_IMPORT: ScopeRule(url_names=("ftth-import-",)),
    ApiTokenScope.PASS_TICKETS: ScopeRule(url_names=("api_pass_check", "api_pass_redeem")),
}


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    # The key is 256 random bits: a plain SHA-256 cannot be reversed or brute-forced.
    return hashlib.sha256(key.encode()).hexdigest()


def scope_allows(scopes, url_name: str, method: str) -> bool:
    return any(SCOPE_RULES[ApiTokenScope(s)].allows(url_name, method) for s in scopes if s in SCOPE_RULES)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``: the token must be live, its user active, MFA enrolled where the
    user's role requires it, and its scopes must open the requested endpoint."""

    def authenticate_credentials(self, key):
        now = timezone.now()
        token = ApiToken.objects.select_related("user").filter(digest=digest(key)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Jeton invalide ou révoqué.")
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed("Jeton expiré : créez-en un nouveau dans « Mon espace ».")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("Compte désactivé.")
        if token.user.requires_mfa and not has_totp(token.user):
            raise exceptions.PermissionDenied(
                "Votre rôle exige la double authentification : activez-la avant d'utiliser un jeton."
            )
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            match = getattr(request._request, "resolver_match", None)
            url_name = match.url_name if match else ""
            if not scope_allows(result[1].scopes, url_name or "", request.method):
                raise exceptions.PermissionDenied("La portée de ce jeton ne permet pas cette opération.")
        return result

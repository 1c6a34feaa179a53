from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .mfa import has_totp, session_passed_mfa

# Pages a user who has not enrolled TOTP yet may still reach: MFA set-up itself, logout, e-mail
# management, health. A user who has enrolled reaches nothing on a session that skipped the factor.
ALLOWED_PREFIXES = ("/comptes/", "/static/", "/healthz", "/api/schema/")
ALWAYS_ALLOWED = ("/static/", "/healthz")


def _refuse(request, message: str, url: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=403)
    messages.warning(request, message)
    return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


class RequireMfaMiddleware:
    """Métropole staff and the holders of a role that requires MFA (``User.requires_mfa``: FMIN reviewers, COPIL
    members…) reach the portal only on a session that passed TOTP.

    Two cases: the user has no TOTP device yet (only the set-up pages are open), or has one but this
    session did not pass it (signed in some other way than allauth's two steps): the session ends.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or not user.requires_mfa
            or request.path.startswith(ALWAYS_ALLOWED)
            or session_passed_mfa(request, user)
        ):
            return self.get_response(request)
        if has_totp(user):
            logout(request)
            return _refuse(
                request,
                "Votre rôle exige la double authentification : reconnectez-vous avec votre code à usage unique.",
                reverse("account_login"),
            )
        if request.path.startswith(ALLOWED_PREFIXES):
            return self.get_response(request)
        return _refuse(
            request,
            "Votre rôle exige la double authentification : activez une application "
            "d'authentification (TOTP) pour continuer.",
            reverse("mfa_activate_totp"),
        )

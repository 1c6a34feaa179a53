from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

# Pages a user without MFA may still reach: MFA set-up itself, logout, e-mail management, health.
ALLOWED_PREFIXES = ("/comptes/", "/static/", "/healthz", "/api/schema/")


class RequireMfaMiddleware:
    """Métropole staff, reviewers and COPIL members must activate TOTP before using the portal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.requires_mfa
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                "Votre rôle exige la double authentification : activez une application "
                "d'authentification (TOTP) pour continuer.",
            )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.get_full_path()}")
        return self.get_response(request)

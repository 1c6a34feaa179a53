"""Second factor: which sessions have passed it.

allauth records each way a session authenticated (password, then TOTP or a recovery code). A user whose
role needs MFA is signed in by allauth only after the second step; any other way of creating a session
(Django's own login view, a bug, a forged cookie of a password-only login) lacks that record, and
``RequireMfaMiddleware`` refuses it.
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver

MFA_METHOD = "mfa"


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request, user) -> bool:
    return any(record.get("method") == MFA_METHOD for record in get_authentication_records(request, user))


@receiver(authenticator_added)
def _record_enrolment(sender, request, user, authenticator, **kwargs):
    """Activating TOTP means typing a valid code from the device: the session has passed the factor."""
    if authenticator.type == Authenticator.Type.TOTP and request is not None:
        record_authentication(request, user, MFA_METHOD, id=authenticator.pk, type=authenticator.type)

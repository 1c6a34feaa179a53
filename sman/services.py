"""Writes that span rows: join requests and their decisions, API tokens, platform-wide roles."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .emails import send_email_on_commit
from .models import ApiToken, Membership, MembershipRequest, Organisation, RoleAssignment, User
from .permissions import can_manage_organisation, forget_access, is_metropole_staff
from .roles import ROLES


def _deciders_emails(organisation: Organisation) -> list[str]:
    admins = list(
        organisation.memberships.filter(role=Membership.Role.ADMIN, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )
    if admins:
        return admins
    return list(User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True))


@transaction.atomic
def membership_request_create(
    *, user: User, organisation: Organisation, job_title: str = "", message: str = ""
) -> MembershipRequest:
    """An agent asks to join an organisation; its admins (or Métropole staff) are told by e-mail."""
    if not organisation.is_active:
        raise ValidationError("Cette organisation n'accepte plus de nouveaux membres.")
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError("Vous êtes déjà membre de cette organisation.")
    request = MembershipRequest(user=user, organisation=organisation, job_title=job_title, message=message)
    request.full_clean()
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a concurrent identical request won the race
        raise ValidationError("Une demande est déjà en attente pour cette organisation.") from exc
    send_email_on_commit(
        name="membership_request_received",
        context={
            "request": request,
            "url": reverse("organisation_detail", args=[organisation.slug]),
        },
        to=_deciders_emails(organisation),
    )
    return request


def _lock_pending(request: MembershipRequest, decided_by: User) -> MembershipRequest:
    locked = MembershipRequest.objects.select_for_update().select_related("organisation", "user").get(pk=request.pk)
    if not can_manage_organisation(decided_by, locked.organisation):
        raise PermissionDenied
    if locked.status != MembershipRequest.Status.PENDING:
        raise ValidationError(f"Cette demande a déjà été traitée ({locked.get_status_display()}).")
    return locked


@transaction.atomic
def membership_request_approve(
    *, request: MembershipRequest, decided_by: User, role: str = Membership.Role.MEMBER
) -> Membership:
    """Accept a pending request: the requester becomes a member. Safe against double clicks."""
    locked = _lock_pending(request, decided_by)
    membership, _ = Membership.objects.get_or_create(
        user=locked.user, organisation=locked.organisation, defaults={"role": role}
    )
    locked.status = MembershipRequest.Status.APPROVED
    locked.decided_by = decided_by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    send_email_on_commit(
        name="membership_request_approved",
        context={
            "request": locked,
            "url": reverse("organisation_detail", args=[locked.organisation.slug]),
        },
        to=[locked.user.email],
    )
    return membership


@transaction.atomic
def membership_request_reject(*, request: MembershipRequest, decided_by: User, note: str = "") -> MembershipRequest:
    locked = _lock_pending(request, decided_by)
    locked.status = MembershipRequest.Status.REJECTED
    locked.decided_by = decided_by
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    send_email_on_commit(name="membership_request_rejected", context={"request": locked}, to=[locked.user.email])
    return locked


@transaction.atomic
def membership_request_cancel(*, request: MembershipRequest, user: User) -> None:
    locked = MembershipRequest.objects.select_for_update().get(pk=request.pk)
    if locked.user_id != user.id:
        raise PermissionDenied
    if locked.status != MembershipRequest.Status.PENDING:
        raise ValidationError("Seule une demande en attente peut être retirée.")
    locked.delete()


API_TOKEN_LIFETIMES_DAYS = (30, 90, 180, 365)
MAX_ACTIVE_API_TOKENS = 20


@transaction.atomic
def api_token_create(*, user: User, name: str, scopes: list[str], days: int = 90) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the token and its key, which is never shown again."""
    from .mfa import has_totp
    from .selectors import api_token_scopes_for
    from .tokens import digest, new_key

    if user.requires_mfa and not has_totp(user):
        raise ValidationError("Votre rôle exige la double authentification : activez-la avant de créer un jeton.")
    if not scopes:
        raise ValidationError({"scopes": "Choisissez au moins une portée."})
    refused = set(scopes) - set(api_token_scopes_for(user))
    if refused:
        raise ValidationError({"scopes": f"Portée non autorisée pour votre compte : {', '.join(sorted(refused))}."})
    if days not in API_TOKEN_LIFETIMES_DAYS:
        raise ValidationError({"days": "Durée de validité non prévue."})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one creation at a time per user
    if ApiToken.objects.filter(user=user).active(timezone.now()).count() >= MAX_ACTIVE_API_TOKENS:
        raise ValidationError(f"Vous avez déjà {MAX_ACTIVE_API_TOKENS} jetons actifs : révoquez-en un d'abord.")
    key = new_key()
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=key[:10],
        digest=digest(key),
        scopes=sorted(set(scopes)),
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=days),
    )
    token.full_clean(exclude=["digest"])
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """The owner (or Métropole staff) revokes a token; it stops working at once."""
    if token.user_id != user.pk and not user.is_staff:
        raise PermissionDenied
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def _require_role_manager(by: User | None) -> None:
    # ``by=None``: the system (a management command, the demo data), never a request.
    if by is not None and not is_metropole_staff(by):
        raise PermissionDenied("Seule l'équipe de la Métropole accorde et retire les rôles.")


@transaction.atomic
def role_grant(*, user: User, role: str, by: User | None) -> RoleAssignment:
    """``by`` (Métropole staff) gives ``user`` a platform-wide role declared in sman/roles.py; the history keeps
    who and when. Granting a role already held changes nothing and returns the existing row."""
    _require_role_manager(by)
    if role not in ROLES:
        raise ValidationError({"role": f"Rôle inconnu : « {role} »."})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one change of this user's roles at a time
    assignment = RoleAssignment.objects.filter(user=user, role=role).first()
    if assignment is None:
        assignment = RoleAssignment(user=user, role=role, granted_by=by, granted_at=timezone.now())
        assignment.full_clean()
        assignment._history_user = by
        assignment.save()
    forget_access(user)
    return assignment


@transaction.atomic
def role_revoke(*, user: User, role: str, by: User | None) -> bool:
    """``by`` (Métropole staff) takes a role back from ``user``: the row goes, its history keeps who and when.
    Returns whether the user held it. A role no app declares any more can still be revoked."""
    _require_role_manager(by)
    User.objects.select_for_update().filter(pk=user.pk).first()
    assignment = RoleAssignment.objects.filter(user=user, role=role).first()
    if assignment is not None:
        assignment._history_user = by
        assignment.delete()
    forget_access(user)
    return assignment is not None

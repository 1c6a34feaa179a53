"""Demo accounts, one per role, for local use (`make run`). Refused in production."""

import time
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import transaction

from .models import Membership, Organisation, Territory, User
from .modules import loaders
from .services import role_grant

DEMO_PASSWORD = "demo-metropole-2026"  # noqa: S105 — local demo accounts only, refused in production
# A fixed TOTP secret so that demo staff, reviewers and COPIL members can sign in (RFC 6238, base32).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DOMAIN = "demo.metropole-intelligences.example"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    label: str
    organisation: str | None = None  # slug
    org_role: str = Membership.Role.MEMBER
    flags: tuple[str, ...] = ()  # User fields set to True
    roles: tuple[str, ...] = ()  # platform-wide roles (sman/roles.py)


DEMO_ORGANISATIONS = [
    # (slug, kind, name, territory code)
    ("demo-numerique-sas", Organisation.Kind.DIGITAL_ACTOR, "Démo Numérique SAS", "93048"),
    (
        "demo-espace-numerique-montreuil",
        Organisation.Kind.MEDIATION_PLACE,
        "Espace numérique de démonstration",
        "93048",
    ),
    ("demo-ccas-montreuil", Organisation.Kind.FUNDER, "CCAS de démonstration (Montreuil)", "93048"),
]

MONTREUIL = "93048-montreuil"
EST_ENSEMBLE = "t8-est-ensemble"
METROPOLE = "mgp-metropole-du-grand-paris"

ACCOUNTS = [
    DemoAccount("citizen", f"citoyen@{DOMAIN}", "Citoyen·ne"),
    DemoAccount("commune_agent", f"agent.commune@{DOMAIN}", "Agent de la commune de Montreuil", MONTREUIL),
    DemoAccount("ept_agent", f"agent.ept@{DOMAIN}", "Agent de l'EPT Est Ensemble (T8)", EST_ENSEMBLE),
    DemoAccount(
        "org_admin",
        f"admin.orga@{DOMAIN}",
        "Administrateur de la commune de Montreuil",
        MONTREUIL,
        Membership.Role.ADMIN,
    ),
    DemoAccount(
        "digital_actor",
        f"acteur@{DOMAIN}",
        "Acteur du numérique (Démo Numérique SAS)",
        "demo-numerique-sas",
    ),
    DemoAccount(
        "mediation_agent",
        f"mediation@{DOMAIN}",
        "Agent d'un lieu de médiation",
        "demo-espace-numerique-montreuil",
    ),
    DemoAccount("funder", f"financeur@{DOMAIN}", "Financeur du Pass Numérique (CCAS)", "demo-ccas-montreuil"),
    DemoAccount("reviewer", f"evaluateur@{DOMAIN}", "Évaluateur FMIN (MFA)", roles=("fmin.reviewer",)),
    DemoAccount("copil", f"copil@{DOMAIN}", "Membre du COPIL (MFA)", roles=("actions.copil_member",)),
    DemoAccount(
        "staff",
        f"equipe@{DOMAIN}",
        "Équipe de la Métropole (MFA, administration)",
        METROPOLE,
        Membership.Role.ADMIN,
        ("is_staff", "is_superuser"),
    ),
]


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    for slug, kind, name, code in DEMO_ORGANISATIONS:
        Organisation.objects.get_or_create(
            slug=slug,
            defaults={"kind": kind, "name": name, "territory": Territory.objects.get(code=code)},
        )
    for account in ACCOUNTS:
        user, created = User.objects.get_or_create(email=account.email)
        if created:
            user.set_password(DEMO_PASSWORD)
            for flag in account.flags:
                setattr(user, flag, True)
            user.save()
            for role in account.roles:
                role_grant(user=user, role=role, by=None)
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        if account.organisation:
            Membership.objects.get_or_create(
                user=user,
                organisation=Organisation.objects.get(slug=account.organisation),
                defaults={"role": account.org_role},
            )
        if user.requires_mfa and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
    users = {a.role: User.objects.get(email=a.email) for a in ACCOUNTS}
    # Each module declares its demo data (ModuleConfig.demo_loader): f(users_by_role), run last.
    for loader in loaders("demo"):
        loader(users)
    return ACCOUNTS


def current_demo_code() -> str:
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))

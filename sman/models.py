"""Shared models: people, territories, organisations, memberships, the SMAN défis and generic jobs."""

import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .jobs import AbstractJob
from .roles import KEY_MAX_LENGTH, role_choices

siren_validator = RegexValidator(r"^\d{9}$", "Le SIREN compte exactement 9 chiffres.")
siret_validator = RegexValidator(r"^\d{14}$", "Le SIRET compte exactement 14 chiffres.")
insee_validator = RegexValidator(r"^(\d{5}|2[AB]\d{3})$", "Le code INSEE compte 5 caractères.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an e-mail address.

    Citizens are users without any membership. Métropole staff have ``is_staff``; reviewers (FMIN
    jury), COPIL members and the other platform-wide roles are ``RoleAssignment`` rows (sman/roles.py).
    Staff and the holders of a role that requires it need TOTP MFA (``sman.middleware.RequireMfaMiddleware``).
    """

    username = None
    email = models.EmailField("adresse électronique", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ("email",)

    def __str__(self):
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email

    @property
    def requires_mfa(self) -> bool:
        """Staff, and anyone holding a role that requires MFA (sman/roles.py), e.g. FMIN reviewers and COPIL members."""
        from .permissions import roles_of
        from .roles import role_requires_mfa

        return self.is_staff or any(role_requires_mfa(key) for key in roles_of(self))


# How many levels lie below a territory of each kind: Métropole → EPT → commune → delegated commune.
_DEPTH_BELOW = {"metropole": 3, "ept": 2, "commune": 1, "delegated_commune": 0}

# T1, T2 … T12 rather than T1, T10, T11, T2: the shorter code first (communes' INSEE codes all have 5 characters).
NATURAL_ORDERING = ("kind", Length("code").asc(), "code")


class TerritoryQuerySet(models.QuerySet):
    def within(self, territory):
        """``territory`` itself and everything below it, in one query (joins on ``parent``, no walk).

        ``territory`` may also be a queryset or a list of territories (or their ids): what lies within any of them.
        """
        return self.filter(self.within_q(territory, field=None))

    def within_q(self, territory, field="territory") -> Q:
        """A Q for ``Model.objects.filter(...)``: rows whose ``field`` (a foreign key or many-to-many to
        Territory, with its path: ``"place__organisation__territory"``) is ``territory`` or lies within it.
        ``field=None`` filters territories themselves. For the Métropole: every row that has a territory.

        On territories, only the levels a territory of that kind can have are joined (a commune: itself
        and its delegated communes). On another model, ``field IN (SELECT id …)``: the planner reads the
        few territory ids first, then the rows through the index on ``field``, rather than joining every row
        to its territory to test an OR.
        """
        if isinstance(territory, Territory):
            depth, lookup = _DEPTH_BELOW[territory.kind], ""
            if depth == 3:
                return Q() if field is None else Q(**{f"{field}__isnull": False})
        else:  # several roots, of any kind: every level
            depth, lookup = 3, "__in"
        if field is not None:
            return Q(**{f"{field}__in": Territory.objects.within(territory).values("pk")})
        q = Q(pk__in=territory) if lookup else Q(pk=territory.pk)
        for level in range(1, depth + 1):
            q |= Q(**{"__".join(["parent"] * level) + lookup: territory})
        return q

    def ancestors_of(self, territory):
        """``territory`` itself and the territories above it (its commune, EPT, the Métropole), in one query."""
        q = Q(pk=territory.pk)
        for level in range(1, 4):
            q |= Q(**{"__".join(["children"] * level): territory})
        return self.filter(q).distinct()

    def natural_order(self, *, by_name=False):
        """By kind, the EPTs T1, T2 … T12 (not T1, T10, T11, T2), the communes by INSEE code or, for the
        choice lists people read (``by_name``), by name."""
        if not by_name:
            return self.order_by(*NATURAL_ORDERING)
        ept = Q(kind=Territory.Kind.EPT)
        return self.order_by(
            "kind",
            Case(When(ept, then=Length("code")), default=Value(0)),
            Case(When(ept, then=F("code")), default=F("name")),
        )

    def communes(self):
        return self.filter(kind=Territory.Kind.COMMUNE)

    def epts(self):
        return self.filter(kind=Territory.Kind.EPT)

    def with_parent(self):
        return self.select_related("parent")

    def without_geometry(self):
        return self.defer("geometry")


class Territory(models.Model):
    """The Métropole, its 12 territories (T1 Paris, T2–T12 EPTs), communes and delegated communes.

    Geometry is WGS-84 (SRID 4326); compute in Lambert-93 (SRID 2154) where metres matter.
    """

    class Kind(models.TextChoices):
        METROPOLE = "metropole", "métropole"
        EPT = "ept", "territoire"
        COMMUNE = "commune", "commune"
        DELEGATED_COMMUNE = "delegated_commune", "commune déléguée"

    kind = models.CharField("type", max_length=20, choices=Kind.choices, db_index=True)
    code = models.CharField(
        "code",
        max_length=12,
        unique=True,
        help_text="Code INSEE d'une commune, T1…T12 pour un territoire, MGP.",
    )
    name = models.CharField("nom", max_length=200)
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[siren_validator])
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="rattachement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    geometry = models.MultiPolygonField("contour", srid=4326, null=True, blank=True)
    geometry_source = models.CharField("source du contour", max_length=200, blank=True)
    outline_note = models.TextField(
        "remarque sur le contour",
        blank=True,
        help_text="Affichée sous la carte (ex. contour antérieur à une fusion).",
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = "territoire"
        verbose_name_plural = "territoires"
        ordering = NATURAL_ORDERING
        indexes = [models.Index(fields=["parent", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="metropole", parent__isnull=True) | ~Q(kind="metropole") & Q(parent__isnull=False),
                name="territory_parent_by_kind",
                violation_error_message="Seule la Métropole n'a pas de rattachement.",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.EPT:
            return f"{self.code} {self.name}"
        return self.name

    @property
    def is_metropole(self) -> bool:
        return self.kind == self.Kind.METROPOLE

    @property
    def is_commune(self):
        return self.kind == self.Kind.COMMUNE

    def get_absolute_url(self):
        if self.kind == self.Kind.EPT:
            return reverse("territory_detail", args=[self.code])
        if self.kind == self.Kind.COMMUNE:
            return reverse("commune_detail", args=[self.code])
        if self.kind == self.Kind.DELEGATED_COMMUNE:
            return reverse("commune_detail", args=[self.parent.code])
        return reverse("territory_list")


class Organisation(models.Model):
    """A body people act for: a collectivity, a digital actor, a mediation place, a funder…"""

    class Kind(models.TextChoices):
        COLLECTIVITY = "collectivity", "collectivité"
        DIGITAL_ACTOR = "digital_actor", "acteur du numérique"
        MEDIATION_PLACE = "mediation_place", "lieu de médiation numérique"
        FUNDER = "funder", "financeur"
        NETWORK_OPERATOR = "network_operator", "opérateur de réseau"
        METROPOLE = "metropole", "Métropole du Grand Paris"

    kind = models.CharField("type", max_length=20, choices=Kind.choices, db_index=True)
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", max_length=120, unique=True)
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[siren_validator])
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[siret_validator])
    address = models.CharField("adresse", max_length=300, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=120, blank=True)
    territory = models.ForeignKey(
        Territory,
        verbose_name="territoire",
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text="Pour une collectivité : la commune, le territoire ou la Métropole qu'elle administre.",
    )
    email = models.EmailField("adresse électronique de contact", blank=True)
    website = models.URLField("site web", blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["territory"],
                condition=Q(kind="collectivity"),
                name="one_collectivity_per_territory",
                violation_error_message="Ce territoire a déjà sa collectivité.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("organisation_detail", args=[self.slug])


class Membership(models.Model):
    """A user acting for an organisation, as plain member or as its administrator."""

    class Role(models.TextChoices):
        MEMBER = "member", "membre"
        ADMIN = "admin", "administrateur"

    user = models.ForeignKey(User, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField("rôle", max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "appartenance"
        verbose_name_plural = "appartenances"
        ordering = ("organisation__name", "user__email")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="one_membership_per_user_and_organisation",
                violation_error_message="Cette personne est déjà membre de cette organisation.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class RoleAssignment(models.Model):
    """A platform-wide role held by a user (FMIN reviewer, COPIL member…), declared by its app in sman/roles.py.

    Written only by ``sman.services.role_grant`` / ``role_revoke``; the history keeps who granted or revoked a
    role and when (a revocation deletes the row and leaves its history).
    """

    user = models.ForeignKey(
        User, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("rôle", max_length=KEY_MAX_LENGTH, choices=role_choices)
    granted_by = models.ForeignKey(
        User, verbose_name="accordé par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField("accordé le", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "rôle attribué"
        verbose_name_plural = "rôles attribués"
        ordering = ("role", "user__email")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                name="one_assignment_per_user_and_role",
                violation_error_message="Cette personne a déjà ce rôle.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"


class MembershipRequest(models.Model):
    """A user's request to join an organisation, decided by its admins or by Métropole staff."""

    class Status(models.TextChoices):
        PENDING = "pending", "en attente"
        APPROVED = "approved", "acceptée"
        REJECTED = "rejected", "refusée"

    user = models.ForeignKey(
        User, verbose_name="demandeur", on_delete=models.CASCADE, related_name="membership_requests"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="membership_requests",
    )
    job_title = models.CharField("fonction", max_length=200, blank=True)
    message = models.TextField("message", blank=True, max_length=2000)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name="décidée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.TextField("motif", blank=True, max_length=2000)

    class Meta:
        verbose_name = "demande d'adhésion"
        verbose_name_plural = "demandes d'adhésion"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(status="pending"),
                name="one_pending_request_per_user_and_organisation",
                violation_error_message="Une demande est déjà en attente pour cette organisation.",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.organisation} ({self.get_status_display()})"


class Challenge(models.Model):
    """One of the six défis of the SMAN (§3)."""

    number = models.PositiveSmallIntegerField("numéro", unique=True)
    title = models.CharField("intitulé", max_length=200)
    short_title = models.CharField("intitulé court", max_length=100)
    ambition = models.TextField("ambition")

    class Meta:
        verbose_name = "défi"
        verbose_name_plural = "défis"
        ordering = ("number",)

    def __str__(self):
        return f"Défi {self.number} – {self.title}"


class ApiTokenScope(models.TextChoices):
    """What a machine client may do with a token (sman/tokens.py maps each scope to its endpoints)."""

    READ = "read", "lecture seule des données de l'API"
    FTTH_IMPORT = "ftth:import", "dépôt et suivi des imports FttH de son opérateur"
    PASS_TICKETS = "pass:tickets", "vérification et validation des tickets Pass Numérique de son lieu"


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A machine client's key: scoped, expiring, revocable. Only a digest of the key is stored; the key
    itself is shown once, when the token is created."""

    user = models.ForeignKey("sman.User", verbose_name="titulaire", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("nom", max_length=100, help_text="Par exemple : « serveur d'envoi des IPE ».")
    prefix = models.CharField("début de la clé", max_length=12, help_text="Pour reconnaître la clé, jamais secrète.")
    digest = models.CharField("empreinte SHA-256 de la clé", max_length=64, unique=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=20, choices=ApiTokenScope.choices), verbose_name="portée")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_later"),
            models.CheckConstraint(condition=~Q(scopes=[]), name="api_token_has_a_scope"),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def scope_labels(self) -> list[str]:
        return [ApiTokenScope(s).label for s in self.scopes]


class Job(AbstractJob):
    """A long job of a task that has no record of its own (FMIN PDFs, Pass Numérique statements): its state,
    heartbeat, recovery and retry (sman/jobs.py), and what its task returned."""

    result = models.JSONField("résultat", null=True, blank=True)

    class Meta:
        verbose_name = "traitement"
        verbose_name_plural = "traitements"
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["state"], condition=Q(state__in=["pending", "running"]), name="job_open")]

    def __str__(self):
        return f"{self.task_name} ({self.get_state_display()})"


def new_notification_token() -> str:
    return secrets.token_urlsafe(32)


class NotificationFrequency(models.TextChoices):
    IMMEDIATE = "immediate", "Au fil de l'eau (un courriel dans les minutes qui suivent)"
    DAILY = "daily", "Un résumé par jour"
    WEEKLY = "weekly", "Un résumé par semaine"
    NEVER = "never", "Jamais par courriel (sur le portail seulement)"


class NotificationPreference(models.Model):
    """How often a person receives the one digest of the portal, and the token of its one-click unsubscribe."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notification_preference")
    frequency = models.CharField(
        "fréquence des courriels", max_length=10, choices=NotificationFrequency, default=NotificationFrequency.DAILY
    )
    token = models.CharField(max_length=64, unique=True, default=new_notification_token, editable=False)
    last_digest_at = models.DateTimeField("dernier résumé envoyé", null=True, blank=True)

    class Meta:
        verbose_name = "préférence de notification"
        verbose_name_plural = "préférences de notification"

    def __str__(self):
        return f"{self.user} : {self.get_frequency_display()}"


class Notification(models.Model):
    """Something a module wants a person to know (a matching need, a reply, a new resource of a saved search).

    Stored first, e-mailed later in the person's digest (sman/notifications.py); a non-empty ``key`` is unique
    per person, so the same event never notifies twice.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    module = models.CharField("module", max_length=40)
    subject = models.CharField("objet", max_length=200)
    body = models.TextField("texte", blank=True)
    url = models.CharField("lien", max_length=500, blank=True)
    key = models.CharField("clé de dédoublonnage", max_length=200, blank=True)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    emailed_at = models.DateTimeField("envoyée par courriel le", null=True, blank=True)
    read_at = models.DateTimeField("lue le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notification_once_per_key")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["user"], condition=Q(emailed_at__isnull=True), name="notification_pending"),
        ]

    def __str__(self):
        return f"{self.user} — {self.subject}"

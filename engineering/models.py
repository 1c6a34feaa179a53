"""Support to collectivities: the pôle d'ingénierie (action #11), « Start-up de métropole » (action #12), the
directory of digital fabrication and cultural places (actions #4 and #15) and the exchange of vacant spaces
(action #16). Every write goes through ``services.py``."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.urls import reverse

from sman.models import Organisation, Territory
from sman.validators import DocumentValidator


class Kind(models.TextChoices):
    """The three kinds of support of the pôle (SMAN §4.2.2.3: « d'ordre technique, juridique ou financier »)."""

    TECHNICAL = "technical", "technique"
    LEGAL = "legal", "juridique"
    FINANCIAL = "financial", "financier"


class Stage(models.TextChoices):
    """SMAN §4.2.2.3: the pôle helps « dans les phases amont (définition des besoins) » and « aval (exécution) »."""

    UPSTREAM = "upstream", "amont (définir le besoin)"
    DOWNSTREAM = "downstream", "aval (mener le projet)"


# --- Pôle d'ingénierie --------------------------------------------------------------------------------------
class ServiceOffer(models.Model):
    """One service of the pôle's catalogue: what it does, for whom, and in how many days it usually answers."""

    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("ce que fait le pôle")
    audience = models.CharField("pour qui", max_length=300, help_text="Par exemple : « communes et EPT ».")
    kind = models.CharField("nature", max_length=12, choices=Kind.choices)
    typical_delay_days = models.PositiveSmallIntegerField(
        "délai habituel (jours)", validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    is_active = models.BooleanField("proposé", default=True)
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "service du pôle d'ingénierie"
        verbose_name_plural = "services du pôle d'ingénierie"
        ordering = ("order", "title")
        constraints = [
            models.CheckConstraint(condition=Q(typical_delay_days__gte=1), name="service_delay_at_least_one_day")
        ]

    def __str__(self):
        return self.title


class EngineeringRequestQuerySet(models.QuerySet):
    def with_related(self):
        return self.select_related("organisation__territory", "service", "expert", "created_by")

    def of_organisations(self, organisation_ids):
        return self.filter(organisation_id__in=organisation_ids)

    def open(self):
        return self.exclude(status=EngineeringRequest.Status.CLOSED)


class EngineeringRequest(models.Model):
    """A collectivity's request for support (GLOSSARY: « Pôle d'ingénierie » → ``EngineeringRequest``).

    What it concerns: an FMIN application, or a free description; ``subject_app``/``subject_id`` name a record of
    another module (an Explorateurs project, a marketplace need, a Bâtisseurs group) without a foreign key to it.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "reçue"
        QUALIFIED = "qualified", "qualifiée"
        IN_PROGRESS = "in_progress", "en cours"
        DELIVERED = "delivered", "livrée"
        CLOSED = "closed", "close"

    # The one path a request follows (services.request_* move it one step, under a row lock).
    NEXT = {
        Status.RECEIVED: Status.QUALIFIED,
        Status.QUALIFIED: Status.IN_PROGRESS,
        Status.IN_PROGRESS: Status.DELIVERED,
        Status.DELIVERED: Status.CLOSED,
    }

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="collectivité",
        on_delete=models.PROTECT,
        related_name="engineering_requests",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVITY},
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposée par", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("objet", max_length=200)
    description = models.TextField("description du besoin", max_length=5000)
    kind = models.CharField("nature de l'appui", max_length=12, choices=Kind.choices)
    stage = models.CharField("étape du projet", max_length=12, choices=Stage.choices)
    fmin_application = models.ForeignKey(
        "fmin.Application",
        verbose_name="candidature FMIN concernée",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject_app = models.CharField("module du projet concerné", max_length=30, blank=True)
    subject_id = models.PositiveBigIntegerField("identifiant du projet concerné", null=True, blank=True)
    service = models.ForeignKey(
        ServiceOffer, verbose_name="service", null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="expert",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engineering_assignments",
    )
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.RECEIVED)
    created_at = models.DateTimeField("reçue le", auto_now_add=True)
    qualified_at = models.DateTimeField("qualifiée le", null=True, blank=True)
    promised_days = models.PositiveSmallIntegerField("délai promis (jours)", null=True, blank=True)
    due_on = models.DateField("échéance", null=True, blank=True)
    first_answer_at = models.DateTimeField("première réponse le", null=True, blank=True)
    started_at = models.DateTimeField("prise en charge le", null=True, blank=True)
    delivered_at = models.DateTimeField("livrée le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    reminded_on = models.DateField("relance envoyée le", null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        "satisfaction (1 à 5)", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    satisfaction_comment = models.TextField("commentaire", blank=True, max_length=2000)

    objects = EngineeringRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'accompagnement"
        verbose_name_plural = "demandes d'accompagnement"
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["status", "due_on"], name="engineering_request_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="engineering_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status="received") | Q(expert__isnull=False, due_on__isnull=False),
                name="engineering_qualified_has_expert_and_due_date",
            ),
            models.CheckConstraint(
                condition=Q(subject_id__isnull=True) | ~Q(subject_app=""), name="engineering_subject_names_its_app"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.organisation})"

    def get_absolute_url(self):
        return reverse("engineering:request_detail", args=[self.pk])

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED


def _request_folder(instance, filename):
    return f"engineering/requests/{instance.request_id}/{filename}"


class RequestDocument(models.Model):
    """A document of a request: from the collectivity, or a deliverable of the pôle. Private to both."""

    request = models.ForeignKey(
        EngineeringRequest, verbose_name="demande", on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField("fichier", upload_to=_request_folder, validators=[DocumentValidator()])
    name = models.CharField("nom", max_length=200)
    is_deliverable = models.BooleanField("livrable du pôle", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "document d'une demande"
        verbose_name_plural = "documents des demandes"
        ordering = ("uploaded_at",)

    def __str__(self):
        return self.name


class RequestMessage(models.Model):
    """A private message between the collectivity and the pôle about a request."""

    request = models.ForeignKey(
        EngineeringRequest, verbose_name="demande", on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="auteur", on_delete=models.PROTECT)
    from_pole = models.BooleanField("du pôle", default=False)
    body = models.TextField("message", max_length=5000)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "message d'une demande"
        verbose_name_plural = "messages des demandes"
        ordering = ("created_at",)

    def __str__(self):
        return f"{self.author} — {self.created_at:%d/%m/%Y %H:%M}"


# --- Places of actions #4 and #15 ----------------------------------------------------------------------------
class PlaceKind(models.TextChoices):
    FABLAB = "fablab", "fablab"
    MAKERSPACE = "makerspace", "atelier de fabrication numérique"
    MICRO_FOLIE = "micro_folie", "Micro-Folie"
    CULTURAL = "cultural", "espace culturel numérique"


# The roadmap action each kind of place belongs to: #4 digital fabrication, #15 digital culture.
ACTION_OF_KIND = {
    PlaceKind.FABLAB: 4,
    PlaceKind.MAKERSPACE: 4,
    PlaceKind.MICRO_FOLIE: 15,
    PlaceKind.CULTURAL: 15,
}


class PlaceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def with_related(self):
        return self.select_related("territory__parent", "organisation")


class Place(models.Model):
    """A digital fabrication space (action #4) or a digital cultural space (action #15). ``territory`` is the
    commune that contains ``location``, computed by PostGIS when the place is saved (services.place_save)."""

    kind = models.CharField("type de lieu", max_length=12, choices=PlaceKind.choices)
    name = models.CharField("nom", max_length=200)
    address = models.CharField("adresse", max_length=300)
    location = models.PointField("position", srid=4326)
    territory = models.ForeignKey(
        Territory, verbose_name="commune", on_delete=models.PROTECT, related_name="+", editable=False
    )
    services = models.TextField("services proposés", blank=True, max_length=3000)
    opening_hours = models.TextField("horaires d'ouverture", blank=True, max_length=1000)
    accessibility = models.CharField("accessibilité", max_length=300, blank=True)
    website = models.URLField("site web", blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation gestionnaire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engineering_places",
        help_text="Ses membres mettent à jour la fiche du lieu.",
    )
    is_published = models.BooleanField("publié", default=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu numérique"
        verbose_name_plural = "lieux numériques"
        ordering = ("name",)

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("engineering:place_detail", args=[self.pk])

    @property
    def action_number(self) -> int:
        return ACTION_OF_KIND[self.kind]


# --- Start-up de métropole (action #12) ------------------------------------------------------------------
class SponsorshipBudget(models.Model):
    """The Métropole's envelope for sponsoring collectivities' problems (action #12 sheet: a 20 000 € entry ticket
    per collectivity for the three-month pre-incubation). Selections never exceed it (services.problem_select)."""

    year = models.PositiveSmallIntegerField("année", unique=True)
    label = models.CharField("intitulé", max_length=200)
    amount_cents = models.PositiveBigIntegerField("montant (centimes)")

    class Meta:
        verbose_name = "budget de parrainage"
        verbose_name_plural = "budgets de parrainage"
        ordering = ("-year",)

    def __str__(self):
        return self.label


class Problem(models.Model):
    """A collectivity's irritant submitted to the call for problems of « Start-up de métropole »."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "déposé"
        SELECTED = "selected", "retenu"
        REJECTED = "rejected", "non retenu"

    organisation = models.ForeignKey(
        Organisation,
        verbose_name="collectivité",
        on_delete=models.PROTECT,
        related_name="startup_problems",
        limit_choices_to={"kind": Organisation.Kind.COLLECTIVITY},
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("intitulé", max_length=200)
    problem = models.TextField("le problème (irritant)", max_length=5000)
    users = models.TextField("qui en souffre", max_length=2000)
    evidence = models.TextField("ce qui le montre (chiffres, témoignages)", max_length=3000)
    intrapreneur_name = models.CharField("agent intrapreneur", max_length=200)
    intrapreneur_job = models.CharField("sa fonction", max_length=200)
    manager_name = models.CharField("son ou sa responsable hiérarchique", max_length=200)
    manager_agreement = models.BooleanField("accord du ou de la responsable", default=False)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    budget = models.ForeignKey(
        SponsorshipBudget,
        verbose_name="budget",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    sponsorship_cents = models.PositiveBigIntegerField("parrainage de la Métropole (centimes)", default=0)
    decision_reason = models.TextField("motif de la décision", blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="décidé par", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    created_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "problème (appel à problèmes)"
        verbose_name_plural = "problèmes (appel à problèmes)"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(condition=Q(manager_agreement=True), name="startup_problem_manager_agreed"),
            models.CheckConstraint(
                condition=~Q(status="selected") | Q(budget__isnull=False),
                name="startup_selected_problem_has_budget",
            ),
        ]

    def __str__(self):
        return self.title


class Product(models.Model):
    """A start-up of the Métropole built from a selected problem, followed phase by phase."""

    class Phase(models.TextChoices):
        INVESTIGATION = "investigation", "investigation"
        CONSTRUCTION = "construction", "construction"
        ACCELERATION = "acceleration", "accélération"
        TRANSFER = "transfer", "transfert"
        STOPPED = "stopped", "arrêt"

    # After a « continue » decision at the end of a phase.
    NEXT_PHASE = {
        Phase.INVESTIGATION: Phase.CONSTRUCTION,
        Phase.CONSTRUCTION: Phase.ACCELERATION,
        Phase.ACCELERATION: Phase.TRANSFER,
    }

    problem = models.OneToOneField(Problem, verbose_name="problème", on_delete=models.PROTECT, related_name="product")
    name = models.CharField("nom du produit", max_length=120)
    pitch = models.TextField("en une phrase", max_length=500)
    team = models.TextField("équipe", max_length=2000, help_text="Intrapreneur, coach, développeurs…")
    phase = models.CharField("phase", max_length=14, choices=Phase.choices, default=Phase.INVESTIGATION)
    phase_started_on = models.DateField("phase commencée le")
    website = models.URLField("site du service", blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "produit (Start-up de métropole)"
        verbose_name_plural = "produits (Start-up de métropole)"
        ordering = ("name",)

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("engineering:product_detail", args=[self.pk])

    @property
    def is_over(self):
        return self.phase in (self.Phase.TRANSFER, self.Phase.STOPPED)


class ImpactIndicator(models.Model):
    """An impact indicator a product declares (« rendez-vous non honorés », « délai de traitement »…)."""

    product = models.ForeignKey(Product, verbose_name="produit", on_delete=models.CASCADE, related_name="impacts")
    name = models.CharField("indicateur", max_length=200)
    unit = models.CharField("unité", max_length=40)
    baseline = models.DecimalField("valeur de départ", max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField("cible", max_digits=14, decimal_places=2, null=True, blank=True)
    current = models.DecimalField("valeur actuelle", max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "indicateur d'impact"
        verbose_name_plural = "indicateurs d'impact"
        ordering = ("product", "name")

    def __str__(self):
        return self.name


class PhaseDecision(models.Model):
    """The decision at the end of a product's phase: continue, pivot or stop, with its reasons."""

    class Decision(models.TextChoices):
        CONTINUE = "continue", "continuer"
        PIVOT = "pivot", "pivoter"
        STOP = "stop", "arrêter"

    product = models.ForeignKey(Product, verbose_name="produit", on_delete=models.CASCADE, related_name="decisions")
    phase = models.CharField("phase terminée", max_length=14, choices=Product.Phase.choices)
    decision = models.CharField("décision", max_length=10, choices=Decision.choices)
    reasons = models.TextField("motifs", max_length=3000)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="décidé par", on_delete=models.PROTECT)
    decided_at = models.DateTimeField("décidé le", auto_now_add=True)

    class Meta:
        verbose_name = "décision de fin de phase"
        verbose_name_plural = "décisions de fin de phase"
        ordering = ("product", "decided_at")

    def __str__(self):
        return f"{self.product} — {self.get_phase_display()} : {self.get_decision_display()}"


# --- Exchange of vacant spaces (action #16) ----------------------------------------------------------------
class ExchangeMember(models.Model):
    """An organisation the team admitted to the exchange: a social landlord (offers spaces) or a social and
    solidarity economy organisation (applies). Collectivities offer spaces without being admitted."""

    class Kind(models.TextChoices):
        SOCIAL_LANDLORD = "social_landlord", "bailleur social"
        ESS = "ess", "structure de l'économie sociale et solidaire"

    organisation = models.OneToOneField(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="exchange_member"
    )
    kind = models.CharField("qualité", max_length=16, choices=Kind.choices)
    admitted_at = models.DateTimeField("admise le", auto_now_add=True)

    class Meta:
        verbose_name = "membre de la bourse aux espaces"
        verbose_name_plural = "membres de la bourse aux espaces"
        ordering = ("organisation__name",)

    def __str__(self):
        return f"{self.organisation} ({self.get_kind_display()})"


class SpaceOffer(models.Model):
    """A vacant space an owner offers to social and solidarity economy organisations."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "à modérer"
        PUBLISHED = "published", "publiée"
        REJECTED = "rejected", "refusée"
        MATCHED = "matched", "attribuée"
        OCCUPIED = "occupied", "occupée"

    owner = models.ForeignKey(
        Organisation, verbose_name="propriétaire", on_delete=models.PROTECT, related_name="space_offers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="proposée par", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("description", max_length=3000)
    surface_m2 = models.PositiveIntegerField("surface (m²)", validators=[MinValueValidator(1)])
    address = models.CharField("adresse", max_length=300)
    location = models.PointField("position", srid=4326)
    territory = models.ForeignKey(
        Territory, verbose_name="commune", on_delete=models.PROTECT, related_name="+", editable=False
    )
    conditions = models.TextField("conditions (loyer, charges, usage)", max_length=2000)
    available_from = models.DateField("disponible à partir du")
    available_until = models.DateField("disponible jusqu'au", null=True, blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="modérée par", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    moderated_at = models.DateTimeField("modérée le", null=True, blank=True)
    created_at = models.DateTimeField("proposée le", auto_now_add=True)

    class Meta:
        verbose_name = "espace vacant"
        verbose_name_plural = "espaces vacants"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(available_until__isnull=True) | Q(available_until__gte=models.F("available_from")),
                name="space_offer_dates_in_order",
                violation_error_message="La fin de disponibilité doit suivre son début.",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("engineering:space_detail", args=[self.pk])


class SpaceApplication(models.Model):
    """A social and solidarity economy organisation's application for a vacant space."""

    class Status(models.TextChoices):
        PENDING = "pending", "en attente"
        ACCEPTED = "accepted", "retenue"
        DECLINED = "declined", "non retenue"

    offer = models.ForeignKey(SpaceOffer, verbose_name="espace", on_delete=models.CASCADE, related_name="applications")
    organisation = models.ForeignKey(
        Organisation, verbose_name="structure", on_delete=models.PROTECT, related_name="space_applications"
    )
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="déposée par", on_delete=models.PROTECT)
    project = models.TextField("projet d'occupation", max_length=3000)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("déposée le", auto_now_add=True)

    class Meta:
        verbose_name = "candidature à un espace"
        verbose_name_plural = "candidatures aux espaces"
        ordering = ("created_at",)
        constraints = [
            models.UniqueConstraint(fields=["offer", "organisation"], name="one_application_per_space_and_org"),
            models.UniqueConstraint(
                fields=["offer"], condition=Q(status="accepted"), name="one_accepted_application_per_space"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} → {self.offer}"

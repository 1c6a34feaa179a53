"""Explorateurs du numérique — the training-action programme of the Métropole's agents (SMAN §4.2.2.1
« Le programme de formation-action : Les Explorateurs du numérique », Annex 2 action #9, Annex 3).

A cohort (« promotion ») a year, about forty volunteer agents (§4.2.2.1 « Une nouvelle dynamique pour les
prochaines promotions »); candidacies confirmed by the agent's direction and selected by the Métropole's
team within the cohort's seats; exploration days and learning expeditions with registration, waiting list and
attendance; the explorers' projects, from an idea to an FMIN file, a funded experiment and its generalisation;
alumni once their cohort is over.
"""

from datetime import date

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sman.jobs import ACTIVE, AbstractJob
from sman.models import Challenge, Organisation

User = settings.AUTH_USER_MODEL

# « ouvert à une quarantaine d'agents » (SMAN §4.2.2.1, for 2019/2020).
DEFAULT_SEATS = 40


class Theme(models.TextChoices):
    """The transverse subjects of the first cohort (SMAN §4.2.2.1 « Une dynamique engagée… »)."""

    OPEN_DATA = "open_data", "ouverture des données"
    ECO_DIGITAL = "eco_digital", "numérique éco-responsable"
    PARTNERSHIPS = "partnerships", "partenariats innovants"
    COLLABORATIVE_ECONOMY = "collaborative_economy", "économie collaborative"
    DIGITAL_DEMOCRACY = "digital_democracy", "démocratie numérique"
    PROJECT_WORK = "project_work", "travail sur les projets des explorateurs"
    OTHER = "other", "autre thème"


class CohortQuerySet(models.QuerySet):
    def recruiting(self, today: date):
        return self.filter(call_opens_on__lte=today, call_closes_on__gte=today)

    def current(self, today: date):
        """The cohort under way today, else the next one, else the last one."""
        return self.filter(ends_on__gte=today).order_by("starts_on").first() or self.order_by("-starts_on").first()


class Cohort(models.Model):
    """A promotion of explorers: one year of the programme (« 2019/2020 »), its seats and its call."""

    start_year = models.PositiveSmallIntegerField(
        "année de début", unique=True, validators=[MinValueValidator(2018), MaxValueValidator(2100)]
    )
    seats = models.PositiveSmallIntegerField("places", default=DEFAULT_SEATS, validators=[MinValueValidator(1)])
    call_opens_on = models.DateField("ouverture des candidatures")
    call_closes_on = models.DateField("clôture des candidatures")
    starts_on = models.DateField("début du programme")
    ends_on = models.DateField("fin du programme")
    description = models.TextField("présentation", blank=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        verbose_name = "promotion"
        verbose_name_plural = "promotions"
        ordering = ("-start_year",)
        constraints = [
            models.CheckConstraint(
                condition=Q(call_closes_on__gte=models.F("call_opens_on")),
                name="expl_cohort_call_closes_after_opening",
                violation_error_message="La clôture des candidatures doit suivre leur ouverture.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="expl_cohort_ends_after_start",
                violation_error_message="La fin du programme doit suivre son début.",
            ),
        ]

    def __str__(self):
        return f"Promotion {self.label}"

    @property
    def label(self) -> str:
        return f"{self.start_year}/{self.start_year + 1}"

    def is_recruiting(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.call_opens_on <= today <= self.call_closes_on

    def is_over(self, today: date | None = None) -> bool:
        return self.ends_on < (today or timezone.localdate())


class Candidacy(models.Model):
    """An agent's candidacy to a cohort (« candidature »), with their collectivity's agreement: their direction
    confirms through a signed link e-mailed to it, then the team selects within the cohort's seats."""

    class Status(models.TextChoices):
        AWAITING_MANAGER = "awaiting_manager", "en attente de l'accord de la direction"
        CONFIRMED = "confirmed", "confirmée par la direction"
        MANAGER_DECLINED = "manager_declined", "refusée par la direction"
        SELECTED = "selected", "retenue"
        WAITLISTED = "waitlisted", "sur liste d'attente"
        REJECTED = "rejected", "non retenue"
        WITHDRAWN = "withdrawn", "retirée"

    OPEN = (Status.AWAITING_MANAGER, Status.CONFIRMED, Status.SELECTED, Status.WAITLISTED)

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="candidacies", verbose_name="promotion")
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="explorer_candidacies", verbose_name="agent")
    collectivity = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="explorer_candidacies", verbose_name="collectivité"
    )
    role = models.CharField("fonction", max_length=200)
    department = models.CharField("direction ou service", max_length=200)
    motivation = models.TextField("motivation", max_length=4000)
    project_idea = models.TextField("idée de projet pour votre collectivité", blank=True, max_length=4000)
    manager_name = models.CharField("nom du ou de la responsable", max_length=200)
    manager_email = models.EmailField("adresse de la direction")
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.AWAITING_MANAGER, db_index=True
    )
    manager_decided_at = models.DateTimeField("réponse de la direction le", null=True, blank=True)
    manager_comment = models.TextField("commentaire de la direction", blank=True, max_length=2000)
    waitlist_position = models.PositiveIntegerField("rang sur la liste d'attente", null=True, blank=True)
    decided_at = models.DateTimeField("décision le", null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="décision par"
    )
    created_at = models.DateTimeField("déposée le", auto_now_add=True)

    class Meta:
        verbose_name = "candidature aux Explorateurs"
        verbose_name_plural = "candidatures aux Explorateurs"
        ordering = ("created_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "agent"],
                condition=~Q(status__in=["withdrawn", "manager_declined", "rejected"]),
                name="expl_one_open_candidacy_per_agent",
                violation_error_message="Vous avez déjà une candidature en cours pour cette promotion.",
            ),
            models.UniqueConstraint(
                fields=["cohort", "waitlist_position"],
                condition=Q(waitlist_position__isnull=False),
                name="expl_candidacy_unique_waitlist_rank",
            ),
            models.CheckConstraint(
                condition=Q(waitlist_position__isnull=True) | Q(status="waitlisted"),
                name="expl_candidacy_rank_only_when_waitlisted",
            ),
        ]

    def __str__(self):
        return f"{self.agent} — {self.cohort}"


class ExplorerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Explorer.Status.ACTIVE)

    def alumni(self, today: date):
        return self.active().filter(cohort__ends_on__lt=today)

    def with_places(self):
        return self.select_related("user", "cohort", "collectivity__territory")


class Explorer(models.Model):
    """A selected agent, for one cohort. Once the cohort is over, an alumnus (``is_alumni``), invited to the
    key moments of the next cohorts (§4.2.2.1). Each explorer chooses what the directory shows of them."""

    class Status(models.TextChoices):
        ACTIVE = "active", "explorateur"
        WITHDRAWN = "withdrawn", "retiré de la promotion"

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="explorers", verbose_name="promotion")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="explorers", verbose_name="agent")
    collectivity = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="explorers", verbose_name="collectivité"
    )
    candidacy = models.OneToOneField(
        Candidacy, null=True, blank=True, on_delete=models.SET_NULL, related_name="explorer", verbose_name="candidature"
    )
    role = models.CharField("fonction", max_length=200)
    department = models.CharField("direction ou service", max_length=200, blank=True)
    manager_name = models.CharField("responsable", max_length=200, blank=True)
    manager_email = models.EmailField("adresse de la direction", blank=True)
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    selected_at = models.DateTimeField("retenu le", default=timezone.now)
    # What the directory of explorers and alumni (signed-in agents only) shows of this explorer.
    in_directory = models.BooleanField("figurer dans l'annuaire des explorateurs", default=True)
    show_email = models.BooleanField("montrer mon adresse électronique", default=False)
    show_role = models.BooleanField("montrer ma fonction", default=True)
    show_projects = models.BooleanField("montrer mes projets", default=True)

    objects = ExplorerQuerySet.as_manager()

    class Meta:
        verbose_name = "explorateur"
        verbose_name_plural = "explorateurs"
        ordering = ("cohort", "user__last_name", "user__first_name", "pk")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="expl_one_explorer_per_cohort"),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.cohort.label})"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def is_alumni(self) -> bool:
        return self.status == self.Status.ACTIVE and self.cohort.is_over()

    @property
    def is_ept(self) -> bool:
        return self.collectivity.territory.kind == "ept"


class ProjectQuerySet(models.QuerySet):
    def with_relations(self):
        return self.select_related("challenge", "collectivity__territory", "explorer__user", "cohort")


class Project(models.Model):
    """An explorer's project for their collectivity: an irritant, an idea, a défi; then qualification, an FMIN
    file, funding and generalisation — the thread agent → explorer → project → FMIN file → funded experiment.
    The FMIN file it became is ``fmin_application`` (it replaced the FMIN's « issu des Explorateurs » box)."""

    class Status(models.TextChoices):
        IDEA = "idea", "idée"
        QUALIFIED = "qualified", "qualifié"
        FMIN_APPLICATION = "fmin_application", "candidature FMIN"
        FUNDED = "funded", "financé"
        GENERALISED = "generalised", "généralisé"

    class Source(models.TextChoices):
        PORTAL = "portal", "saisi sur le portail"
        ANNEX_3 = "annex_3", "annexe 3 du SMAN"
        FMIN = "fmin", "dossier FMIN « issu des Explorateurs »"

    title = models.CharField("titre", max_length=200)
    irritant = models.TextField("irritant (problème à résoudre)", blank=True, max_length=4000)
    idea = models.TextField("idée", max_length=4000)
    challenge = models.ForeignKey(
        Challenge,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="explorer_projects",
        verbose_name="défi",
    )
    collectivity = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="explorer_projects", verbose_name="collectivité"
    )
    explorer = models.ForeignKey(
        Explorer, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects", verbose_name="explorateur"
    )
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.PROTECT, related_name="projects", verbose_name="promotion"
    )
    carrier_role = models.CharField("fonction de l'agent porteur", max_length=200, blank=True)
    status = models.CharField("étape", max_length=20, choices=Status.choices, default=Status.IDEA, db_index=True)
    fmin_application = models.OneToOneField(
        "fmin.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="explorateurs_project",
        verbose_name="candidature FMIN",
    )
    source = models.CharField("origine", max_length=10, choices=Source.choices, default=Source.PORTAL)
    reference_key = models.CharField("clé de référence", max_length=60, unique=True, null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "projet d'explorateur"
        verbose_name_plural = "projets d'explorateurs"
        ordering = ("-created_at", "pk")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("explorateurs:project_detail", args=[self.pk])


class SupportNote(models.Model):
    """The support a project received: a qualification workshop before the FMIN (fifteen in 2018, §4.2.2.1),
    a technical (legal, architecture) advice, a note."""

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", "atelier de qualification"
        ADVICE = "advice", "soutien technique"
        NOTE = "note", "note"
        STATUS = "status", "changement d'étape"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="notes", verbose_name="projet")
    kind = models.CharField("nature", max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField("texte", max_length=4000)
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="auteur")
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "accompagnement"
        verbose_name_plural = "accompagnements"
        ordering = ("-created_at", "-pk")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.project}"


class Event(models.Model):
    """An exploration day (about every two months) or a learning expedition (visits to collectivities in
    France and Europe), with its seats; alumni may be invited (§4.2.2.1)."""

    class Kind(models.TextChoices):
        EXPLORATION_DAY = "exploration_day", "journée d'exploration"
        LEARNING_EXPEDITION = "learning_expedition", "learning expedition"

    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="events", verbose_name="promotion")
    kind = models.CharField("type", max_length=20, choices=Kind.choices, default=Kind.EXPLORATION_DAY)
    title = models.CharField("intitulé", max_length=200)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    venue = models.CharField("lieu", max_length=200)
    address = models.CharField("adresse", max_length=300, blank=True)
    programme = models.TextField("programme", blank=True, max_length=6000)
    speakers = models.TextField("intervenants", blank=True, max_length=2000)
    themes = ArrayField(
        models.CharField(max_length=30, choices=Theme.choices), verbose_name="thèmes", default=list, blank=True
    )
    seats = models.PositiveSmallIntegerField("places", default=DEFAULT_SEATS, validators=[MinValueValidator(1)])
    open_to_alumni = models.BooleanField("ouvert aux alumni", default=False)
    reminder_sent_at = models.DateTimeField("rappel envoyé le", null=True, blank=True)
    attendance_taken_at = models.DateTimeField("présences relevées le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "journée ou expédition"
        verbose_name_plural = "journées et expéditions"
        ordering = ("starts_at", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="expl_event_ends_after_start",
                violation_error_message="La fin doit suivre le début.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("explorateurs:event_detail", args=[self.pk])

    def theme_labels(self) -> list[str]:
        return [Theme(t).label for t in self.themes if t in Theme.values]

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()


class Registration(models.Model):
    """An explorer's registration to an event: registered within the seats, or waiting in order; a
    cancellation gives the seat to the first who waits (services.registration_cancel)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "inscrit"
        WAITING = "waiting", "sur liste d'attente"
        CANCELLED = "cancelled", "désinscrit"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations", verbose_name="événement")
    explorer = models.ForeignKey(
        Explorer, on_delete=models.CASCADE, related_name="registrations", verbose_name="explorateur"
    )
    status = models.CharField("statut", max_length=12, choices=Status.choices, db_index=True)
    waitlist_position = models.PositiveIntegerField("rang sur la liste d'attente", null=True, blank=True)
    attended = models.BooleanField("présent", null=True, blank=True)
    created_at = models.DateTimeField("inscrit le", auto_now_add=True)
    cancelled_at = models.DateTimeField("désinscrit le", null=True, blank=True)

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        ordering = ("event", "status", "waitlist_position", "created_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "explorer"],
                condition=~Q(status="cancelled"),
                name="expl_one_registration_per_explorer",
                violation_error_message="Vous êtes déjà inscrit à cet événement.",
            ),
            models.UniqueConstraint(
                fields=["event", "waitlist_position"],
                condition=Q(waitlist_position__isnull=False),
                name="expl_registration_unique_waitlist_rank",
            ),
            models.CheckConstraint(
                condition=(Q(status="waiting") & Q(waitlist_position__isnull=False))
                | (~Q(status="waiting") & Q(waitlist_position__isnull=True)),
                name="expl_registration_rank_iff_waiting",
            ),
        ]

    def __str__(self):
        return f"{self.explorer} — {self.event}"


class ExplorerDocument(AbstractJob):
    """A PDF for an explorer, rendered by the worker (sman/jobs.py): the mission letter addressed to their
    direction, the welcome kit, the certificate of attendance for the cohort (§4.2.2.1)."""

    result_folder = "explorateurs/documents"

    class Kind(models.TextChoices):
        MISSION_LETTER = "mission_letter", "lettre de mission"
        WELCOME_KIT = "welcome_kit", "kit de bienvenue"
        CERTIFICATE = "certificate", "attestation de participation"

    explorer = models.ForeignKey(
        Explorer, on_delete=models.CASCADE, related_name="documents", verbose_name="explorateur"
    )
    kind = models.CharField("document", max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = "document d'explorateur"
        verbose_name_plural = "documents d'explorateurs"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["explorer", "kind"], condition=Q(state__in=ACTIVE), name="expl_one_document_job_in_progress"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.explorer} ({self.get_state_display()})"

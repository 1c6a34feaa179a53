"""FMIN — Fonds Métropolitain pour l'Innovation Numérique (SMAN §4.2.1.1 « Le Fonds Métropolitain pour l'Innovation
Numérique (FMIN) », Annex 2 action #10), and the Bâtisseurs du numérique working groups (§4.2.1.2 « Le programme
d'expérimentation et de généralisation : les Bâtisseurs du numérique »). Both in the part « Expérimentation et
généralisation », the second section the SMAN numbers « 4.2.1 ».

Every amount is a whole number of cents (``*_cents``, BigIntegerField): no float touches a grant.
"""

from datetime import date

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from sman.models import Challenge, Organisation, Territory
from sman.validators import DocumentValidator

User = settings.AUTH_USER_MODEL


class ExpenseType(models.TextChoices):
    """Eligible expenses: the four the SMAN cites as examples (§4.2.1.1 « Le Fonds Métropolitain pour l'Innovation
    Numérique (FMIN) »: training, new services, change management, software) and the call's own choices
    (fmin.rules.SMAN_EXPENSE_TYPES tells them apart)."""

    TRAINING = "training", "formation"
    SERVICE_DEVELOPMENT = "service_development", "développement de nouveaux services"
    CHANGE_MANAGEMENT = "change_management", "conduite du changement"
    SOFTWARE = "software", "achat de logiciels"
    EQUIPMENT = "equipment", "matériel"
    CONSULTING = "consulting", "prestations d'études et d'accompagnement"
    EVALUATION = "evaluation", "évaluation de l'expérimentation"
    OTHER = "other", "autre dépense"


class Theme(models.TextChoices):
    """Themes of the Bâtisseurs working groups, also used to file projects: the five the SMAN names as leads
    (§4.2.1.2 « … les Bâtisseurs du numérique ») and the call's own choices (fmin.rules.SMAN_THEMES)."""

    CITIZEN_RELATIONS = "citizen_relations", "gestion de la relation citoyenne"
    MOBILITY = "mobility", "mobilité"
    ENVIRONMENT = "environment", "protection de l'environnement et de la biodiversité"
    DIGITAL_INCLUSION = "digital_inclusion", "médiation numérique"
    PARTICIPATION = "participation", "participation citoyenne"
    DATA = "data", "données et services urbains"
    ADMINISTRATION = "administration", "modernisation de l'administration"
    OTHER = "other", "autre thème"


def default_expense_types() -> list[str]:
    return [c.value for c in ExpenseType]


def default_applicant_kinds() -> list[str]:
    return [Organisation.Kind.COLLECTIVITY.value]


# The organisations a call may accept as applicants (Organisation.Kind), in the order the forms list them.
APPLICANT_KINDS = (
    Organisation.Kind.COLLECTIVITY,
    Organisation.Kind.DIGITAL_ACTOR,
    Organisation.Kind.MEDIATION_PLACE,
)


class Programme(models.Model):
    """What a call belongs to, as data: the FMIN (action #10), the metropolitan call for projects on PCAEM
    behaviours (action #13), or another programme staff add in the admin. Its wording appears on its calls'
    pages, files, e-mails and letters; its calls carry their own rules (caps, criteria, applicants)."""

    slug = models.SlugField("identifiant", max_length=40, unique=True)
    short_name = models.CharField("sigle", max_length=30, help_text="« FMIN », « PCAEM » : dans les titres.")
    name = models.CharField("nom", max_length=200)
    intro = models.TextField("présentation", blank=True)
    action_number = models.PositiveSmallIntegerField(
        "action de la feuille de route",
        null=True,
        blank=True,
        help_text="Numéro de l'action du tableau de la feuille de route 2019-2020 dont les indicateurs le suivent.",
    )
    source = models.CharField(
        "source des règles",
        max_length=300,
        blank=True,
        help_text="Citée à côté de chaque règle ; vide : le règlement de l'appel.",
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "programme d'appels à projets"
        verbose_name_plural = "programmes d'appels à projets"
        ordering = ("position", "short_name")

    def __str__(self):
        return self.short_name

    def get_absolute_url(self):
        return reverse("fmin:programme_detail", args=[self.slug])


FMIN_PROGRAMME = "fmin"
PCAEM_PROGRAMME = "pcaem"


def default_programme() -> int:
    """The FMIN, the programme of every call created before programmes existed (created if missing: a test
    database flushed between transactional tests loses the rows its migrations wrote)."""
    from .rules import SECTION_FMIN

    programme, _ = Programme.objects.get_or_create(
        slug=FMIN_PROGRAMME,
        defaults={
            "short_name": "FMIN",
            "name": "Fonds Métropolitain pour l'Innovation Numérique",
            "action_number": 10,
            "source": SECTION_FMIN,
        },
    )
    return programme.pk


class Call(models.Model):
    """A session of a programme (the FMIN, the PCAEM call…): its envelope, its dates, the amounts of its rules
    (they may change from one session to the next: the SMAN plans a renewed fund, §4.2.1.1 « Ambitions pour la
    deuxième session »), the organisations it accepts and whether its grants wait for a Bâtisseurs group."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="calls", verbose_name="programme", default=default_programme
    )
    year = models.PositiveSmallIntegerField("année", validators=[MinValueValidator(2018), MaxValueValidator(2100)])
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("présentation", blank=True)
    envelope_cents = models.BigIntegerField(
        "enveloppe (centimes)", default=100_000_000, validators=[MinValueValidator(0)]
    )
    opens_on = models.DateField("ouverture des candidatures")
    closes_on = models.DateField("clôture des candidatures")
    is_published = models.BooleanField("publié", default=False)
    eligible_expense_types = models.JSONField(
        "types de dépenses éligibles", default=default_expense_types, help_text="Codes de ExpenseType."
    )
    regulation = models.FileField(
        "règlement", upload_to="fmin/regulations/", blank=True, validators=[DocumentValidator()]
    )
    applicant_kinds = models.JSONField(
        "porteurs acceptés",
        default=default_applicant_kinds,
        help_text="Types d'organisations qui peuvent porter ou co-porter un projet (codes de Organisation.Kind).",
    )
    requires_working_group = models.BooleanField(
        "versement conditionné aux Bâtisseurs du numérique",
        default=True,
        help_text="Chaque porteur rejoint un groupe de travail des Bâtisseurs du numérique avant le versement "
        "(règle du FMIN, SMAN § 4.2.1.2).",
    )
    # Grant rules (fmin/rules.py), in basis points (1 % = 100) and cents.
    max_grant_share_bp = models.PositiveIntegerField("part maximale de la subvention (points de base)", default=5000)
    min_own_share_bp = models.PositiveIntegerField("part minimale du maître d'ouvrage (points de base)", default=2000)
    cap_single_cents = models.BigIntegerField("plafond par collectivité, projet seul (centimes)", default=4_000_000)
    cap_joint_cents = models.BigIntegerField("plafond par collectivité, projet commun (centimes)", default=6_000_000)
    score_max = models.PositiveSmallIntegerField(
        "note maximale par critère", default=5, validators=[MinValueValidator(2), MaxValueValidator(20)]
    )
    disagreement_threshold = models.DecimalField(
        "écart signalé entre évaluateurs (points)", max_digits=4, decimal_places=2, default=1.5
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "appel à projets"
        verbose_name_plural = "appels à projets"
        ordering = ("-year", "-opens_on")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="fmin_call_closes_after_opening",
                violation_error_message="La clôture doit suivre l'ouverture.",
            ),
            models.CheckConstraint(
                condition=Q(max_grant_share_bp__lte=10000) & Q(min_own_share_bp__lte=10000),
                name="fmin_call_shares_at_most_100",
                violation_error_message="Une part ne peut dépasser 100 %.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("fmin:call_detail", args=[self.pk])

    def is_open(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_published and self.opens_on <= today <= self.closes_on

    def accepts(self, organisation: Organisation) -> bool:
        return organisation.kind in self.applicant_kinds

    @property
    def only_collectivities(self) -> bool:
        return list(self.applicant_kinds) == [Organisation.Kind.COLLECTIVITY]

    def applicant_kinds_display(self) -> str:
        labels = dict(Organisation.Kind.choices)
        return ", ".join(str(labels.get(kind, kind)) for kind in self.applicant_kinds)

    def clean(self):
        unknown = [k for k in self.applicant_kinds or [] if k not in {k.value for k in APPLICANT_KINDS}]
        if not self.applicant_kinds or unknown:
            raise ValidationError({"applicant_kinds": "Choisissez au moins un type de porteur parmi ceux proposés."})


class Criterion(models.Model):
    """One of the six selection criteria of a call (§4.2.1.1), with its weight."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria", verbose_name="appel")
    code = models.SlugField("code", max_length=30)
    label = models.CharField("intitulé", max_length=200)
    guidance = models.TextField("ce que l'évaluateur regarde", blank=True)
    weight = models.PositiveSmallIntegerField("poids", default=1, validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "critère de sélection"
        verbose_name_plural = "critères de sélection"
        ordering = ("call", "position")
        constraints = [models.UniqueConstraint(fields=["call", "code"], name="fmin_criterion_unique_code")]

    def __str__(self):
        return self.label


class QualificationWorkshop(models.Model):
    """A qualification workshop offered before the deadline (§3.2: fifteen were held for the first session)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="workshops", verbose_name="appel")
    title = models.CharField("intitulé", max_length=200)
    starts_at = models.DateTimeField("date et heure")
    venue = models.CharField("lieu", max_length=200)
    capacity = models.PositiveSmallIntegerField("places", default=12, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = "atelier de qualification"
        verbose_name_plural = "ateliers de qualification"
        ordering = ("starts_at",)

    def __str__(self):
        return f"{self.title} — {self.starts_at:%d/%m/%Y}"


class WorkshopRegistration(models.Model):
    workshop = models.ForeignKey(
        QualificationWorkshop, on_delete=models.CASCADE, related_name="registrations", verbose_name="atelier"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name="collectivité"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name="inscrit par")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "inscription à un atelier"
        verbose_name_plural = "inscriptions aux ateliers"
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "organisation"],
                name="fmin_one_registration_per_collectivity",
                violation_error_message="Votre collectivité est déjà inscrite à cet atelier.",
            )
        ]


class ApplicationQuerySet(models.QuerySet):
    def with_figures(self):
        return self.select_related("call__programme", "lead__territory").prefetch_related(
            "participants__organisation", "budget_lines", "funding_lines"
        )

    def funded(self):
        return self.filter(status=Application.Status.FUNDED)

    def visible_to_collectivities(self, organisation_ids):
        return self.filter(participants__organisation_id__in=organisation_ids).distinct()


class Application(models.Model):
    """A collectivity's application (dossier de candidature), alone or with co-applicants."""

    class Status(models.TextChoices):
        DRAFT = "draft", "brouillon"
        SUBMITTED = "submitted", "déposée"
        CORRECTIONS = "corrections", "à compléter"
        ELIGIBLE = "eligible", "recevable"
        INELIGIBLE = "ineligible", "irrecevable"
        FUNDED = "funded", "financée"
        REFUSED = "refused", "non retenue"
        WITHDRAWN = "withdrawn", "retirée"

    EDITABLE = (Status.DRAFT, Status.CORRECTIONS)

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name="appel")
    lead = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="fmin_led_applications",
        verbose_name="collectivité cheffe de file",
    )
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    title = models.CharField("titre du projet", max_length=200)
    irritant = models.TextField("problème à résoudre (« irritant »)", blank=True, max_length=4000)
    experiment = models.TextField("l'expérimentation", blank=True, max_length=6000)
    method = models.TextField("méthode d'expérimentation", blank=True, max_length=4000)
    challenges = models.ManyToManyField(Challenge, blank=True, related_name="fmin_applications", verbose_name="défis")
    theme = models.CharField("thème", max_length=20, choices=Theme.choices, default=Theme.OTHER)
    territories = models.ManyToManyField(
        Territory, blank=True, related_name="fmin_applications", verbose_name="territoires de l'expérimentation"
    )
    starts_on = models.DateField("début", null=True, blank=True)
    ends_on = models.DateField("fin", null=True, blank=True)
    evaluation_design = models.TextField("dispositif d'évaluation", blank=True, max_length=4000)
    indicators = models.TextField("indicateurs suivis", blank=True, max_length=3000)
    sharing_plan = models.TextField("diffusion des enseignements", blank=True, max_length=3000)
    internal_team = models.TextField("équipe interne mobilisée", blank=True, max_length=3000)
    commits_to_evaluate = models.BooleanField("engagement à évaluer l'impact et la répliquabilité", default=False)
    summary = models.TextField("résumé public", blank=True, max_length=1500)
    results = models.TextField("résultats (publics)", blank=True, max_length=4000)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="créée par")
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    submitted_at = models.DateTimeField("déposée le", null=True, blank=True)
    eligibility_checklist = models.JSONField("vérification de recevabilité", default=dict, blank=True)
    eligibility_note = models.TextField("motif de recevabilité", blank=True)
    submitted_pdf = models.FileField("dossier déposé (PDF)", upload_to="fmin/applications/", blank=True)
    submitted_pdf_sha256 = models.CharField(max_length=64, blank=True)

    objects = ApplicationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"], m2m_fields=[challenges, territories])

    class Meta:
        verbose_name = "candidature FMIN"
        verbose_name_plural = "candidatures FMIN"
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="fmin_application_ends_after_start",
                violation_error_message="La fin doit suivre le début.",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("fmin:application_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class Participant(models.Model):
    """A collectivity carrying the project: the lead (``is_lead``) or a co-applicant, with its share."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="fmin_participations", verbose_name="collectivité"
    )
    is_lead = models.BooleanField("cheffe de file", default=False)
    cost_share_cents = models.BigIntegerField("part du coût (centimes)", default=0, validators=[MinValueValidator(0)])
    request_cents = models.BigIntegerField(
        "subvention demandée (centimes)", default=0, validators=[MinValueValidator(0)]
    )
    confirmed_at = models.DateTimeField("participation confirmée le", null=True, blank=True)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "collectivité porteuse"
        verbose_name_plural = "collectivités porteuses"
        ordering = ("-is_lead", "organisation__name")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "organisation"],
                name="fmin_one_participation_per_collectivity",
                violation_error_message="Cette collectivité porte déjà ce projet.",
            ),
            models.UniqueConstraint(fields=["application"], condition=Q(is_lead=True), name="fmin_one_lead"),
        ]

    def __str__(self):
        return f"{self.organisation} ({'cheffe de file' if self.is_lead else 'co-porteuse'})"


class BudgetLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    expense_type = models.CharField("type de dépense", max_length=30, choices=ExpenseType.choices)
    label = models.CharField("libellé", max_length=200)
    amount_ht_cents = models.BigIntegerField("montant HT (centimes)", validators=[MinValueValidator(0)])
    amount_ttc_cents = models.BigIntegerField("montant TTC (centimes)", validators=[MinValueValidator(0)])

    history = HistoricalRecords()

    class Meta:
        verbose_name = "dépense"
        verbose_name_plural = "dépenses"
        ordering = ("id",)
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_ttc_cents__gte=models.F("amount_ht_cents")),
                name="fmin_ttc_at_least_ht",
                violation_error_message="Le montant TTC ne peut être inférieur au montant HT.",
            )
        ]

    def __str__(self):
        return self.label


class FundingLine(models.Model):
    """The financing plan besides the FMIN request (which is the sum of the participants' requests)."""

    class Source(models.TextChoices):
        OWN_FUNDS = "own_funds", "fonds propres du maître d'ouvrage"
        OTHER_PUBLIC = "other_public", "autre financement public"
        PRIVATE = "private", "financement privé"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="funding_lines")
    source = models.CharField("origine", max_length=15, choices=Source.choices)
    funder = models.CharField("financeur", max_length=200)
    amount_cents = models.BigIntegerField("montant (centimes)", validators=[MinValueValidator(0)])

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne du plan de financement"
        verbose_name_plural = "plan de financement"
        ordering = ("id",)

    def __str__(self):
        return f"{self.get_source_display()} — {self.funder}"


class ApplicationEvent(models.Model):
    """The readable life of a file: submitted, corrections asked, eligibility, assignment, decision…"""

    class Kind(models.TextChoices):
        CREATED = "created", "création du brouillon"
        SUBMITTED = "submitted", "dépôt"
        WITHDRAWN = "withdrawn", "retrait"
        CORRECTIONS = "corrections", "demande de compléments"
        ELIGIBLE = "eligible", "déclarée recevable"
        INELIGIBLE = "ineligible", "déclarée irrecevable"
        CONFIRMED = "confirmed", "participation confirmée"
        DECIDED = "decided", "décision"
        REPORT = "report", "rapport remis"
        PAYMENT = "payment", "versement"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("événement", max_length=12, choices=Kind.choices)
    message = models.TextField("message", blank=True)
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="par")
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "événement du dossier"
        verbose_name_plural = "historique des dossiers"
        ordering = ("created_at", "id")


class Assignment(models.Model):
    """A reviewer in charge of scoring one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="fmin_assignments", verbose_name="évaluateur"
    )
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField("appréciation générale", blank=True, max_length=4000)
    submitted_at = models.DateTimeField("évaluation remise le", null=True, blank=True)
    conflict_declared_at = models.DateTimeField("conflit d'intérêts déclaré le", null=True, blank=True)
    conflict_reason = models.TextField("conflit d'intérêts", blank=True, max_length=2000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "affectation d'évaluateur"
        verbose_name_plural = "affectations d'évaluateurs"
        ordering = ("assigned_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"],
                name="fmin_one_assignment_per_reviewer",
                violation_error_message="Cet évaluateur est déjà affecté à ce dossier.",
            )
        ]

    @property
    def is_active(self) -> bool:
        return self.conflict_declared_at is None


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField("note")
    comment = models.TextField("commentaire", max_length=2000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "note"
        verbose_name_plural = "notes"
        constraints = [models.UniqueConstraint(fields=["assignment", "criterion"], name="fmin_one_score_per_criterion")]


class Decision(models.Model):
    """The selection committee's decision on an application (funded with an amount, or refused with a reason)."""

    class Outcome(models.TextChoices):
        FUNDED = "funded", "financée"
        REFUSED = "refused", "non retenue"

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField("décision", max_length=8, choices=Outcome.choices)
    amount_cents = models.BigIntegerField(
        "subvention accordée (centimes)", default=0, validators=[MinValueValidator(0)]
    )
    reason = models.TextField("motivation", max_length=4000)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="enregistrée par")
    decided_at = models.DateTimeField("décidée le", auto_now_add=True)
    letter = models.FileField("lettre de décision (PDF)", upload_to="fmin/letters/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "décision"
        verbose_name_plural = "décisions"
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="funded", amount_cents__gt=0) | Q(outcome="refused", amount_cents=0),
                name="fmin_decision_amount_matches_outcome",
                violation_error_message="Une subvention accordée a un montant ; un refus n'en a pas.",
            )
        ]


class PaymentMilestone(models.Model):
    """A tranche of a grant; paying it needs the collectivities to belong to a Bâtisseurs group (§4.2.1.2)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="milestones")
    label = models.CharField("échéance", max_length=200)
    amount_cents = models.BigIntegerField("montant (centimes)", validators=[MinValueValidator(1)])
    due_on = models.DateField("prévue le")
    paid_on = models.DateField("versée le", null=True, blank=True)
    paid_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "échéance de versement"
        verbose_name_plural = "échéances de versement"
        ordering = ("due_on", "id")


class FollowUpReport(models.Model):
    """A report the funded project owes: progress, evaluation (impact, externalities, replicability), final."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", "rapport d'étape"
        EVALUATION = "evaluation", "rapport d'évaluation"
        FINAL = "final", "rapport final"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField("rapport", max_length=10, choices=Kind.choices)
    due_on = models.DateField("attendu le")
    progress = models.TextField("avancement", blank=True, max_length=6000)
    impact = models.TextField("impact mesuré", blank=True, max_length=6000)
    externalities = models.TextField("externalités", blank=True, max_length=4000)
    replicability = models.TextField("répliquabilité à l'échelle métropolitaine", blank=True, max_length=4000)
    submitted_at = models.DateTimeField("remis le", null=True, blank=True)
    submitted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_reminder_on = models.DateField("dernière relance", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "rapport de suivi"
        verbose_name_plural = "rapports de suivi"
        ordering = ("due_on", "id")
        constraints = [models.UniqueConstraint(fields=["application", "kind"], name="fmin_one_report_per_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.application}"

    def is_late(self, today: date | None = None) -> bool:
        return self.submitted_at is None and self.due_on < (today or timezone.localdate())


class WorkingGroup(models.Model):
    """A Bâtisseurs du numérique working group (§4.2.1.2)."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", unique=True)
    theme = models.CharField("thème", max_length=20, choices=Theme.choices)
    description = models.TextField("présentation")
    charter = models.TextField(
        "convention",
        help_text="Les membres s'engagent à ouvrir à toutes les collectivités du Grand Paris les briques "
        "expérimentales qu'ils co-créent.",
    )
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "groupe de travail (Bâtisseurs du numérique)"
        verbose_name_plural = "groupes de travail (Bâtisseurs du numérique)"
        ordering = ("name",)

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("fmin:group_detail", args=[self.slug])


class WorkingGroupMember(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="fmin_groups", verbose_name="collectivité"
    )
    charter_signed_at = models.DateTimeField("convention signée le")
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="signée par")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "collectivité membre"
        verbose_name_plural = "collectivités membres"
        ordering = ("organisation__name",)
        constraints = [
            models.UniqueConstraint(
                fields=["group", "organisation"],
                name="fmin_one_membership_per_group",
                violation_error_message="Votre collectivité est déjà membre de ce groupe.",
            )
        ]


class Meeting(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField("date")
    title = models.CharField("ordre du jour", max_length=200)
    minutes = models.TextField("compte rendu", blank=True)

    class Meta:
        verbose_name = "réunion"
        verbose_name_plural = "réunions"
        ordering = ("-held_on",)


class Deliverable(models.Model):
    class Kind(models.TextChoices):
        FEEDBACK = "feedback", "retour d'expérience"
        GUIDE = "guide", "guide méthodologique"
        EVALUATION = "evaluation", "évaluation"
        BRICK = "brick", "brique logicielle ouverte"

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="deliverables")
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    title = models.CharField("titre", max_length=200)
    url = models.URLField("adresse", blank=True)
    published_on = models.DateField("publié le")

    class Meta:
        verbose_name = "livrable"
        verbose_name_plural = "livrables"
        ordering = ("-published_on",)

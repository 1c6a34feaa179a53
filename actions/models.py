"""The SMAN plan as data: roadmaps, actions, milestones, budgets, indicators, COPIL sessions, reports."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from sman.jobs import AbstractJob, state_field
from sman.models import Challenge, Territory


class Workstream(models.Model):
    """A chantier under a défi (fibre, datacenters, wifi…), as the roadmap table lists them (SMAN §4.2.1.2 « La première
    feuille de route bisannuelle »).

    The SMAN lists chantiers per défi and never assigns an action to one: no action points to a chantier."""

    challenge = models.ForeignKey(Challenge, verbose_name="défi", on_delete=models.CASCADE, related_name="workstreams")
    name = models.CharField("chantier", max_length=120)
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "chantier"
        verbose_name_plural = "chantiers"
        ordering = ("challenge__number", "order")
        constraints = [models.UniqueConstraint(fields=["challenge", "name"], name="unique_workstream_per_challenge")]

    def __str__(self):
        return self.name


class Roadmap(models.Model):
    """A bisannual roadmap (feuille de route) — SMAN §4.1."""

    class Status(models.TextChoices):
        CURRENT = "current", "en cours"
        DRAFT = "draft", "projet"
        TO_DEFINE = "to_define", "à définir"
        CLOSED = "closed", "achevée"

    code = models.CharField("code", max_length=20, unique=True)
    title = models.CharField("intitulé", max_length=200)
    start_year = models.PositiveSmallIntegerField("année de début")
    end_year = models.PositiveSmallIntegerField("année de fin")
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.TO_DEFINE)
    drafted_from = models.ForeignKey(
        "self", verbose_name="préparée à partir de", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "feuille de route"
        verbose_name_plural = "feuilles de route"
        ordering = ("start_year", "code")

    def __str__(self):
        return self.title


class ActionQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status__in=[Action.Status.DONE, Action.Status.ABANDONED])

    def with_related(self):
        return self.select_related("challenge", "roadmap").prefetch_related(
            "owners", "milestones", "budget_lines", "collectivities"
        )


MODULE_LABELS = {
    "ftth": "plateforme d'information FttH",
    "passnumerique": "Pass Numérique",
    "participation": "participation citoyenne",
    "marketplace": "place de marché « J'adopte une innovation »",
    "resources": "centre de ressources",
    "explorateurs": "Explorateurs du numérique",
    "fmin": "FMIN",
    "engineering": "accompagnement des collectivités",
}


class Action(models.Model):
    """One action of a roadmap, numbered as in the roadmap table (1–17), with its Annex 2 sheet.

    ``summary``, ``pain_point``, ``concept``… are the portal's own summaries of the SMAN (roadmap table and
    Annex 2 sheet), never its sentences: pages present them as summaries, with the section they come from."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "non démarrée"
        IN_PROGRESS = "in_progress", "en cours"
        DONE = "done", "réalisée"
        SUSPENDED = "suspended", "suspendue"
        ABANDONED = "abandoned", "abandonnée"

    roadmap = models.ForeignKey(
        Roadmap, verbose_name="feuille de route", on_delete=models.PROTECT, related_name="actions"
    )
    challenge = models.ForeignKey(Challenge, verbose_name="défi", on_delete=models.PROTECT, related_name="actions")
    number = models.PositiveSmallIntegerField("numéro")
    annex_sheet_number = models.PositiveSmallIntegerField("numéro de fiche (annexe 2)", null=True, blank=True)
    title = models.CharField("intitulé", max_length=400)
    annex_title = models.CharField("intitulé de la fiche", max_length=400, blank=True)
    summary = models.TextField("résumé", blank=True)
    pain_point = models.TextField("problème relevé (résumé de la fiche)", blank=True)
    concept = models.TextField("concept et objectifs", blank=True)
    project_owner = models.CharField("maîtrise d'ouvrage", max_length=300, blank=True)
    potential_providers = models.TextField("prestataires potentiels", blank=True)
    contract_type = models.TextField("type de contrat", blank=True)
    institutional_partners = models.TextField("partenariats institutionnels", blank=True)
    budget_estimate_cents = models.PositiveBigIntegerField("budget prévisionnel (centimes HT)", null=True, blank=True)
    budget_label = models.CharField("budget (texte de la fiche)", max_length=200, blank=True)
    module = models.CharField("module du portail", max_length=30, blank=True)
    # A partner-led action (#1, #8, #14, #17) points to the partner's own service (reference data).
    partner_name = models.CharField("partenaire qui porte l'action", max_length=200, blank=True)
    partner_url = models.URLField("service du partenaire", blank=True)
    collectivities = models.ManyToManyField(
        "sman.Organisation",
        verbose_name="collectivités engagées",
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "collectivity"},
    )
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(
        "avancement (%)", default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    notes = models.TextField("notes de suivi", blank=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="responsables opérationnels", blank=True, related_name="owned_actions"
    )
    carried_from = models.ForeignKey(
        "self", verbose_name="reprise de", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scaled_up = models.BooleanField("passage à l'échelle", default=False)
    updated_at = models.DateTimeField("mise à jour", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action"
        verbose_name_plural = "actions"
        ordering = ("roadmap__start_year", "number")
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "number"], name="unique_action_number_per_roadmap"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="action_progress_at_most_100"),
        ]

    def __str__(self):
        return f"Action #{self.number} – {self.title}"

    def get_absolute_url(self):
        return reverse("actions:action_detail", args=[self.roadmap.code, self.number])

    @property
    def module_label(self) -> str:
        return MODULE_LABELS.get(self.module, self.module)


class Milestone(models.Model):
    """A step of the « calendrier des opérations », with planned range and actual date."""

    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("jalon", max_length=300)
    order = models.PositiveSmallIntegerField("ordre", default=0)
    planned_start = models.DateField("début prévu")
    planned_end = models.DateField("fin prévue")
    actual_date = models.DateField("date de réalisation", null=True, blank=True)
    source_text = models.CharField("calendrier (texte de la fiche)", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "jalon"
        verbose_name_plural = "jalons"
        ordering = ("action", "order", "planned_end")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__lte=models.F("planned_end")),
                name="milestone_start_before_end",
                violation_error_message="Le début prévu doit précéder la fin prévue.",
            )
        ]

    def __str__(self):
        return self.title


class BudgetLine(models.Model):
    """Allocated, committed and spent amounts of an action for one year."""

    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="budget_lines")
    year = models.PositiveSmallIntegerField("année")
    allocated_cents = models.PositiveBigIntegerField("alloué (centimes)", default=0)
    committed_cents = models.PositiveBigIntegerField("engagé (centimes)", default=0)
    spent_cents = models.PositiveBigIntegerField("dépensé (centimes)", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne budgétaire"
        verbose_name_plural = "lignes budgétaires"
        ordering = ("action", "year")
        constraints = [models.UniqueConstraint(fields=["action", "year"], name="one_budget_line_per_action_and_year")]

    def __str__(self):
        return f"{self.action} — {self.year}"


class Indicator(models.Model):
    """A SMART indicator (SMAN §4.2.1.3 « Pour une plus grande agilité, les actions seront évaluées
    régulièrement »): process or result, with a target value and date."""

    class Kind(models.TextChoices):
        PROCESS = "process", "indicateur de processus"
        RESULT = "result", "indicateur de résultat"

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "mensuelle"
        QUARTERLY = "quarterly", "trimestrielle"
        SEMESTER = "semester", "semestrielle"
        YEARLY = "yearly", "annuelle"

    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("indicateur", max_length=200)
    definition = models.TextField("définition")
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    unit = models.CharField("unité", max_length=40, blank=True)
    baseline = models.DecimalField("valeur de référence", max_digits=14, decimal_places=3, null=True, blank=True)
    target_value = models.DecimalField("valeur cible", max_digits=14, decimal_places=3, null=True, blank=True)
    target_date = models.DateField("échéance de la cible", null=True, blank=True)
    source = models.CharField("source des données", max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="responsable", null=True, blank=True, on_delete=models.SET_NULL
    )
    frequency = models.CharField("fréquence", max_length=10, choices=Frequency.choices, default=Frequency.SEMESTER)
    provider_key = models.CharField(
        "calcul automatique", max_length=80, blank=True, help_text="Fournisseur enregistré qui calcule les valeurs."
    )

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ("action", "kind", "name")

    def __str__(self):
        return self.name

    def clean(self):
        """An indicator that is not SMART is refused: it needs a unit, a target value and a target date."""
        errors = {}
        if not self.unit.strip():
            errors["unit"] = "Un indicateur SMART est mesurable : précisez son unité (%, nombre, jours…)."
        if self.target_value is None:
            errors["target_value"] = "Un indicateur SMART fixe une valeur cible."
        if self.target_date is None:
            errors["target_date"] = "Un indicateur SMART est temporellement défini : fixez l'échéance de la cible."
        if self.provider_key:
            from sman.indicators import providers

            if self.provider_key not in providers:
                errors["provider_key"] = "Ce calcul automatique n'existe pas."
        if errors:
            raise ValidationError(errors)


class IndicatorValueQuerySet(models.QuerySet):
    def for_metropole(self):
        """The Métropole's values: those typed in by owners and the Métropole's computed ones."""
        return self.filter(territory__isnull=True)

    def for_territory(self, territory: Territory | None):
        """The values of ``territory`` itself (an EPT's are recorded for the EPT, not summed here); None or the
        Métropole's territory: the Métropole's."""
        if territory is None or territory.is_metropole:
            return self.for_metropole()
        return self.filter(territory=territory)


class IndicatorValue(models.Model):
    """One value of an indicator on a date, typed in by an owner or computed by a registered provider.

    ``territory`` is empty for the Métropole — every value typed in, and the computed values of the Métropole
    (as ``territory=None`` means the Métropole to the providers, sman/indicators.py) — and names the EPT,
    commune or delegated commune of a computed value per territory. Values recorded before territories
    existed are the Métropole's, unchanged. Readers that show an action's series filter ``for_metropole()``.

    ``indicator`` is empty for the values of a provider that no action indicator uses: the daily recording keeps
    every provider's series for every territory, so that the observatory shows a trend for each of them.
    """

    indicator = models.ForeignKey(
        Indicator,
        verbose_name="indicateur",
        on_delete=models.CASCADE,
        related_name="values",
        null=True,
        blank=True,
        help_text="Vide : la valeur d'un calcul du portail qu'aucun indicateur d'action n'utilise.",
    )
    territory = models.ForeignKey(
        Territory,
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Vide : la Métropole.",
    )
    date = models.DateField("date")
    value = models.DecimalField("valeur", max_digits=14, decimal_places=3)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisie par", null=True, blank=True, on_delete=models.SET_NULL
    )
    provider = models.CharField("calculée par", max_length=80, blank=True)
    comment = models.CharField("commentaire", max_length=500, blank=True)
    created_at = models.DateTimeField("enregistrée le", auto_now_add=True)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        verbose_name = "valeur d'indicateur"
        verbose_name_plural = "valeurs d'indicateurs"
        ordering = ("indicator", "date")
        indexes = [models.Index(fields=["indicator", "territory", "date"], name="indicator_value_series")]
        constraints = [
            # One computed value per provider, indicator (or none), territory and date, the Métropole's (no
            # territory) included.
            models.UniqueConstraint(
                fields=["provider", "indicator", "territory", "date"],
                condition=~Q(provider=""),
                nulls_distinct=False,
                name="one_computed_value_per_indicator_territory_and_date",
            ),
            models.CheckConstraint(
                condition=Q(author__isnull=False) | ~Q(provider=""), name="indicator_value_has_an_origin"
            ),
            # A value typed by someone belongs to an action's indicator.
            models.CheckConstraint(
                condition=Q(indicator__isnull=False) | ~Q(provider=""), name="indicator_value_has_an_indicator"
            ),
        ]

    def __str__(self):
        if self.indicator_id is None:
            return f"{self.provider} = {self.value} ({self.territory or 'Métropole'}, {self.date})"
        if self.territory_id:
            return f"{self.indicator} = {self.value} ({self.territory}, {self.date})"
        return f"{self.indicator} = {self.value} ({self.date})"


class CopilSession(models.Model):
    """A session of the COPIL d'exécution, at least one per semester (SMAN §4.1)."""

    class Semester(models.IntegerChoices):
        S1 = 1, "1er semestre"
        S2 = 2, "2nd semestre"

    class Status(models.TextChoices):
        PLANNED = "planned", "prévue"
        CLOSED = "closed", "close"

    year = models.PositiveSmallIntegerField("année")
    semester = models.PositiveSmallIntegerField("semestre", choices=Semester.choices)
    date = models.DateField("date de la séance")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.PLANNED)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="présents", blank=True, related_name="+")
    minutes = models.TextField("compte rendu", blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="close par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "séance du COPIL"
        verbose_name_plural = "séances du COPIL"
        ordering = ("-date",)

    def __str__(self):
        return f"COPIL du {self.date:%d/%m/%Y} ({self.get_semester_display()} {self.year})"

    def get_absolute_url(self):
        return reverse("actions:session_detail", args=[self.pk])

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED


class ActionReview(models.Model):
    """The COPIL's review of one action in one session: facts, the owner's presentation, the opinion.

    Once the session is closed a review is never edited; a correction is a new row that ``corrects``
    the previous one (services.review_correct).
    """

    class Flag(models.TextChoices):
        OK = "ok", "respecté"
        AT_RISK = "at_risk", "à surveiller"
        OFF_TRACK = "off_track", "non respecté"
        UNKNOWN = "unknown", "non renseigné"

    class Opinion(models.TextChoices):
        KEEP = "keep", "maintien"
        SCALE_UP = "scale_up", "diffusion (passage à l'échelle)"
        ABANDON = "abandon", "abandon"

    session = models.ForeignKey(CopilSession, verbose_name="séance", on_delete=models.CASCADE, related_name="reviews")
    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.PROTECT, related_name="reviews")
    progress = models.PositiveSmallIntegerField("avancement (%)", validators=[MaxValueValidator(100)])
    schedule_status = models.CharField("respect du planning", max_length=10, choices=Flag.choices)
    budget_status = models.CharField("respect du budget", max_length=10, choices=Flag.choices)
    justification = models.TextField("justification des écarts", blank=True)
    owner_presentation = models.TextField("présentation du responsable", blank=True)
    opinion = models.CharField("avis du COPIL", max_length=10, choices=Opinion.choices, blank=True)
    reasons = models.TextField("motifs de l'avis", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="avis saisi par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("avis saisi le", null=True, blank=True)
    version = models.PositiveIntegerField("version", default=0)
    corrects = models.ForeignKey(
        "self", verbose_name="corrige", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "revue d'action"
        verbose_name_plural = "revues d'action"
        ordering = ("session", "action__number", "created_at")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "action"],
                condition=Q(corrects__isnull=True),
                name="one_review_per_action_and_session",
            )
        ]

    def __str__(self):
        return f"{self.action} — {self.session}"


class Recommendation(models.Model):
    """A strategic recommendation of the COPIL, per programme, or a proposal for a new scheme."""

    class Programme(models.TextChoices):
        FMIN = "fmin", "FMIN"
        EXPLORATEURS = "explorateurs", "Explorateurs du numérique"
        RESOURCES = "resources", "centre de ressources"
        ENGINEERING = "engineering", "pôle d'ingénierie"
        MARKETPLACE = "marketplace", "place de marché « J'adopte une innovation »"
        BATISSEURS = "batisseurs", "Bâtisseurs du numérique"
        NEW_SCHEME = "new_scheme", "nouveau dispositif"
        ROADMAP = "roadmap", "révision de la feuille de route"

    session = models.ForeignKey(
        CopilSession, verbose_name="séance", on_delete=models.CASCADE, related_name="recommendations"
    )
    programme = models.CharField("programme", max_length=20, choices=Programme.choices)
    text = models.TextField("recommandation")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="auteur", null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "recommandation stratégique"
        verbose_name_plural = "recommandations stratégiques"
        ordering = ("session", "programme", "created_at")

    def __str__(self):
        return f"{self.get_programme_display()} — {self.text[:60]}"


class Report(AbstractJob):
    """The semi-annual evaluation report of a session, rendered as PDF by a Celery task: a long job
    (sman/jobs.py), with heartbeat, recovery and retry; its PDF is the job's result file."""

    result_folder = "reports"

    class State(models.TextChoices):
        PENDING = "pending", "en attente"
        RUNNING = "running", "en cours"
        DONE = "done", "prêt"
        FAILED = "failed", "échec"

    state = state_field(State.choices)
    session = models.ForeignKey(CopilSession, verbose_name="séance", on_delete=models.CASCADE, related_name="reports")

    class Meta:
        verbose_name = "rapport d'évaluation"
        verbose_name_plural = "rapports d'évaluation"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(state__in=["pending", "running"]),
                name="one_report_in_progress_per_session",
            )
        ]

    def __str__(self):
        return f"Rapport — {self.session} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("actions:report_detail", args=[self.pk])

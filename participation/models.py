"""Citizen participation shared by the collectivities (roadmap action #5, sheet #6 of Annex 2: « une
plateforme de consultation à l'échelle du territoire métropolitain qui permettrait à chaque collectivité
volontaire de disposer d'un outil pour mettre en œuvre ses démarches »).

A volunteer collectivity (or the Métropole) has a ``Space``; it runs ``Process``es there, each with dated
``Phase``s and a scope of territories. Citizens propose (``Proposal``), support (``Support``), comment
(``Comment``), report (``Report`` → ``ModerationCase``), vote on participatory budgets (``Budget``,
``BudgetProject``, ``Ballot``); accepted proposals and winning projects are followed as ``Result``s until
delivered. Writes go through ``services.py``.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sman.models import Organisation, Territory
from sman.validators import DocumentValidator

from .validators import ImageValidator

User = settings.AUTH_USER_MODEL


class Space(models.Model):
    """A volunteer collectivity's space (or the Métropole's) on the shared platform."""

    organisation = models.OneToOneField(
        Organisation, verbose_name="collectivité", on_delete=models.PROTECT, related_name="participation_space"
    )
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    presentation = models.TextField("présentation", blank=True, help_text="Texte mis en forme (titres, listes, liens).")
    hide_after_reports = models.PositiveSmallIntegerField(
        "masquage après signalements",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Une contribution est masquée, en attente de modération, après ce nombre de signalements.",
    )
    logo = models.ImageField(
        "logo",
        upload_to="participation/logos/",
        blank=True,
        validators=[ImageValidator(max_mb=2)],
        help_text="PNG, JPEG ou WebP, 2 Mo au plus ; son texte de remplacement est le nom de l'espace.",
    )
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "espace de participation"
        verbose_name_plural = "espaces de participation"
        ordering = ("organisation__name",)

    def __str__(self):
        return self.organisation.name

    @property
    def name(self) -> str:
        return self.organisation.name

    def get_absolute_url(self):
        return reverse("participation:space", args=[self.slug])


class SpaceMember(models.Model):
    """An agent of the space's collectivity who runs it (admin) or moderates it (moderator)."""

    class Role(models.TextChoices):
        ADMIN = "admin", "administrateur de l'espace"
        MODERATOR = "moderator", "modérateur"

    space = models.ForeignKey(Space, verbose_name="espace", on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, verbose_name="agent", on_delete=models.CASCADE, related_name="participation_roles")
    role = models.CharField("rôle", max_length=10, choices=Role.choices)
    created_at = models.DateTimeField("depuis le", auto_now_add=True)

    class Meta:
        verbose_name = "membre d'un espace"
        verbose_name_plural = "membres des espaces"
        ordering = ("space", "role", "user__email")
        constraints = [
            models.UniqueConstraint(
                fields=["space", "user"],
                name="participation_one_role_per_space",
                violation_error_message="Cette personne a déjà un rôle dans cet espace.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.space} ({self.get_role_display()})"


class SpaceBlock(models.Model):
    """A user a space's moderators blocked: they no longer propose, support, comment nor vote there."""

    space = models.ForeignKey(Space, verbose_name="espace", on_delete=models.CASCADE, related_name="blocks")
    user = models.ForeignKey(User, verbose_name="personne", on_delete=models.CASCADE, related_name="+")
    reason = models.TextField("motif", max_length=2000)
    blocked_by = models.ForeignKey(
        User, verbose_name="décidé par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "personne bloquée"
        verbose_name_plural = "personnes bloquées"
        ordering = ("-created_at",)
        constraints = [models.UniqueConstraint(fields=["space", "user"], name="participation_one_block_per_space")]

    def __str__(self):
        return f"{self.user} bloqué dans {self.space}"


class Component(models.TextChoices):
    PROPOSALS = "proposals", "propositions"
    SUPPORTS = "supports", "soutiens"
    COMMENTS = "comments", "commentaires"
    BUDGET = "budget", "budget participatif"
    RESULTS = "results", "suivi des résultats"


class ProcessQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, space__is_active=True)

    def near(self, commune: Territory):
        """Processes whose scope contains ``commune`` (the commune itself, its EPT or the Métropole)."""
        return self.filter(territories__in=Territory.objects.ancestors_of(commune).values("pk")).distinct()

    def for_list(self):
        return self.select_related("space__organisation").prefetch_related("territories", "phases")


class Process(models.Model):
    """A participatory process: a consultation, a call for proposals, a participatory budget…"""

    space = models.ForeignKey(Space, verbose_name="espace", on_delete=models.PROTECT, related_name="processes")
    title = models.CharField("titre", max_length=200)
    slug = models.SlugField("identifiant", max_length=120, unique=True)
    summary = models.CharField("résumé", max_length=400)
    description = models.TextField("description", blank=True, help_text="Texte mis en forme.")
    territories = models.ManyToManyField(
        Territory,
        verbose_name="périmètre",
        related_name="participation_processes",
        help_text="Une ou plusieurs communes, un territoire (EPT) ou la Métropole.",
    )
    categories = ArrayField(models.CharField(max_length=80), verbose_name="catégories", default=list, blank=True)
    supports_per_user = models.PositiveSmallIntegerField(
        "soutiens par personne", default=10, help_text="Nombre de propositions qu'une personne peut soutenir."
    )
    support_threshold = models.PositiveIntegerField(
        "seuil de soutiens", default=50, help_text="Au-delà, la collectivité s'engage à étudier la proposition."
    )
    is_published = models.BooleanField("publiée", default=True)
    created_by = models.ForeignKey(
        User, verbose_name="créée par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ProcessQuerySet.as_manager()

    class Meta:
        verbose_name = "démarche"
        verbose_name_plural = "démarches"
        ordering = ("-created_at",)
        indexes = [GinIndex(fields=["search_vector"], name="participation_process_search")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("participation:process", args=[self.slug])

    def phase_on(self, day=None):
        """The phase under way on ``day`` (today by default), from the prefetched phases."""
        day = day or timezone.localdate()
        for phase in self.phases.all():
            if phase.starts_on <= day <= phase.ends_on:
                return phase
        return None

    @property
    def current_phase(self):
        return self.phase_on()

    def has_component(self, component: str, day=None) -> bool:
        phase = self.phase_on(day)
        return bool(phase and component in phase.components)

    @property
    def is_finished(self) -> bool:
        phases = list(self.phases.all())
        return bool(phases) and max(p.ends_on for p in phases) < timezone.localdate()


class Phase(models.Model):
    class Kind(models.TextChoices):
        INFORMATION = "information", "information"
        PROPOSALS = "proposals", "propositions"
        DELIBERATION = "deliberation", "délibération"
        VOTE = "vote", "vote"
        RESULTS = "results", "résultats"

    process = models.ForeignKey(Process, verbose_name="démarche", on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField("phase", max_length=20, choices=Kind.choices)
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    components = ArrayField(
        models.CharField(max_length=20, choices=Component.choices),
        verbose_name="composants actifs",
        default=list,
        blank=True,
    )
    description = models.TextField("ce qui se passe", blank=True, max_length=2000)

    class Meta:
        verbose_name = "phase"
        verbose_name_plural = "phases"
        ordering = ("process", "starts_on")
        constraints = [
            models.UniqueConstraint(fields=["process", "kind"], name="participation_one_phase_of_each_kind"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="participation_phase_ends_after_start",
                violation_error_message="La fin d'une phase ne peut précéder son début.",
            ),
        ]

    def __str__(self):
        return f"{self.process} — {self.get_kind_display()}"

    @property
    def component_labels(self) -> list[str]:
        return [Component(c).label for c in self.components]

    @property
    def state(self) -> str:
        today = timezone.localdate()
        if today < self.starts_on:
            return "à venir"
        return "terminée" if today > self.ends_on else "en cours"


class ProposalQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def for_list(self):
        return self.select_related("process__space__organisation", "author")


class Proposal(models.Model):
    """A citizen's proposal within a process; the collectivity answers it."""

    class Answer(models.TextChoices):
        NONE = "", "sans réponse"
        EVALUATING = "evaluating", "à l'étude"
        ACCEPTED = "accepted", "acceptée"
        REJECTED = "rejected", "non retenue"

    process = models.ForeignKey(Process, verbose_name="démarche", on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(
        User, verbose_name="auteur", null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    title = models.CharField("titre", max_length=150)
    body = models.TextField("description", max_length=10000)
    category = models.CharField("catégorie", max_length=80, blank=True)
    location = models.PointField("lieu", srid=4326, null=True, blank=True)
    image = models.ImageField(
        "image", upload_to="participation/proposals/", blank=True, validators=[ImageValidator(max_mb=5)]
    )
    image_alt = models.CharField(
        "description de l'image",
        max_length=250,
        blank=True,
        help_text="Ce que montre l'image, pour qui ne la voit pas.",
    )
    support_count = models.PositiveIntegerField("soutiens", default=0)
    answer = models.CharField("réponse", max_length=12, choices=Answer.choices, default="", blank=True)
    answer_text = models.TextField("motif de la réponse", blank=True, max_length=5000)
    estimated_cost_cents = models.BigIntegerField("coût estimé (centimes)", null=True, blank=True)
    answered_at = models.DateTimeField("répondue le", null=True, blank=True)
    answered_by = models.ForeignKey(
        User, verbose_name="répondue par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden = models.BooleanField("masquée", default=False)
    created_at = models.DateTimeField("déposée le", default=timezone.now)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "proposition"
        verbose_name_plural = "propositions"
        ordering = ("-created_at",)
        indexes = [
            GinIndex(fields=["search_vector"], name="participation_proposal_search"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="participation_proposal_trgm"),
            models.Index(fields=["process", "hidden", "-created_at"], name="participation_proposal_list"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost_cents__isnull=True) | Q(estimated_cost_cents__gte=0),
                name="participation_proposal_cost_positive",
            ),
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""),
                name="participation_proposal_image_has_alt",
                violation_error_message="Décrivez l'image en quelques mots.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("participation:proposal", args=[self.pk])

    @property
    def reached_threshold(self) -> bool:
        return self.support_count >= self.process.support_threshold


class Support(models.Model):
    proposal = models.ForeignKey(
        Proposal, verbose_name="proposition", on_delete=models.CASCADE, related_name="supports"
    )
    user = models.ForeignKey(User, verbose_name="personne", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "soutien"
        verbose_name_plural = "soutiens"
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="participation_one_support")]


class Comment(models.Model):
    """A comment on a proposal, or a reply to another comment (threaded)."""

    proposal = models.ForeignKey(
        Proposal, verbose_name="proposition", on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", verbose_name="en réponse à", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        User, verbose_name="auteur", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField("commentaire", max_length=3000)
    depth = models.PositiveSmallIntegerField("profondeur", default=0)
    hidden = models.BooleanField("masqué", default=False)
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "commentaire"
        verbose_name_plural = "commentaires"
        ordering = ("created_at",)
        indexes = [models.Index(fields=["proposal", "created_at"], name="participation_comment_thread")]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return f"{self.proposal.get_absolute_url()}#commentaire-{self.pk}"


class ModerationCase(models.Model):
    """What moderators decide about one reported contribution; the public log shows what was hidden and why,
    never who reported it."""

    class State(models.TextChoices):
        OPEN = "open", "à examiner"
        HIDDEN = "hidden", "masquée"
        KEPT = "kept", "maintenue"

    space = models.ForeignKey(Space, verbose_name="espace", on_delete=models.CASCADE, related_name="moderation_cases")
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation", verbose_name="proposition"
    )
    comment = models.OneToOneField(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation", verbose_name="commentaire"
    )
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.OPEN)
    report_count = models.PositiveIntegerField("signalements", default=0)
    auto_hidden = models.BooleanField("masquée d'office (seuil de signalements)", default=False)
    reason = models.TextField("motif de la décision", blank=True, max_length=2000)
    decided_by = models.ForeignKey(
        User, verbose_name="décidée par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    opened_at = models.DateTimeField("ouverte le", default=timezone.now)

    class Meta:
        verbose_name = "modération"
        verbose_name_plural = "modérations"
        ordering = ("-opened_at",)
        indexes = [models.Index(fields=["space", "state"], name="participation_moderation_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=True, comment__isnull=False)
                | Q(proposal__isnull=False, comment__isnull=True),
                name="participation_case_has_one_target",
            )
        ]

    def __str__(self):
        return f"Modération de « {self.target} »"

    @property
    def target(self):
        return self.proposal if self.proposal_id else self.comment

    @property
    def kind_label(self) -> str:
        return "proposition" if self.proposal_id else "commentaire"


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "publicité ou spam"
        OFFENSIVE = "offensive", "propos injurieux, haineux ou discriminatoires"
        PERSONAL = "personal", "données personnelles d'un tiers"
        OFF_TOPIC = "off_topic", "hors sujet"
        OTHER = "other", "autre"

    case = models.ForeignKey(
        ModerationCase, verbose_name="modération", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        User, verbose_name="signalé par", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("motif", max_length=12, choices=Reason.choices)
    details = models.TextField("précisions", blank=True, max_length=1000)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "signalement"
        verbose_name_plural = "signalements"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["case", "reporter"],
                name="participation_one_report_per_person",
                violation_error_message="Vous avez déjà signalé cette contribution.",
            )
        ]


class Budget(models.Model):
    """A participatory budget of a process, for a commune or one of its districts."""

    class Rule(models.TextChoices):
        APPROVAL = "approval", "vote par approbation (un nombre maximal de projets)"
        BASKET = "basket", "panier (projets choisis dans la limite du montant)"

    process = models.ForeignKey(Process, verbose_name="démarche", on_delete=models.CASCADE, related_name="budgets")
    title = models.CharField("intitulé", max_length=200)
    territory = models.ForeignKey(
        Territory, verbose_name="commune", on_delete=models.PROTECT, related_name="participation_budgets"
    )
    district = models.CharField("quartier", max_length=120, blank=True)
    amount_cents = models.BigIntegerField("montant (centimes)", validators=[MinValueValidator(1)])
    rule = models.CharField("règle de vote", max_length=10, choices=Rule.choices, default=Rule.APPROVAL)
    max_projects = models.PositiveSmallIntegerField(
        "projets au plus", null=True, blank=True, help_text="Vote par approbation : nombre maximal de projets choisis."
    )
    min_share_percent = models.PositiveSmallIntegerField(
        "part minimale dépensée (%)",
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Panier : le panier doit dépenser au moins cette part du montant.",
    )
    residents_only = models.BooleanField(
        "réservé aux habitants", default=False, help_text="L'adresse déclarée doit se trouver dans la commune."
    )
    proof_required = models.BooleanField(
        "justificatif de domicile exigé",
        default=False,
        help_text="Réservé aux habitants : le vote s'ouvre à la personne une fois son justificatif accepté.",
    )
    vote_opens_at = models.DateTimeField("ouverture du vote")
    vote_closes_at = models.DateTimeField("clôture du vote")

    class Meta:
        verbose_name = "budget participatif"
        verbose_name_plural = "budgets participatifs"
        ordering = ("process", "title")
        constraints = [
            models.CheckConstraint(
                condition=Q(vote_closes_at__gt=models.F("vote_opens_at")), name="participation_budget_closes_later"
            ),
            models.CheckConstraint(
                condition=~Q(rule="approval") | Q(max_projects__gte=1),
                name="participation_approval_has_max_projects",
                violation_error_message="Le vote par approbation fixe un nombre maximal de projets.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("participation:budget", args=[self.pk])

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.vote_opens_at <= now < self.vote_closes_at

    @property
    def is_closed(self) -> bool:
        return timezone.now() >= self.vote_closes_at

    @property
    def min_spend_cents(self) -> int:
        return self.amount_cents * self.min_share_percent // 100


class BudgetProject(models.Model):
    budget = models.ForeignKey(Budget, verbose_name="budget", on_delete=models.CASCADE, related_name="projects")
    title = models.CharField("titre", max_length=200)
    description = models.TextField("description", blank=True, max_length=5000)
    cost_cents = models.BigIntegerField("coût (centimes)", validators=[MinValueValidator(1)])
    proposal = models.ForeignKey(
        Proposal,
        verbose_name="proposition d'origine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    selected = models.BooleanField("lauréat", default=False)

    class Meta:
        verbose_name = "projet soumis au vote"
        verbose_name_plural = "projets soumis au vote"
        ordering = ("budget", "title")
        constraints = [
            models.CheckConstraint(condition=Q(cost_cents__gt=0), name="participation_project_cost_positive")
        ]

    def __str__(self):
        return self.title


class Ballot(models.Model):
    """One ballot per citizen per budget (changeable until the vote closes), or a paper ballot entered by an
    agent. On erasure the voter is detached: the ballot stays counted, anonymous."""

    budget = models.ForeignKey(Budget, verbose_name="budget", on_delete=models.PROTECT, related_name="ballots")
    voter = models.ForeignKey(
        User, verbose_name="votant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    projects = models.ManyToManyField(BudgetProject, through="BallotChoice", related_name="+")
    is_paper = models.BooleanField("bulletin papier", default=False)
    paper_reference = models.CharField("numéro du bulletin papier", max_length=40, blank=True)
    entered_by = models.ForeignKey(
        User, verbose_name="saisi par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_address = models.CharField("adresse déclarée", max_length=300, blank=True)
    declared_point = models.PointField("position de l'adresse", srid=4326, null=True, blank=True)
    created_at = models.DateTimeField("déposé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    changes = models.PositiveIntegerField("modifications", default=0)

    class Meta:
        verbose_name = "bulletin"
        verbose_name_plural = "bulletins"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "voter"],
                condition=Q(voter__isnull=False),
                name="participation_one_ballot_per_voter",
                violation_error_message="Cette personne a déjà un bulletin pour ce budget.",
            ),
            models.UniqueConstraint(
                fields=["budget", "paper_reference"],
                condition=Q(is_paper=True),
                name="participation_one_paper_ballot_per_reference",
                violation_error_message="Ce bulletin papier est déjà saisi.",
            ),
        ]

    def __str__(self):
        return f"Bulletin {self.pk} — {self.budget}"


class BallotChoice(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    project = models.ForeignKey(BudgetProject, on_delete=models.PROTECT, related_name="choices")

    class Meta:
        verbose_name = "choix"
        verbose_name_plural = "choix"
        constraints = [models.UniqueConstraint(fields=["ballot", "project"], name="participation_one_choice")]


class Residence(models.Model):
    """The address a citizen declares (residents-only budgets, processes near them), kept for their next votes."""

    user = models.OneToOneField(User, verbose_name="personne", on_delete=models.CASCADE, related_name="residence")
    commune = models.ForeignKey(Territory, verbose_name="commune", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("adresse", max_length=300, blank=True)
    point = models.PointField("position", srid=4326, null=True, blank=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)

    class Meta:
        verbose_name = "adresse déclarée"
        verbose_name_plural = "adresses déclarées"

    def __str__(self):
        return f"{self.user} — {self.commune}"


def _proof_path(instance, filename):
    return f"participation/proofs/{instance.space_id}/{instance.user_id}/{filename}"


class ResidenceProof(models.Model):
    """A citizen's proof of residence, reviewed by the administrators of the space whose residents-only budget
    asks for one. A ballot of such a budget can be cast only once the proof is accepted (the vote is blocked
    until then, so that every ballot counted is a valid one and no ballot waits in between)."""

    class Status(models.TextChoices):
        PENDING = "pending", "en attente d'examen"
        ACCEPTED = "accepted", "accepté"
        REFUSED = "refused", "refusé"

    space = models.ForeignKey(Space, verbose_name="espace", on_delete=models.CASCADE, related_name="proofs")
    user = models.ForeignKey(User, verbose_name="personne", on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey(Territory, verbose_name="commune", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("adresse", max_length=300)
    file = models.FileField("justificatif", upload_to=_proof_path, max_length=300, validators=[DocumentValidator(5)])
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField("motif du refus", blank=True, max_length=2000)
    reviewed_by = models.ForeignKey(
        User, verbose_name="examiné par", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    created_at = models.DateTimeField("déposé le", default=timezone.now)

    class Meta:
        verbose_name = "justificatif de domicile"
        verbose_name_plural = "justificatifs de domicile"
        ordering = ("created_at",)
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="participation_one_proof_per_space"),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(reason=""),
                name="participation_refused_proof_has_reason",
                violation_error_message="Donnez le motif du refus.",
            ),
        ]
        indexes = [models.Index(fields=["space", "status", "created_at"], name="participation_proof_queue")]

    def __str__(self):
        return f"Justificatif de {self.user} — {self.space}"


class Result(models.Model):
    """An accepted proposal or a winning project, followed until delivered (the execution follow-up)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "programmé"
        IN_PROGRESS = "in_progress", "en cours"
        DELIVERED = "delivered", "réalisé"
        ABANDONED = "abandoned", "abandonné"

    process = models.ForeignKey(Process, verbose_name="démarche", on_delete=models.CASCADE, related_name="results")
    proposal = models.OneToOneField(
        Proposal, verbose_name="proposition", null=True, blank=True, on_delete=models.SET_NULL, related_name="result"
    )
    project = models.OneToOneField(
        BudgetProject,
        verbose_name="projet lauréat",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="result",
    )
    title = models.CharField("intitulé", max_length=200)
    description = models.TextField("description", blank=True, max_length=5000)
    status = models.CharField("état", max_length=12, choices=Status.choices, default=Status.PLANNED)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0, validators=[MaxValueValidator(100)])
    budget_cents = models.BigIntegerField("budget (centimes)", null=True, blank=True)
    updated_at = models.DateTimeField("mis à jour le", default=timezone.now)
    delivered_on = models.DateField("réalisé le", null=True, blank=True)

    class Meta:
        verbose_name = "résultat suivi"
        verbose_name_plural = "résultats suivis"
        ordering = ("process", "title")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="participation_progress_at_most_100"),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(progress=100, delivered_on__isnull=False),
                name="participation_delivered_is_complete",
                violation_error_message="Un résultat réalisé est avancé à 100 % et a une date de réalisation.",
            ),
        ]

    def __str__(self):
        return self.title


class Milestone(models.Model):
    result = models.ForeignKey(Result, verbose_name="résultat", on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField("étape", max_length=200)
    planned_on = models.DateField("prévue le", null=True, blank=True)
    done_on = models.DateField("réalisée le", null=True, blank=True)

    class Meta:
        verbose_name = "étape"
        verbose_name_plural = "étapes"
        ordering = ("result", "planned_on", "pk")

    def __str__(self):
        return self.title


class Meeting(models.Model):
    """A public meeting of a process (open to all, or on registration within a capacity), with its minutes."""

    process = models.ForeignKey(Process, verbose_name="démarche", on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField("titre", max_length=200)
    description = models.TextField("programme", blank=True, max_length=5000)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    address = models.CharField("lieu", max_length=300, blank=True)
    location = models.PointField("position", srid=4326, null=True, blank=True)
    online_url = models.URLField("lien de la réunion en ligne", blank=True)
    registration_required = models.BooleanField("sur inscription", default=False)
    capacity = models.PositiveIntegerField("places", null=True, blank=True, help_text="Vide : sans limite.")
    minutes = models.TextField("compte rendu", blank=True, max_length=20000)

    class Meta:
        verbose_name = "réunion"
        verbose_name_plural = "réunions"
        ordering = ("starts_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="participation_meeting_ends_later"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("participation:meeting", args=[self.pk])


class Registration(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name="réunion", on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(User, verbose_name="personne", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("inscrite le", auto_now_add=True)

    class Meta:
        verbose_name = "inscription"
        verbose_name_plural = "inscriptions"
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="participation_one_registration")]


class Survey(models.Model):
    """A questionnaire of a process; each verified citizen answers once. Answers are read by the space's
    administrators (CSV/XLSX), never published one by one."""

    process = models.ForeignKey(Process, verbose_name="démarche", on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField("titre", max_length=200)
    introduction = models.TextField("introduction", blank=True, max_length=3000)
    is_open = models.BooleanField("ouvert aux réponses", default=True)

    class Meta:
        verbose_name = "questionnaire"
        verbose_name_plural = "questionnaires"
        ordering = ("process", "title")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("participation:survey", args=[self.pk])


class Question(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "réponse courte"
        LONG_TEXT = "long_text", "réponse longue"
        SINGLE = "single", "un choix"
        MULTIPLE = "multiple", "plusieurs choix"
        NUMBER = "number", "nombre"
        SCALE = "scale", "échelle de 1 à 5"

    survey = models.ForeignKey(Survey, verbose_name="questionnaire", on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    text = models.CharField("question", max_length=300)
    kind = models.CharField("type", max_length=12, choices=Kind.choices, default=Kind.SHORT_TEXT)
    choices = ArrayField(models.CharField(max_length=150), verbose_name="choix proposés", default=list, blank=True)
    required = models.BooleanField("obligatoire", default=True)

    class Meta:
        verbose_name = "question"
        verbose_name_plural = "questions"
        ordering = ("survey", "position", "pk")

    def __str__(self):
        return self.text


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, verbose_name="questionnaire", on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        User, verbose_name="répondant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField("réponses", default=dict, help_text="Identifiant de la question → réponse.")
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "réponse à un questionnaire"
        verbose_name_plural = "réponses aux questionnaires"
        ordering = ("created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"],
                condition=Q(respondent__isnull=False),
                name="participation_one_response_per_person",
            )
        ]

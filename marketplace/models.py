"""« J'adopte une innovation » and the Grand Paris Métropole Tech community (SMAN §4.2.1.3; action #6, sheet #7).

The community: digital actors sign the participation charter (versioned), keep a public profile and publish
solution sheets. The marketplace: collectivities post needs (a reverse call for projects), possibly pooled by
several of them with their own quantities (a purchasing group); members answer; questions and answers are
visible to every respondent (equal treatment); a funnel records each member's path; a need ends with an
outcome and, when a solution is adopted, a public reference and a follow-up after six months.

The portal is never a procurement procedure: a need states the procedure its buyer intends, and the
thresholds it refers to are data (``ProcurementThreshold``), with their legal reference and date.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from sman.models import Challenge, Organisation, Territory, User
from sman.validators import DocumentValidator

from . import rules


class Theme(models.TextChoices):
    """Themes of needs and solutions (the Bâtisseurs' themes, SMAN §4.2.1.2, and the plan's other fields)."""

    CITIZEN_RELATIONS = "citizen_relations", "gestion de la relation citoyenne"
    MOBILITY = "mobility", "mobilité"
    ENVIRONMENT = "environment", "environnement et biodiversité"
    DIGITAL_INCLUSION = "digital_inclusion", "médiation et inclusion numérique"
    PARTICIPATION = "participation", "participation citoyenne"
    DATA = "data", "données et services urbains"
    ADMINISTRATION = "administration", "modernisation de l'administration"
    EDUCATION = "education", "éducation et jeunesse"
    SECURITY = "security", "cybersécurité"
    OTHER = "other", "autre thème"


def validate_siren(value: str) -> None:
    if not rules.siren_ok(value):
        raise ValidationError(
            "Ce numéro SIREN n'est pas valide : 9 chiffres dont le dernier est une clé de contrôle.", code="siren"
        )


# --- The community --------------------------------------------------------------------------------------------
class CharterQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def current(self):
        """The charter in force: the latest published version (or None)."""
        return self.published().order_by("-version").first()


class Charter(models.Model):
    """A version of the participation charter (SMAN §4.2.1.3 « Expériences proposées »). Publishing a new
    version asks every member to sign again: an organisation is an official member only while it has signed
    the current version."""

    version = models.PositiveIntegerField("version", unique=True)
    title = models.CharField("titre", max_length=200)
    body = models.TextField("texte de la charte", max_length=20000)
    summary_of_changes = models.TextField("changements par rapport à la version précédente", blank=True)
    published_at = models.DateTimeField("publiée le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = CharterQuerySet.as_manager()

    class Meta:
        verbose_name = "charte de participation"
        verbose_name_plural = "chartes de participation"
        ordering = ("-version",)

    def __str__(self):
        return f"Charte v{self.version} — {self.title}"


class CharterSignature(models.Model):
    charter = models.ForeignKey(Charter, verbose_name="version", on_delete=models.PROTECT, related_name="signatures")
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="charter_signatures"
    )
    signed_by = models.ForeignKey(User, verbose_name="signée par", on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField("signée le", default=timezone.now)

    class Meta:
        verbose_name = "signature de la charte"
        verbose_name_plural = "signatures de la charte"
        ordering = ("-signed_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["charter", "organisation"],
                name="marketplace_one_signature_per_version",
                violation_error_message="Cette organisation a déjà signé cette version de la charte.",
            )
        ]

    def __str__(self):
        return f"{self.organisation} — v{self.charter.version}"


class MemberCategory(models.TextChoices):
    STARTUP = "startup", "start-up"
    SME = "sme", "PME"
    LARGE = "large", "grande entreprise"
    ASSOCIATION = "association", "association"
    UNIVERSITY = "university", "établissement d'enseignement supérieur ou de recherche"
    INCUBATOR = "incubator", "incubateur ou investisseur"


class MemberProfile(models.Model):
    """A digital actor's public profile in the directory (« un annuaire de prestataires locaux »)."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="member_profile",
        limit_choices_to={"kind": Organisation.Kind.DIGITAL_ACTOR},
    )
    category = models.CharField("catégorie", max_length=20, choices=MemberCategory.choices)
    siren = models.CharField(
        "SIREN",
        max_length=9,
        blank=True,
        validators=[validate_siren],
        help_text="9 chiffres ; vérifié (clé de contrôle) et unique dans l'annuaire.",
    )
    activity = models.TextField("activité", max_length=3000)
    references = models.TextField("références", blank=True, max_length=3000)
    areas = models.ManyToManyField(
        Territory, blank=True, related_name="marketplace_members", verbose_name="territoires d'intervention"
    )
    is_listed = models.BooleanField("visible dans l'annuaire", default=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = "profil de membre"
        verbose_name_plural = "profils de membres"
        ordering = ("organisation__name",)
        indexes = [GinIndex(fields=["search_vector"], name="mkt_member_search")]
        constraints = [
            models.UniqueConstraint(
                fields=["siren"],
                condition=~Q(siren=""),
                name="marketplace_member_siren_unique",
                violation_error_message="Une autre organisation de l'annuaire a déjà ce numéro SIREN.",
            )
        ]

    def __str__(self):
        return str(self.organisation)

    def get_absolute_url(self):
        return reverse("marketplace:member_detail", args=[self.organisation.slug])


# --- Solutions ----------------------------------------------------------------------------------------------------
class SolutionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Solution.Status.PUBLISHED)

    def with_adoptions(self):
        """Annotates ``adopting_count``: the collectivities that adopted the solution (the public reference)."""
        return self.annotate(
            adopting_count=models.Count("adoptions__collectivities", distinct=True),
        )


class Solution(models.Model):
    """A member's solution sheet."""

    class Status(models.TextChoices):
        DRAFT = "draft", "brouillon"
        PUBLISHED = "published", "publiée"
        ARCHIVED = "archived", "archivée"

    class PriceModel(models.TextChoices):
        FREE = "free", "gratuit"
        OPEN_SOURCE = "open_source", "logiciel libre (services payants éventuels)"
        SUBSCRIPTION = "subscription", "abonnement"
        LICENCE = "licence", "licence"
        PER_USE = "per_use", "à l'usage"
        QUOTE = "quote", "sur devis"

    class Accessibility(models.TextChoices):
        FULL = "full", "totalement conforme (RGAA)"
        PARTIAL = "partial", "partiellement conforme (RGAA)"
        NONE = "none", "non conforme"
        NOT_ASSESSED = "not_assessed", "non évaluée"

    class Hosting(models.TextChoices):
        FRANCE = "france", "en France"
        EU = "eu", "dans l'Union européenne"
        OUTSIDE_EU = "outside_eu", "hors de l'Union européenne"
        ON_PREMISE = "on_premise", "chez la collectivité"
        NOT_APPLICABLE = "not_applicable", "sans objet"

    member = models.ForeignKey(
        Organisation,
        verbose_name="membre",
        on_delete=models.CASCADE,
        related_name="marketplace_solutions",
        limit_choices_to={"kind": Organisation.Kind.DIGITAL_ACTOR},
    )
    title = models.CharField("nom de la solution", max_length=200)
    problem = models.TextField("ce qu'elle résout", max_length=3000)
    audience = models.CharField("pour qui", max_length=300)
    description = models.TextField("description", max_length=6000)
    price_model = models.CharField("modèle de prix", max_length=20, choices=PriceModel.choices)
    price_note = models.CharField("précisions sur le prix", max_length=300, blank=True)
    references = models.TextField("références", blank=True, max_length=3000)
    accessibility = models.CharField(
        "accessibilité", max_length=20, choices=Accessibility.choices, default=Accessibility.NOT_ASSESSED
    )
    accessibility_note = models.CharField("précisions sur l'accessibilité", max_length=300, blank=True)
    gdpr_note = models.TextField("données personnelles (RGPD)", blank=True, max_length=2000)
    hosting = models.CharField("hébergement des données", max_length=20, choices=Hosting.choices)
    hosting_note = models.CharField("précisions sur l'hébergement", max_length=300, blank=True)
    challenges = models.ManyToManyField(
        Challenge, blank=True, related_name="marketplace_solutions", verbose_name="défis"
    )
    themes = ArrayField(
        models.CharField(max_length=20, choices=Theme.choices), default=list, blank=True, verbose_name="thèmes"
    )
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = SolutionQuerySet.as_manager()

    class Meta:
        verbose_name = "solution"
        verbose_name_plural = "solutions"
        ordering = ("title",)
        indexes = [
            GinIndex(fields=["search_vector"], name="mkt_solution_search"),
            GinIndex(fields=["themes"], name="mkt_solution_themes"),
            models.Index(fields=["status", "member"], name="mkt_solution_status"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("marketplace:solution_detail", args=[self.pk])

    def theme_labels(self) -> list[str]:
        return [Theme(t).label for t in self.themes if t in Theme.values]


class SolutionFacet(models.Model):
    """What the matching reads of a published solution, in a narrow row (about 200 bytes against 3 kB for the
    sheet with its text): its member, défis, themes and a vector of its title (A) and problem (B) only. One row
    per published solution, rewritten by ``services.refresh_solution_facets`` after each write on the sheet;
    the member's territory, activity and charter signature are joined at matching time (narrow tables)."""

    solution = models.OneToOneField(
        Solution, verbose_name="solution", primary_key=True, on_delete=models.CASCADE, related_name="facet"
    )
    member = models.ForeignKey(Organisation, verbose_name="membre", on_delete=models.CASCADE, related_name="+")
    challenge_ids = ArrayField(models.BigIntegerField(), default=list, verbose_name="défis")
    themes = ArrayField(models.CharField(max_length=20), default=list, verbose_name="thèmes")
    text_vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = "facettes d'une solution"
        verbose_name_plural = "facettes des solutions"
        indexes = [
            GinIndex(fields=["challenge_ids"], name="mkt_facet_challenges"),
            GinIndex(fields=["text_vector"], name="mkt_facet_text"),
        ]

    def __str__(self):
        return f"facettes de la solution {self.solution_id}"


class SolutionExperiment(models.Model):
    """A funded FMIN project that experiments a solution: set by the agents of the project's lead collectivity,
    shown on the solution's page (« expérimentée dans le FMIN »). The link lives here: fmin's models are untouched."""

    solution = models.ForeignKey(
        Solution, verbose_name="solution", on_delete=models.CASCADE, related_name="experiments"
    )
    application = models.ForeignKey(
        "fmin.Application", verbose_name="projet FMIN", on_delete=models.CASCADE, related_name="+"
    )
    linked_by = models.ForeignKey(User, verbose_name="lié par", on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField("lié le", auto_now_add=True)

    class Meta:
        verbose_name = "expérimentation FMIN d'une solution"
        verbose_name_plural = "expérimentations FMIN des solutions"
        ordering = ("-linked_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["solution", "application"],
                name="marketplace_one_experiment_link",
                violation_error_message="Ce projet FMIN est déjà lié à cette solution.",
            )
        ]

    def __str__(self):
        return f"{self.solution} ← FMIN {self.application_id}"


def _document_path(instance, filename):
    return f"marketplace/{timezone.now():%Y/%m}/{filename}"


class SolutionDocument(models.Model):
    solution = models.ForeignKey(Solution, verbose_name="solution", on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("titre", max_length=200)
    file = models.FileField("document", upload_to=_document_path, validators=[DocumentValidator()])
    uploaded_by = models.ForeignKey(User, verbose_name="déposé par", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "document de solution"
        verbose_name_plural = "documents de solution"
        ordering = ("title",)

    def __str__(self):
        return self.title


# --- Procurement thresholds (data, never hard-coded) --------------------------------------------------------------
class ProcurementThresholdQuerySet(models.QuerySet):
    def in_force(self, day=None):
        """For each kind, the row whose date of effect is the latest on or before ``day`` (today by default)."""
        day = day or timezone.localdate()
        return self.filter(effective_on__lte=day).order_by("kind", "-effective_on").distinct("kind")


class ProcurementThreshold(models.Model):
    """A threshold of the Code de la commande publique a need refers to, with its legal reference and date of
    effect: staff update the rows when the law changes, no code does."""

    class Kind(models.TextChoices):
        INNOVATIVE = "innovative", "achat innovant sans publicité ni mise en concurrence"
        INNOVATIVE_LOT = (
            "innovative_lot",
            "lot innovant (fournitures ou services) sans publicité ni mise en concurrence",
        )
        DISPENSED_SUPPLIES = (
            "dispensed_supplies",
            "marché de fournitures ou de services sans publicité ni mise en concurrence",
        )
        DISPENSED_WORKS = "dispensed_works", "marché de travaux sans publicité ni mise en concurrence"
        FORMAL_SUPPLIES = "formal_supplies", "procédure formalisée (fournitures et services des collectivités)"

    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    label = models.CharField("intitulé", max_length=200)
    amount_cents = models.BigIntegerField("montant hors taxes (centimes)")
    legal_reference = models.CharField(
        "référence juridique", max_length=300, help_text="Article du code et texte qui fixe le montant."
    )
    source_url = models.URLField("source officielle", blank=True)
    effective_on = models.DateField("en vigueur à partir du")
    note = models.TextField("remarque", blank=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    objects = ProcurementThresholdQuerySet.as_manager()

    class Meta:
        verbose_name = "seuil de la commande publique"
        verbose_name_plural = "seuils de la commande publique"
        ordering = ("kind", "-effective_on")
        constraints = [
            models.UniqueConstraint(fields=["kind", "effective_on"], name="marketplace_one_threshold_per_date"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="marketplace_threshold_positive"),
        ]

    def __str__(self):
        return f"{self.label} ({self.effective_on:%d/%m/%Y})"


# --- Needs ----------------------------------------------------------------------------------------------------------
class Procedure(models.TextChoices):
    """The procedure a buyer intends: the portal itself is none of them."""

    UNDECIDED = "undecided", "pas encore décidée"
    INNOVATIVE = "innovative", "achat innovant sans publicité ni mise en concurrence (art. R2122-9-1)"
    DISPENSED = "dispensed", "marché de faible montant sans publicité ni mise en concurrence (art. R2122-8)"
    ADAPTED = "adapted", "procédure adaptée (MAPA)"
    FORMAL = "formal", "procédure formalisée (appel d'offres…)"
    INNOVATION_PARTNERSHIP = "innovation_partnership", "partenariat d'innovation"
    EXPERIMENT = "experiment", "expérimentation sans achat (convention, prêt)"


class BudgetBand(models.TextChoices):
    UNDER_10K = "under_10k", "moins de 10 000 € HT"
    FROM_10K_TO_40K = "10k_40k", "de 10 000 à 40 000 € HT"
    FROM_40K_TO_100K = "40k_100k", "de 40 000 à 100 000 € HT"
    FROM_100K_TO_220K = "100k_220k", "de 100 000 à 220 000 € HT"
    OVER_220K = "over_220k", "plus de 220 000 € HT"


class NeedQuerySet(models.QuerySet):
    def published(self):
        """What everybody sees: needs published, closed or decided (never drafts nor needs in review)."""
        return self.exclude(state__in=Need.PRIVATE_STATES)

    def open(self):
        return self.filter(state=Need.State.PUBLISHED)

    def for_list(self):
        """With the buyer, territory, défi and the size of the purchasing group (a sub-select, not a GROUP BY: a
        ranked search sorts narrow rows)."""
        group = (
            NeedParticipant.objects.filter(need=models.OuterRef("pk"))
            .order_by()
            .values("need")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.select_related("buyer", "territory", "challenge").annotate(
            participant_count=models.Subquery(group, output_field=models.IntegerField())
        )


class Need(models.Model):
    """A collectivity's need (a reverse call for projects)."""

    class State(models.TextChoices):
        DRAFT = "draft", "brouillon"
        IN_REVIEW = "in_review", "en relecture"
        PUBLISHED = "published", "publié"
        CLOSED = "closed", "clos"
        DECIDED = "decided", "issue connue"

    PRIVATE_STATES = (State.DRAFT, State.IN_REVIEW)  # seen by the lead collectivity (and staff) only

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", "solution adoptée"
        NOT_PURSUED = "not_pursued", "sans suite"
        PROCUREMENT_LAUNCHED = "procurement_launched", "consultation lancée"

    buyer = models.ForeignKey(
        Organisation,
        verbose_name="collectivité porteuse",
        on_delete=models.PROTECT,
        related_name="marketplace_needs",
        limit_choices_to={"kind__in": [Organisation.Kind.COLLECTIVITY, Organisation.Kind.METROPOLE]},
    )
    created_by = models.ForeignKey(User, verbose_name="créé par", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("titre", max_length=200)
    problem = models.TextField("problème à résoudre", max_length=4000)
    context = models.TextField("contexte", blank=True, max_length=4000)
    expected_outcome = models.TextField("résultat attendu", max_length=3000)
    challenge = models.ForeignKey(
        Challenge,
        verbose_name="défi",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="marketplace_needs",
    )
    themes = ArrayField(
        models.CharField(max_length=20, choices=Theme.choices), default=list, blank=True, verbose_name="thèmes"
    )
    territory = models.ForeignKey(
        Territory, verbose_name="territoire concerné", on_delete=models.PROTECT, related_name="marketplace_needs"
    )
    budget_band = models.CharField("budget indicatif", max_length=12, choices=BudgetBand.choices, blank=True)
    deadline = models.DateField("date limite des réponses")
    contact_name = models.CharField("contact", max_length=200)
    contact_email = models.EmailField("adresse du contact")
    procedure = models.CharField(
        "procédure envisagée", max_length=25, choices=Procedure.choices, default=Procedure.UNDECIDED
    )
    quantity_unit = models.CharField(
        "unité des quantités",
        max_length=60,
        blank=True,
        help_text="Par exemple « licences », « écoles », « capteurs ».",
    )
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    outcome = models.CharField("issue", max_length=25, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField("commentaire sur l'issue", blank=True, max_length=2000)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    published_at = models.DateTimeField("publié le", null=True, blank=True)
    closed_at = models.DateTimeField("clos le", null=True, blank=True)
    decided_at = models.DateTimeField("issue connue le", null=True, blank=True)
    matched_at = models.DateTimeField("rapproché le", null=True, blank=True)
    first_match_count = models.PositiveIntegerField(
        "membres rapprochés à la publication",
        null=True,
        blank=True,
        help_text="Le nombre de membres trouvés par le premier rapprochement (un besoin peu couvert en a peu).",
    )
    review_requested_at = models.DateTimeField("soumis à la relecture le", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, verbose_name="relu par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(
        "motif du renvoi", blank=True, max_length=2000, help_text="Ce que la collectivité doit reprendre."
    )
    search_vector = SearchVectorField(null=True, editable=False)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = "besoin"
        verbose_name_plural = "besoins"
        ordering = ("-published_at", "-created_at")
        indexes = [
            GinIndex(fields=["search_vector"], name="mkt_need_search"),
            models.Index(fields=["state", "-published_at"], name="mkt_need_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="decided", outcome__gt="") | ~Q(state="decided") & Q(outcome=""),
                name="marketplace_need_outcome_iff_decided",
                violation_error_message="Une issue n'est donnée qu'à un besoin dont l'issue est connue.",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("marketplace:need_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.PUBLISHED and self.deadline >= timezone.localdate()

    @property
    def is_pooled(self) -> bool:
        return getattr(self, "participant_count", None) is not None and self.participant_count > 1

    def theme_labels(self) -> list[str]:
        return [Theme(t).label for t in self.themes if t in Theme.values]


class NeedSearchRow(models.Model):
    """What the needs search reads of a public need (published, closed or decided), in a narrow row: its state,
    date, défi, themes, territory, its full search vector (the same as the need's) and a vector of its title
    alone. About 700 bytes against 3.6 kB for the need with its text: counting and ranking the matches of a word
    found in most needs reads a fifth of the pages. One row per public need, none for a draft or a need in
    review, rewritten by ``services.refresh_need_search`` after each write on the need."""

    need = models.OneToOneField(
        Need, verbose_name="besoin", primary_key=True, on_delete=models.CASCADE, related_name="search_row"
    )
    state = models.CharField("état", max_length=10, choices=Need.State.choices)
    published_at = models.DateTimeField("publié le", null=True)
    challenge = models.ForeignKey(
        Challenge, verbose_name="défi", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    themes = ArrayField(models.CharField(max_length=20), default=list, verbose_name="thèmes")
    territory = models.ForeignKey(
        Territory, verbose_name="territoire", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    search_vector = SearchVectorField(null=True)
    title_vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = "ligne de recherche d'un besoin"
        verbose_name_plural = "lignes de recherche des besoins"
        indexes = [GinIndex(fields=["search_vector"], name="mkt_needsearch_text")]

    def __str__(self):
        return f"recherche du besoin {self.need_id}"


class ReviewSetting(models.Model):
    """Whether the Métropole's staff read a need before it is published (one row, edited by staff in the admin).
    With the review on, « Publier » sends the need « en relecture »; staff publish it or send it back with a
    reason (e-mailed to the collectivity)."""

    review_needs = models.BooleanField(
        "relire les besoins avant publication",
        default=False,
        help_text="Si coché, un besoin soumis par une collectivité attend la relecture de l'équipe "
        "avant d'être publié.",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "réglage de la relecture"
        verbose_name_plural = "réglage de la relecture"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="marketplace_one_review_setting")]

    def __str__(self):
        return "Relecture des besoins : " + ("oui" if self.review_needs else "non")

    @classmethod
    def review_required(cls) -> bool:
        setting = cls.objects.filter(pk=1).first()
        return bool(setting and setting.review_needs)


class NeedParticipant(models.Model):
    """A collectivity in a need's purchasing group (« groupement de commandes »), with its own quantity."""

    need = models.ForeignKey(Need, verbose_name="besoin", on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        Organisation, verbose_name="collectivité", on_delete=models.PROTECT, related_name="marketplace_participations"
    )
    quantity = models.PositiveIntegerField("quantité", default=1)
    is_lead = models.BooleanField("porteuse", default=False)
    joined_by = models.ForeignKey(User, verbose_name="ajoutée par", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField("depuis le", default=timezone.now)

    class Meta:
        verbose_name = "collectivité du groupement"
        verbose_name_plural = "collectivités du groupement"
        ordering = ("-is_lead", "organisation__name")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "organisation"],
                name="marketplace_one_participation_per_need",
                violation_error_message="Cette collectivité participe déjà à ce besoin.",
            ),
            models.UniqueConstraint(fields=["need"], condition=Q(is_lead=True), name="marketplace_one_lead_per_need"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="marketplace_participant_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.organisation} × {self.quantity}"


class Response(models.Model):
    """A member's answer to a need: one per member and need (a constraint), seen by the buyers and its author only."""

    need = models.ForeignKey(Need, verbose_name="besoin", on_delete=models.CASCADE, related_name="responses")
    member = models.ForeignKey(
        Organisation, verbose_name="membre", on_delete=models.PROTECT, related_name="marketplace_responses"
    )
    solution = models.ForeignKey(
        Solution,
        verbose_name="solution proposée",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
    )
    proposal = models.TextField("proposition", max_length=6000)
    price_cents = models.BigIntegerField("indication de prix HT (centimes)", null=True, blank=True)
    price_note = models.CharField("précisions sur le prix", max_length=300, blank=True)
    submitted_by = models.ForeignKey(User, verbose_name="déposée par", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("déposée le", default=timezone.now)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    shortlisted_at = models.DateTimeField("retenue le", null=True, blank=True)
    read_at = models.DateTimeField("lue le", null=True, blank=True)

    class Meta:
        verbose_name = "réponse"
        verbose_name_plural = "réponses"
        ordering = ("submitted_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["need", "member"],
                name="marketplace_one_response_per_member",
                violation_error_message="Votre organisation a déjà répondu à ce besoin : modifiez sa réponse.",
            ),
            models.CheckConstraint(
                condition=Q(price_cents__isnull=True) | Q(price_cents__gte=0), name="marketplace_response_price"
            ),
        ]

    def __str__(self):
        return f"{self.member} → {self.need}"


class ResponseDocument(models.Model):
    response = models.ForeignKey(Response, verbose_name="réponse", on_delete=models.CASCADE, related_name="documents")
    title = models.CharField("titre", max_length=200)
    file = models.FileField("document", upload_to=_document_path, validators=[DocumentValidator()])
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "document de réponse"
        verbose_name_plural = "documents de réponse"
        ordering = ("title",)

    def __str__(self):
        return self.title


class Question(models.Model):
    """A respondent's question on a need. Once answered, question and answer are shown to everybody who sees
    the need, without the name of who asked (equal treatment of the respondents)."""

    need = models.ForeignKey(Need, verbose_name="besoin", on_delete=models.CASCADE, related_name="questions")
    member = models.ForeignKey(
        Organisation, verbose_name="posée par", on_delete=models.PROTECT, related_name="marketplace_questions"
    )
    asked_by = models.ForeignKey(User, verbose_name="auteur", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("question", max_length=2000)
    asked_at = models.DateTimeField("posée le", default=timezone.now)
    answer = models.TextField("réponse", blank=True, max_length=4000)
    answered_by = models.ForeignKey(
        User, verbose_name="répondue par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField("répondue le", null=True, blank=True)

    class Meta:
        verbose_name = "question"
        verbose_name_plural = "questions"
        ordering = ("asked_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answer__gt=""), name="marketplace_answered_has_answer"
            )
        ]

    def __str__(self):
        return self.text[:60]


class FunnelStage(models.TextChoices):
    NOTIFIED = "notified", "informé"
    VIEWED = "viewed", "a consulté"
    INTERESTED = "interested", "intéressé"
    ANSWERED = "answered", "a répondu"
    SHORTLISTED = "shortlisted", "retenu"
    ADOPTED = "adopted", "adopté"


FUNNEL_ORDER = [stage.value for stage in FunnelStage]


class FunnelEvent(models.Model):
    """A step of a member on a need, recorded once (the first time) with its date."""

    need = models.ForeignKey(Need, verbose_name="besoin", on_delete=models.CASCADE, related_name="funnel_events")
    member = models.ForeignKey(
        Organisation, verbose_name="membre", on_delete=models.CASCADE, related_name="marketplace_funnel_events"
    )
    stage = models.CharField("étape", max_length=12, choices=FunnelStage.choices)
    at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "étape du parcours"
        verbose_name_plural = "étapes du parcours"
        ordering = ("need", "member", "at")
        constraints = [
            models.UniqueConstraint(fields=["need", "member", "stage"], name="marketplace_one_event_per_stage")
        ]

    def __str__(self):
        return f"{self.member} — {self.get_stage_display()}"


class Match(models.Model):
    """A member (and its best solution) proposed for a published need, with its score and the reasons."""

    need = models.ForeignKey(Need, verbose_name="besoin", on_delete=models.CASCADE, related_name="matches")
    member = models.ForeignKey(
        Organisation, verbose_name="membre", on_delete=models.CASCADE, related_name="marketplace_matches"
    )
    solution = models.ForeignKey(
        Solution, verbose_name="solution", null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    score = models.PositiveIntegerField("score")
    reasons = ArrayField(models.CharField(max_length=200), default=list, verbose_name="raisons")
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "rapprochement"
        verbose_name_plural = "rapprochements"
        ordering = ("-score", "pk")
        constraints = [models.UniqueConstraint(fields=["need", "member"], name="marketplace_one_match_per_member")]

    def __str__(self):
        return f"{self.need} ↔ {self.member} ({self.score})"


class Adoption(models.Model):
    """A solution adopted at the end of a need, by the collectivities of its purchasing group."""

    class StillInUse(models.TextChoices):
        YES = "yes", "oui, toujours utilisée"
        PARTLY = "partly", "en partie"
        NO = "no", "non, abandonnée"

    need = models.OneToOneField(Need, verbose_name="besoin", on_delete=models.CASCADE, related_name="adoption")
    solution = models.ForeignKey(Solution, verbose_name="solution", on_delete=models.PROTECT, related_name="adoptions")
    collectivities = models.ManyToManyField(
        Organisation, related_name="marketplace_adoptions", verbose_name="collectivités qui l'adoptent"
    )
    adopted_on = models.DateField("adoptée le")
    recorded_by = models.ForeignKey(User, verbose_name="enregistrée par", on_delete=models.PROTECT, related_name="+")
    follow_up_due_on = models.DateField("suivi à six mois prévu le")
    still_in_use = models.CharField("toujours utilisée ?", max_length=10, choices=StillInUse.choices, blank=True)
    follow_up_note = models.TextField("commentaire du suivi", blank=True, max_length=2000)
    followed_up_at = models.DateTimeField("suivi renseigné le", null=True, blank=True)

    class Meta:
        verbose_name = "adoption"
        verbose_name_plural = "adoptions"
        ordering = ("-adopted_on",)

    def __str__(self):
        return f"{self.solution} — {self.need}"


class LexemeStat(models.Model):
    """How many published solutions and listed profiles contain each French lexeme (``ts_stat``), refreshed
    daily by ``services.lexeme_stats_refresh``: the matching queries a need's rarest words, those that tell
    solutions apart (a word every sheet contains ranks nothing)."""

    word = models.CharField("lexème", max_length=200, primary_key=True)
    documents = models.PositiveIntegerField("documents")

    class Meta:
        verbose_name = "fréquence d'un lexème"
        verbose_name_plural = "fréquences des lexèmes"

    def __str__(self):
        return f"{self.word} ({self.documents})"


# --- Events « Métropole d'intelligences » -------------------------------------------------------------------------
class CommunityEvent(models.Model):
    """An event of the community (« Métropole d'intelligences », SMAN §4.2.1.3), created by staff. People acting
    for a member register one by one: first come, first seated, then a waiting list that moves up in order when
    someone cancels; staff take attendance afterwards (the « participants aux événements » indicator)."""

    title = models.CharField("titre", max_length=200)
    description = models.TextField("présentation", max_length=4000)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    place = models.CharField("lieu", max_length=300)
    territory = models.ForeignKey(
        Territory, verbose_name="territoire", on_delete=models.PROTECT, related_name="marketplace_events"
    )
    seats = models.PositiveIntegerField("places")
    created_by = models.ForeignKey(User, verbose_name="créé par", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    attendance_taken_at = models.DateTimeField("présences relevées le", null=True, blank=True)

    class Meta:
        verbose_name = "événement de la communauté"
        verbose_name_plural = "événements de la communauté"
        ordering = ("starts_at", "pk")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="marketplace_event_ends_after"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="marketplace_event_has_seats"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("marketplace:event_detail", args=[self.pk])


class EventRegistration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", "inscrit"
        WAITLISTED = "waitlisted", "en liste d'attente"
        CANCELLED = "cancelled", "désinscrit"

    event = models.ForeignKey(
        CommunityEvent, verbose_name="événement", on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(User, verbose_name="personne", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name="membre", on_delete=models.CASCADE, related_name="marketplace_event_registrations"
    )
    status = models.CharField("état", max_length=10, choices=Status.choices)
    registered_at = models.DateTimeField("inscrit le", default=timezone.now)
    attended = models.BooleanField("présent", null=True, blank=True)

    class Meta:
        verbose_name = "inscription à un événement"
        verbose_name_plural = "inscriptions aux événements"
        ordering = ("registered_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="marketplace_one_registration_per_person",
                violation_error_message="Vous êtes déjà inscrit à cet événement.",
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.event}"

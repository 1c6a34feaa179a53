"""Thematic prizes of the Grand Paris Métropole Tech community (action #6, SMAN §4.2.1.3: « des prix
thématiques ») and the resource centre's contests with a jury (action #7, Annex 2 sheet #8: « concours … pour
alimenter le site »): one app for both.

A contest opens a call, receives entries (one per candidate), closes for its jury, whose members score each
entry on the contest's weighted criteria, and publishes its winners (a prize per winner). A prize's candidates
are member organisations of the community that signed the charter in force, each entry pointing to one of its
marketplace solutions; a resource contest's candidates are contributors, each entry pointing to one of their
published resources.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sman.models import Challenge, Organisation, Territory
from sman.validators import DocumentValidator

User = settings.AUTH_USER_MODEL

MAX_SCORE = 10


class Module(models.TextChoices):
    MARKETPLACE = "marketplace", "prix thématique de Grand Paris Métropole Tech"
    RESOURCES = "resources", "concours du centre de ressources"


class ContestQuerySet(models.QuerySet):
    def public(self):
        """What everyone sees: every contest but drafts."""
        return self.exclude(status=Contest.Status.DRAFT)


class Contest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "en préparation"
        OPEN = "open", "candidatures ouvertes"
        JUDGING = "judging", "délibération du jury"
        PUBLISHED = "published", "résultats publiés"

    module = models.CharField("nature", max_length=20, choices=Module.choices)
    slug = models.SlugField("identifiant", max_length=120, unique=True)
    title = models.CharField("titre", max_length=200)
    theme = models.CharField("thème", max_length=200)
    challenge = models.ForeignKey(
        Challenge, null=True, blank=True, on_delete=models.SET_NULL, related_name="contests", verbose_name="défi"
    )
    call_text = models.TextField("appel à candidatures", help_text="Texte enrichi, nettoyé à l'enregistrement.")
    rules = models.TextField("règlement", help_text="Texte enrichi, nettoyé à l'enregistrement.")
    opens_on = models.DateField("ouverture des candidatures")
    closes_on = models.DateField("clôture des candidatures")
    jury_deadline = models.DateField("fin des délibérations du jury")
    results_on = models.DateField("annonce des résultats prévue le")
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    results_published_at = models.DateTimeField("résultats publiés le", null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="créé par")
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    objects = ContestQuerySet.as_manager()

    class Meta:
        verbose_name = "prix ou concours"
        verbose_name_plural = "prix et concours"
        ordering = ("-opens_on", "title")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_on__lte=models.F("closes_on"))
                & Q(closes_on__lte=models.F("jury_deadline"))
                & Q(jury_deadline__lte=models.F("results_on")),
                name="contest_dates_in_order",
                violation_error_message="Les dates doivent se suivre : ouverture, clôture, fin du jury, résultats.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("contests:detail", args=[self.slug])

    @property
    def is_prize(self) -> bool:
        return self.module == Module.MARKETPLACE

    @property
    def accepts_entries(self) -> bool:
        return self.status == self.Status.OPEN and timezone.localdate() <= self.closes_on


class Prize(models.Model):
    """What the contest awards: « Grand prix », « Prix coup de cœur »…, with an optional amount."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="prizes", verbose_name="concours")
    label = models.CharField("intitulé", max_length=120)
    amount_cents = models.PositiveBigIntegerField("montant (centimes)", null=True, blank=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "prix décerné"
        verbose_name_plural = "prix décernés"
        ordering = ("position", "pk")
        constraints = [models.UniqueConstraint(fields=["contest", "label"], name="prize_label_unique")]

    def __str__(self):
        return self.label


class Criterion(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="criteria", verbose_name="concours")
    label = models.CharField("critère", max_length=200)
    weight = models.PositiveSmallIntegerField("poids", default=1, validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "critère"
        verbose_name_plural = "critères"
        ordering = ("position", "pk")
        constraints = [
            models.UniqueConstraint(fields=["contest", "label"], name="criterion_label_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return f"{self.label} (×{self.weight})"


def _entry_document_path(instance, filename):
    return f"contests/{timezone.now():%Y/%m}/{filename}"


class EntryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class Entry(models.Model):
    """A candidacy. The candidate is the organisation for a prize, the user for a resource contest: one
    entry per candidate per contest (withdrawing keeps the place; entering again reopens it)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries", verbose_name="concours")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contest_entries",
        verbose_name="organisation candidate",
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="contest_entries", verbose_name="déposée par")
    title = models.CharField("titre", max_length=200)
    pitch = models.TextField("présentation", max_length=4000)
    solution = models.ForeignKey(
        "marketplace.Solution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contest_entries",
        verbose_name="solution présentée",
    )
    resource = models.ForeignKey(
        "resources.Resource",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contest_entries",
        verbose_name="ressource présentée",
    )
    document = models.FileField(
        "document", upload_to=_entry_document_path, validators=[DocumentValidator()], blank=True
    )
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="territoire"
    )
    submitted_at = models.DateTimeField("déposée le", default=timezone.now)
    withdrawn_at = models.DateTimeField("retirée le", null=True, blank=True)
    prize = models.OneToOneField(
        Prize, null=True, blank=True, on_delete=models.PROTECT, related_name="winner", verbose_name="prix obtenu"
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "candidature"
        verbose_name_plural = "candidatures"
        ordering = ("submitted_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "organisation"],
                condition=Q(organisation__isnull=False),
                name="entry_one_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["contest", "user"], condition=Q(organisation__isnull=True), name="entry_one_per_user"
            ),
            models.CheckConstraint(
                condition=Q(solution__isnull=True) | Q(resource__isnull=True), name="entry_one_subject"
            ),
        ]
        indexes = [models.Index(fields=["contest", "withdrawn_at"], name="entry_contest_active")]

    def __str__(self):
        return self.title

    @property
    def candidate_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        return self.user.get_full_name() or self.user.email

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class Juror(models.Model):
    """A jury member of one contest, and their declaration of interests: they never score an entry of an
    organisation they act for, nor an entry they declared a conflict with."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="jurors", verbose_name="concours")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="contest_juries", verbose_name="juré")
    declared_at = models.DateTimeField("déclaration d'intérêts signée le", null=True, blank=True)
    declaration = models.TextField("déclaration d'intérêts", blank=True, max_length=2000)
    recusals = models.ManyToManyField(
        Entry, blank=True, related_name="recused_jurors", verbose_name="candidatures en conflit d'intérêts"
    )

    class Meta:
        verbose_name = "juré"
        verbose_name_plural = "jurés"
        ordering = ("contest", "pk")
        constraints = [models.UniqueConstraint(fields=["contest", "user"], name="juror_once_per_contest")]

    def __str__(self):
        return f"{self.user} — {self.contest}"


class Evaluation(models.Model):
    """One juror's scores of one entry, with a comment."""

    juror = models.ForeignKey(Juror, on_delete=models.CASCADE, related_name="evaluations", verbose_name="juré")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="evaluations", verbose_name="candidature")
    comment = models.TextField("commentaire", blank=True, max_length=4000)
    total = models.DecimalField("note pondérée sur 10", max_digits=5, decimal_places=2)
    updated_at = models.DateTimeField("enregistrée le", auto_now=True)

    class Meta:
        verbose_name = "évaluation"
        verbose_name_plural = "évaluations"
        constraints = [models.UniqueConstraint(fields=["juror", "entry"], name="evaluation_once_per_juror")]

    def __str__(self):
        return f"{self.juror.user} — {self.entry}"


class Score(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField("note", validators=[MaxValueValidator(MAX_SCORE)])

    class Meta:
        verbose_name = "note"
        verbose_name_plural = "notes"
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(condition=Q(value__lte=MAX_SCORE), name="score_at_most_max"),
        ]

    def __str__(self):
        return f"{self.criterion.label} : {self.value}"

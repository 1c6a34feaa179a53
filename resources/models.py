"""The resource centre, the « site contributif » of the Métropole (SMAN §2.3 « La nécessité de positionner la
Métropole comme centre de ressources », §4.2.2.2 « Un site contributif pour évaluer la bonne réalisation des
indicateurs de suivi et créer des communs numériques », Annex 2 sheet #8 = action #7 of the roadmap table).

A resource has a working copy (``title``, ``summary``, ``body`` and its classification), edited by its author
and moderated (draft → submitted → in review → published / refused), and the versions that were published
(``ResourceVersion``): what the public reads is always the current published version, so an update under
review never shows before a moderator publishes it, and the history stays visible.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from sman.jobs import AbstractJob
from sman.models import Challenge, Organisation, Territory

User = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    """What a resource is: the contents the action sheet lists (« retours d'expériences », « veille à l'échelle
    nationale et internationale »…), what the other programmes produce, and the annual review (§4.2.2.2)."""

    FEEDBACK = "feedback", "retour d'expérience"
    WATCH = "watch", "veille"
    KIT = "kit", "kit pratique"
    FACT_SHEET = "fact_sheet", "fiche synthétique"
    GUIDE = "guide", "guide"
    DELIVERABLE = "deliverable", "livrable de groupe de travail"
    FMIN_EVALUATION = "fmin_evaluation", "évaluation de projet FMIN"
    EXPLORER_NOTE = "explorer_note", "note d'explorateur"
    EVENT_MATERIAL = "event_material", "support d'événement"
    ANNUAL_REVIEW = "annual_review", "bilan annuel"


class Theme(models.TextChoices):
    """Themes of the resources: the Bâtisseurs' themes (§4.2.1.2) and the subjects of the fiches synthétiques."""

    CITIZEN_RELATIONS = "citizen_relations", "gestion de la relation citoyenne"
    MOBILITY = "mobility", "mobilité"
    ENVIRONMENT = "environment", "environnement et biodiversité"
    DIGITAL_INCLUSION = "digital_inclusion", "inclusion et médiation numériques"
    PARTICIPATION = "participation", "participation citoyenne"
    OPEN_DATA = "open_data", "données ouvertes"
    GREEN_IT = "green_it", "numérique écoresponsable"
    BLOCKCHAIN = "blockchain", "blockchain"
    CONNECTIVITY = "connectivity", "connectivité et infrastructures"
    ADMINISTRATION = "administration", "modernisation de l'administration"
    PROCUREMENT = "procurement", "achat public innovant"
    OTHER = "other", "autre thème"


class Licence(models.TextChoices):
    LO_2 = "lo-2.0", "Licence Ouverte 2.0 (Etalab)"
    CC_BY_SA_4 = "cc-by-sa-4.0", "Creative Commons BY-SA 4.0"
    CC_BY_4 = "cc-by-4.0", "Creative Commons BY 4.0"
    CC0 = "cc0-1.0", "Creative Commons Zero (domaine public)"


LICENCE_URLS = {
    Licence.LO_2: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    Licence.CC_BY_SA_4: "https://creativecommons.org/licenses/by-sa/4.0/deed.fr",
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/deed.fr",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/deed.fr",
}


class CallForContributions(models.Model):
    """An appeal to contribute on a theme before a deadline (the action sheet: « appel à contribution »)."""

    title = models.CharField("intitulé", max_length=200)
    theme = models.CharField("thème", max_length=20, choices=Theme.choices)
    description = models.TextField("présentation", max_length=4000)
    deadline = models.DateField("date limite")
    is_published = models.BooleanField("publié", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "appel à contributions"
        verbose_name_plural = "appels à contributions"
        ordering = ("deadline",)

    def __str__(self):
        return self.title


class ResourceQuerySet(models.QuerySet):
    def published(self):
        """What everyone may read: the resources with a published version."""
        return self.filter(current_version__isnull=False)

    def with_cards(self):
        return self.select_related("current_version", "organisation")


class Resource(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "brouillon"
        SUBMITTED = "submitted", "proposée"
        IN_REVIEW = "in_review", "en relecture"
        PUBLISHED = "published", "publiée"
        REFUSED = "refused", "refusée"

    EDITABLE = (State.DRAFT, State.REFUSED, State.PUBLISHED)
    AWAITING_MODERATION = (State.SUBMITTED, State.IN_REVIEW)

    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    slug = models.SlugField("identifiant", max_length=120, unique=True)
    # The working copy (the author's); the public reads ``current_version``.
    title = models.CharField("titre", max_length=200)
    summary = models.TextField("résumé", max_length=1500)
    body = models.TextField("contenu", blank=True, help_text="Texte enrichi, nettoyé à l'enregistrement.")
    challenges = models.ManyToManyField(Challenge, blank=True, related_name="resources", verbose_name="défis")
    themes = ArrayField(
        models.CharField(max_length=20, choices=Theme.choices), verbose_name="thèmes", default=list, blank=True
    )
    territories = models.ManyToManyField(
        Territory, blank=True, related_name="resources", verbose_name="territoires concernés"
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
        verbose_name="organisation contributrice",
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="resources", verbose_name="auteur")
    licence = models.CharField("licence", max_length=20, choices=Licence.choices, default=Licence.LO_2)
    fmin_application = models.ForeignKey(
        "fmin.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        verbose_name="projet FMIN",
    )
    action = models.ForeignKey(
        "actions.Action",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        verbose_name="action du plan",
    )
    explorer_project = models.ForeignKey(
        "explorateurs.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        verbose_name="projet des Explorateurs",
    )
    working_group = models.ForeignKey(
        "fmin.WorkingGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        verbose_name="groupe des Bâtisseurs",
    )
    solution = models.ForeignKey(
        "marketplace.Solution",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        verbose_name="solution de la place de marché",
    )
    engineering_request = models.ForeignKey(
        "engineering.EngineeringRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        verbose_name="accompagnement du pôle d'ingénierie",
    )
    call = models.ForeignKey(
        CallForContributions,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
        verbose_name="appel à contributions",
    )
    # What produced it in another module (``draft_from_module``): its app label and the row's id, the key that makes
    # drafting twice harmless. What the resource is about is the explicit links above (``links.LINKS``).
    source_app = models.CharField("module d'origine", max_length=60, blank=True)
    source_id = models.PositiveBigIntegerField("identifiant d'origine", null=True, blank=True)
    is_demo = models.BooleanField("exemple de démonstration", default=False)

    state = models.CharField("état", max_length=12, choices=State.choices, default=State.DRAFT, db_index=True)
    refusal_reason = models.TextField("motif du refus", blank=True, max_length=4000)
    moderator = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="modérateur"
    )
    submitted_at = models.DateTimeField("proposée le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    # The public side, set when a version is published.
    current_version = models.ForeignKey(
        "ResourceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    published_at = models.DateTimeField("publiée le", null=True, blank=True, db_index=True)
    published_year = models.PositiveSmallIntegerField("année de publication", null=True, blank=True)
    attachments_text = models.TextField("texte des pièces jointes", blank=True, editable=False)
    # Title A > summary B > body C > attachments' text D, of the published version (services refresh it).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = "ressource"
        verbose_name_plural = "ressources"
        ordering = ("-published_at", "-created_at")
        indexes = [
            GinIndex(fields=["search_vector"], name="resource_search"),
            GinIndex(fields=["themes"], name="resource_themes"),
            models.Index(fields=["kind", "published_year"], name="resource_kind_year"),
            # A year chosen, the most recent first: the date order within the year, not a walk from today.
            models.Index(fields=["published_year", "published_at"], name="resource_year_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_app", "source_id"],
                condition=~Q(source_app=""),
                name="resource_one_per_source",
            ),
            models.CheckConstraint(
                condition=Q(source_app="") | Q(source_id__isnull=False), name="resource_source_has_id"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("resources:detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.current_version_id is not None

    @property
    def theme_labels(self) -> list[str]:
        return [Theme(t).label for t in self.themes if t in Theme.values]


class SearchEntry(models.Model):
    """A published resource as the search reads it: a narrow row (its search vector, date and facet columns,
    défis and territories as arrays) so that a search and its six facets read the matches alone, with no join
    to the many-to-many tables and no wide text. Written by ``services.refresh_search`` at publication (and when
    a published resource's attachments change); absent for a resource that is not public."""

    resource = models.OneToOneField(
        Resource, primary_key=True, on_delete=models.CASCADE, related_name="search_entry", editable=False
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    published_at = models.DateTimeField("publiée le")
    published_year = models.PositiveSmallIntegerField("année de publication", null=True)
    organisation_id = models.BigIntegerField("organisation contributrice", null=True)
    themes = ArrayField(models.CharField(max_length=20), verbose_name="thèmes", default=list)
    challenge_ids = ArrayField(models.BigIntegerField(), verbose_name="défis", default=list)
    # The territories chosen (the territory facet) and, for the filter, them with every territory above them.
    territory_ids = ArrayField(models.BigIntegerField(), verbose_name="territoires", default=list)
    territory_scope = ArrayField(models.BigIntegerField(), verbose_name="territoires et au-dessus", default=list)
    vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = "entrée de recherche"
        verbose_name_plural = "entrées de recherche"
        indexes = [
            GinIndex(fields=["vector"], name="resource_entry_vector"),
            GinIndex(fields=["themes"], name="resource_entry_themes"),
            GinIndex(fields=["challenge_ids"], name="resource_entry_challenges"),
            GinIndex(fields=["territory_scope"], name="resource_entry_territories"),
            models.Index(fields=["published_at"], name="resource_entry_date"),
            models.Index(fields=["kind", "published_year"], name="resource_entry_kind_year"),
            models.Index(fields=["organisation_id"], name="resource_entry_organisation"),
        ]

    def __str__(self):
        return f"{self.resource_id}"


class ResourceVersion(models.Model):
    """A published version of a resource: the history people read, and what the public page shows."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    title = models.CharField("titre", max_length=200)
    summary = models.TextField("résumé")
    body = models.TextField("contenu", blank=True)
    change_note = models.CharField("ce qui change", max_length=300, blank=True)
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="auteur")
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="publiée par")
    published_at = models.DateTimeField("publiée le")

    class Meta:
        verbose_name = "version publiée"
        verbose_name_plural = "versions publiées"
        ordering = ("resource", "-number")
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="resource_version_unique")]

    def __str__(self):
        return f"{self.title} (v{self.number})"


class ReviewComment(models.Model):
    """The conversation between the moderators and the author of a contribution."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="auteur")
    by_moderator = models.BooleanField("d'un modérateur", default=False)
    text = models.TextField("commentaire", max_length=4000)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "commentaire de relecture"
        verbose_name_plural = "commentaires de relecture"
        ordering = ("created_at", "id")

    def __str__(self):
        return f"{self.author} — {self.created_at:%d/%m/%Y %H:%M}"


class EditSuggestion(models.Model):
    """An edit anyone signed in proposes on a published resource; its author or staff accept or decline it."""

    class State(models.TextChoices):
        PENDING = "pending", "en attente"
        ACCEPTED = "accepted", "acceptée"
        DECLINED = "declined", "déclinée"

    class Field(models.TextChoices):
        TITLE = "title", "titre"
        SUMMARY = "summary", "résumé"
        BODY = "body", "contenu"

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="suggestions")
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="proposée par")
    field = models.CharField("partie modifiée", max_length=10, choices=Field.choices, default=Field.SUMMARY)
    text = models.TextField("texte proposé", max_length=20000)
    message = models.TextField("explication", max_length=2000, blank=True)
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="décidée par"
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decision_note = models.TextField("réponse", max_length=2000, blank=True)
    created_at = models.DateTimeField("proposée le", auto_now_add=True)

    class Meta:
        verbose_name = "suggestion de modification"
        verbose_name_plural = "suggestions de modification"
        ordering = ("-created_at",)

    def __str__(self):
        return f"{self.get_field_display()} — {self.resource}"


def attachment_path(attachment: "Attachment", filename: str) -> str:
    return f"resources/attachments/{attachment.resource_id}/{filename}"


class Attachment(models.Model):
    """A document attached to a resource, checked at upload (type, size, content), its text extracted for the
    search, served through a permission-checked view (never a public URL)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("fichier", upload_to=attachment_path, max_length=300)
    name = models.CharField("nom", max_length=200)
    size = models.PositiveBigIntegerField("taille (octets)")
    checksum = models.CharField("empreinte SHA-256", max_length=64)
    text = models.TextField("texte extrait", blank=True, editable=False)
    # Public once the version it came with is published (an update's attachment waits for the moderators).
    published = models.BooleanField("publiée", default=False)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="déposé par")
    created_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ("created_at", "id")

    def __str__(self):
        return self.name


class ResourceUse(models.Model):
    """A collectivity says it applied the resource, with a short note: « utilisée par N collectivités », the
    evidence of a « commun numérique » (§4.2.2.2)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="uses")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="resource_uses", verbose_name="collectivité"
    )
    note = models.CharField("ce que la collectivité en a fait", max_length=500)
    marked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="signalée par")
    created_at = models.DateTimeField("signalée le", auto_now_add=True)

    class Meta:
        verbose_name = "utilisation par une collectivité"
        verbose_name_plural = "utilisations par les collectivités"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "organisation"],
                name="resource_one_use_per_collectivity",
                violation_error_message="Votre collectivité a déjà signalé utiliser cette ressource.",
            )
        ]

    def __str__(self):
        return f"{self.organisation} — {self.resource}"


class DailyUsage(models.Model):
    """Views and downloads of a resource, per day: counted in the database, with no personal data and no
    cookie (no third-party analytics)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField("jour")
    views = models.PositiveIntegerField("consultations", default=0)
    downloads = models.PositiveIntegerField("téléchargements", default=0)

    class Meta:
        verbose_name = "fréquentation quotidienne"
        verbose_name_plural = "fréquentation quotidienne"
        ordering = ("-day",)
        constraints = [models.UniqueConstraint(fields=["resource", "day"], name="resource_usage_one_per_day")]

    def __str__(self):
        return f"{self.resource} — {self.day:%d/%m/%Y}"


class SearchMiss(models.Model):
    """A search that found nothing, per day (normalised text only): what people look for and nobody wrote."""

    day = models.DateField("jour")
    query = models.CharField("recherche", max_length=200)
    count = models.PositiveIntegerField("fois", default=0)

    class Meta:
        verbose_name = "recherche sans résultat"
        verbose_name_plural = "recherches sans résultat"
        ordering = ("-day", "-count")
        constraints = [models.UniqueConstraint(fields=["day", "query"], name="resource_search_miss_unique")]

    def __str__(self):
        return self.query


class SavedSearch(models.Model):
    """A search someone wants to be told about: new resources that match it arrive in their digest."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="resource_searches")
    name = models.CharField("nom", max_length=120)
    query = models.CharField("paramètres de la recherche", max_length=1000)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    checked_until = models.DateTimeField("nouveautés vérifiées jusqu'au")

    class Meta:
        verbose_name = "recherche enregistrée"
        verbose_name_plural = "recherches enregistrées"
        ordering = ("-created_at",)

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('resources:home')}?{self.query}"


class AnnualReview(AbstractJob):
    """The yearly review of the digital public policies on the territory (§4.2.2.2: « Il produit un bilan annuel de
    l'évolution des politiques publiques numériques sur le territoire, en s'appuyant notamment sur la construction
    et l'analyse des indicateurs »): a PDF computed from the indicators and the modules' figures, with an
    editorial introduction typed by staff, published as a resource."""

    result_folder = "resources/reviews"

    year = models.PositiveSmallIntegerField("année")
    introduction = models.TextField("introduction éditoriale", max_length=20000)
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="ressource publiée"
    )

    class Meta:
        verbose_name = "bilan annuel"
        verbose_name_plural = "bilans annuels"
        ordering = ("-year", "-created_at")
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=Q(state__in=["pending", "running"]), name="resource_one_review_running"
            )
        ]

    def __str__(self):
        return f"Bilan annuel {self.year}"

"""FttH deployment per building (action #2, Annex 2 sheet #1), from operators' IPE files and ARCEP's
open data, with every status change kept."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GinIndex
from django.db.models import F, Func

from sman.jobs import AbstractJob, state_field
from sman.models import Organisation, Territory

# The share of rejected lines a run may tolerate, at most (FTTH_REJECTION_THRESHOLD is the default).
MAX_REJECTED_SHARE = 0.5
TILE_ZOOM = 14
# Web Mercator tile numbers at TILE_ZOOM, from longitude and latitude (the OpenStreetMap formula).
TILE_SQL = (
    f"(floor((ST_X(%(expressions)s) + 180) / 360 * {2**TILE_ZOOM})::bigint * {2**TILE_ZOOM}"
    f" + floor((1 - asinh(tan(radians(ST_Y(%(expressions)s)))) / pi()) / 2 * {2**TILE_ZOOM})::bigint)"
)


class Status(models.TextChoices):
    """Interop'Fibre / ARCEP building states, in plain French."""

    TARGET = "target", "ciblé"
    SIGNED = "signed", "convention signée"
    IN_PROGRESS = "in_progress", "en cours de déploiement"
    CONNECTABLE = "connectable", "raccordable"
    ON_DEMAND = "on_demand", "raccordable sur demande"
    ON_DEMAND_IN_PROGRESS = "on_demand_in_progress", "raccordable sur demande, en cours de déploiement"
    ABANDONED = "abandoned", "abandonné"


# The statuses in which a building can be connected: what coverage counts, and what the answer calls
# "available".
CONNECTABLE_STATUSES = (Status.CONNECTABLE, Status.ON_DEMAND)


def coverage_rate(
    *, premises: int | None, premises_connectable: int | None, buildings: int, buildings_connectable: int
) -> float | None:
    """The share of premises (logements et locaux) that can be connected, in % to one decimal; by buildings
    when no file gave their premises; None when no building is known."""
    if premises:
        return round(100 * (premises_connectable or 0) / premises, 1)
    if buildings:
        return round(100 * buildings_connectable / buildings, 1)
    return None


class ImportRun(AbstractJob):
    """One import of one file: its state, counts, rejected lines and duration, shown to staff. A long job
    (sman/jobs.py): heartbeat, recovery when its worker dies, retry when it failed. Its states extend the
    jobs' four (sman.jobs.state_field): the import itself records refused, awaiting confirmation and
    cancelled, which the job mechanism leaves alone."""

    class State(models.TextChoices):
        PENDING = "pending", "en attente"
        RUNNING = "running", "en cours"
        DONE = "done", "terminé"
        REFUSED = "refused", "refusé (trop de lignes rejetées)"
        FAILED = "failed", "échec"
        # Would retire too large a share of an operator's buildings: nothing was written, staff decide.
        AWAITING_CONFIRMATION = "awaiting_confirmation", "en attente de confirmation"
        CANCELLED = "cancelled", "annulé"

    class Format(models.TextChoices):
        ARCEP = "arcep", "ARCEP, fichier « immeubles »"
        IPE = "ipe", "Interop'Fibre IPE v3.0"

    operator = models.ForeignKey(
        Organisation, verbose_name="opérateur", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    operator_code = models.CharField("code opérateur", max_length=40, blank=True)
    file_name = models.CharField("fichier", max_length=300)
    file_format = models.CharField("format", max_length=10, choices=Format.choices, blank=True)
    state = state_field(State.choices)
    dry_run = models.BooleanField("simulation", default=False)
    rows_read = models.PositiveIntegerField("lignes lues", default=0)
    rows_outside = models.PositiveIntegerField("lignes hors Métropole", default=0)
    rows_rejected = models.PositiveIntegerField("lignes rejetées", default=0)
    created = models.PositiveIntegerField("immeubles créés", default=0)
    updated = models.PositiveIntegerField("immeubles modifiés", default=0)
    unchanged = models.PositiveIntegerField("immeubles inchangés", default=0)
    retired = models.PositiveIntegerField("immeubles retirés", default=0)
    status_changes = models.PositiveIntegerField("changements de statut", default=0)
    # `error` (inherited) is what people read: a French sentence that says what to do. What happened (the
    # exception, its traceback) is in `error_detail`, for staff only (the run's page, the admin), never in the
    # operators' API.

    # Above this share of rejected lines (of the lines of the Métropole), the file is refused as a whole.
    # Chosen for each run (staff page, API, command: 0 to MAX_REJECTED_SHARE, checked by
    # uploads.check_max_rejected_share), FTTH_REJECTION_THRESHOLD by default; the share the import applied.
    # Empty on runs recorded before it was kept.
    max_rejected_share = models.FloatField("part de lignes rejetées tolérée", null=True, blank=True)
    # The mass retirement guard's figures (FTTH_RETIREMENT_THRESHOLD), when the file retires buildings: the
    # current buildings of the operator that loses the largest share, how many it would lose, and the share.
    operator_buildings = models.PositiveIntegerField("immeubles actuels de l'opérateur", null=True, blank=True)
    to_retire = models.PositiveIntegerField("immeubles à retirer", null=True, blank=True)
    retirement_share = models.FloatField("part des immeubles à retirer", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="retrait confirmé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("retrait confirmé le", null=True, blank=True)
    # Where the uploaded file waits for its import (and for a confirmation): the worker reads it from there.
    # An import produces no result file (the inherited `file` stays empty): its report is the run itself.
    file_path = models.CharField("fichier enregistré", max_length=500, blank=True)

    class Meta:
        verbose_name = "import FttH"
        verbose_name_plural = "imports FttH"
        ordering = ("-created_at",)

    def __str__(self):
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def max_rejected_percent(self) -> str:
        """« 20 % », « 2,5 % » (empty for a run recorded before the share was kept)."""
        if self.max_rejected_share is None:
            return ""
        return f"{round(self.max_rejected_share * 100, 2):g} %".replace(".", ",")

    @property
    def retirement_percent(self) -> float | None:
        return None if self.retirement_share is None else round(self.retirement_share * 100, 1)


class ImportRejection(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejections")
    line = models.PositiveIntegerField("ligne")
    reason = models.CharField("motif", max_length=300)

    class Meta:
        verbose_name = "ligne rejetée"
        verbose_name_plural = "lignes rejetées"
        ordering = ("run", "line")


class Building(models.Model):
    """A building (immeuble) as its operator declares it. Retired, never deleted, when it leaves a file."""

    operator_code = models.CharField("opérateur", max_length=40)
    building_id = models.CharField("identifiant de l'immeuble", max_length=60)
    address_code = models.CharField("code adresse (hexaclé)", max_length=40, blank=True)
    number = models.CharField("numéro", max_length=10, blank=True)
    number_suffix = models.CharField("complément", max_length=10, blank=True)
    street_type = models.CharField("type de voie", max_length=40, blank=True)
    street_name = models.CharField("voie", max_length=200, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    insee_code = models.CharField("code INSEE", max_length=5)
    # Indexed by the (commune, street) index below, which the import maintains anyway. Not
    # checked by PostgreSQL: the import takes the id from the territories themselves, and a deferred
    # check per building at commit cost a million-building import 4 seconds (Django still PROTECTs).
    commune = models.ForeignKey(
        Territory,
        verbose_name="commune",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    building_name = models.CharField("bâtiment", max_length=100, blank=True)
    premises = models.PositiveIntegerField("logements et locaux", null=True, blank=True)
    status = models.CharField("statut", max_length=30, choices=Status.choices)
    building_type = models.CharField("type d'immeuble", max_length=40, blank=True)
    pm_reference = models.CharField("point de mutualisation", max_length=60, blank=True)
    pm_status = models.CharField("état du PM", max_length=40, blank=True)
    pm_installed_on = models.DateField("installation du PM", null=True, blank=True)
    commercial_service_date = models.DateField("mise en service commerciale", null=True, blank=True)
    # Not indexed: the map reads `mercator` (its own index), nothing searches by position in WGS-84.
    location = models.PointField("position", srid=4326, spatial_index=False)
    # The position in Web Mercator, stored so that vector tiles don't reproject every building they draw.
    mercator = models.GeneratedField(
        expression=Transform("location", 3857),
        output_field=models.PointField(srid=3857, spatial_index=False),
        db_persist=True,
    )
    # The zoom-14 map tile of the building (x * 2**14 + y). Every tile drawn with buildings (zoom ≥ 14)
    # lies within one, so a B-tree on it finds a tile's buildings: a large import maintains it five
    # times faster than a GiST index on the position.
    tile = models.GeneratedField(
        expression=Func(F("location"), template=TILE_SQL, output_field=models.BigIntegerField()),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    label = models.CharField("adresse normalisée", max_length=300, help_text="Pour la recherche d'adresse.")
    # From the IPE files that give it (Code_RNB, added by some operators in 2025), without its dashes.
    rnb_id = models.CharField(
        "identifiant RNB", max_length=12, blank=True, help_text="Identifiant du Référentiel national des bâtiments."
    )
    street_key = models.CharField("voie normalisée", max_length=250, blank=True)
    # Written by every import for every building it writes, read only in the admin: neither indexed nor
    # checked by PostgreSQL (a foreign key check per row would double the time of a large import); the
    # import writes its own run's id, and Django still applies SET_NULL when a run is deleted.
    first_run = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False, db_constraint=False
    )
    last_run = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False, db_constraint=False
    )
    # The start of the building's history: its status when it first appeared in a file, and when. Kept
    # on the building rather than as a first status change, which made a large first import write a
    # million history rows; the changes that follow are BuildingStatusChange rows.
    first_status = models.CharField("statut à la première apparition", max_length=30, choices=Status.choices)
    first_seen_at = models.DateTimeField("première apparition le")
    retired_at = models.DateTimeField("retiré le", null=True, blank=True)
    updated_at = models.DateTimeField("mis à jour le")

    class Meta:
        verbose_name = "immeuble"
        verbose_name_plural = "immeubles"
        constraints = [
            models.UniqueConstraint(fields=["operator_code", "building_id"], name="one_building_per_operator_id")
        ]
        # As few indexes as the reads need: each one is maintained for every building an import writes.
        indexes = [
            # Not the number: the search sorts a street's buildings by distance to the typed number anyway,
            # and a shorter key makes the index cheaper to maintain (a million-building import: -0.7 s).
            models.Index(fields=["commune", "street_key"], name="ftth_building_street"),
            models.Index(fields=["tile"], name="ftth_building_tile"),
        ]

    def __str__(self):
        return self.label

    @property
    def history(self) -> list["BuildingStatusChange"]:
        """Its statuses in order: the first appearance, then every change (prefetched or read)."""
        start = BuildingStatusChange(
            building=self, status_from="", status_to=self.first_status, changed_at=self.first_seen_at
        )
        return [start, *self.status_changes.all()]


class BuildingStatusChange(models.Model):
    """When a building changed status, so the history shows when an address became connectable."""

    # Written only by imports, in bulk, for buildings written in the same transaction: no foreign key
    # check per row in PostgreSQL (Django still cascades deletions).
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="status_changes", db_constraint=False)
    status_from = models.CharField("ancien statut", max_length=30, choices=Status.choices, blank=True)
    status_to = models.CharField("nouveau statut", max_length=30, choices=Status.choices)
    changed_at = models.DateTimeField("constaté le")
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, related_name="+", db_constraint=False)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ("building", "changed_at")


class Street(models.Model):
    """The distinct streets of each commune (about 30,000): address search matches them first, then the
    house number, instead of ranking millions of full address labels."""

    commune = models.ForeignKey(Territory, verbose_name="commune", on_delete=models.CASCADE, related_name="+")
    key = models.CharField("voie normalisée", max_length=250)
    label = models.CharField("voie", max_length=250)
    search = models.CharField("texte recherché", max_length=400)
    buildings = models.PositiveIntegerField("immeubles", default=0)

    class Meta:
        verbose_name = "voie"
        verbose_name_plural = "voies"
        constraints = [models.UniqueConstraint(fields=["commune", "key"], name="one_street_per_commune_and_key")]
        # GIN for the trigram search (typos, missing words): it finds the streets similar enough to the text,
        # and an import adds thousands of streets to it twice as fast as to a GiST index.
        # The B-tree on the name (byte order, for prefixes) finds streets named as typed.
        indexes = [
            GinIndex(name="ftth_street_search_gin", fields=["search"], opclasses=["gin_trgm_ops"]),
            models.Index(name="ftth_street_key", fields=["key"], opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.label


class AlertSubscription(models.Model):
    """« Prévenez-moi » for one building. Only the e-mail address and the building are kept (with the
    tokens that confirm and cancel it); unsubscribing erases the row."""

    email = models.EmailField("adresse électronique")
    building = models.ForeignKey(Building, verbose_name="immeuble", on_delete=models.CASCADE, related_name="alerts")
    token = models.CharField(max_length=64, unique=True)
    confirmed_at = models.DateTimeField("confirmée le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "alerte fibre"
        verbose_name_plural = "alertes fibre"
        constraints = [models.UniqueConstraint(fields=["email", "building"], name="one_alert_per_email_and_building")]

    def __str__(self):
        return f"{self.email} — {self.building}"


class CoverageCell(models.Model):
    """Precomputed grid of about 250 m (Web Mercator), the map's layer at middle zooms."""

    center = models.PointField(srid=3857)
    buildings = models.PositiveIntegerField()
    connectable = models.PositiveIntegerField()

    class Meta:
        verbose_name = "maille de couverture"
        verbose_name_plural = "mailles de couverture"


class CommuneCoverage(models.Model):
    """A commune's coverage after each import, so that trends can be followed across imports."""

    commune = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(ImportRun, null=True, on_delete=models.SET_NULL, related_name="+")
    computed_at = models.DateTimeField()
    buildings = models.PositiveIntegerField()
    buildings_connectable = models.PositiveIntegerField()
    premises = models.PositiveIntegerField(null=True)
    premises_connectable = models.PositiveIntegerField(null=True)
    rate = models.FloatField("part raccordable (%)", null=True)

    class Meta:
        verbose_name = "couverture d'une commune"
        verbose_name_plural = "couvertures des communes"
        ordering = ("commune", "-computed_at")
        indexes = [models.Index(fields=["commune", "-computed_at"], name="ftth_cov_commune_latest")]


class CoverageSnapshot(models.Model):
    """A territory's coverage after an import that touched it: one point of its trend.

    Written by each applied import's coverage refresh (ftth/coverage.py, one INSERT … SELECT) for the
    communes where it wrote buildings (created, updated or retired), their EPTs and the Métropole. A
    territory's latest snapshot is its current coverage; the runs of its snapshots are the files it comes
    from."""

    territory = models.ForeignKey(Territory, verbose_name="territoire", on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(
        ImportRun, verbose_name="import", null=True, on_delete=models.SET_NULL, related_name="coverage_snapshots"
    )
    computed_at = models.DateTimeField("calculée le")
    buildings = models.PositiveIntegerField("immeubles")
    buildings_connectable = models.PositiveIntegerField("immeubles raccordables")
    premises = models.PositiveIntegerField("logements et locaux")
    premises_connectable = models.PositiveIntegerField("logements et locaux raccordables")

    class Meta:
        verbose_name = "point de couverture"
        verbose_name_plural = "points de couverture"
        ordering = ("territory", "computed_at")
        constraints = [models.UniqueConstraint(fields=["territory", "run"], name="one_snapshot_per_territory_and_run")]
        indexes = [models.Index(fields=["territory", "-computed_at"], name="ftth_snapshot_latest")]

    def __str__(self):
        return f"{self.territory} — {self.computed_at:%d/%m/%Y}"

    @property
    def rate(self) -> float | None:
        return coverage_rate(
            premises=self.premises, premises_connectable=self.premises_connectable, buildings=self.buildings,
            buildings_connectable=self.buildings_connectable,
        )  # fmt: skip

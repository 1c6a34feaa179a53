"""Pass Numérique (SMAN Annex 2, sheet #4): orders of booklets of tickets, distribution to
beneficiaries, redemption in APTIC-labelled mediation places, monthly reimbursement."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.urls import reverse

from sman.jobs import ACTIVE, AbstractJob
from sman.models import Organisation, Territory


class TargetPublic(models.TextChoices):
    ALL = "all", "tout public"
    SENIORS = "seniors", "personnes âgées"
    JOBSEEKERS = "jobseekers", "demandeurs d'emploi"
    YOUTH = "youth", "jeunes (16-25 ans)"
    SOCIAL_BENEFITS = "social_benefits", "allocataires de minima sociaux"
    DISABILITY = "disability", "personnes en situation de handicap"


class PlaceType(models.TextChoices):
    ASSOCIATION = "association", "association"
    LIBRARY = "library", "médiathèque"
    FRANCE_SERVICES = "france_services", "France Services"
    SOCIAL_CENTRE = "social_centre", "centre social"
    THIRD_PLACE = "third_place", "tiers-lieu"
    COMPANY = "company", "entreprise de l'économie sociale et solidaire"


class Training(models.Model):
    """A labelled training of the catalogue."""

    class Level(models.TextChoices):
        BEGINNER = "beginner", "débutant"
        INTERMEDIATE = "intermediate", "intermédiaire"
        ADVANCED = "advanced", "avancé"

    title = models.CharField("intitulé", max_length=200)
    theme = models.CharField("thème", max_length=100)
    level = models.CharField("niveau", max_length=15, choices=Level.choices, default=Level.BEGINNER)
    duration_hours = models.DecimalField("durée (heures)", max_digits=4, decimal_places=1, default=Decimal(1))
    tickets_required = models.PositiveSmallIntegerField(
        "tickets demandés", default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = "formation labellisée"
        verbose_name_plural = "formations labellisées"
        ordering = ("theme", "title")

    def __str__(self):
        return self.title


class MediationPlace(models.Model):
    """The Pass Numérique side of an organisation of kind « lieu de médiation »."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="mediation_place",
        limit_choices_to={"kind": Organisation.Kind.MEDIATION_PLACE},
    )
    place_type = models.CharField("type de lieu", max_length=20, choices=PlaceType.choices)
    aptic_label = models.BooleanField("labellisé APTIC", default=False)
    label_valid_until = models.DateField("label valable jusqu'au", null=True, blank=True)
    location = models.PointField("position", srid=4326, null=True, blank=True)
    opening_hours = models.TextField("horaires d'ouverture", blank=True)
    accessibility = models.CharField("accessibilité", max_length=300, blank=True)
    trainings = models.ManyToManyField(Training, verbose_name="formations proposées", blank=True, related_name="places")

    class Meta:
        verbose_name = "lieu de médiation"
        verbose_name_plural = "lieux de médiation"
        ordering = ("organisation__name",)

    def __str__(self):
        return self.organisation.name

    def get_absolute_url(self):
        return reverse("passnumerique:place_detail", args=[self.pk])

    def label_valid_on(self, day) -> bool:
        return self.aptic_label and (self.label_valid_until is None or self.label_valid_until >= day)


class DistributorAuthorisation(models.Model):
    """A funder authorises an organisation (CCAS, mairie, France Services…) to hand out its booklets."""

    funder = models.ForeignKey(
        Organisation, verbose_name="financeur", on_delete=models.CASCADE, related_name="authorised_distributors"
    )
    distributor = models.ForeignKey(
        Organisation, verbose_name="distributeur", on_delete=models.CASCADE, related_name="distribution_rights"
    )
    active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "habilitation de distributeur"
        verbose_name_plural = "habilitations de distributeurs"
        constraints = [models.UniqueConstraint(fields=["funder", "distributor"], name="one_authorisation_per_pair")]

    def __str__(self):
        return f"{self.distributor} pour {self.funder}"


class Order(models.Model):
    """A funder's order of booklets, with its scope: territory, target public, places, validity."""

    class Source(models.TextChoices):
        GENERATED = "generated", "émis par la Métropole"
        APTIC = "aptic", "importé de #APTIC"

    funder = models.ForeignKey(
        Organisation, verbose_name="financeur", on_delete=models.PROTECT, related_name="pass_orders"
    )
    reference = models.CharField("référence", max_length=40, unique=True)
    source = models.CharField("origine des codes", max_length=10, choices=Source.choices, default=Source.GENERATED)
    booklet_count = models.PositiveIntegerField("nombre de carnets", validators=[MinValueValidator(1)])
    tickets_per_booklet = models.PositiveSmallIntegerField(
        "tickets par carnet", validators=[MinValueValidator(5), MaxValueValidator(10)], default=10
    )
    face_value_cents = models.PositiveBigIntegerField("valeur d'un ticket (centimes)", default=1000)
    territory = models.ForeignKey(
        Territory, verbose_name="territoire couvert", on_delete=models.PROTECT, related_name="pass_orders"
    )
    target_public = models.CharField(
        "public cible", max_length=20, choices=TargetPublic.choices, default=TargetPublic.ALL
    )
    allowed_place_types = models.JSONField(
        "types de lieux acceptés", default=list, blank=True, help_text="Vide : tous les lieux labellisés."
    )
    valid_until = models.DateField("fin de validité")
    grace_days = models.PositiveSmallIntegerField("délai de grâce (jours)", default=settings.PASS_GRACE_DAYS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="saisie par", null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("commandée le", auto_now_add=True)

    class Meta:
        verbose_name = "commande de carnets"
        verbose_name_plural = "commandes de carnets"
        ordering = ("-created_at",)

    def __str__(self):
        return f"{self.reference} — {self.funder}"

    def get_absolute_url(self):
        return reverse("passnumerique:order_detail", args=[self.pk])

    @property
    def redeemable_until(self):
        return self.valid_until + timedelta(days=self.grace_days)

    @property
    def total_value_cents(self) -> int:
        return self.face_value_cents * self.booklet_count * self.tickets_per_booklet


class BookletSheets(AbstractJob):
    """The printable sheets of an order (one page per booklet, each ticket's code readable and as a QR code),
    rendered as one PDF by the worker: a long job (sman/jobs.py), its PDF the job's private result file.
    One in progress per order; sheets once done are the order's sheets (its codes never change)."""

    result_folder = "pass/sheets"

    order = models.ForeignKey(Order, verbose_name="commande", on_delete=models.CASCADE, related_name="booklet_sheets")

    class Meta:
        verbose_name = "planches de carnets"
        verbose_name_plural = "planches de carnets"
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(state__in=ACTIVE), name="one_sheets_job_in_progress_per_order"
            )
        ]

    def __str__(self):
        return f"Planches — {self.order.reference} ({self.get_state_display()})"


class Beneficiary(models.Model):
    """Only what the scheme needs: a pseudonymous reference, an age band, a territory, a target public."""

    class AgeBand(models.TextChoices):
        UNDER_25 = "16-24", "16 à 24 ans"
        FROM_25 = "25-44", "25 à 44 ans"
        FROM_45 = "45-64", "45 à 64 ans"
        FROM_65 = "65-79", "65 à 79 ans"
        OVER_80 = "80+", "80 ans et plus"

    reference = models.CharField("référence pseudonyme", max_length=20, unique=True)
    age_band = models.CharField("tranche d'âge", max_length=5, choices=AgeBand.choices)
    territory = models.ForeignKey(Territory, verbose_name="commune", on_delete=models.PROTECT, related_name="+")
    target_public = models.CharField("public", max_length=20, choices=TargetPublic.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bénéficiaire"
        verbose_name_plural = "bénéficiaires"

    def __str__(self):
        return self.reference


class Booklet(models.Model):
    order = models.ForeignKey(Order, verbose_name="commande", on_delete=models.CASCADE, related_name="booklets")
    number = models.PositiveIntegerField("numéro dans la commande")
    code = models.CharField("code du carnet", max_length=64, unique=True)
    distributed_at = models.DateTimeField("remis le", null=True, blank=True)
    distributor = models.ForeignKey(
        Organisation, verbose_name="remis par", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    distributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name="bénéficiaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="booklets",
    )

    class Meta:
        verbose_name = "carnet"
        verbose_name_plural = "carnets"
        ordering = ("order", "number")
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="one_booklet_number_per_order"),
            models.CheckConstraint(
                condition=Q(distributed_at__isnull=True) | Q(beneficiary__isnull=False),
                name="distributed_booklet_has_a_beneficiary",
            ),
        ]

    def __str__(self):
        return f"Carnet {self.code}"


class Ticket(models.Model):
    booklet = models.ForeignKey(Booklet, verbose_name="carnet", on_delete=models.CASCADE, related_name="tickets")
    code = models.CharField("code", max_length=64, unique=True)
    value_cents = models.PositiveBigIntegerField("valeur (centimes)")

    class Meta:
        verbose_name = "ticket"
        verbose_name_plural = "tickets"
        ordering = ("booklet", "id")

    def __str__(self):
        return self.code


class Statement(models.Model):
    """A place's monthly reimbursement statement: the tickets it redeemed in that month."""

    class Status(models.TextChoices):
        TO_PAY = "to_pay", "à payer"
        PAID = "paid", "payé"

    place = models.ForeignKey(MediationPlace, verbose_name="lieu", on_delete=models.PROTECT, related_name="statements")
    month = models.DateField("mois", help_text="Premier jour du mois.")
    ticket_count = models.PositiveIntegerField("tickets")
    amount_cents = models.PositiveBigIntegerField("montant (centimes)")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.TO_PAY)
    pdf = models.FileField("relevé PDF", upload_to="pass/statements/", blank=True)
    csv = models.FileField("relevé CSV", upload_to="pass/statements/", blank=True)
    created_at = models.DateTimeField("établi le", auto_now_add=True)
    paid_at = models.DateTimeField("payé le", null=True, blank=True)

    class Meta:
        verbose_name = "relevé de remboursement"
        verbose_name_plural = "relevés de remboursement"
        ordering = ("-month", "place__organisation__name")
        constraints = [models.UniqueConstraint(fields=["place", "month"], name="one_statement_per_place_and_month")]

    def __str__(self):
        return f"{self.place} — {self.month:%m/%Y}"


class Redemption(models.Model):
    """A ticket validated by a place for a training. One per ticket, enforced by the database."""

    ticket = models.OneToOneField(Ticket, verbose_name="ticket", on_delete=models.PROTECT, related_name="redemption")
    place = models.ForeignKey(MediationPlace, verbose_name="lieu", on_delete=models.PROTECT, related_name="redemptions")
    training = models.ForeignKey(Training, verbose_name="formation", on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="agent", on_delete=models.PROTECT, related_name="+"
    )
    redeemed_at = models.DateTimeField("validé le", db_index=True)
    hours = models.DecimalField("heures de formation", max_digits=4, decimal_places=2)
    statement = models.ForeignKey(
        Statement, verbose_name="relevé", null=True, blank=True, on_delete=models.SET_NULL, related_name="redemptions"
    )

    class Meta:
        verbose_name = "validation de ticket"
        verbose_name_plural = "validations de tickets"
        ordering = ("-redeemed_at",)
        indexes = [models.Index(fields=["place", "redeemed_at"])]

    def __str__(self):
        return f"{self.ticket} — {self.place}"


class ExpiryAlert(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="expiry_alerts")
    days_before = models.PositiveSmallIntegerField("jours avant l'échéance")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "alerte d'échéance"
        verbose_name_plural = "alertes d'échéance"
        constraints = [models.UniqueConstraint(fields=["order", "days_before"], name="one_alert_per_order_and_delay")]


class CreditNote(models.Model):
    """After the grace period, what the funder gets back: the tickets never redeemed."""

    order = models.OneToOneField(Order, verbose_name="commande", on_delete=models.PROTECT, related_name="credit_note")
    unused_tickets = models.PositiveIntegerField("tickets non utilisés")
    amount_cents = models.PositiveBigIntegerField("montant (centimes)")
    created_at = models.DateTimeField("établi le", auto_now_add=True)

    class Meta:
        verbose_name = "avoir"
        verbose_name_plural = "avoirs"

    def __str__(self):
        return f"Avoir {self.order.reference}"

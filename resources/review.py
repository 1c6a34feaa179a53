"""The annual review (SMAN §4.2.2.2: the site « produit un bilan annuel de l'évolution des politiques publiques
numériques sur le territoire, en s'appuyant notamment sur la construction et l'analyse des indicateurs »).

Staff type the editorial introduction; the rest is computed on the year's last day (or today, for the year in
progress): the plan's computed indicators for the Métropole and each of its 12 territories (sman.indicators),
the year's published resources, the FMIN projects and figures (fmin.selectors), the Pass Numérique figures
(passnumerique.selectors). The PDF is produced by a job (sman/jobs.py) and published as a resource of the
kind « bilan annuel », with the PDF attached.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.html import linebreaks

from sman.documents import render_pdf
from sman.indicators import TerritoryTree, territorial
from sman.models import Organisation, Territory, User
from sman.permissions import is_metropole_staff

from .models import AnnualReview, Kind, Resource


@dataclass
class IndicatorRow:
    label: str
    unit: str
    metropole: str
    territories: list[str] = field(default_factory=list)


def fr_number(value: Decimal | int | None, unit: str = "") -> str:
    """« 1 234 », « 12,5 % »: French digits with a narrow no-break space between thousands."""
    if value is None:
        return "—"
    value = Decimal(value)
    text = f"{value:,.1f}" if value != value.to_integral_value() else f"{value:,.0f}"
    text = text.replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0{unit}" if unit in ("%", "€") else text


def _end_of(year: int) -> date:
    return min(date(year, 12, 31), timezone.localdate())


def indicator_rows(today: date) -> tuple[list[Territory], list[IndicatorRow]]:
    """Every territorial indicator for the Métropole and its 12 territories (grouped queries where the provider
    has a batch form)."""
    tree = TerritoryTree()
    epts = list(Territory.objects.epts().without_geometry().natural_order())
    rows = []
    for provider in territorial():
        if Territory.Kind.EPT not in provider.kinds:
            continue
        values = provider.values(today, tree)
        rows.append(
            IndicatorRow(
                label=provider.label,
                unit=provider.unit,
                metropole=fr_number(values.get(None), provider.unit),
                territories=[fr_number(values.get(t.pk, Decimal(0)), provider.unit) for t in epts],
            )
        )
    return epts, rows


def review_context(year: int, introduction: str) -> dict:
    from fmin import selectors as fmin_selectors
    from passnumerique import selectors as pass_selectors

    today = _end_of(year)
    epts, indicators = indicator_rows(today)
    resources = Resource.objects.published().filter(published_year=year).exclude(kind=Kind.ANNUAL_REVIEW)
    per_kind = [
        (Kind(k).label, n)
        for k, n in resources.order_by().values_list("kind").annotate(n=Count("pk")).order_by("-n", "kind")
    ]
    most_used = (
        resources.select_related("current_version", "organisation")
        .annotate(use_count=Count("uses", distinct=True), views=Sum("usage__views"))
        .order_by("-use_count", "-views", "-published_at")[:15]
    )
    projects = fmin_selectors.funded_projects().filter(call__year=year)
    fmin_totals = fmin_selectors.totals(until=today)
    pass_totals = pass_selectors.totals(until=today)
    return {
        "year": year,
        "today": today,
        "introduction": introduction,
        "epts": epts,
        "indicators": indicators,
        "resource_count": resources.count(),
        "per_kind": per_kind,
        "most_used": most_used,
        "projects": projects,
        "fmin": {
            "applications": fr_number(fmin_totals["applications"]),
            "funded": fr_number(fmin_totals["funded"]),
            "committed": fr_number(Decimal(fmin_totals["committed_cents"]) / 100, "€"),
            "evaluations": fr_number(fmin_totals["evaluations"]),
        },
        "pass": {
            "booklets": fr_number(pass_totals["booklets_distributed"]),
            "tickets": fr_number(pass_totals["tickets_redeemed"]),
            "hours": fr_number(pass_totals["hours_delivered"]),
            "beneficiaries": fr_number(pass_totals["beneficiaries"]),
        },
        "generated_at": timezone.localtime(),
    }


def review_pdf(year: int, introduction: str) -> bytes:
    return render_pdf("resources/documents/annual_review.html", review_context(year, introduction))


@transaction.atomic
def annual_review_request(*, user: User, year: int, introduction: str) -> AnnualReview:
    """Staff ask for the review of ``year``; the worker produces it and publishes it as a resource."""
    if not is_metropole_staff(user):
        raise PermissionDenied
    if not introduction.strip():
        raise ValidationError({"introduction": "Rédigez l'introduction du bilan."})
    if year > timezone.localdate().year:
        raise ValidationError({"year": "Le bilan porte sur une année commencée."})
    try:
        with transaction.atomic():
            job = AnnualReview.objects.create(year=year, introduction=introduction.strip(), requested_by=user)
    except IntegrityError:
        raise ValidationError("Le bilan de cette année est déjà en cours de production.") from None
    from .tasks import produce_annual_review

    transaction.on_commit(lambda: produce_annual_review.apply_async([job.pk]))
    return job


def annual_review_produce(*, job_id: int) -> str:
    """Render the PDF, store it as the job's file, publish it as a resource (a new version of the year's review
    resource when one exists). Idempotent: run again, it publishes one more version of the same resource."""
    from sman.jobs import job_result_write

    from . import services

    job = AnnualReview.objects.select_related("requested_by").get(pk=job_id)
    pdf = review_pdf(job.year, job.introduction)
    job = job_result_write(job=job, content=pdf, filename=f"bilan-annuel-{job.year}.pdf")
    author = job.requested_by
    metropole = Organisation.objects.filter(kind=Organisation.Kind.METROPOLE).first()
    title = f"Bilan annuel {job.year} des politiques publiques numériques du Grand Paris"
    summary = (
        f"Le bilan {job.year} de la Métropole d'intelligences : les indicateurs du plan pour la Métropole et ses "
        "12 territoires, les ressources publiées, les projets du FMIN et le Pass Numérique."
    )
    with transaction.atomic():
        resource = services.draft_from_module(
            kind=Kind.ANNUAL_REVIEW,
            title=title,
            summary=summary,
            body=linebreaks(job.introduction, autoescape=True),
            author=author,
            organisation=metropole,
            source_app="resources.annualreview",
            source_id=job.year,
        )
        services.document_publish(
            resource=resource,
            user=author,
            body=linebreaks(job.introduction, autoescape=True),
            name=f"bilan-annuel-{job.year}.pdf",
            content=pdf,
        )
        AnnualReview.objects.filter(pk=job.pk).update(resource=resource)
    return job.file.name

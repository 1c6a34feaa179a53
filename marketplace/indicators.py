"""Indicators of action #6 and of the Grand Paris Métropole Tech community (SMAN §4.2.1.3 « Indicateurs clefs du
succès »: the number of official members, the projects born in the community), with the needs posted, answered
and adopted. A member counts for the territory of its organisation; a need for the territory of its lead
collectivity; an adoption for each adopting collectivity's territory, once for a territory that contains several.
Visits to the resource centre belong to the resource centre; event participants are counted from the attendance
staff take at the community's events, by the territory of the member each person registered for."""

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from sman.indicators import TerritoryTree, register
from sman.models import Territory

from .models import Adoption, Charter, CharterSignature, Need


def _end_of(today: date) -> datetime:
    return timezone.make_aware(datetime.combine(today, time.max))


def _members(today: date):
    charter = Charter.objects.filter(published_at__lte=_end_of(today)).order_by("-version").first()
    if charter is None:
        return CharterSignature.objects.none()
    return CharterSignature.objects.filter(charter=charter, signed_at__lte=_end_of(today), organisation__is_active=True)


def _needs(today: date, stage: str):
    needs = Need.objects.filter(published_at__lte=_end_of(today))
    if stage == "answered":
        needs = needs.filter(responses__submitted_at__lte=_end_of(today)).distinct()
    elif stage == "adopted":
        needs = needs.filter(outcome=Need.Outcome.ADOPTED, decided_at__lte=_end_of(today))
    return needs


def _within(queryset, territory, field):
    return queryset if territory is None else queryset.filter(Territory.objects.within_q(territory, field=field))


def _grouped(queryset, field: str, tree: TerritoryTree) -> dict[int, Decimal]:
    rows = queryset.order_by().values(field).annotate(n=Count("pk", distinct=True))
    return {pk: Decimal(f["n"]) for pk, f in tree.sum_up(rows, field).items()}


@register(
    "marketplace.official_members",
    label="Membres officiels de Grand Paris Métropole Tech",
    unit="membres",
    per_territory=lambda today, tree: _grouped(_members(today), "organisation__territory", tree),
)
def official_members(today: date, territory=None) -> Decimal:
    """Organisations that signed the charter in force on ``today``."""
    return Decimal(_within(_members(today), territory, "organisation__territory").count())


def _need_indicator(stage: str):
    def per_territory(today, tree):
        return _grouped(_needs(today, stage), "buyer__territory", tree)

    def compute(today: date, territory=None) -> Decimal:
        return Decimal(_within(_needs(today, stage), territory, "buyer__territory").count())

    return per_territory, compute


for _stage, _label in (
    ("posted", "Besoins publiés sur « J'adopte une innovation »"),
    ("answered", "Besoins ayant reçu au moins une réponse"),
    ("adopted", "Besoins conclus par une adoption"),
):
    _batch, _compute = _need_indicator(_stage)
    _compute.__doc__ = f"{_label} until ``today``, by the lead collectivity's territory."
    register(f"marketplace.needs_{_stage}", label=_label, unit="besoins", per_territory=_batch)(_compute)


def _adoptions(today: date):
    return Adoption.objects.filter(adopted_on__lte=today)


def _adoptions_per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
    pairs = _adoptions(today).order_by().values_list("collectivities__territory", "pk")
    return {pk: Decimal(len(ids)) for pk, ids in tree.collect_up(pairs).items()}


@register(
    "marketplace.projects_born",
    label="Projets issus de la communauté (solutions adoptées)",
    unit="projets",
    per_territory=_adoptions_per_territory,
)
def projects_born(today: date, territory=None) -> Decimal:
    """Adoptions until ``today`` by collectivities of ``territory``: each is a project born in the community."""
    adoptions = _adoptions(today)
    if territory is not None:
        adoptions = adoptions.filter(Territory.objects.within_q(territory, field="collectivities__territory"))
    return Decimal(adoptions.filter(~Q(pk=None)).distinct().count())


def _participations(today: date):
    from .models import EventRegistration

    return EventRegistration.objects.filter(
        attended=True, status=EventRegistration.Status.REGISTERED, event__starts_at__lte=_end_of(today)
    )


@register(
    "marketplace.event_participants",
    label="Participants aux événements « Métropole d'intelligences »",
    unit="participations",
    per_territory=lambda today, tree: _grouped(_participations(today), "organisation__territory", tree),
)
def event_participants(today: date, territory=None) -> Decimal:
    """People present at the community's events until ``today`` (attendance taken), by their member's territory."""
    return Decimal(_within(_participations(today), territory, "organisation__territory").count())

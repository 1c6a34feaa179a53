"""Reads of the support module, with the joins each page needs (fixed query counts)."""

from django.db.models import Count, Prefetch, Q, Sum

from sman.models import Territory
from sman.permissions import is_metropole_staff

from . import permissions
from .models import EngineeringRequest, PhaseDecision, Place, Problem, Product, ServiceOffer, SpaceOffer


def services():
    return ServiceOffer.objects.filter(is_active=True)


def requests_for(user, *, staff: bool, collectivity_ids, expert: bool):
    """The requests ``user`` may read: all for staff; else their collectivities' and those assigned to them."""
    qs = EngineeringRequest.objects.with_related()
    if staff:
        return qs
    q = Q(organisation_id__in=collectivity_ids)
    if expert:
        q |= Q(expert=user)
    return qs.filter(q)


def requests_worked_on_for(user):
    """The requests ``user`` may read (``requests_for``) that the pôle has started, delivered or closed: those whose
    deliverables a resource of the centre may belong to."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EngineeringRequest.objects.none()
    Status = EngineeringRequest.Status
    readable = requests_for(
        user,
        staff=is_metropole_staff(user),
        collectivity_ids=permissions.collectivity_ids_of(user),
        expert=permissions.is_expert(user),
    )
    return readable.filter(status__in=[Status.IN_PROGRESS, Status.DELIVERED, Status.CLOSED])


def request_detail(pk: int):
    return (
        EngineeringRequest.objects.with_related()
        .select_related("fmin_application")
        .prefetch_related("messages__author", "documents")
        .filter(pk=pk)
        .first()
    )


def places():
    return Place.objects.published().with_related().order_by("name", "pk")


def place_counts(territory=None) -> dict[str, int]:
    """Published places per kind in ``territory`` (None: the Métropole)."""
    qs = Place.objects.published()
    if territory is not None and not territory.is_metropole:
        qs = qs.filter(Territory.objects.within_q(territory))
    return dict(qs.order_by().values_list("kind").annotate(n=Count("pk")))


def problems_for(*, staff: bool, collectivity_ids):
    qs = Problem.objects.select_related("organisation__territory", "budget", "product").order_by("-created_at", "pk")
    return qs if staff else qs.filter(organisation_id__in=collectivity_ids)


def products():
    return Product.objects.select_related("problem__organisation__territory")


def product_detail(pk: int):
    return (
        products()
        .prefetch_related("impacts", Prefetch("decisions", queryset=PhaseDecision.objects.select_related("decided_by")))
        .filter(pk=pk)
        .first()
    )


PUBLIC_OFFER_STATES = (SpaceOffer.Status.PUBLISHED, SpaceOffer.Status.MATCHED, SpaceOffer.Status.OCCUPIED)


def public_offers():
    return (
        SpaceOffer.objects.filter(status__in=PUBLIC_OFFER_STATES)
        .select_related("owner", "territory__parent")
        .order_by("-created_at", "pk")
    )


def offers_for(*, staff: bool, organisation_ids):
    """Public offers, plus the user's own organisations' (any state), plus, for staff, every one."""
    qs = SpaceOffer.objects.select_related("owner", "territory__parent").order_by("-created_at", "pk")
    if staff:
        return qs
    return qs.filter(Q(status__in=PUBLIC_OFFER_STATES) | Q(owner_id__in=organisation_ids))


def budgets_with_balance():
    """Every sponsorship budget with what selections committed (``committed``) — one query."""
    from .models import SponsorshipBudget

    return SponsorshipBudget.objects.annotate(
        committed=Sum("problems__sponsorship_cents", filter=Q(problems__status=Problem.Status.SELECTED), default=0)
    )

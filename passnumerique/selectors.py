"""Reads of the Pass Numérique: directory, dashboards and statistics, with bounded queries."""

from datetime import date

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from sman.models import Territory

from .models import Beneficiary, Booklet, BookletSheets, MediationPlace, Order, Redemption, Training


def places():
    return (
        MediationPlace.objects.filter(aptic_label=True)
        .select_related("organisation", "organisation__territory", "organisation__territory__parent")
        .prefetch_related("trainings")
        .order_by("organisation__name")
    )


def trainings():
    return Training.objects.annotate(place_count=Count("places")).order_by("theme", "title")


def _in_scope(prefix: str, territory: Territory | None) -> Q:
    """Records whose commune is ``territory`` or lies within it (commune, EPT or the Métropole)."""
    if territory is None or territory.is_metropole:
        return Q()  # no filter: also the booklets not distributed yet
    return Territory.objects.within_q(territory, prefix)


def totals(*, funder=None, territory: Territory | None = None, until: date | None = None) -> dict:
    """Booklets ordered and distributed, tickets redeemed, hours, beneficiaries (share of the target public)."""
    orders = Order.objects.all()
    booklets = Booklet.objects.all()
    redemptions = Redemption.objects.all()
    if funder is not None:
        orders = orders.filter(funder=funder)
        booklets = booklets.filter(order__funder=funder)
        redemptions = redemptions.filter(ticket__booklet__order__funder=funder)
    if territory is not None:
        booklets = booklets.filter(
            _in_scope("beneficiary__territory", territory) | Q(beneficiary__isnull=True) & Q(order__territory=territory)
        )
        redemptions = redemptions.filter(_in_scope("place__organisation__territory", territory))
    if until is not None:
        redemptions = redemptions.filter(redeemed_at__date__lte=until)
    distributed = booklets.filter(distributed_at__isnull=False)
    beneficiaries = distributed.aggregate(
        n=Count("beneficiary", distinct=True),
        targeted=Count(
            "beneficiary",
            distinct=True,
            filter=~Q(order__target_public="all") & Q(beneficiary__target_public=F("order__target_public")),
        ),
        in_targeted_orders=Count("beneficiary", distinct=True, filter=~Q(order__target_public="all")),
    )
    red = redemptions.aggregate(
        n=Count("id"),
        hours=Coalesce(Sum("hours"), 0, output_field=Redemption._meta.get_field("hours")),
        value_cents=Coalesce(Sum("ticket__value_cents"), 0),
    )
    return {
        "orders": orders.count(),
        "booklets_ordered": booklets.count(),
        "booklets_distributed": distributed.count(),
        "tickets_redeemed": red["n"],
        "hours_delivered": red["hours"],
        "value_redeemed_cents": red["value_cents"],
        "beneficiaries": beneficiaries["n"],
        "target_share": (
            round(100 * beneficiaries["targeted"] / beneficiaries["in_targeted_orders"])
            if beneficiaries["in_targeted_orders"]
            else None
        ),
    }


def redemptions_per_territory(*, until: date):
    """totals()'s tickets redeemed and hours per territory of the redeeming place, in one grouped query (rows
    ``territory``, ``tickets_redeemed``, ``hours_delivered``)."""
    return (
        Redemption.objects.filter(redeemed_at__date__lte=until)
        .order_by()
        .values(territory=F("place__organisation__territory"))
        .annotate(tickets_redeemed=Count("id"), hours_delivered=Sum("hours"))
    )


def beneficiaries_per_territory():
    """totals()'s beneficiaries (of distributed booklets) per beneficiary's commune, in one grouped query (rows
    ``territory``, ``beneficiaries``): each beneficiary has one commune, so the counts add up."""
    return (
        Booklet.objects.filter(distributed_at__isnull=False)
        .order_by()
        .values(territory=F("beneficiary__territory"))
        .annotate(beneficiaries=Count("beneficiary", distinct=True))
    )


def place_activity(*, funder=None, territory: Territory | None = None, limit: int = 20):
    qs = MediationPlace.objects.select_related("organisation", "organisation__territory")
    flt = Q()
    if funder is not None:
        flt &= Q(redemptions__ticket__booklet__order__funder=funder)
    if territory is not None:
        qs = qs.filter(_in_scope("organisation__territory", territory))
    return (
        qs.annotate(redeemed=Count("redemptions", filter=flt), hours=Sum("redemptions__hours", filter=flt))
        .filter(redeemed__gt=0)
        .order_by("-redeemed")[:limit]
    )


def redemptions_by_commune(*, funder=None, territory: Territory | None = None):
    """Tickets redeemed per commune of the places, with the communes' outlines (map)."""
    qs = Redemption.objects.all()
    if funder is not None:
        qs = qs.filter(ticket__booklet__order__funder=funder)
    if territory is not None:
        qs = qs.filter(_in_scope("place__organisation__territory", territory))
    counts = dict(
        qs.values_list("place__organisation__territory")
        .annotate(n=Count("id"))
        .values_list("place__organisation__territory", "n")
    )
    communes = Territory.objects.filter(pk__in=counts).only("code", "name", "geometry")
    return [(c, counts[c.pk]) for c in communes]


def orders_for(funder_ids, *, staff: bool):
    qs = (
        Order.objects.select_related("funder", "territory")
        .annotate(distributed=Count("booklets", filter=Q(booklets__distributed_at__isnull=False), distinct=True))
        .order_by("-created_at")
    )
    return qs if staff else qs.filter(funder_id__in=funder_ids)


def beneficiaries_count() -> int:
    return Beneficiary.objects.count()


def order_sheets(order: Order, *, done: bool = False) -> BookletSheets | None:
    """The order's latest printable sheets (sman/jobs.py), in any state, or the latest done ones."""
    qs = order.booklet_sheets.order_by("-created_at")
    return (qs.filter(state=BookletSheets.State.DONE) if done else qs).first()

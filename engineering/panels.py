"""What the support module puts in « Mon espace » and on a territory's page (EngineeringConfig)."""

from django.db.models import Count, F, Func, OuterRef, Q, Subquery
from django.urls import reverse

from sman.models import Territory
from sman.modules import SpacePanel, add_count
from sman.permissions import is_metropole_staff

from . import permissions, selectors
from .models import EngineeringRequest, Place, PlaceKind, Problem, Product, RequestMessage, SpaceOffer

S = EngineeringRequest.Status


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    requests_url = reverse("engineering:request_list")
    ids = permissions.collectivity_ids_of(user)
    if ids:
        mine = EngineeringRequest.objects.filter(organisation_id__in=ids).aggregate(
            to_rate=Count("pk", filter=Q(status=S.DELIVERED)),
            open=Count("pk", filter=~Q(status__in=[S.DELIVERED, S.CLOSED])),
        )
        add_count(
            todos, mine["to_rate"], "demande livrée : donnez votre avis", "demandes livrées : donnez votre avis",
            requests_url + f"?status={S.DELIVERED}",
        )  # fmt: skip
        waiting = (
            EngineeringRequest.objects.filter(organisation_id__in=ids, status__in=[S.QUALIFIED, S.IN_PROGRESS])
            .annotate(
                last_from_pole=Subquery(
                    RequestMessage.objects.filter(request=OuterRef("pk"))
                    .order_by("-created_at")
                    .values("from_pole")[:1]
                )
            )
            .filter(last_from_pole=True)
            .count()
        )
        add_count(
            todos, waiting, "demande où le pôle d'ingénierie vous a écrit",
            "demandes où le pôle d'ingénierie vous a écrit",
            requests_url,
        )  # fmt: skip
        if mine["open"]:
            links.append((f"Demandes au pôle d'ingénierie en cours ({mine['open']})", requests_url))
        links.append(("Demander un accompagnement au pôle d'ingénierie", reverse("engineering:request_create")))
        links.append(("Proposer un problème à « Start-up de métropole »", reverse("engineering:problem_create")))
    if permissions.is_expert(user):
        assigned = EngineeringRequest.objects.filter(expert=user).aggregate(
            to_start=Count("pk", filter=Q(status=S.QUALIFIED)),
            in_progress=Count("pk", filter=Q(status=S.IN_PROGRESS)),
        )
        add_count(
            todos, assigned["to_start"], "demande confiée à prendre en charge", "demandes confiées à prendre en charge",
            requests_url + f"?status={S.QUALIFIED}",
        )  # fmt: skip
        add_count(
            todos, assigned["in_progress"], "demande à laquelle répondre", "demandes auxquelles répondre",
            requests_url + f"?status={S.IN_PROGRESS}",
        )  # fmt: skip
    if is_metropole_staff(user):
        add_count(
            todos, EngineeringRequest.objects.filter(status=S.RECEIVED).count(), "demande d'accompagnement à trier",
            "demandes d'accompagnement à trier", requests_url + f"?status={S.RECEIVED}",
        )  # fmt: skip
        add_count(
            todos, Problem.objects.filter(status=Problem.Status.SUBMITTED).count(), "problème à examiner",
            "problèmes à examiner", reverse("engineering:problem_list") + "?status=submitted",
        )  # fmt: skip
        add_count(
            todos, SpaceOffer.objects.filter(status=SpaceOffer.Status.SUBMITTED).count(), "espace vacant à modérer",
            "espaces vacants à modérer", reverse("engineering:offer_list") + "?status=submitted",
        )  # fmt: skip
    if permissions.space_applicant_ids_of(user) or permissions.space_owner_ids_of(user) - ids:
        links.append(("Bourse aux espaces vacants", reverse("engineering:offer_list")))
    if not todos and not links:
        return None
    return SpacePanel("Accompagnement", todos, links, order=85)


def _count(queryset):
    """A scalar subquery: how many rows ``queryset`` has."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])


def territory_panel(territory):
    """The territory's digital places, and its collectivities' support requests and start-ups. One query when
    there is nothing to show (the page of a territory adds one query per module with nothing there)."""
    within = Territory.objects.within(territory).values("pk")
    found = (
        Territory.objects.filter(pk=territory.pk)
        .annotate(
            places=_count(Place.objects.published().filter(territory__in=within)),
            requests=_count(EngineeringRequest.objects.filter(organisation__territory__in=within)),
            products=_count(Product.objects.filter(problem__organisation__territory__in=within)),
        )
        .values("places", "requests", "products")
        .get()
    )
    if not any(found.values()):
        return None
    counts = selectors.place_counts(territory)
    requests = EngineeringRequest.objects.filter(Territory.objects.within_q(territory, field="organisation__territory"))
    figures = requests.aggregate(total=Count("pk"), closed=Count("pk", filter=Q(status=S.CLOSED)))
    products = list(
        selectors.products().filter(Territory.objects.within_q(territory, field="problem__organisation__territory"))[:5]
    )
    return "engineering/_territory_panel.html", {
        "territory": territory,
        "place_counts": [(label, counts.get(value, 0)) for value, label in PlaceKind.choices],
        "figures": figures,
        "products": products,
    }

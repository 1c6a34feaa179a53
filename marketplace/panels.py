"""What the marketplace puts in « Mon espace » and on a territory's page (MarketplaceConfig)."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from sman.models import Territory
from sman.modules import SpacePanel, add_count

from . import permissions, selectors
from .models import Adoption, CharterSignature, Match, Need, Question, Response


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    buyer_ids = permissions.buyer_ids_of(user)
    if buyer_ids:
        mine = Need.objects.filter(Q(buyer_id__in=buyer_ids) | Q(participants__organisation_id__in=buyer_ids))
        lead = Need.objects.filter(buyer_id__in=buyer_ids)
        unread = Response.objects.filter(need__in=mine, read_at__isnull=True).values("need").distinct().count()
        unanswered = Question.objects.filter(need__in=lead, answered_at__isnull=True).count()
        drafts = lead.filter(state=Need.State.DRAFT).count()
        follow_ups = (
            Adoption.objects.filter(
                collectivities__in=buyer_ids, follow_up_due_on__lte=timezone.localdate(), followed_up_at__isnull=True
            )
            .distinct()
            .count()
        )
        space = reverse("marketplace:buyer_space")
        add_count(todos, unread, "besoin avec des réponses à lire", "besoins avec des réponses à lire", space)
        add_count(
            todos,
            unanswered,
            "question de membre à laquelle répondre",
            "questions de membres à laquelle répondre",
            space,
        )
        add_count(todos, drafts, "besoin en brouillon à publier", "besoins en brouillon à publier", space)
        add_count(todos, follow_ups, "suivi à six mois à renseigner", "suivis à six mois à renseigner", space)
        links.append(("Les besoins de ma collectivité", space))
    member_ids = permissions.member_ids_of(user)
    # Only organisations that joined the community (signed a version of the charter): a digital actor that never
    # did has nothing waiting here (the marketplace is in the navigation).
    joined = set(
        CharterSignature.objects.filter(organisation_id__in=member_ids).values_list("organisation_id", flat=True)
    )
    if joined:
        space = reverse("marketplace:member_space")
        to_sign_again = len(joined - permissions.signed_member_ids(joined))
        add_count(
            todos,
            to_sign_again,
            "nouvelle version de la charte à signer",
            "nouvelles versions de la charte à signer",
            reverse("marketplace:charter"),
        )
        answered = Response.objects.filter(member_id__in=joined).values("need_id")
        matched = (
            Match.objects.filter(
                member_id__in=joined, need__state=Need.State.PUBLISHED, need__deadline__gte=timezone.localdate()
            )
            .exclude(need_id__in=answered)
            .values("need_id")
            .distinct()
            .count()
        )
        add_count(
            todos,
            matched,
            "besoin qui vous correspond, sans réponse",
            "besoins qui vous correspondent, sans réponse",
            space,
        )
        links.append(("Mon espace membre", space))
    if not todos and not links:
        return None
    return SpacePanel("J'adopte une innovation", todos, links, order=60)


def territory_panel(territory: Territory):
    """The solutions adopted by the collectivities of this territory (a commune, an EPT and its communes)."""
    adoptions = selectors.adoptions_in(territory)
    count = adoptions.count()
    if not count:
        return None
    return "marketplace/_territory_panel.html", {
        "territory": territory,
        "count": count,
        "adoptions": adoptions[:5],
    }


def object_panel(obj, request, place):
    """On an FMIN funded project's page, the solutions of Grand Paris Métropole Tech it experiments (« Solution
    expérimentée »), with a link to remove each for the project's lead collectivity."""
    if place != "bottom" or obj._meta.label != "fmin.Application" or not obj.pk:
        return None
    links = list(selectors.solutions_experimented_by(obj))
    user = getattr(request, "user", None)
    can_unlink = bool(links) and user is not None and obj.lead_id in permissions.buyer_ids_of(user)
    return "marketplace/_project_solutions.html", {"links": links, "can_unlink": can_unlink, "heading": "h2"}

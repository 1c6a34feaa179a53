"""What the resource centre puts in « Mon espace » and on a territory's page (ResourcesConfig)."""

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from sman.models import Territory
from sman.modules import SpacePanel, add_count

from . import permissions
from .links import link_for
from .models import EditSuggestion, Resource, ReviewComment, SavedSearch


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    if permissions.can_moderate(user):
        waiting = Resource.objects.filter(
            Q(state=Resource.State.SUBMITTED) | Q(state=Resource.State.IN_REVIEW, moderator=user)
        ).exclude(author=user)
        add_count(todos, waiting.count(), "ressource à relire", "ressources à relire", reverse("resources:moderation"))
    mine = Resource.objects.filter(author=user)
    last_comment = ReviewComment.objects.filter(resource=OuterRef("pk")).order_by("-created_at", "-id")
    to_answer = (
        mine.filter(state__in=[*Resource.AWAITING_MODERATION, Resource.State.REFUSED])
        .annotate(last_by_moderator=Subquery(last_comment.values("by_moderator")[:1]))
        .filter(last_by_moderator=True)
        .count()
    )
    add_count(
        todos, to_answer, "commentaire de modérateur à lire", "commentaires de modérateurs à lire",
        reverse("resources:mine"),
    )  # fmt: skip
    suggestions = EditSuggestion.objects.filter(resource__author=user, state=EditSuggestion.State.PENDING).count()
    add_count(
        todos, suggestions, "modification suggérée à examiner", "modifications suggérées à examiner",
        reverse("resources:mine"),
    )  # fmt: skip
    drafts = mine.filter(state=Resource.State.DRAFT, current_version__isnull=True).exclude(source_app="").count()
    add_count(
        todos, drafts, "brouillon préparé pour vous à relire", "brouillons préparés pour vous à relire",
        reverse("resources:mine"),
    )  # fmt: skip
    has_resources = mine.exists()
    has_searches = SavedSearch.objects.filter(user=user).exists()
    if not todos and not has_resources and not has_searches:
        return None  # a contributor with nothing waiting reads « Rien ne vous attend »
    if permissions.can_contribute(user):
        links.append(("Proposer une ressource", reverse("resources:contribute")))
    if has_resources:
        links.append(("Mes ressources", reverse("resources:mine")))
    if has_searches:
        links.append(("Mes recherches enregistrées", reverse("resources:saved_searches")))
    return SpacePanel("Centre de ressources", todos, links, order=70)


def territory_panel(territory: Territory):
    """The published resources about this territory (or a place within it)."""
    rows = Resource.objects.published().filter(
        pk__in=Resource.territories.through.objects.filter(
            territory_id__in=Territory.objects.within(territory).values("pk")
        ).values("resource_id")
    )
    count = rows.count()
    if not count:
        return None
    return "resources/_territory_panel.html", {
        "territory": territory,
        "count": count,
        "resources": rows.select_related("current_version").order_by("-published_at")[:5],
    }


RELATED_LIMIT = 10


def object_panel(obj, request, place):
    """On the page of what a resource can be about (an FMIN project, an Explorateurs project, a Bâtisseurs group, a
    solution, an action, a request to the pôle d'ingénierie), the published resources about it (« Ressources
    liées »), the most recent first."""
    link = link_for(obj)
    if place != "bottom" or link is None or not obj.pk:
        return None
    related = list(
        Resource.objects.published()
        .filter(**{link.field: obj})
        .select_related("current_version")
        .order_by("-published_at", "-pk")[:RELATED_LIMIT]
    )
    return "resources/_related.html", {"related": related, "heading": "h2"}

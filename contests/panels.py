"""What prizes and contests put in « Mon espace » (ContestsConfig.space_panel) and under the title of a prize-winning
solution or resource (ContestsConfig.object_panel)."""

from django.urls import reverse

from sman.modules import SpacePanel, add_count

from . import selectors
from .models import Contest, Entry


def space_panel(request) -> SpacePanel | None:
    user = request.user
    if not user.is_authenticated:
        return None
    todos, links = [], []
    for juror in selectors.juries_of(user):
        url = reverse("contests:jury", args=[juror.contest.slug])
        if juror.contest.status == Contest.Status.JUDGING and juror.declared_at is None:
            add_count(todos, 1, f"déclaration d'intérêts à signer ({juror.contest.title})", "", url)
        else:
            n = selectors.to_score_count(juror)
            add_count(
                todos,
                n,
                f"candidature à noter ({juror.contest.title})",
                f"candidatures à noter ({juror.contest.title})",
                url,
            )
        links.append((f"Jury : {juror.contest.title}", url))
    if Entry.objects.filter(user=user).exists() or links:
        links.append(("Mes candidatures", reverse("contests:my_entries")))
    if not todos and not links:
        return None
    return SpacePanel("Prix et concours", todos=todos, links=links, order=75)


def object_panel(obj, request, place):
    """« Lauréat du prix … » under the title of a marketplace solution or a resource that won a published prize."""
    if place != "top" or not obj.pk:
        return None
    awards = selectors.awards_of(obj)  # none for an object that cannot win a prize, with no query
    return ("contests/_laureate.html", {"awards": awards}) if awards else None

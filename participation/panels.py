"""What participation puts in « Mon espace » and on a territory's page (ParticipationConfig)."""

from django.urls import reverse

from sman.modules import SpacePanel, add_count

from . import permissions, selectors
from .models import Ballot, ModerationCase, Proposal, ResidenceProof, Space


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    managed = permissions.managed_space_ids(user)
    moderated = permissions.moderated_space_ids(user)
    if not user.is_authenticated:
        return None
    if moderated is None or moderated:
        spaces = Space.objects.filter(is_active=True).select_related("organisation")
        if moderated is not None:
            spaces = spaces.filter(pk__in=moderated)
        for space in spaces[:10]:
            if managed is None or space.pk in managed:
                add_count(
                    todos,
                    selectors.proposals_to_answer({space.pk}).count(),
                    f"proposition à répondre ({space.name})",
                    f"propositions à répondre ({space.name})",
                    space.get_absolute_url(),
                )
                add_count(
                    todos,
                    ResidenceProof.objects.filter(space=space, status=ResidenceProof.Status.PENDING).count(),
                    f"justificatif de domicile à examiner ({space.name})",
                    f"justificatifs de domicile à examiner ({space.name})",
                    reverse("participation:proofs", args=[space.slug]),
                )
            add_count(
                todos,
                ModerationCase.objects.filter(space=space, state=ModerationCase.State.OPEN).count(),
                f"signalement à examiner ({space.name})",
                f"signalements à examiner ({space.name})",
                reverse("participation:moderation", args=[space.slug]),
            )
            links.append((f"Espace de participation : {space.name}", space.get_absolute_url()))
    if moderated is None:
        links.append(("La participation dans la Métropole", reverse("participation:metropolitan")))
    mine = Proposal.objects.filter(author=user).count()
    ballots = Ballot.objects.filter(voter=user).count()
    if mine or ballots:
        links.append(
            (
                f"Mes données de participation ({mine} proposition(s), {ballots} vote(s))",
                reverse("participation:my_data"),
            )
        )
    if not todos and not links:
        return None
    return SpacePanel("Participation citoyenne", todos, links, order=80)


def territory_panel(territory):
    """The published processes whose scope lies within the territory."""
    processes = list(selectors.territory_processes(territory)[:6])
    if not processes:
        return None
    return "participation/_territory_panel.html", {
        "territory": territory,
        "processes": processes[:5],
        "more": len(processes) > 5,
    }

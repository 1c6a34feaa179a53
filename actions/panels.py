"""What the roadmap and the COPIL put in « Mon espace » (ActionsConfig.space_panel)."""

from django.urls import reverse

from sman.modules import SpacePanel, Todo, plural
from sman.permissions import is_metropole_staff

from . import permissions
from .models import Action, CopilSession, Report


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    owned = list(Action.objects.filter(owners=user).select_related("roadmap").order_by("number"))
    for action in owned:
        todos.append(
            Todo(
                f"Mettre à jour le suivi de l'action #{action.number} — {action.title}",
                reverse("actions:action_follow", args=[action.roadmap.code, action.number]),
            )
        )
    if permissions.can_follow_copil(user):
        upcoming = CopilSession.objects.filter(status=CopilSession.Status.PLANNED).order_by("date").first()
        if upcoming is not None:
            todos.append(Todo(f"Préparer la séance du COPIL du {upcoming.date:%d/%m/%Y}", upcoming.get_absolute_url()))
        elif is_metropole_staff(user):
            todos.append(Todo("Aucune séance du COPIL n'est prévue : en créer une", reverse("actions:session_list")))
        report = Report.objects.filter(state=Report.State.DONE).select_related("session").order_by("-finished_at")
        report = report.first()
        if report is not None:
            links.append((f"Dernier rapport d'évaluation ({report.session})", report.get_absolute_url()))
        links.append(("Tableau de bord du COPIL", reverse("actions:dashboard")))
    if not todos and not links:
        return None
    if owned:
        mine = plural(len(owned), "action dont vous êtes responsable", "actions dont vous êtes responsable")
        links.insert(0, (f"La feuille de route ({mine})", reverse("actions:plan")))
    return SpacePanel("Feuille de route et COPIL", todos, links, order=10)


def territory_panel(territory) -> tuple[str, dict]:
    """On a commune's or a territory's page: the way to its figures in the territorial observatory (no query)."""
    return "actions/_territory_panel.html", {"territory": territory}

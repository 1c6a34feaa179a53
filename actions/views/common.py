"""What the actions pages of every audience share."""

from django.http import Http404
from django.urls import reverse

from sman.permissions import user_passes

from .. import permissions, selectors
from ..models import Action

copil_required = user_passes(permissions.can_follow_copil)
staff_required = user_passes(permissions.can_manage_sessions)


def plan_crumbs(action=None) -> list[tuple[str, str]]:
    crumbs = [("Feuille de route", reverse("actions:plan"))]
    if action is not None:
        crumbs.append((f"Action #{action.number}", action.get_absolute_url()))
    return crumbs


def copil_crumbs(session=None) -> list[tuple[str, str]]:
    crumbs = [("COPIL", reverse("actions:dashboard")), ("Séances", reverse("actions:session_list"))]
    if session is not None:
        crumbs.append((session.date.strftime("%d/%m/%Y"), session.get_absolute_url()))
    return crumbs


def action_or_404(roadmap, number) -> Action:
    action = selectors.action_by_number(roadmap, number)
    if action is None:
        raise Http404("Action inconnue")
    return action

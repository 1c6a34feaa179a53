"""Who may do what in the Explorateurs du numérique."""

from sman.models import Organisation
from sman.permissions import is_metropole_staff, organisation_ids_of

from .models import Explorer, Project


def collectivity_ids_of(user) -> set[int]:
    """The collectivities the user acts for (sman's per-request cache)."""
    if not user.is_authenticated:
        return set()
    return set(organisation_ids_of(user, kind=Organisation.Kind.COLLECTIVITY))


def is_agent(user) -> bool:
    """A collectivity agent: may apply, and read the directory of explorers and alumni."""
    return bool(collectivity_ids_of(user))


def can_read_directory(user) -> bool:
    """The directory of explorers and alumni is for signed-in agents (and the Métropole's team) only."""
    return user.is_authenticated and (is_agent(user) or is_metropole_staff(user))


def explorers_of(user):
    """The user's explorer rows (one per cohort they joined), newest cohort first."""
    if not user.is_authenticated:
        return Explorer.objects.none()
    return (
        Explorer.objects.filter(user=user)
        .select_related("cohort", "collectivity__territory")
        .order_by("-cohort__start_year")
    )


def can_edit_project(user, project: Project) -> bool:
    """The project's explorer, the agents of its collectivity, and the Métropole's team."""
    if not user.is_authenticated:
        return False
    if is_metropole_staff(user):
        return True
    if project.explorer_id and project.explorer.user_id == user.pk:
        return True
    return project.collectivity_id in collectivity_ids_of(user)


def can_see_notes(user, project: Project) -> bool:
    return can_edit_project(user, project)


def can_see_document(user, explorer: Explorer) -> bool:
    return user.is_authenticated and (explorer.user_id == user.pk or is_metropole_staff(user))


def can_take_attendance(user) -> bool:
    return user.is_authenticated and is_metropole_staff(user)

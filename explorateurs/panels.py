"""What the Explorateurs put in « Mon espace » and on a territory's page (ExplorateursConfig)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from sman.models import Organisation, Territory
from sman.modules import SpacePanel, Todo, add_count
from sman.permissions import is_metropole_staff

from . import permissions, selectors
from .models import Candidacy, Event, Explorer, Project, Registration


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    now = timezone.now()
    candidacies = Candidacy.objects.filter(agent=user)
    waiting_manager = candidacies.filter(status=Candidacy.Status.AWAITING_MANAGER).count()
    add_count(
        todos, waiting_manager, "candidature en attente de l'accord de votre direction",
        "candidatures en attente de l'accord de votre direction", reverse("explorateurs:my_path"),
    )  # fmt: skip
    explorers = list(permissions.explorers_of(user).filter(status=Explorer.Status.ACTIVE))
    if explorers:
        upcoming = (
            Registration.objects.filter(
                explorer__in=explorers, status=Registration.Status.REGISTERED, event__starts_at__gte=now
            )
            .select_related("event")
            .order_by("event__starts_at")
            .first()
        )
        if upcoming:
            todos.append(
                Todo(
                    f"Participer à « {upcoming.event.title} » "
                    f"le {timezone.localtime(upcoming.event.starts_at):%d/%m/%Y}",
                    upcoming.event.get_absolute_url(),
                )
            )
        open_events = Event.objects.filter(cohort__in=[e.cohort_id for e in explorers], starts_at__gte=now).exclude(
            registrations__explorer__in=explorers, registrations__status__in=["registered", "waiting"]
        )
        add_count(
            todos, open_events.count(), "journée à laquelle vous inscrire", "journées auxquelles vous inscrire",
            reverse("explorateurs:events"),
        )  # fmt: skip
        ideas = Project.objects.filter(explorer__in=explorers, status=Project.Status.IDEA).count()
        add_count(
            todos, ideas, "projet à qualifier avec l'équipe de la Métropole", "projets à qualifier avec l'équipe",
            reverse("explorateurs:my_path"),
        )  # fmt: skip
        links.append(("Mon parcours d'explorateur", reverse("explorateurs:my_path")))
    if is_metropole_staff(user):
        to_select = Candidacy.objects.filter(status=Candidacy.Status.CONFIRMED).count()
        add_count(
            todos, to_select, "candidature aux Explorateurs à examiner", "candidatures aux Explorateurs à examiner",
            reverse("explorateurs:candidacies") + "?status=confirmed",
        )  # fmt: skip
        attendance = (
            Event.objects.filter(starts_at__lte=now, attendance_taken_at__isnull=True)
            .annotate(n=Count("registrations", filter=Q(registrations__status="registered")))
            .filter(n__gt=0)
            .order_by("-starts_at")
            .first()
        )
        if attendance:
            todos.append(
                Todo(
                    f"Relever les présences : « {attendance.title} »",
                    reverse("explorateurs:attendance", args=[attendance.pk]),
                )
            )
        links.append(("Candidatures aux Explorateurs", reverse("explorateurs:candidacies")))
    if permissions.can_read_directory(user):
        links.append(("Annuaire des explorateurs et alumni", reverse("explorateurs:directory")))
    if permissions.is_agent(user) and selectors.recruiting_cohort(timezone.localdate()) and not explorers:
        links.append(("Candidater aux Explorateurs du numérique", reverse("explorateurs:apply")))
    if not todos and not links:
        return None
    return SpacePanel("Explorateurs du numérique", todos, links, order=50)


def territory_panel(territory):
    """The collectivities' explorers (current and alumni) and their projects, along the thread to the FMIN. One
    query when the territory has none (the territory's page makes one per module with nothing to show)."""
    today = timezone.localdate()
    active = Q(explorers__status=Explorer.Status.ACTIVE)
    counts = Organisation.objects.filter(
        Territory.objects.within_q(territory, field="territory"), kind=Organisation.Kind.COLLECTIVITY
    ).aggregate(
        current=Count("explorers", filter=active & Q(explorers__cohort__ends_on__gte=today), distinct=True),
        alumni=Count("explorers", filter=active & Q(explorers__cohort__ends_on__lt=today), distinct=True),
        projects=Count("explorer_projects", distinct=True),
    )
    if not any(counts.values()):
        return None
    scope = Territory.objects.within_q(territory, field="collectivity__territory")
    projects = list(selectors.projects().filter(scope).order_by("-updated_at")[:6])
    return "explorateurs/_territory_panel.html", {
        "territory": territory,
        "counts": counts,
        "projects": projects[:5],
        "more": len(projects) > 5,
    }

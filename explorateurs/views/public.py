"""Explorateurs pages for everyone: the programme, the network map, the projects, the calendar, and the page
where an agent's direction answers their candidacy (through the signed link it received)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from sman.ical import CalendarEntry, ical_response
from sman.lists import Listing
from sman.maps import feature_collection
from sman.permissions import is_metropole_staff

from .. import permissions, selectors, services
from ..filters import EventFilter, ProjectFilter
from ..forms import ManagerDecisionForm, NoteForm, StatusForm
from ..models import Candidacy, Project
from .common import CRUMBS


def home(request):
    today = timezone.localdate()
    upcoming = selectors.events().filter(starts_at__gte=timezone.now())[:3]
    return render(
        request,
        "explorateurs/home.html",
        {
            "cohort": selectors.current_cohort(today),
            "recruiting": selectors.recruiting_cohort(today),
            "upcoming": upcoming,
        },
    )


def network(request):
    """The public map of the collectivities that have (had) explorers, communal and EPT explorers told apart,
    with the same information as a list on the page."""
    rows = list(selectors.network(timezone.localdate()))
    communes = [o for o in rows if o.territory.kind != "ept"]
    epts = [o for o in rows if o.territory.kind == "ept"]
    features = feature_collection(
        (
            o.outline,
            f"{o.name} — {o.current + o.alumni} explorateur{'s' if o.current + o.alumni > 1 else ''}",
            "",
        )
        for o in rows
    )
    for feature, organisation in zip(features["features"], [o for o in rows if o.outline is not None], strict=True):
        # EPT explorers in the deeper colour: the legend and the lists below say it in words too.
        feature["properties"]["color"] = "#8a3b12" if organisation.territory.kind == "ept" else "#15397a"
    return render(
        request,
        "explorateurs/network.html",
        {"communes": communes, "epts": epts, "map_data": features, "crumbs": CRUMBS},
    )


def project_list(request):
    listing = Listing(request, selectors.projects(), filterset_class=ProjectFilter, page_size=20)
    return render(request, "explorateurs/project_list.html", {**listing.context(), "crumbs": CRUMBS})


def project_detail(request, pk):
    project = get_object_or_404(selectors.projects(), pk=pk)
    user = request.user
    staff = user.is_authenticated and is_metropole_staff(user)
    return render(
        request,
        "explorateurs/project_detail.html",
        {
            "project": project,
            "steps": _steps(project),
            "can_edit": permissions.can_edit_project(user, project),
            "can_start_fmin": not project.fmin_application_id
            and project.collectivity_id in permissions.collectivity_ids_of(user),
            "notes": project.notes.select_related("author") if permissions.can_see_notes(user, project) else None,
            "staff": staff,
            "status_form": StatusForm(initial={"status": project.status}) if staff else None,
            "note_form": NoteForm() if staff else None,
            "crumbs": [*CRUMBS, ("Projets", "/explorateurs/projets/")],
        },
    )


def _steps(project: Project) -> list[dict]:
    """The thread idea → qualified → FMIN file → funded → generalised, the reached steps marked."""
    order = list(Project.Status)
    reached = order.index(Project.Status(project.status))
    return [{"label": s.label, "done": i <= reached, "current": i == reached} for i, s in enumerate(order)]


def event_list(request):
    listing = Listing(request, selectors.events(), filterset_class=EventFilter, page_size=20)
    return render(request, "explorateurs/event_list.html", {**listing.context(), "crumbs": CRUMBS})


def event_detail(request, pk):
    event = get_object_or_404(selectors.events(), pk=pk)
    explorers = list(permissions.explorers_of(request.user))
    registration = selectors.registrations_of(explorers).get(event.pk) if explorers else None
    eligible = [e for e in explorers if services.may_attend(e, event)]
    return render(
        request,
        "explorateurs/event_detail.html",
        {
            "event": event,
            "registration": registration,
            "explorer": eligible[0] if eligible else None,
            "can_take_attendance": permissions.can_take_attendance(request.user),
            "crumbs": [*CRUMBS, ("Journées et expéditions", "/explorateurs/journees/")],
        },
    )


def _entry(event) -> CalendarEntry:
    speakers = f"Intervenants : {event.speakers}" if event.speakers else ""
    return CalendarEntry(
        uid=f"explorateurs-event-{event.pk}",
        title=f"{event.get_kind_display().capitalize()} — {event.title}",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        location=", ".join(part for part in (event.venue, event.address) if part),
        description="\n\n".join(part for part in (event.programme, speakers) if part),
        path=event.get_absolute_url(),
    )


def event_ics(request, pk):
    event = get_object_or_404(selectors.events(), pk=pk)
    return ical_response([_entry(event)], name=event.title, filename=f"explorateurs-{event.pk}.ics")


def calendar_ics(request):
    """Every event to come (and of the last year), for a calendar application to subscribe to."""
    since = timezone.now() - timezone.timedelta(days=365)
    events = selectors.events().filter(starts_at__gte=since)
    return ical_response(
        [_entry(event) for event in events], name="Explorateurs du numérique", filename="explorateurs.ics"
    )


def manager_confirm(request, token):
    """The agent's direction agrees or declines, through the signed link e-mailed to it (no account needed)."""
    try:
        candidacy = services.candidacy_from_token(token)
    except ValidationError as exc:
        return render(request, "explorateurs/manager_confirm.html", {"error": exc.messages[0]}, status=404)
    form = ManagerDecisionForm(request.POST or None)
    if request.method == "POST" and candidacy.status == Candidacy.Status.AWAITING_MANAGER and form.is_valid():
        try:
            candidacy = services.candidacy_manager_decide(
                candidacy=candidacy,
                agree=form.cleaned_data["decision"] == "agree",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, "Merci : votre réponse est enregistrée et l'agent en est informé.")
        return redirect(request.path)
    return render(request, "explorateurs/manager_confirm.html", {"candidacy": candidacy, "form": form})

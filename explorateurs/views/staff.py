"""Back-office pages of the Métropole's programme team: selection, attendance, projects' support."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import run_service
from sman.lists import Column, Export, Listing
from sman.permissions import staff_required

from .. import selectors, services
from ..filters import CandidacyFilter
from ..forms import NoteForm, StatusForm
from ..models import Candidacy, Cohort, Event, Explorer, Project
from .common import CRUMBS

CANDIDACIES_EXPORT = Export(
    "candidatures-explorateurs",
    [
        Column("Promotion", lambda c: c.cohort.label),
        Column("Agent", lambda c: c.agent.get_full_name() or c.agent.email),
        Column("Adresse", lambda c: c.agent.email),
        Column("Collectivité", lambda c: c.collectivity.name),
        Column("Fonction", lambda c: c.role),
        Column("Direction", lambda c: c.department),
        Column("Statut", lambda c: c.get_status_display()),
        Column("Rang d'attente", lambda c: c.waitlist_position or ""),
        Column("Déposée le", lambda c: c.created_at.date()),
    ],
    dated=True,
)


@staff_required
def candidacy_list(request):
    listing = Listing(
        request, selectors.candidacies_for_staff(), filterset_class=CandidacyFilter, page_size=30,
        export=CANDIDACIES_EXPORT,
    )  # fmt: skip
    if response := listing.export_response():
        return response
    cohorts = Cohort.objects.order_by("-start_year")
    seats = {c.pk: (c.explorers.filter(status=Explorer.Status.ACTIVE).count(), c.seats) for c in cohorts[:3]}
    return render(
        request,
        "explorateurs/staff/candidacy_list.html",
        {**listing.context(), "cohorts": [(c, *seats[c.pk]) for c in cohorts[:3]], "crumbs": CRUMBS},
    )


def _back_to_list(request):
    return redirect(request.POST.get("next") or reverse("explorateurs:candidacies"))


@staff_required
@require_POST
def candidacy_select(request, pk):
    candidacy = get_object_or_404(Candidacy, pk=pk)
    try:
        result = services.candidacy_select(candidacy=candidacy, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if result.status == Candidacy.Status.SELECTED:
            messages.success(request, f"{result.agent} rejoint la promotion.")
        else:
            messages.warning(
                request,
                f"Promotion complète : {result.agent} est au rang {result.waitlist_position} de la liste d'attente.",
            )
    return _back_to_list(request)


@staff_required
@require_POST
def candidacy_reject(request, pk):
    candidacy = get_object_or_404(Candidacy, pk=pk)
    run_service(
        request, lambda: services.candidacy_reject(candidacy=candidacy, user=request.user), "Candidature non retenue."
    )
    return _back_to_list(request)


@staff_required
@require_POST
def explorer_withdraw(request, pk):
    explorer = get_object_or_404(Explorer, pk=pk)
    holder = {}

    def withdraw():
        holder["promoted"] = services.explorer_withdraw(explorer=explorer, user=request.user)

    if run_service(request, withdraw, "L'explorateur a quitté la promotion.") and holder["promoted"] is not None:
        messages.success(request, f"Sa place revient à {holder['promoted'].agent}, premier de la liste d'attente.")
    return _back_to_list(request)


@staff_required
def attendance(request, pk):
    """Attendance taken on a phone: one checkbox per registered explorer, one button."""
    event = get_object_or_404(Event.objects.select_related("cohort"), pk=pk)
    rows = list(selectors.attendance_sheet(event))
    if request.method == "POST":
        present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
        if run_service(
            request,
            lambda: services.attendance_record(event=event, user=request.user, present=present),
            f"Présences enregistrées : {len(present)} sur {len(rows)}.",
        ):
            return redirect("explorateurs:attendance", event.pk)
    return render(
        request,
        "explorateurs/staff/attendance.html",
        {"event": event, "rows": rows, "waiting": selectors.waiting_list(event), "crumbs": CRUMBS},
    )


@staff_required
@require_POST
def project_status(request, pk):
    project = get_object_or_404(Project, pk=pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.project_set_status(project=project, user=request.user, **form.cleaned_data),
            "Étape du projet enregistrée.",
        )
    else:
        messages.error(request, "Choisissez une étape.")
    return redirect(project.get_absolute_url())


@staff_required
@require_POST
def project_note(request, pk):
    project = get_object_or_404(Project, pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.support_note_add(project=project, user=request.user, **form.cleaned_data),
            "Accompagnement enregistré.",
        )
    else:
        messages.error(request, "Écrivez la note.")
    return redirect(project.get_absolute_url() + "#accompagnement")

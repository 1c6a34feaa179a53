"""Explorateurs pages of signed-in agents: apply, my path (explorer → projects → FMIN file), events
registration, documents, the directory of explorers and alumni."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.files import job_file_response
from sman.job_status import JobPanel, job_status_json
from sman.lists import Listing
from sman.models import Organisation
from sman.permissions import is_metropole_staff, organisations_of

from .. import permissions, selectors, services
from ..filters import DirectoryFilter
from ..forms import CandidacyForm, ProjectForm, VisibilityForm
from ..models import Candidacy, Explorer, ExplorerDocument, Project, Registration
from .common import CRUMBS


@login_required
def apply(request):
    today = timezone.localdate()
    cohort = selectors.recruiting_cohort(today)
    collectivities = organisations_of(request.user, kind=Organisation.Kind.COLLECTIVITY)
    if not collectivities.exists():
        raise PermissionDenied("Seuls les agents d'une collectivité peuvent candidater.")
    form = CandidacyForm(
        request.POST or None, collectivities=collectivities, initial={"collectivity": collectivities.first()}
    )
    if request.method == "POST" and cohort is not None and form.is_valid():
        holder = {}

        def submit():
            holder["candidacy"] = services.candidacy_submit(user=request.user, cohort=cohort, **form.cleaned_data)

        if form_service(
            request, form, submit,
            "Candidature envoyée. Votre direction a reçu un lien pour la confirmer ; vous serez informé de sa réponse.",
        ):  # fmt: skip
            return redirect("explorateurs:my_path")
    mine = Candidacy.objects.filter(agent=request.user).select_related("cohort", "collectivity").order_by("-created_at")
    return render(
        request,
        "explorateurs/apply.html",
        {"form": form, "cohort": cohort, "candidacies": mine, "crumbs": CRUMBS},
    )


@login_required
def my_path(request):
    """The thread agent → explorer → project → FMIN file → funded, for the signed-in user."""
    explorers = list(permissions.explorers_of(request.user))
    candidacies = Candidacy.objects.filter(agent=request.user).select_related("cohort", "collectivity")
    explorer = explorers[0] if explorers else None
    context = {"explorers": explorers, "explorer": explorer, "candidacies": candidacies, "crumbs": CRUMBS}
    if explorer is not None:
        present, recorded = selectors.attendance_rate(explorer=explorer)
        registrations = (
            Registration.objects.filter(explorer__in=explorers)
            .exclude(status=Registration.Status.CANCELLED)
            .select_related("event")
            .order_by("event__starts_at")
        )
        context |= {
            "projects": Project.objects.filter(explorer__in=explorers)
            .with_relations()
            .select_related("fmin_application"),
            "registrations": registrations,
            "present": present,
            "recorded": recorded,
            "visibility_form": VisibilityForm(instance=explorer),
            "documents": [_document_panel(request, d) for d in _latest_documents(explorer)],
            "document_kinds": ExplorerDocument.Kind.choices,
        }
    return render(request, "explorateurs/my_path.html", context)


def _latest_documents(explorer: Explorer) -> list[ExplorerDocument]:
    latest = {}
    for document in explorer.documents.order_by("-created_at"):
        latest.setdefault(document.kind, document)
    return list(latest.values())


def _document_panel(request, document: ExplorerDocument) -> JobPanel:
    return JobPanel(
        job=document,
        status_url=reverse("explorateurs:document_status", args=[document.pk]),
        page_url=reverse("explorateurs:my_path") + "#documents",
        subject=document.get_kind_display().capitalize(),
        waiting="est en cours de production : vous pouvez quitter cette page et revenir plus tard.",
        download_url=reverse("explorateurs:document_file", args=[document.pk]),
        download_label=f"Télécharger : {document.get_kind_display()}",
        download_format="PDF",
        retry_url=reverse("explorateurs:document_request", args=[document.explorer_id, document.kind]),
        show_detail=is_metropole_staff(request.user),
    )


@login_required
@require_POST
def visibility(request, pk):
    explorer = get_object_or_404(Explorer, pk=pk, user=request.user)
    form = VisibilityForm(request.POST, instance=Explorer.objects.get(pk=explorer.pk))
    if form.is_valid():
        services.explorer_set_visibility(explorer=explorer, user=request.user, **form.cleaned_data)
        messages.success(request, "Vos choix pour l'annuaire sont enregistrés.")
    return redirect(reverse("explorateurs:my_path") + "#annuaire")


@login_required
@require_POST
def candidacy_withdraw(request, pk):
    candidacy = get_object_or_404(Candidacy, pk=pk, agent=request.user)
    run_service(
        request, lambda: services.candidacy_withdraw(candidacy=candidacy, user=request.user), "Candidature retirée."
    )
    return redirect("explorateurs:my_path")


@login_required
@require_POST
def event_register(request, pk):
    event = get_object_or_404(selectors.events(), pk=pk)
    explorer = next((e for e in permissions.explorers_of(request.user) if services.may_attend(e, event)), None)
    if explorer is None:
        raise PermissionDenied("Cet événement est réservé aux explorateurs de sa promotion.")
    try:
        registration = services.event_register(event=event, explorer=explorer, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if registration.status == Registration.Status.REGISTERED:
            messages.success(request, "Vous êtes inscrit. Ajoutez l'événement à votre agenda (fichier iCal).")
        else:
            messages.success(
                request,
                f"L'événement est complet : vous êtes sur la liste d'attente (rang {registration.waitlist_position}). "
                "Vous recevrez un courriel si une place se libère.",
            )
    return redirect(event.get_absolute_url())


@login_required
@require_POST
def registration_cancel(request, pk):
    registration = get_object_or_404(Registration.objects.select_related("explorer", "event"), pk=pk)
    if registration.explorer.user_id != request.user.pk and not is_metropole_staff(request.user):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.registration_cancel(registration=registration, user=request.user),
        "Votre inscription est annulée.",
    )
    return redirect(registration.event.get_absolute_url())


@login_required
def project_create(request):
    explorer = next(iter(permissions.explorers_of(request.user).filter(status=Explorer.Status.ACTIVE)), None)
    if explorer is None:
        raise PermissionDenied("Seuls les explorateurs déclarent un projet.")
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        holder = {}

        def create():
            holder["project"] = services.project_create(user=request.user, explorer=explorer, **form.cleaned_data)

        if form_service(request, form, create, "Projet enregistré."):
            return redirect(holder["project"].get_absolute_url())
    return render(request, "explorateurs/project_form.html", {"form": form, "explorer": explorer, "crumbs": CRUMBS})


@login_required
def project_edit(request, pk):
    project = get_object_or_404(Project.objects.with_relations(), pk=pk)
    if not permissions.can_edit_project(request.user, project):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, instance=Project.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ProjectForm.Meta.fields}
        if form_service(
            request,
            form,
            lambda: services.project_update(project=project, user=request.user, **data),
            "Projet enregistré.",
        ):
            return redirect(project.get_absolute_url())
    return render(request, "explorateurs/project_form.html", {"form": form, "project": project, "crumbs": CRUMBS})


@login_required
@require_POST
def project_start_fmin(request, pk):
    """One click: the project's FMIN draft, its data carried over; the applicant completes it in the FMIN."""
    project = get_object_or_404(Project.objects.with_relations(), pk=pk)
    if project.collectivity_id not in permissions.collectivity_ids_of(request.user):
        raise PermissionDenied
    try:
        application = services.project_start_fmin(project=project, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(project.get_absolute_url())
    messages.success(request, "Candidature au FMIN créée à partir du projet : complétez-la puis déposez-la.")
    return redirect("fmin:application_edit", application.pk)


@login_required
@require_POST
def document_request(request, pk, kind):
    explorer = get_object_or_404(Explorer.objects.select_related("cohort"), pk=pk)
    if not permissions.can_see_document(request.user, explorer):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.document_request(explorer=explorer, kind=kind, user=request.user),
        "Le document est en cours de production.",
    )
    if is_metropole_staff(request.user) and explorer.user_id != request.user.pk:
        return redirect(reverse("explorateurs:candidacies") + f"?cohort={explorer.cohort_id}")
    return redirect(reverse("explorateurs:my_path") + "#documents")


def _document_for(request, pk) -> ExplorerDocument:
    document = get_object_or_404(ExplorerDocument.objects.select_related("explorer"), pk=pk)
    if not permissions.can_see_document(request.user, document.explorer):
        raise PermissionDenied
    return document


@login_required
def document_status(request, pk):
    return job_status_json(request, _document_panel(request, _document_for(request, pk)))


@login_required
def document_file(request, pk):
    document = _document_for(request, pk)
    return job_file_response(document, filename=f"{document.get_kind_display()}.pdf".replace(" ", "-"))


@login_required
def directory(request):
    """Explorers and alumni, for signed-in agents only; each shows what they chose to show."""
    if not permissions.can_read_directory(request.user):
        raise PermissionDenied("L'annuaire des explorateurs est réservé aux agents des collectivités.")
    listing = Listing(request, selectors.directory(), filterset_class=DirectoryFilter, page_size=30)
    return render(
        request,
        "explorateurs/directory.html",
        {**listing.context(), "today": timezone.localdate(), "crumbs": CRUMBS},
    )

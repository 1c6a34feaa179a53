"""The front office of a space's administrators: its presentation and logo, the budgets and their projects,
the meetings (with their minutes), the surveys and their questions, and the review of proofs of residence.
Every write goes through a service, which checks the space again (an administrator of one space can do
nothing in another's)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.files import private_file_response
from sman.lists import Listing

from .. import permissions, services
from ..forms import (
    BudgetForm,
    BudgetProjectForm,
    ConfirmForm,
    MeetingForm,
    ProofReviewForm,
    QuestionForm,
    SpaceForm,
    SurveyForm,
)
from ..models import Budget, BudgetProject, Meeting, Process, Proposal, Question, ResidenceProof, Space, Survey
from .common import crumbs, space_for

FORM = "participation/manage_form.html"


def _require_manager(request, space: Space) -> None:
    if not permissions.can_manage(request.user, space):
        raise PermissionDenied("Seuls les administrateurs de cet espace peuvent faire cela.")


def _managed_process(request, slug) -> Process:
    process = get_object_or_404(Process.objects.select_related("space__organisation"), slug=slug)
    _require_manager(request, process.space)
    return process


def _page(request, form, *, title, submit, back, back_label, multipart=False, extra=None):
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "back": back,
        "multipart": multipart,
        "crumbs": crumbs((back_label, back)),
        **(extra or {}),
    }
    return render(request, FORM, context)


# --- The space ---------------------------------------------------------------------------------------------
@login_required
def space_edit(request, slug):
    space = space_for(request, slug, manage=True)
    form = SpaceForm(request.POST or None, request.FILES or None, initial={"presentation": space.presentation})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call():
            return services.space_update(  # noqa: E731
            space=space, by=request.user, presentation=data["presentation"], logo=data["logo"],
            remove_logo=data["remove_logo"],
        )  # fmt: skip

        if form_service(request, form, call, "La présentation de l'espace est mise à jour."):
            return redirect(space)
    return _page(
        request, form, title=f"Présentation de l'espace : {space.name}", submit="Enregistrer",
        back=space.get_absolute_url(), back_label=space.name, multipart=True, extra={"space": space},
    )  # fmt: skip


def space_logo(request, slug):
    """The space's logo (public: shown on its page)."""
    space = get_object_or_404(Space, slug=slug, is_active=True)
    return private_file_response(space.logo, filename=space.logo.name, as_attachment=False)


def proposal_image(request, pk):
    """A proposal's image, as visible as the proposal itself."""
    proposal = get_object_or_404(Proposal.objects.select_related("process__space"), pk=pk)
    if not permissions.can_see_proposal(request.user, proposal):
        raise Http404("Cette proposition n'est pas visible.")
    return private_file_response(proposal.image, filename=proposal.image.name, as_attachment=False)


# --- Budgets and their projects ----------------------------------------------------------------------------
def _budget_initial(budget: Budget) -> dict:
    fields = (
        "title", "territory", "district", "amount_cents", "rule", "max_projects", "min_share_percent",
        "residents_only", "proof_required", "vote_opens_at", "vote_closes_at",
    )  # fmt: skip
    return {field: getattr(budget, field) for field in fields}


def _budget_form_page(request, process: Process, budget: Budget | None):
    initial = _budget_initial(budget) if budget else {"rule": Budget.Rule.APPROVAL, "max_projects": 3}
    form = BudgetForm(request.POST or None, initial=initial, process=process)
    if request.method == "POST" and form.is_valid():
        saved = {}

        def call():
            return saved.setdefault(
                "budget", services.budget_save(process=process, by=request.user, budget=budget, **form.cleaned_data)
            )

        if form_service(request, form, call, "Le budget est enregistré."):
            return redirect("participation:budget_manage", pk=saved["budget"].pk)
    title = f"Modifier « {budget.title} »" if budget else f"Nouveau budget participatif : {process.title}"
    return _page(
        request, form, title=title, submit="Enregistrer le budget", back=process.get_absolute_url(),
        back_label=process.title,
    )  # fmt: skip


@login_required
def budget_create(request, slug):
    return _budget_form_page(request, _managed_process(request, slug), None)


def _managed_budget(request, pk) -> Budget:
    budget = get_object_or_404(Budget.objects.select_related("process__space__organisation", "territory"), pk=pk)
    _require_manager(request, budget.process.space)
    return budget


@login_required
def budget_edit(request, pk):
    budget = _managed_budget(request, pk)
    return _budget_form_page(request, budget.process, budget)


@login_required
def budget_manage(request, pk):
    """A budget's page for its administrators: its settings, its projects (added until the vote opens)."""
    budget = _managed_budget(request, pk)
    form = BudgetProjectForm(request.POST or None, budget=budget)
    if request.method == "POST" and form.is_valid():

        def call():
            return services.budget_project_save(budget=budget, by=request.user, **form.cleaned_data)  # noqa: E731

        if form_service(request, form, call, "Le projet est ajouté."):
            return redirect("participation:budget_manage", pk=budget.pk)
    projects = budget.projects.select_related("proposal")
    return render(
        request,
        "participation/budget_manage.html",
        {
            "budget": budget,
            "projects": projects,
            "form": form,
            "proofs_pending": budget.process.space.proofs.filter(status=ResidenceProof.Status.PENDING).count(),
            "crumbs": crumbs((budget.process.title, budget.process.get_absolute_url())),
        },
    )


def _managed_project(request, pk) -> BudgetProject:
    project = get_object_or_404(BudgetProject.objects.select_related("budget__process__space"), pk=pk)
    _require_manager(request, project.budget.process.space)
    return project


@login_required
def project_edit(request, pk):
    project = _managed_project(request, pk)
    budget = project.budget
    initial = {f: getattr(project, f) for f in ("title", "description", "cost_cents", "proposal")}
    form = BudgetProjectForm(request.POST or None, initial=initial, budget=budget)
    if request.method == "POST" and form.is_valid():

        def call():
            return services.budget_project_save(budget=budget, by=request.user, project=project, **form.cleaned_data)

        if form_service(request, form, call, "Le projet est modifié."):
            return redirect("participation:budget_manage", pk=budget.pk)
    back = reverse("participation:budget_manage", args=[budget.pk])
    return _page(request, form, title=f"Modifier le projet « {project.title} »", submit="Enregistrer", back=back,
                 back_label=budget.title)  # fmt: skip


@login_required
def project_delete(request, pk):
    project = _managed_project(request, pk)
    budget = project.budget
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    back = reverse("participation:budget_manage", args=[budget.pk])
    if request.method == "POST" and form.is_valid():

        def call():
            return services.budget_project_delete(project=project, by=request.user)  # noqa: E731

        if form_service(request, form, call, f"Le projet « {project.title} » est retiré."):
            return redirect(back)
    return _page(
        request, form, title=f"Retirer le projet « {project.title} » ?", submit="Retirer le projet", back=back,
        back_label=budget.title, extra={"danger": True},
    )  # fmt: skip


# --- Meetings ------------------------------------------------------------------------------------------------
def _meeting_form_page(request, process: Process, meeting: Meeting | None):
    initial = {}
    if meeting:
        fields = ("title", "description", "starts_at", "ends_at", "address", "online_url", "registration_required",
                  "capacity", "minutes")  # fmt: skip
        initial = {f: getattr(meeting, f) for f in fields}
        if meeting.location:
            initial |= {"latitude": meeting.location.y, "longitude": meeting.location.x}
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("latitude", "longitude", "point")}
        saved = {}

        def call():
            return saved.setdefault(
                "meeting",
                services.meeting_save(
                    process=process, by=request.user, meeting=meeting, location=form.cleaned_data["point"], **data
                ),
            )

        if form_service(request, form, call, "La réunion est enregistrée."):
            return redirect(saved["meeting"])
    title = f"Modifier « {meeting.title} »" if meeting else f"Nouvelle réunion : {process.title}"
    return _page(request, form, title=title, submit="Enregistrer la réunion", back=process.get_absolute_url(),
                 back_label=process.title)  # fmt: skip


@login_required
def meeting_create(request, slug):
    return _meeting_form_page(request, _managed_process(request, slug), None)


@login_required
def meeting_edit(request, pk):
    meeting = get_object_or_404(Meeting.objects.select_related("process__space__organisation"), pk=pk)
    _require_manager(request, meeting.process.space)
    return _meeting_form_page(request, meeting.process, meeting)


# --- Surveys and their questions ------------------------------------------------------------------------------
@login_required
def survey_create(request, slug):
    process = _managed_process(request, slug)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = {}

        def call():
            return saved.setdefault(
                "survey", services.survey_save(process=process, by=request.user, **form.cleaned_data)
            )

        if form_service(request, form, call, "Le questionnaire est créé : ajoutez ses questions."):
            return redirect("participation:survey_edit", pk=saved["survey"].pk)
    return _page(request, form, title=f"Nouveau questionnaire : {process.title}", submit="Créer le questionnaire",
                 back=process.get_absolute_url(), back_label=process.title)  # fmt: skip


@login_required
def survey_edit(request, pk):
    """A survey's settings and its questions (added or removed until the first response)."""
    survey = get_object_or_404(Survey.objects.select_related("process__space__organisation"), pk=pk)
    _require_manager(request, survey.process.space)
    which = request.POST.get("form")
    form = SurveyForm(
        request.POST if which == "survey" else None,
        initial={"title": survey.title, "introduction": survey.introduction, "is_open": survey.is_open},
    )
    question_form = QuestionForm(request.POST if which == "question" else None)
    if form.is_bound and form.is_valid():

        def call():
            return services.survey_save(process=survey.process, by=request.user, survey=survey, **form.cleaned_data)

        if form_service(request, form, call, "Le questionnaire est enregistré."):
            return redirect("participation:survey_edit", pk=survey.pk)
    if question_form.is_bound and question_form.is_valid():
        call = lambda: services.question_add(survey=survey, by=request.user, **question_form.cleaned_data)  # noqa: E731
        if form_service(request, question_form, call, "La question est ajoutée."):
            return redirect("participation:survey_edit", pk=survey.pk)
    return render(
        request,
        "participation/survey_edit.html",
        {
            "survey": survey,
            "form": form,
            "question_form": question_form,
            "questions": survey.questions.all(),
            "responses": survey.responses.count(),
            "crumbs": crumbs((survey.process.title, survey.process.get_absolute_url())),
        },
    )


@require_POST
@login_required
def question_delete(request, pk):
    question = get_object_or_404(Question.objects.select_related("survey__process__space"), pk=pk)
    _require_manager(request, question.survey.process.space)
    run_service(
        request, lambda: services.question_delete(question=question, by=request.user), "La question est retirée."
    )
    return redirect("participation:survey_edit", pk=question.survey_id)


# --- Proofs of residence -----------------------------------------------------------------------------------
@login_required
def proof_queue(request, slug):
    """The proofs of residence waiting for the space's administrators, oldest first; the decided ones below."""
    space = space_for(request, slug, manage=True)
    status = request.GET.get("etat", ResidenceProof.Status.PENDING)
    if status not in ResidenceProof.Status.values:
        status = ResidenceProof.Status.PENDING
    proofs = space.proofs.filter(status=status).select_related("user", "commune").order_by("created_at", "pk")
    listing = Listing(request, proofs, page_size=30)
    return render(
        request,
        "participation/proof_queue.html",
        {
            **listing.context(),
            "space": space,
            "status": status,
            "statuses": ResidenceProof.Status.choices,
            "crumbs": crumbs((space.name, space.get_absolute_url())),
        },
    )


def _managed_proof(request, pk) -> ResidenceProof:
    proof = get_object_or_404(ResidenceProof.objects.select_related("space__organisation", "user", "commune"), pk=pk)
    _require_manager(request, proof.space)
    return proof


@login_required
def proof_review(request, pk):
    proof = _managed_proof(request, pk)
    form = ProofReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        call = lambda: services.proof_review(  # noqa: E731
            proof=proof, by=request.user, accept=data["decision"] == "accept", reason=data["reason"]
        )
        if form_service(request, form, call, "La décision est enregistrée ; la personne en est informée."):
            return redirect("participation:proofs", slug=proof.space.slug)
    return render(
        request,
        "participation/proof_review.html",
        {
            "proof": proof,
            "form": form,
            "crumbs": crumbs(
                (proof.space.name, proof.space.get_absolute_url()),
                ("Justificatifs", reverse("participation:proofs", args=[proof.space.slug])),
            ),
        },
    )


@login_required
def proof_file(request, pk):
    """The proof's file: for the space's administrators and for the person who deposited it."""
    proof = get_object_or_404(ResidenceProof.objects.select_related("space"), pk=pk)
    if proof.user_id != request.user.pk:
        _require_manager(request, proof.space)
    return private_file_response(proof.file, filename=f"justificatif-{proof.pk}{_suffix(proof.file.name)}")


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > name.rfind("/") else ""


@login_required
def proof_submit(request, pk):
    """A citizen deposits a proof of residence for a budget that asks for one."""
    from ..forms import ProofForm

    budget = get_object_or_404(Budget.objects.select_related("process__space__organisation", "territory"), pk=pk)
    proof = ResidenceProof.objects.filter(space=budget.process.space, user=request.user).first()
    form = ProofForm(request.POST or None, request.FILES or None, initial={"address": proof.address if proof else ""})
    if request.method == "POST" and form.is_valid():
        call = lambda: services.proof_submit(user=request.user, budget=budget, **form.cleaned_data)  # noqa: E731
        if form_service(
            request, form, call, "Votre justificatif est déposé : vous serez informé par courriel de son examen."
        ):
            return redirect(budget)
    if not budget.proof_required:
        messages.info(request, "Ce vote ne demande pas de justificatif de domicile.")
    return _page(
        request, form, title=f"Justificatif de domicile : {budget.title}", submit="Déposer le justificatif",
        back=budget.get_absolute_url(), back_label=budget.title, multipart=True,
        extra={"proof": proof, "budget": budget},
    )  # fmt: skip

"""Pages of a space's administrators and moderators: its work, answers, moderation, paper ballots, results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.lists import Listing
from sman.models import User

from .. import permissions, selectors, services
from ..forms import AnswerForm, BlockForm, MilestoneForm, ModerationForm, PaperBallotForm, ProcessForm, ResultForm
from ..models import Budget, Proposal, Result, Space, SpaceBlock
from .common import CRUMBS, crumbs, space_for


def space_page(request, slug):
    """A space's public page: its presentation and its processes; its agents' work when they run it."""
    space = get_object_or_404(Space.objects.select_related("organisation__territory"), slug=slug, is_active=True)
    listing = Listing(request, selectors.processes().filter(space=space), page_size=12)
    context = {**listing.context(), "space": space, "crumbs": CRUMBS}
    if request.user.is_authenticated and permissions.can_moderate(request.user, space):
        context |= {
            "moderator": True,
            "manager": permissions.can_manage(request.user, space),
            "to_answer": selectors.proposals_to_answer({space.pk}).select_related("process")[:20],
            "to_moderate": selectors.moderation_queue({space.pk}).count(),
            "budgets": Budget.objects.filter(process__space=space).select_related("process"),
            "blocks": SpaceBlock.objects.filter(space=space).select_related("user"),
            "proofs_pending": space.proofs.filter(status="pending").count(),
        }
    return render(request, "participation/space.html", context)


@login_required
def moderation_queue(request, slug):
    """Reported contributions of the space, most reported first; one decision for all the checked ones."""
    space = space_for(request, slug)
    queue = selectors.moderation_queue({space.pk})
    form = ModerationForm(request.POST or None, queue=queue)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call():
            count = services.moderation_decide(
                case_ids=[c.pk for c in data["cases"]],
                by=request.user,
                hide=data["decision"] == "hide",
                reason=data["reason"],
            )
            messages.success(request, f"Décision enregistrée pour {count} contribution{'s' if count > 1 else ''}.")

        if form_service(request, form, call):
            return redirect("participation:moderation", slug=space.slug)
    listing = Listing(request, queue, page_size=50)
    return render(
        request,
        "participation/moderation_queue.html",
        {**listing.context(), "space": space, "form": form, "crumbs": crumbs((space.name, space.get_absolute_url()))},
    )


@login_required
def block(request, slug, user_pk):
    space = space_for(request, slug)
    person = get_object_or_404(User, pk=user_pk)
    form = BlockForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "unblock":
        run_service(
            request,
            lambda: services.user_unblock(space=space, user=person, by=request.user),
            "La personne peut de nouveau participer.",
        )
        return redirect(space)
    if request.method == "POST" and form.is_valid():

        def call():
            return services.user_block(space=space, user=person, by=request.user, reason=form.cleaned_data["reason"])  # noqa: E731

        if form_service(request, form, call, "La personne ne peut plus participer dans cet espace."):
            return redirect(space)
    return render(
        request,
        "participation/block_form.html",
        {"space": space, "person": person, "form": form, "crumbs": crumbs((space.name, space.get_absolute_url()))},
    )


@login_required
def answer(request, pk):
    proposal = get_object_or_404(Proposal.objects.select_related("process__space__organisation"), pk=pk)
    if not permissions.can_manage(request.user, proposal.process.space):
        raise PermissionDenied("Seuls les administrateurs de cet espace répondent aux propositions.")
    initial = {"answer": proposal.answer or None, "text": proposal.answer_text}
    form = AnswerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call():
            services.proposal_answer(
                proposal=proposal,
                by=request.user,
                answer=data["answer"],
                text=data["text"],
                estimated_cost_cents=data["estimated_cost"],
            )

        if form_service(request, form, call, "La réponse est publiée ; l'auteur en est informé."):
            return redirect(proposal)
    return render(
        request,
        "participation/answer_form.html",
        {"proposal": proposal, "form": form, "crumbs": crumbs((proposal.title, proposal.get_absolute_url()))},
    )


def _managed_budget(request, pk) -> Budget:
    budget = get_object_or_404(Budget.objects.select_related("process__space__organisation"), pk=pk)
    if not permissions.can_manage(request.user, budget.process.space):
        raise PermissionDenied("Seuls les administrateurs de cet espace gèrent ce budget.")
    return budget


@login_required
def paper_ballot(request, pk):
    budget = _managed_budget(request, pk)
    projects = list(selectors.budget_projects(budget))
    form = PaperBallotForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call():
            services.paper_ballot_enter(
                budget=budget, by=request.user, reference=data["reference"], project_ids=data["projects"]
            )

        if form_service(request, form, call, f"Bulletin papier n° {data['reference']} enregistré."):
            return redirect("participation:paper_ballot", pk=budget.pk)
    paper = budget.ballots.filter(is_paper=True).count()
    return render(
        request,
        "participation/paper_ballot.html",
        {"budget": budget, "form": form, "paper": paper, "crumbs": crumbs((budget.title, budget.get_absolute_url()))},
    )


@require_POST
@login_required
def select_winners(request, pk):
    budget = _managed_budget(request, pk)
    run_service(
        request,
        lambda: services.budget_select_winners(budget=budget, by=request.user),
        "Les projets lauréats sont désignés et suivis comme résultats.",
    )
    return redirect("participation:budget_results", pk=budget.pk)


@login_required
def result_edit(request, pk):
    result = get_object_or_404(Result.objects.select_related("process__space__organisation"), pk=pk)
    if not permissions.can_manage(request.user, result.process.space):
        raise PermissionDenied("Seuls les administrateurs de cet espace suivent ce résultat.")
    form = ResultForm(
        request.POST if request.POST.get("form") == "result" else None,
        initial={
            "status": result.status,
            "progress": result.progress,
            "description": result.description,
            "delivered_on": result.delivered_on,
        },
    )
    milestone_form = MilestoneForm(request.POST if request.POST.get("form") == "milestone" else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        call = lambda: services.result_update(result=result, by=request.user, **data)  # noqa: E731
        if form_service(request, form, call, "Le suivi est mis à jour."):
            return redirect("participation:results", slug=result.process.slug)
    if milestone_form.is_bound and milestone_form.is_valid():
        call = lambda: services.milestone_add(result=result, by=request.user, **milestone_form.cleaned_data)  # noqa: E731
        if form_service(request, milestone_form, call, "L'étape est ajoutée."):
            return redirect("participation:result_edit", pk=result.pk)
    return render(
        request,
        "participation/result_form.html",
        {
            "result": result,
            "form": form,
            "milestone_form": milestone_form,
            "crumbs": crumbs((result.process.title, result.process.get_absolute_url())),
        },
    )


@login_required
def process_create(request, slug):
    space = space_for(request, slug, manage=True)
    form = ProcessForm(request.POST or None, space=space)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = {}

        def call():
            created["process"] = services.process_create(
                space=space,
                by=request.user,
                title=data["title"],
                slug=data["slug"],
                summary=data["summary"],
                description=data["description"],
                territories=data["territories"],
                categories=data["category_list"],
                supports_per_user=data["supports_per_user"],
                support_threshold=data["support_threshold"],
                phases=data["phases"],
            )

        if form_service(request, form, call, "La démarche est publiée."):
            return redirect(created["process"])
    return render(
        request,
        "participation/process_form.html",
        {"space": space, "form": form, "crumbs": crumbs((space.name, space.get_absolute_url()))},
    )

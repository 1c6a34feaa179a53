"""Pages of the buyers (agents of collectivities): their needs, responses, questions, funnel, outcome, follow-up."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.lists import Listing
from sman.permissions import user_passes

from .. import permissions, selectors, services
from ..filters import BuyerNeedFilter
from ..forms import AnswerForm, DecideForm, ExperimentForm, FollowUpForm, JoinForm, NeedForm
from ..models import Adoption, Need, Question, Response, SolutionExperiment
from .common import crumbs, need_for

buyer_required = user_passes(permissions.is_buyer)


@buyer_required
def space(request):
    listing = Listing(
        request,
        selectors.needs_of_buyers(permissions.buyer_ids_of(request.user)),
        filterset_class=BuyerNeedFilter,
        page_size=20,
    )
    return render(request, "marketplace/buyer_space.html", {**listing.context(), "crumbs": crumbs()})


@buyer_required
def need_create(request):
    buyers = permissions.buyers_of(request.user)
    form = NeedForm(request.POST or None, buyers=buyers)
    if request.method == "POST" and form.is_valid():
        created = {}

        def call():
            created["need"] = services.need_create(
                user=request.user,
                buyer=form.cleaned_data["buyer"],
                fields=form.cleaned_data,
                quantity=form.cleaned_data["quantity"],
            )

        if form_service(request, form, call, "Besoin enregistré en brouillon : relisez-le puis publiez-le."):
            return redirect("marketplace:need_detail", created["need"].pk)
    return render(
        request,
        "sman/form_page.html",
        {
            "form": form,
            "title": "Publier un besoin",
            "intro": "Décrivez un problème de votre collectivité : les membres de Grand Paris Métropole Tech qui ont "
            "une solution pourront y répondre. Le besoin reste un brouillon tant que vous ne le publiez pas.",
            "submit": "Enregistrer le brouillon",
            "crumbs": crumbs(("Mes besoins", reverse("marketplace:buyer_space"))),
        },
    )


@buyer_required
def need_edit(request, pk):
    need = need_for(request, pk, owner=True)
    form = NeedForm(request.POST or None, instance=need)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.need_update(user=request.user, need=need, fields=form.cleaned_data),
            "Besoin enregistré.",
        )
    ):
        return redirect("marketplace:need_detail", need.pk)
    return render(
        request,
        "sman/form_page.html",
        {
            "form": form,
            "title": f"Modifier « {need.title} »",
            "submit": "Enregistrer",
            "crumbs": crumbs(
                ("Mes besoins", reverse("marketplace:buyer_space")), (need.title, need.get_absolute_url())
            ),
        },
    )


@buyer_required
@require_POST
def need_publish(request, pk):
    need = need_for(request, pk, owner=True)
    done = {}

    def call():
        done["need"] = services.need_publish(user=request.user, need=need)

    if run_service(request, call):
        if done["need"].state == Need.State.IN_REVIEW:
            messages.success(request, "Besoin envoyé en relecture : l'équipe de la Métropole le publiera bientôt.")
        else:
            messages.success(
                request, "Besoin publié : les membres dont les solutions correspondent en seront informés."
            )
    return redirect(need.get_absolute_url())


@buyer_required
def need_close(request, pk):
    """Closing asks for a confirmation (GET shows it)."""
    need = need_for(request, pk, owner=True)
    if request.method == "POST":
        run_service(
            request, lambda: services.need_close(user=request.user, need=need), "Besoin clos : plus aucune réponse."
        )
        return redirect(need.get_absolute_url())
    return render(
        request,
        "sman/confirm.html",
        {
            "title": f"Clore « {need.title} » ?",
            "text": "Les membres ne pourront plus répondre ni poser de questions. "
            "Vous pourrez ensuite en donner l'issue.",
            "submit": "Clore le besoin",
            "cancel": need.get_absolute_url(),
            "crumbs": crumbs((need.title, need.get_absolute_url())),
        },
    )


@buyer_required
def need_decide(request, pk):
    need = need_for(request, pk, owner=True)
    form = DecideForm(request.POST or None, need=need)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if form_service(
            request,
            form,
            lambda: services.need_decide(
                user=request.user,
                need=need,
                outcome=data["outcome"],
                note=data["note"],
                response=data["response"],
                adopted_on=data["adopted_on"],
            ),
            "Issue enregistrée.",
        ):
            return redirect(need.get_absolute_url())
    return render(
        request,
        "sman/form_page.html",
        {
            "form": form,
            "title": f"Issue de « {need.title} »",
            "intro": "L'issue est publique. Une solution adoptée devient une référence « adoptée par N collectivités » "
            "pour son membre ; six mois plus tard, nous vous demanderons si elle sert toujours.",
            "submit": "Enregistrer l'issue",
            "crumbs": crumbs((need.title, need.get_absolute_url())),
        },
    )


@buyer_required
@require_POST
def need_join(request, pk):
    need = need_for(request, pk)
    buyers = permissions.buyers_of(request.user)
    form = JoinForm(request.POST, buyers=buyers)
    if not form.is_valid():
        messages.error(request, "Indiquez une quantité d'au moins 1.")
        return redirect(need.get_absolute_url())
    organisation = form.cleaned_data["organisation"]
    run_service(
        request,
        lambda: services.need_join(
            user=request.user, need=need, organisation=organisation, quantity=form.cleaned_data["quantity"]
        ),
        f"{organisation.name} rejoint le groupement de ce besoin.",
    )
    return redirect(need.get_absolute_url())


@buyer_required
def need_responses(request, pk):
    """The buyers' view of a need: every response, the ranking of matched members, the funnel, the questions."""
    need = need_for(request, pk, buyer=True)
    services.responses_mark_read(user=request.user, need=need)
    return render(
        request,
        "marketplace/need_responses.html",
        {
            "need": need,
            "responses": selectors.responses_for_buyer(need),
            "matches": need.matches.select_related("member", "solution")[:20],
            "funnel": selectors.funnel(need),
            "questions": need.questions.order_by("answered_at", "asked_at"),
            "is_owner": permissions.is_need_owner(request.user, need),
            "answer_form": AnswerForm(),
            "crumbs": crumbs(
                ("Mes besoins", reverse("marketplace:buyer_space")), (need.title, need.get_absolute_url())
            ),
        },
    )


@buyer_required
@require_POST
def response_shortlist(request, pk):
    response = get_object_or_404(Response.objects.select_related("need"), pk=pk)
    if not permissions.is_need_owner(request.user, response.need):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.response_shortlist(user=request.user, response=response),
        "Réponse retenue.",
    )
    return redirect("marketplace:need_responses", response.need_id)


@buyer_required
@require_POST
def question_answer(request, pk):
    question = get_object_or_404(Question.objects.select_related("need"), pk=pk)
    if not permissions.is_need_owner(request.user, question.need):
        raise PermissionDenied
    form = AnswerForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.question_answer(user=request.user, question=question, answer=form.cleaned_data["answer"]),
            "Réponse publiée : tous les répondants la voient.",
        )
    else:
        messages.error(request, "Écrivez la réponse.")
    return redirect("marketplace:need_responses", question.need_id)


@buyer_required
def follow_up(request, pk):
    adoption = get_object_or_404(Adoption.objects.select_related("need", "solution"), pk=pk)
    if not permissions.is_need_buyer(request.user, adoption.need):
        raise PermissionDenied
    form = FollowUpForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.adoption_follow_up(user=request.user, adoption=adoption, **form.cleaned_data),
            "Merci : le suivi est enregistré.",
        )
    ):
        return redirect(adoption.need.get_absolute_url())
    return render(
        request,
        "sman/form_page.html",
        {
            "form": form,
            "title": f"Suivi de « {adoption.solution.title} »",
            "intro": f"Adoptée le {adoption.adopted_on:%d/%m/%Y} pour le besoin « {adoption.need.title} ».",
            "submit": "Enregistrer le suivi",
            "crumbs": crumbs((adoption.need.title, adoption.need.get_absolute_url())),
        },
    )


@buyer_required
@require_POST
def adoption_case_study(request, pk):
    """The buyer turns an adoption into a draft « retour d'expérience » of the resource centre, then reviews it."""
    adoption = get_object_or_404(Adoption.objects.select_related("need"), pk=pk)
    if not permissions.is_need_buyer(request.user, adoption.need):
        raise PermissionDenied
    resource = services.adoption_to_case_study(user=request.user, adoption=adoption)
    messages.success(
        request, "Le retour d'expérience est un brouillon du centre de ressources : relisez-le, puis proposez-le."
    )
    return redirect("resources:edit", slug=resource.slug)


@buyer_required
def experiments(request):
    """The lead collectivity of a funded FMIN project links it to the solution it experiments."""
    ids = permissions.buyer_ids_of(request.user)
    projects = selectors.fmin_projects_led_by(ids)
    form = ExperimentForm(request.POST or None, projects=projects, solutions=selectors.published_solutions_for_choice())
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.experiment_link(
                user=request.user, application=form.cleaned_data["application"], solution=form.cleaned_data["solution"]
            ),
            "Lien enregistré : la page de la solution indique qu'elle est expérimentée dans ce projet FMIN.",
        )
    ):
        return redirect("marketplace:experiments")
    return render(
        request,
        "marketplace/experiments.html",
        {
            "form": form,
            "has_projects": projects.exists(),
            "links": selectors.experiments_of_projects(ids),
            "crumbs": crumbs(("Mes besoins", reverse("marketplace:buyer_space"))),
        },
    )


@buyer_required
def experiment_unlink(request, pk):
    """The lead collectivity removes a project's link to a solution; a confirmation first (GET shows it)."""
    link = get_object_or_404(SolutionExperiment.objects.select_related("application", "solution"), pk=pk)
    if link.application.lead_id not in permissions.buyer_ids_of(request.user):
        raise PermissionDenied
    project_url = reverse("fmin:project_detail", args=[link.application_id])
    if request.method == "POST":
        run_service(
            request,
            lambda: services.experiment_unlink(user=request.user, link=link),
            f"Lien retiré : « {link.application.title} » n'est plus présenté comme expérimentant "
            f"« {link.solution.title} ».",
        )
        return redirect(project_url if link.application.status == "funded" else "marketplace:experiments")
    return render(
        request,
        "sman/confirm.html",
        {
            "title": f"Retirer le lien vers « {link.solution.title} » ?",
            "text": f"La page du projet FMIN « {link.application.title} » et celle de la solution ne diront plus "
            "que le projet l'expérimente. Vous pourrez lier le projet à nouveau.",
            "submit": "Retirer le lien",
            "cancel": project_url,
            "crumbs": crumbs(("Projets FMIN", reverse("marketplace:experiments"))),
        },
    )

"""Pages of the community's members (agents of digital actors): charter, profile, solutions, responses, questions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.files import private_file_response
from sman.permissions import user_passes

from .. import permissions, selectors, services
from ..forms import DocumentForm, ProfileForm, QuestionForm, ResponseForm, SolutionForm
from ..models import MemberProfile, Response, ResponseDocument, Solution
from .common import crumbs, member_chosen, need_for

member_required = user_passes(permissions.is_member_agent)


@member_required
def space(request):
    member_ids = permissions.member_ids_of(request.user)
    official = permissions.official_member_ids_of(request.user)
    return render(
        request,
        "marketplace/member_space.html",
        {
            "members": permissions.members_of(request.user),
            "official": official,
            "profiles": {p.organisation_id: p for p in MemberProfile.objects.filter(organisation_id__in=member_ids)},
            "solutions": selectors.solutions_of_members(member_ids),
            "matches": selectors.matched_needs_of_members(member_ids)[:20],
            "responses": selectors.responses_of_members(member_ids)[:20],
            "crumbs": crumbs(),
        },
    )


@member_required
@require_POST
def charter_sign(request):
    organisation = member_chosen(request)
    if run_service(
        request,
        lambda: services.charter_sign(user=request.user, organisation=organisation),
        f"{organisation.name} a signé la charte en vigueur : bienvenue dans la communauté Grand Paris Métropole Tech.",
    ):
        return redirect("marketplace:member_space")
    return redirect("marketplace:charter")


@member_required
def profile_edit(request):
    organisation = member_chosen(request)
    profile = MemberProfile.objects.filter(organisation=organisation).first()
    form = ProfileForm(request.POST or None, instance=profile or MemberProfile(organisation=organisation))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
        if form_service(
            request,
            form,
            lambda: services.profile_save(
                user=request.user, organisation=organisation, fields=fields, areas=form.cleaned_data["areas"]
            ),
            "Profil enregistré.",
        ):
            return redirect("marketplace:member_space")
    return render(
        request,
        "sman/form_page.html",
        {
            "form": form,
            "title": f"Profil de {organisation.name} dans l'annuaire",
            "submit": "Enregistrer le profil",
            "hidden": {"organisation": organisation.pk},
            "crumbs": crumbs(("Mon espace membre", reverse("marketplace:member_space"))),
        },
    )


def _solution_form_page(request, form, title, organisation):
    return render(
        request,
        "sman/form_page.html",
        {
            "form": form,
            "title": title,
            "submit": "Enregistrer la fiche",
            "hidden": {"organisation": organisation.pk},
            "crumbs": crumbs(("Mon espace membre", reverse("marketplace:member_space"))),
        },
    )


@member_required
def solution_create(request):
    organisation = member_chosen(request)
    form = SolutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = {}

        def save():
            saved["solution"] = services.solution_save(
                user=request.user,
                member=organisation,
                fields=form.cleaned_data,
                challenges=form.cleaned_data["challenges"],
            )

        if form_service(request, form, save, "Fiche enregistrée en brouillon : publiez-la quand elle est prête."):
            return redirect("marketplace:solution_edit", saved["solution"].pk)
    return _solution_form_page(request, form, "Nouvelle fiche solution", organisation)


def _own_solution(request, pk) -> Solution:
    solution = get_object_or_404(Solution.objects.select_related("member"), pk=pk)
    if not permissions.can_edit_solution(request.user, solution):
        raise PermissionDenied
    return solution


@member_required
def solution_edit(request, pk):
    solution = _own_solution(request, pk)
    form = SolutionForm(request.POST or None, instance=solution)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.solution_save(
                user=request.user,
                member=solution.member,
                solution=solution,
                fields=form.cleaned_data,
                challenges=form.cleaned_data["challenges"],
            ),
            "Fiche enregistrée.",
        )
    ):
        return redirect("marketplace:solution_edit", solution.pk)
    return render(
        request,
        "marketplace/solution_edit.html",
        {
            "form": form,
            "solution": solution,
            "documents": solution.documents.all(),
            "document_form": DocumentForm(),
            "crumbs": crumbs(("Mon espace membre", reverse("marketplace:member_space"))),
        },
    )


@member_required
@require_POST
def solution_status(request, pk):
    solution = _own_solution(request, pk)
    status = request.POST.get("status")
    if status not in Solution.Status.values:
        raise Http404
    run_service(
        request,
        lambda: services.solution_set_status(user=request.user, solution=solution, status=status),
        f"Fiche « {solution.title} » : {Solution.Status(status).label}.",
    )
    return redirect("marketplace:solution_edit", solution.pk)


@member_required
@require_POST
def solution_document_add(request, pk):
    solution = _own_solution(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid() and form_service(
        request,
        form,
        lambda: services.solution_document_add(
            user=request.user, solution=solution, title=form.cleaned_data["title"], file=form.cleaned_data["file"]
        ),
        "Document ajouté.",
    ):
        return redirect("marketplace:solution_edit", solution.pk)
    return render(
        request,
        "marketplace/solution_edit.html",
        {
            "form": SolutionForm(instance=solution),
            "solution": solution,
            "documents": solution.documents.all(),
            "document_form": form,
            "crumbs": crumbs(("Mon espace membre", reverse("marketplace:member_space"))),
        },
        status=400,
    )


@member_required
def response_edit(request, pk):
    """A member's response to a need: created the first time, edited until the deadline."""
    need = need_for(request, pk)
    organisation = member_chosen(request, official=True) if permissions.official_member_ids_of(request.user) else None
    if organisation is None:
        messages.error(request, "Signez la charte de participation en vigueur avant de répondre à un besoin.")
        return redirect("marketplace:charter")
    response = Response.objects.filter(need=need, member=organisation).first()
    solutions = Solution.objects.filter(member=organisation).exclude(status=Solution.Status.ARCHIVED)
    form = ResponseForm(request.POST or None, instance=response or Response(), solutions=solutions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if response is None:

            def call():
                return services.response_submit(
                    user=request.user,
                    need=need,
                    member=organisation,
                    proposal=data["proposal"],
                    price_cents=data["price"],
                    price_note=data["price_note"],
                    solution=data["solution"],
                )
        else:

            def call():
                return services.response_update(
                    user=request.user,
                    response=response,
                    proposal=data["proposal"],
                    price_cents=data["price"],
                    price_note=data["price_note"],
                    solution=data["solution"],
                )

        if form_service(request, form, call, "Réponse enregistrée : la collectivité la lira dans son espace."):
            return redirect("marketplace:need_detail", need.pk)
    return render(
        request,
        "marketplace/response_form.html",
        {
            "form": form,
            "need": need,
            "organisation": organisation,
            "response": response,
            "document_form": DocumentForm(),
            "crumbs": crumbs(("Besoins", reverse("marketplace:need_list")), (need.title, need.get_absolute_url())),
        },
    )


def _readable_response(request, pk) -> Response:
    response = get_object_or_404(Response.objects.select_related("need", "member", "solution"), pk=pk)
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not permissions.can_read_response(request.user, response):
        raise PermissionDenied
    return response


@login_required
def response_detail(request, pk):
    response = _readable_response(request, pk)
    return render(
        request,
        "marketplace/response_detail.html",
        {
            "response": response,
            "documents": response.documents.all(),
            "is_owner": permissions.is_need_owner(request.user, response.need),
            "is_author": response.member_id in permissions.member_ids_of(request.user),
            "document_form": DocumentForm(),
            "crumbs": crumbs(
                ("Besoins", reverse("marketplace:need_list")), (response.need.title, response.need.get_absolute_url())
            ),
        },
    )


@member_required
@require_POST
def response_document_add(request, pk):
    response = _readable_response(request, pk)
    if response.member_id not in permissions.member_ids_of(request.user):
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        form_service(
            request,
            form,
            lambda: services.response_document_add(
                user=request.user, response=response, title=form.cleaned_data["title"], file=form.cleaned_data["file"]
            ),
            "Document ajouté à la réponse.",
        )
    for error in [e for errors in form.errors.values() for e in errors]:
        messages.error(request, error)
    return redirect("marketplace:response_detail", response.pk)


@login_required
def response_document(request, pk, document_pk):
    response = _readable_response(request, pk)
    document = get_object_or_404(ResponseDocument, pk=document_pk, response=response)
    return private_file_response(document.file, filename=document.file.name)


@member_required
@require_POST
def question_ask(request, pk):
    need = need_for(request, pk)
    organisation = member_chosen(request, official=True)
    form = QuestionForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.question_ask(
                user=request.user, need=need, member=organisation, text=form.cleaned_data["text"]
            ),
            "Question envoyée : sa réponse sera visible de tous sur la page du besoin.",
        )
    else:
        messages.error(request, "Écrivez votre question (2 000 caractères au plus).")
    return redirect(need.get_absolute_url() + "#questions")


@member_required
@require_POST
def interest(request, pk):
    need = need_for(request, pk)
    organisation = member_chosen(request, official=True)
    run_service(
        request,
        lambda: services.interest_mark(user=request.user, need=need, member=organisation),
        "Intérêt enregistré : la collectivité le voit dans le suivi de son besoin.",
    )
    return redirect(need.get_absolute_url())

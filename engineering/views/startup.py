"""« Start-up de métropole »: the call for problems (collectivities), selection and phase decisions (staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.lists import Listing
from sman.models import Organisation
from sman.permissions import is_metropole_staff, organisations_of, staff_required

from .. import permissions, selectors, services
from ..filters import ProblemFilter
from ..forms import DecisionForm, ProblemForm, RejectForm, SelectForm
from ..models import Problem
from .common import CRUMBS

STARTUP_CRUMBS = [*CRUMBS, ("Start-up de métropole", "/accompagnement/start-up/")]
PROBLEM_CRUMBS = [*STARTUP_CRUMBS, ("Appel à problèmes", "/accompagnement/start-up/problemes/")]


@login_required
def problem_list(request):
    staff = is_metropole_staff(request.user)
    ids = permissions.collectivity_ids_of(request.user)
    if not (staff or ids):
        raise PermissionDenied
    listing = Listing(
        request, selectors.problems_for(staff=staff, collectivity_ids=ids), filterset_class=ProblemFilter, page_size=25
    )
    return render(
        request,
        "engineering/problem_list.html",
        {**listing.context(), "staff": staff, "can_submit": bool(ids), "crumbs": STARTUP_CRUMBS},
    )


@login_required
def problem_create(request):
    if not permissions.can_submit_problem(request.user):
        raise PermissionDenied
    collectivities = organisations_of(request.user, kind=Organisation.Kind.COLLECTIVITY, active=True)
    form = ProblemForm(request.POST or None, collectivities=collectivities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organisation = data.pop("organisation")
        created = []
        if form_service(
            request,
            form,
            lambda: created.append(services.problem_submit(user=request.user, organisation=organisation, **data)),
            "Votre problème est déposé : l'équipe de la Métropole l'étudie.",
        ):
            return redirect("engineering:problem_detail", created[0].pk)
    return render(request, "engineering/problem_form.html", {"form": form, "crumbs": PROBLEM_CRUMBS})


def _visible_problem(request, pk) -> Problem:
    problem = selectors.problems_for(staff=True, collectivity_ids=()).filter(pk=pk).first()
    if problem is None:
        raise Http404("Ce problème n'existe pas.")
    if not permissions.can_see_problem(request.user, problem):
        raise PermissionDenied
    return problem


@login_required
def problem_detail(request, pk):
    problem = _visible_problem(request, pk)
    staff = is_metropole_staff(request.user)
    pending = staff and problem.status == Problem.Status.SUBMITTED
    return render(
        request,
        "engineering/problem_detail.html",
        {
            "problem": problem,
            "select_form": SelectForm(initial={"product_name": problem.title[:120]}) if pending else None,
            "reject_form": RejectForm(prefix="ecarter") if pending else None,
            "budgets": selectors.budgets_with_balance() if pending else None,
            "crumbs": PROBLEM_CRUMBS,
        },
    )


@staff_required
@require_POST
def problem_select(request, pk):
    problem = _visible_problem(request, pk)
    form = SelectForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        created = []
        if form_service(
            request,
            form,
            lambda: created.append(
                services.problem_select(
                    problem=problem,
                    user=request.user,
                    budget=data["budget"],
                    sponsorship_cents=data["sponsorship_cents"],
                    reason=data["reason"],
                    product_name=data["product_name"],
                    pitch=data["pitch"],
                    team=data["team"],
                )  # fmt: skip
            ),
            "Le problème est retenu : son produit entre en phase d'investigation.",
        ):
            return redirect(created[0].get_absolute_url())
    return render(
        request,
        "engineering/problem_detail.html",
        {
            "problem": problem,
            "select_form": form,
            "reject_form": RejectForm(prefix="ecarter"),
            "budgets": selectors.budgets_with_balance(),
            "crumbs": PROBLEM_CRUMBS,
        },
        status=400,
    )


@staff_required
@require_POST
def problem_reject(request, pk):
    problem = _visible_problem(request, pk)
    form = RejectForm(request.POST, prefix="ecarter")
    if form.is_valid():
        run_service(
            request,
            lambda: services.problem_reject(problem=problem, user=request.user, reason=form.cleaned_data["reason"]),
            "Le problème n'est pas retenu ; le motif est enregistré.",
        )
    else:
        messages.error(request, "Donnez le motif.")
    return redirect("engineering:problem_detail", problem.pk)


@staff_required
@require_POST
def product_decide(request, pk):
    product = selectors.product_detail(pk)
    if product is None:
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.product_decide(
                product=product,
                user=request.user,
                decision=form.cleaned_data["decision"],
                reasons=form.cleaned_data["reasons"],
            ),  # fmt: skip
            "La décision de fin de phase est enregistrée.",
        )
    else:
        messages.error(request, "Choisissez une décision et motivez-la.")
    return redirect(product.get_absolute_url())

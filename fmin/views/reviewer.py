"""FMIN pages of the jury: the files assigned to a reviewer, scoring, conflicts of interest."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import run_service
from sman.forms import add_validation_error

from .. import permissions, selectors, services
from ..forms import (
    ConflictForm,
    ReviewForm,
)
from ..models import (
    Assignment,
)
from .common import CRUMBS, crumbs


@login_required
def review_list(request):
    if not permissions.is_reviewer(request.user):
        raise PermissionDenied
    return render(
        request,
        "fmin/review_list.html",
        {"assignments": selectors.reviewer_assignments(request.user), "crumbs": CRUMBS},
    )


def _my_assignment(request, pk) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related("application__call", "application__lead"), pk=pk, reviewer=request.user
    )
    if not assignment.is_active or permissions.is_conflicted(request.user, assignment.application):
        raise PermissionDenied
    return assignment


@login_required
def review(request, pk):
    assignment = _my_assignment(request, pk)
    call = assignment.application.call
    scores = {s.criterion_id: s for s in assignment.scores.all()}
    form = ReviewForm(
        request.POST or None,
        criteria=call.criteria.all(),
        score_max=call.score_max,
        scores=scores,
        initial={"comment": assignment.comment},
    )
    if request.method == "POST" and not assignment.submitted_at and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.review_save(
                assignment=assignment,
                user=request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                submit=submit,
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "Évaluation remise." if submit else "Évaluation enregistrée (brouillon).")
            return redirect("fmin:review", assignment.pk)
    return render(
        request,
        "fmin/review_form.html",
        {
            "assignment": assignment,
            "application": assignment.application,
            "form": form,
            "criteria_fields": [(form[f"score_{c.id}"], form[f"comment_{c.id}"]) for c in form.criteria],
            "conflict_form": ConflictForm(),
            "crumbs": crumbs(("Mes évaluations", reverse("fmin:review_list"))),
        },
    )


@login_required
@require_POST
def conflict_declare(request, pk):
    assignment = _my_assignment(request, pk)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez la nature du conflit d'intérêts.")
        return redirect("fmin:review", assignment.pk)
    if run_service(
        request,
        lambda: services.conflict_declare(assignment=assignment, user=request.user, reason=form.cleaned_data["reason"]),
        "Conflit d'intérêts déclaré : ce dossier ne vous est plus confié.",
    ):
        return redirect("fmin:review_list")
    return redirect("fmin:review", assignment.pk)

"""FMIN pages of the Métropole's staff: instruction, ranking, decision, payments."""

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.money import format_euros
from sman.permissions import staff_required

from .. import permissions, selectors, services
from ..forms import (
    AssignmentForm,
    CorrectionsForm,
    DecisionForm,
    EligibilityForm,
)
from ..models import Call, PaymentMilestone
from .common import application_for, crumbs


@staff_required
def instruction(request, pk):
    application = application_for(request, pk)
    eligibility = EligibilityForm(
        request.POST if request.POST.get("step") == "eligibility" else None,
        call=application.call,
        initial={**application.eligibility_checklist, "note": application.eligibility_note},
    )
    corrections = CorrectionsForm(request.POST if request.POST.get("step") == "corrections" else None)
    reviewers = permissions.reviewers().filter(is_active=True).exclude(fmin_assignments__application=application)
    assignment = AssignmentForm(request.POST if request.POST.get("step") == "assign" else None, reviewers=reviewers)
    steps = {
        "eligibility": (
            eligibility,
            lambda f: services.eligibility_record(
                application=application, user=request.user, checklist=f.checklist(), note=f.cleaned_data["note"]
            ),
            "Recevabilité enregistrée.",
        ),
        "corrections": (
            corrections,
            lambda f: services.corrections_request(
                application=application, user=request.user, message=f.cleaned_data["message"]
            ),
            "Dossier rouvert : le porteur a été prévenu.",
        ),
        "assign": (
            assignment,
            lambda f: services.assignment_create(
                application=application, reviewer=f.cleaned_data["reviewer"], user=request.user
            ),
            "Évaluateur affecté.",
        ),
    }
    if request.method == "POST" and request.POST.get("step") in steps:
        form, call, success = steps[request.POST["step"]]
        if form.is_valid() and form_service(request, form, lambda: call(form), success):
            return redirect("fmin:instruction", application.pk)
    return render(
        request,
        "fmin/instruction.html",
        {
            "application": application,
            "result": selectors.rules_result(application),
            "eligibility": eligibility,
            "corrections": corrections,
            "assignment_form": assignment,
            "assignments": application.assignments.select_related("reviewer"),
            "crumbs": crumbs(
                ("Candidatures", reverse("fmin:application_list")), (application.title, application.get_absolute_url())
            ),
        },
    )


@staff_required
def ranking(request, pk):
    call = get_object_or_404(Call.objects.select_related("programme"), pk=pk)
    rows = selectors.ranking(call)
    committed = selectors.committed_cents(call)
    return render(
        request,
        "fmin/ranking.html",
        {
            "call": call,
            "rows": rows,
            "committed": committed,
            "remaining": call.envelope_cents - committed,
            "criteria": call.criteria.all(),
            "crumbs": crumbs((call.title, call.get_absolute_url())),
        },
    )


@staff_required
def decision(request, pk):
    application = application_for(request, pk)
    result = selectors.rules_result(application)
    form = DecisionForm(request.POST or None, initial={"amount": result.capped_amount_cents})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if form_service(
            request,
            form,
            lambda: services.decision_record(
                application=application,
                user=request.user,
                outcome=d["outcome"],
                amount_cents=d["amount"] or 0,
                reason=d["reason"],
            ),
            "Décision enregistrée ; le porteur est prévenu et la lettre est en préparation.",
        ):
            return redirect("fmin:ranking", application.call_id)
    committed = selectors.committed_cents(application.call)
    return render(
        request,
        "fmin/decision_form.html",
        {
            "application": application,
            "result": result,
            "form": form,
            "remaining": format_euros(application.call.envelope_cents - committed),
            "crumbs": crumbs(
                ("Classement", reverse("fmin:ranking", args=[application.call_id])),
                (application.title, application.get_absolute_url()),
            ),
        },
    )


@staff_required
@require_POST
def milestone_pay(request, pk):
    milestone = get_object_or_404(PaymentMilestone, pk=pk)
    run_service(
        request,
        lambda: services.milestone_pay(milestone=milestone, user=request.user, on=timezone.localdate()),
        f"Versement enregistré : {milestone.label}.",
    )
    return redirect("fmin:application_detail", milestone.application_id)

"""FMIN pages of the applicant collectivities' agents: their files, reports and letters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.files import private_file_response
from sman.forms import add_validation_error
from sman.lists import Listing
from sman.permissions import is_metropole_staff

from .. import permissions, rules, selectors, services
from ..filters import ApplicationFilter
from ..forms import (
    ApplicationStartForm,
    DraftForms,
    ReasonForm,
    ReportForm,
)
from ..models import (
    Call,
    FollowUpReport,
)
from .common import CRUMBS, application_for, crumbs


@login_required
def application_list(request):
    """An agent's files (their organisations'); staff see every submitted file, with filters."""
    staff = is_metropole_staff(request.user)
    ids = permissions.applicant_ids_of(request.user)
    if not staff and not permissions.has_applications_page(request.user):
        raise PermissionDenied
    qs = selectors.submitted_applications() if staff else selectors.applications_for_collectivities(ids)
    # Agents choose among published calls only: a call being prepared is not public yet.
    calls = Call.objects.all() if staff else Call.objects.filter(is_published=True)
    listing = Listing(
        request,
        qs.order_by("-submitted_at", "-created_at"),
        filterset_class=ApplicationFilter,
        filterset_kwargs={"calls": calls},
        page_size=25,
    )
    return render(
        request,
        "fmin/application_list.html",
        {
            **listing.context(),
            "staff": staff,
            "calls": calls,
            "open_calls": [c for c in selectors.open_calls() if permissions.can_apply(request.user, c)],
            "crumbs": CRUMBS,
        },
    )


@login_required
def application_start(request, pk):
    call = get_object_or_404(Call.objects.select_related("programme"), pk=pk, is_published=True)
    collectivities = permissions.applicants_for(request.user, call)
    if not collectivities.exists():
        raise PermissionDenied
    form = ApplicationStartForm(
        request.POST or None, collectivities=collectivities, call=call, initial={"lead": collectivities.first()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(user=request.user, call=call, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request, "Brouillon créé. Il est enregistré automatiquement pendant que vous le complétez."
            )
            return redirect("fmin:application_edit", application.pk)
    return render(request, "fmin/application_start.html", {"form": form, "call": call, "crumbs": CRUMBS})


@login_required
def application_detail(request, pk):
    application = application_for(request, pk)
    user = request.user
    assignment = permissions.assignment_of(user, application)
    mine = permissions.applicant_ids_of(user)
    figures = selectors.figures_of(application)
    context = {
        "application": application,
        "figures": figures,
        "result": rules.check(figures, rules.Limits.of(application.call)),
        "is_applicant": permissions.is_applicant(user, application),
        "is_lead_member": permissions.is_lead_member(user, application),
        "can_edit": permissions.can_edit(user, application),
        "staff": is_metropole_staff(user),
        "assignment": assignment,
        "my_unconfirmed": [
            p
            for p in application.participants.all()
            if not p.is_lead and not p.confirmed_at and p.organisation_id in mine
        ],
        "events": application.events.select_related("user"),
        "decision": getattr(application, "decision", None),
        "reports": application.reports.all(),
        "milestones": application.milestones.all(),
        "crumbs": crumbs(("Candidatures", reverse("fmin:application_list"))),
    }
    if permissions.can_see_all_scores(user, application):
        context["assignments"] = application.assignments.select_related("reviewer").prefetch_related(
            "scores__criterion"
        )
    return render(request, "fmin/application_detail.html", context)


@login_required
def application_edit(request, pk):
    application = application_for(request, pk)
    if not permissions.can_edit(request.user, application):
        raise PermissionDenied
    forms_ = DraftForms(application, request.POST or None)
    if request.method == "POST" and forms_.is_valid():
        try:
            services.application_save_draft(
                application=application,
                user=request.user,
                draft=forms_.draft(),
                version=forms_.form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_validation_error(forms_.form, exc)
        else:
            messages.success(request, "Brouillon enregistré.")
            if "submit" in request.POST:
                return redirect("fmin:application_submit", application.pk)
            return redirect("fmin:application_edit", application.pk)
    return render(
        request,
        "fmin/application_edit.html",
        {
            "application": application,
            "forms": forms_,
            "form": forms_.form,
            "result": selectors.rules_result(application),
            "crumbs": crumbs(
                ("Candidatures", reverse("fmin:application_list")), (application.title, application.get_absolute_url())
            ),
        },
    )


@login_required
@require_POST
def application_autosave(request, pk):
    """Called by the edit page a few seconds after each change: same save as the button, JSON answer with
    the new version and the rules' result, recomputed from what was just saved."""
    application = application_for(request, pk)
    if not permissions.can_edit(request.user, application):
        raise PermissionDenied
    forms_ = DraftForms(application, request.POST)
    if not forms_.is_valid():
        count = forms_.error_count
        return JsonResponse(
            {
                "saved": False,
                "message": f"Brouillon non enregistré : {count} champ{'s' if count > 1 else ''} à corriger. "
                "Enregistrez avec le bouton pour voir le détail.",
            },
            status=400,
        )
    try:
        saved = services.application_save_draft(
            application=application,
            user=request.user,
            draft=forms_.draft(),
            version=forms_.form.cleaned_data["version"],
        )
    except ValidationError as exc:
        return JsonResponse({"saved": False, "message": exc.messages[0]}, status=409)
    fresh = selectors.application_with_figures(saved.pk)
    return JsonResponse(
        {
            "saved": True,
            "version": saved.version,
            "message": f"Brouillon enregistré à {timezone.localtime():%H:%M:%S}.",
            "rules_html": render_to_string("fmin/partials/_rules.html", {"result": selectors.rules_result(fresh)}),
        }
    )


@login_required
def application_submit(request, pk):
    application = application_for(request, pk)
    if not (permissions.is_lead_member(request.user, application) and application.is_editable):
        raise PermissionDenied
    errors = []
    if request.method == "POST":
        try:
            services.application_submit(application=application, user=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, "Dossier déposé. Un accusé de réception vous a été envoyé par courriel.")
            return redirect(application.get_absolute_url())
    return render(
        request,
        "fmin/application_submit.html",
        {
            "application": application,
            "result": selectors.rules_result(application),
            "missing": services.missing_fields(application),
            "errors": errors,
            "crumbs": crumbs((application.title, application.get_absolute_url())),
        },
    )


@login_required
def application_withdraw(request, pk):
    application = application_for(request, pk)
    if not permissions.is_lead_member(request.user, application):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            request,
            lambda: services.application_withdraw(
                application=application, user=request.user, reason=form.cleaned_data["reason"]
            ),
            "Candidature retirée.",
        )
    ):
        return redirect(application.get_absolute_url())
    return render(
        request,
        "fmin/confirm.html",
        {
            "title": f"Retirer la candidature « {application.title} »",
            "text": "Le retrait est définitif : le dossier ne sera ni évalué ni financé.",
            "form": form,
            "button": "Retirer la candidature",
            "cancel_url": application.get_absolute_url(),
            "crumbs": crumbs((application.title, application.get_absolute_url())),
        },
    )


@login_required
@require_POST
def participation_confirm(request, pk):
    application = application_for(request, pk)
    chosen = request.POST.get("organisation", "")
    organisation = get_object_or_404(
        permissions.applicants_for(request.user, application.call), pk=int(chosen) if chosen.isdigit() else 0
    )
    run_service(
        request,
        lambda: services.participation_confirm(application=application, organisation=organisation, user=request.user),
        f"Participation de {organisation} confirmée.",
    )
    return redirect(application.get_absolute_url())


@login_required
def application_pdf(request, pk):
    application = application_for(request, pk)
    return private_file_response(
        application.submitted_pdf,
        filename=f"candidature-fmin-{application.pk}.pdf",
        checksum=application.submitted_pdf_sha256,
    )


@login_required
def decision_letter(request, pk):
    application = application_for(request, pk)
    if not (permissions.is_applicant(request.user, application) or is_metropole_staff(request.user)):
        raise PermissionDenied
    decision = getattr(application, "decision", None)
    return private_file_response(decision.letter if decision else None, filename=f"decision-fmin-{application.pk}.pdf")


@login_required
def report_edit(request, pk, report_pk):
    application = application_for(request, pk)
    report = get_object_or_404(FollowUpReport, pk=report_pk, application=application)
    if not permissions.can_report(request.user, application) or report.submitted_at:
        raise PermissionDenied
    form = ReportForm(request.POST or None, instance=report)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.report_submit(report=report, user=request.user, **form.cleaned_data),
            f"{report.get_kind_display().capitalize()} remis. Merci.",
        )
    ):
        return redirect(application.get_absolute_url())
    return render(
        request,
        "fmin/report_form.html",
        {
            "application": application,
            "report": report,
            "form": form,
            "crumbs": crumbs((application.title, application.get_absolute_url())),
        },
    )

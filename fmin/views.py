from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.exports import export_response
from sman.feedback import form_service, run_service
from sman.forms import add_validation_error
from sman.maps import feature_collection
from sman.models import Territory
from sman.money import format_euros
from sman.permissions import is_metropole_staff, staff_required

from . import permissions, rules, selectors, services
from .forms import (
    ApplicationStartForm,
    AssignmentForm,
    ConflictForm,
    CorrectionsForm,
    DecisionForm,
    DraftForms,
    EligibilityForm,
    JoinGroupForm,
    ProjectFilterForm,
    ReasonForm,
    ReportForm,
    ReviewForm,
    WorkshopForm,
)
from .models import Application, Assignment, Call, FollowUpReport, PaymentMilestone, QualificationWorkshop, WorkingGroup

CRUMBS = [("FMIN", "/fmin/")]


def _crumbs(*extra):
    return CRUMBS + list(extra)


# --- Public ---------------------------------------------------------------------------------------
def home(request):
    return render(
        request,
        "fmin/home.html",
        {
            "open_calls": selectors.open_calls().prefetch_related("workshops"),
            "calls": selectors.published_calls(),
            "totals": selectors.totals(),
            "can_apply": permissions.can_apply(request.user),
            "groups": selectors.working_groups()[:6],
        },
    )


def call_detail(request, pk):
    call = get_object_or_404(Call.objects.prefetch_related("criteria", "workshops__registrations"), pk=pk)
    if not call.is_published and not is_metropole_staff(request.user):
        raise Http404
    collectivities = permissions.collectivities_of(request.user)
    return render(
        request,
        "fmin/call_detail.html",
        {
            "call": call,
            "is_open": call.is_open(),
            "collectivities": collectivities,
            "crumbs": CRUMBS,
            "now": timezone.now(),
        },
    )


def call_regulation(request, pk):
    call = get_object_or_404(Call, pk=pk)
    if not (call.is_published or is_metropole_staff(request.user)) or not call.regulation:
        raise Http404
    return FileResponse(
        call.regulation.open("rb"), as_attachment=True, filename=call.regulation.name.rsplit("/", 1)[-1]
    )


@login_required
@require_POST
def workshop_register(request, pk):
    workshop = get_object_or_404(QualificationWorkshop, pk=pk)
    form = WorkshopForm(request.POST, collectivities=permissions.collectivities_of(request.user))
    if not form.is_valid():
        raise PermissionDenied
    run_service(
        request,
        lambda: services.workshop_register(
            workshop=workshop, organisation=form.cleaned_data["organisation"], user=request.user
        ),
        f"Inscription enregistrée à l'atelier du {workshop.starts_at:%d/%m/%Y}.",
    )
    return redirect("fmin:call_detail", workshop.call_id)


def _filtered_projects(request):
    years = sorted(set(Call.objects.filter(is_published=True).values_list("year", flat=True)), reverse=True)
    form = ProjectFilterForm(request.GET or None, years=years)
    projects = selectors.funded_projects()
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            projects = projects.filter(Q(title__unaccent__icontains=d["q"]) | Q(summary__unaccent__icontains=d["q"]))
        if d["challenge"]:
            projects = projects.filter(challenges=d["challenge"])
        if d["territory"]:
            projects = projects.filter(
                Territory.objects.within_q(d["territory"], "territories")
                | Territory.objects.within_q(d["territory"], "lead__territory")
            )
        if d["year"]:
            projects = projects.filter(call__year=d["year"])
        if d["theme"]:
            projects = projects.filter(theme=d["theme"])
    return form, projects.distinct()


def project_list(request):
    form, projects = _filtered_projects(request)
    page = Paginator(projects, 20).get_page(request.GET.get("page"))
    points = [
        (t.geometry.point_on_surface if t.geometry else None, p.title, reverse("fmin:project_detail", args=[p.pk]))
        for p in page.object_list
        for t in p.territories.all()[:1]
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "fmin/project_list.html",
        {
            "form": form,
            "page_obj": page,
            "map_data": feature_collection(points),
            "query": query.urlencode(),
            "crumbs": CRUMBS,
        },
    )


def project_export(request):
    _, projects = _filtered_projects(request)
    header = [
        "Appel", "Année", "Projet", "Cheffe de file", "Co-porteuses", "Thème", "Défis", "Territoires",
        "Subvention (€)", "Résumé", "Résultats",
    ]  # fmt: skip
    rows = (
        [
            p.call.title, p.call.year, p.title, p.lead.name,
            ", ".join(x.organisation.name for x in p.participants.all() if not x.is_lead),
            p.get_theme_display(), ", ".join(f"Défi {c.number}" for c in p.challenges.all()),
            ", ".join(t.name for t in p.territories.all()),
            "{},{:02d}".format(*divmod(p.decision.amount_cents, 100)), p.summary, p.results,
        ]
        for p in projects
    )  # fmt: skip
    return export_response("csv", filename="fmin-projets-finances", header=header, rows=rows)


def project_detail(request, pk):
    project = get_object_or_404(selectors.funded_projects(), pk=pk)
    map_data = feature_collection((t.geometry, t.name, t.get_absolute_url()) for t in project.territories.all())
    return render(
        request,
        "fmin/project_detail.html",
        {
            "project": project,
            "map_data": map_data,
            "evaluations": selectors.published_evaluations(project),
            "crumbs": _crumbs(("Projets financés", reverse("fmin:project_list"))),
        },
    )


def group_list(request):
    return render(request, "fmin/group_list.html", {"groups": selectors.working_groups(), "crumbs": CRUMBS})


def group_detail(request, slug):
    group = get_object_or_404(
        WorkingGroup.objects.prefetch_related("members__organisation", "meetings", "deliverables"), slug=slug
    )
    collectivities = permissions.collectivities_of(request.user)
    form = JoinGroupForm(request.POST or None, collectivities=collectivities)
    if request.method == "POST":
        if not request.user.is_authenticated or not collectivities.exists():
            raise PermissionDenied
        if form.is_valid() and form_service(
            request,
            form,
            lambda: services.working_group_join(group=group, user=request.user, **form.cleaned_data),
            f"{form.cleaned_data['organisation']} a rejoint le groupe « {group} ».",
        ):
            return redirect(group.get_absolute_url())
    return render(
        request,
        "fmin/group_detail.html",
        {
            "group": group,
            "form": form,
            "can_join": collectivities.exists(),
            "crumbs": _crumbs(("Bâtisseurs du numérique", reverse("fmin:group_list"))),
        },
    )


# --- Applicants ---------------------------------------------------------------------------------
@login_required
def application_list(request):
    """An agent's files (their collectivities'); staff see every submitted file, with filters."""
    staff = is_metropole_staff(request.user)
    ids = permissions.collectivity_ids_of(request.user)
    if not staff and not ids:
        raise PermissionDenied
    if staff:
        qs = (
            Application.objects.exclude(status=Application.Status.DRAFT)
            .select_related("call", "lead")
            .prefetch_related("participants__organisation")
        )
    else:
        qs = selectors.applications_for_collectivities(ids)
    status = request.GET.get("statut", "")
    if status in Application.Status.values:
        qs = qs.filter(status=status)
    call = request.GET.get("appel", "")
    if call.isdigit():
        qs = qs.filter(call_id=int(call))
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(Q(title__unaccent__icontains=q) | Q(lead__name__unaccent__icontains=q))
    page = Paginator(qs.order_by("-submitted_at", "-created_at"), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "fmin/application_list.html",
        {
            "page_obj": page,
            "staff": staff,
            "statuses": Application.Status.choices,
            # Agents choose among published calls only: a call being prepared is not public yet.
            "calls": Call.objects.all() if staff else Call.objects.filter(is_published=True),
            "selected_status": status,
            "selected_call": call,
            "q": q,
            "query": query.urlencode(),
            "open_calls": selectors.open_calls(),
            "crumbs": CRUMBS,
        },
    )


@login_required
def application_start(request, pk):
    call = get_object_or_404(Call, pk=pk, is_published=True)
    collectivities = permissions.collectivities_of(request.user)
    if not collectivities.exists():
        raise PermissionDenied
    form = ApplicationStartForm(
        request.POST or None, collectivities=collectivities, initial={"lead": collectivities.first()}
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


def _application_for(request, pk) -> Application:
    application = get_object_or_404(
        Application.objects.with_figures().prefetch_related("challenges", "territories"), pk=pk
    )
    if not permissions.can_view(request.user, application):
        raise PermissionDenied
    return application


@login_required
def application_detail(request, pk):
    application = _application_for(request, pk)
    user = request.user
    assignment = permissions.assignment_of(user, application)
    mine = permissions.collectivity_ids_of(user)
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
        "crumbs": _crumbs(("Candidatures", reverse("fmin:application_list"))),
    }
    if permissions.can_see_all_scores(user, application):
        context["assignments"] = application.assignments.select_related("reviewer").prefetch_related(
            "scores__criterion"
        )
    return render(request, "fmin/application_detail.html", context)


@login_required
def application_edit(request, pk):
    application = _application_for(request, pk)
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
            "crumbs": _crumbs(
                ("Candidatures", reverse("fmin:application_list")), (application.title, application.get_absolute_url())
            ),
        },
    )


@login_required
@require_POST
def application_autosave(request, pk):
    """Called by the edit page a few seconds after each change: same save as the button, JSON answer with
    the new version and the rules' result, recomputed from what was just saved."""
    application = _application_for(request, pk)
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
    application = _application_for(request, pk)
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
            "crumbs": _crumbs((application.title, application.get_absolute_url())),
        },
    )


@login_required
def application_withdraw(request, pk):
    application = _application_for(request, pk)
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
            "crumbs": _crumbs((application.title, application.get_absolute_url())),
        },
    )


@login_required
@require_POST
def participation_confirm(request, pk):
    application = _application_for(request, pk)
    chosen = request.POST.get("organisation", "")
    organisation = get_object_or_404(
        permissions.collectivities_of(request.user), pk=int(chosen) if chosen.isdigit() else 0
    )
    run_service(
        request,
        lambda: services.participation_confirm(application=application, organisation=organisation, user=request.user),
        f"Participation de {organisation} confirmée.",
    )
    return redirect(application.get_absolute_url())


def _private_file(file, name: str):
    if not file:
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True, filename=name)


@login_required
def application_pdf(request, pk):
    application = _application_for(request, pk)
    return _private_file(application.submitted_pdf, f"candidature-fmin-{application.pk}.pdf")


@login_required
def decision_letter(request, pk):
    application = _application_for(request, pk)
    if not (permissions.is_applicant(request.user, application) or is_metropole_staff(request.user)):
        raise PermissionDenied
    decision = getattr(application, "decision", None)
    return _private_file(decision.letter if decision else None, f"decision-fmin-{application.pk}.pdf")


@login_required
def report_edit(request, pk, report_pk):
    application = _application_for(request, pk)
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
            "crumbs": _crumbs((application.title, application.get_absolute_url())),
        },
    )


# --- Staff ------------------------------------------------------------------------------------------
@staff_required
def instruction(request, pk):
    application = _application_for(request, pk)
    eligibility = EligibilityForm(
        request.POST if request.POST.get("step") == "eligibility" else None,
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
            "crumbs": _crumbs(
                ("Candidatures", reverse("fmin:application_list")), (application.title, application.get_absolute_url())
            ),
        },
    )


@staff_required
def ranking(request, pk):
    call = get_object_or_404(Call, pk=pk)
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
            "crumbs": _crumbs((call.title, call.get_absolute_url())),
        },
    )


@staff_required
def decision(request, pk):
    application = _application_for(request, pk)
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
            "crumbs": _crumbs(
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


# --- Reviewers -----------------------------------------------------------------------------------
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
            "crumbs": _crumbs(("Mes évaluations", reverse("fmin:review_list"))),
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

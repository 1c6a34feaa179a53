"""Pages of the COPIL: sessions, reviews, opinions, recommendations, evaluation reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.feedback import run_service
from sman.files import job_file_response
from sman.forms import add_validation_error
from sman.job_status import JobPanel, job_status_json
from sman.modules import plural
from sman.permissions import is_metropole_staff

from .. import exports, permissions, selectors, services
from ..filters import ActionFilter, ActionListing
from ..forms import (
    CorrectionForm,
    OpinionForm,
    PresentationForm,
    RecommendationForm,
    SessionCreateForm,
    SessionUpdateForm,
)
from ..models import ActionReview, CopilSession, Report, Roadmap
from ..rules import follow
from .common import copil_crumbs, copil_required, staff_required


@copil_required
def dashboard(request):
    listing = ActionListing(
        request,
        selectors.dashboard_actions(),
        filterset_class=ActionFilter,
        page_size=None,  # the actions of the roadmaps: a bounded list, on one page
        export=exports.DASHBOARD_EXPORT,
    )
    if response := listing.export_response():
        return response
    return render(
        request,
        "actions/dashboard.html",
        {
            **listing.context(),
            "actions": listing.rows,
            "missing_semesters": selectors.semesters_without_session(),
            "today": timezone.localdate(),
        },
    )


@copil_required
def export_reviews(request, fmt):
    if fmt not in exports.FORMATS:
        raise Http404
    return exports.reviews_export(fmt)


@copil_required
def export_indicator_values(request, fmt):
    if fmt not in exports.FORMATS:
        raise Http404
    return exports.indicator_values_export(fmt)


@copil_required
def session_list(request):
    form = SessionCreateForm(request.POST or None) if permissions.can_manage_sessions(request.user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            session = services.copil_session_create(
                user=request.user,
                year=form.cleaned_data["year"],
                semester=form.cleaned_data["semester"],
                on=form.cleaned_data["date"],
            )
            messages.success(request, "La séance est créée avec son ordre du jour.")
            return redirect(session)
    return render(
        request,
        "actions/session_list.html",
        {"sessions": selectors.sessions(), "form": form, "missing_semesters": selectors.semesters_without_session()},
    )


def _session_or_404(pk) -> CopilSession:
    session = selectors.session_detail(pk)
    if session is None:
        raise Http404
    return session


@copil_required
def session_detail(request, pk):
    session = _session_or_404(pk)
    can_manage = permissions.can_manage_sessions(request.user)
    update_form = SessionUpdateForm(instance=session) if can_manage and not session.is_closed else None
    return render(
        request,
        "actions/session_detail.html",
        {
            "session": session,
            "reviews": selectors.effective_reviews(session),
            "all_reviews": session.reviews.all(),
            "can_manage": can_manage,
            "can_give_opinion": permissions.can_give_opinion(request.user),
            "update_form": update_form,
            "recommendation_form": RecommendationForm() if not session.is_closed else None,
            "draft_targets": Roadmap.objects.filter(status=Roadmap.Status.TO_DEFINE, actions__isnull=True),
            "crumbs": copil_crumbs(),
        },
    )


@staff_required
@require_POST
def session_update(request, pk):
    session = _session_or_404(pk)
    form = SessionUpdateForm(request.POST, instance=session)
    if form.is_valid():
        run_service(
            request,
            lambda: services.session_update(
                session=session, user=request.user, minutes=form.cleaned_data["minutes"],
                attendees=form.cleaned_data["attendees"],
            ),
            "Présences et compte rendu enregistrés.",
        )  # fmt: skip
    return redirect(session)


@staff_required
def session_close(request, pk):
    session = _session_or_404(pk)
    if request.method == "POST":
        run_service(
            request,
            lambda: services.session_close(session=session, user=request.user),
            "La séance est close : ses avis sont désormais définitifs.",
        )
        return redirect(session)
    return render(request, "actions/session_close.html", {"session": session})


@copil_required
@require_POST
def recommendation_add(request, pk):
    session = _session_or_404(pk)
    form = RecommendationForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.recommendation_add(session=session, user=request.user, **form.cleaned_data),
            "La recommandation est ajoutée.",
        )
    else:
        messages.error(request, "La recommandation est incomplète : choisissez un programme et saisissez le texte.")
    return redirect(session.get_absolute_url() + "#recommandations")


@staff_required
@require_POST
def roadmap_draft(request, pk):
    session = _session_or_404(pk)
    target = get_object_or_404(Roadmap, pk=request.POST.get("roadmap"))
    run_service(
        request,
        lambda: services.roadmap_draft_from(session=session, user=request.user, target=target),
        f"Projet de {target} préparé à partir des avis de la séance.",
    )
    return redirect("actions:plan")


def _review_or_404(pk) -> ActionReview:
    return get_object_or_404(
        ActionReview.objects.select_related("session", "action", "action__roadmap", "corrects"), pk=pk
    )


@login_required
def review_edit(request, pk):
    review = _review_or_404(pk)
    may_give_opinion = permissions.can_give_opinion(request.user)
    may_present = permissions.can_present(request.user, review)
    if not (may_give_opinion or may_present or permissions.can_follow_copil(request.user)):
        raise PermissionDenied
    closed = review.session.is_closed
    data = request.POST or None
    opinion_form = presentation_form = correction_form = None
    if may_give_opinion and not closed:
        opinion_form = OpinionForm(data if "opinion-submit" in request.POST else None, instance=review)
    if may_present and not closed:
        presentation_form = PresentationForm(data if "presentation-submit" in request.POST else None, instance=review)
    if may_give_opinion and closed:
        correction_form = CorrectionForm(data if "correction-submit" in request.POST else None)
    if request.method == "POST":
        handled = _review_post(request, review, opinion_form, presentation_form, correction_form)
        if handled:
            return handled
    return render(
        request,
        "actions/review_form.html",
        {
            "review": review,
            "follow": follow(
                selectors.action_by_number(review.action.roadmap.code, review.action.number), review.session.date
            ),
            "opinion_form": opinion_form,
            "presentation_form": presentation_form,
            "correction_form": correction_form,
            "crumbs": copil_crumbs(review.session),
            "short_title": f"Action #{review.action.number}",
        },
    )


def _review_post(request, review, opinion_form, presentation_form, correction_form):
    if "opinion-submit" in request.POST:
        if opinion_form is None:
            raise PermissionDenied
        if opinion_form.is_valid():
            data = dict(opinion_form.cleaned_data)
            review.refresh_from_db()
            try:
                services.review_record_opinion(review=review, user=request.user, **data)
            except ValidationError as exc:
                add_validation_error(opinion_form, exc)
                return None
            messages.success(request, f"Avis enregistré pour l'action #{review.action.number}.")
            return redirect(review.session)
    elif "presentation-submit" in request.POST:
        if presentation_form is None:
            raise PermissionDenied
        if presentation_form.is_valid():
            services.review_present(
                review=review, user=request.user, text=presentation_form.cleaned_data["owner_presentation"]
            )
            messages.success(request, "Votre présentation est enregistrée.")
            return redirect(review.session)
    elif "correction-submit" in request.POST:
        if correction_form is None:
            raise PermissionDenied
        if correction_form.is_valid():
            try:
                services.review_correct(review=review, user=request.user, **correction_form.cleaned_data)
            except ValidationError as exc:
                add_validation_error(correction_form, exc)
                return None
            messages.success(request, "La correction est enregistrée ; l'avis d'origine reste visible.")
            return redirect(review.session)
    else:
        raise PermissionDenied
    return None


@staff_required
@require_POST
def session_agenda_build(request, pk):
    """A session with nothing to review (or an incomplete agenda): add a review per active action."""
    session = _session_or_404(pk)
    try:
        added = services.session_agenda_build(session=session, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(session)
    if added:
        messages.success(request, f"Ordre du jour constitué : {plural(added, 'action ajoutée', 'actions ajoutées')}.")
    else:
        messages.info(request, "L'ordre du jour comprend déjà toutes les actions actives.")
    return redirect(session)


@copil_required
@require_POST
def report_request(request, pk):
    session = _session_or_404(pk)
    try:
        report = services.report_request(session=session, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(session)
    return redirect(report)


def _report_panel(request, report: Report) -> JobPanel:
    """The report's status block (sman/job_status.py): every COPIL reader may retry and download it."""
    return JobPanel(
        job=report,
        status_url=reverse("actions:report_status", args=[report.pk]),
        page_url=report.get_absolute_url(),
        subject="Le rapport",
        waiting="est en cours de production : vous pouvez quitter cette page et revenir plus tard.",
        download_url=reverse("actions:report_download", args=[report.pk]),
        download_label="Télécharger le rapport",
        download_format="PDF",
        retry_url=reverse("actions:report_retry", args=[report.pk]),
        retry_label="Relancer la production",
        show_detail=is_metropole_staff(request.user),
    )


def _report_or_404(pk) -> Report:
    return get_object_or_404(Report.objects.select_related("session", "requested_by"), pk=pk)


@copil_required
def report_detail(request, pk):
    report = _report_or_404(pk)
    return render(
        request,
        "actions/report_detail.html",
        {"report": report, "panel": _report_panel(request, report), "crumbs": copil_crumbs(report.session)},
    )


@copil_required
def report_status(request, pk):
    """The report's state, for its page's script (sman/job_status.py)."""
    report = _report_or_404(pk)
    return job_status_json(request, _report_panel(request, report))


@copil_required
@require_POST
def report_retry(request, pk):
    report = get_object_or_404(Report, pk=pk)
    try:
        report = services.report_retry(report=report, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(report)


@copil_required
def report_download(request, pk):
    """Reports are private files: served only here, after the permission check (sman/files.py)."""
    report = get_object_or_404(Report.objects.select_related("session"), pk=pk, state=Report.State.DONE)
    session = report.session
    return job_file_response(report, filename=f"rapport-copil-{session.year}-s{session.semester}-{report.pk}.pdf")

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.feedback import run_service
from sman.forms import add_validation_error
from sman.models import Challenge
from sman.money import euros_decimal
from sman.permissions import user_passes

from . import charts, exports, indicator_templates, permissions, selectors, services
from .filters import ActionFilter
from .forms import (
    ActionFollowForm,
    BudgetLineFormSet,
    CorrectionForm,
    IndicatorForm,
    IndicatorValueForm,
    MilestoneFormSet,
    OpinionForm,
    PresentationForm,
    RecommendationForm,
    SessionCreateForm,
    SessionUpdateForm,
)
from .models import Action, ActionReview, CopilSession, Indicator, Report, Roadmap
from .rules import RULE_TEXT, follow, milestone_delay

copil_required = user_passes(permissions.can_follow_copil)
staff_required = user_passes(permissions.can_manage_sessions)


def _plan_crumbs(action=None) -> list[tuple[str, str]]:
    crumbs = [("Feuille de route", reverse("actions:plan"))]
    if action is not None:
        crumbs.append((f"Action #{action.number}", action.get_absolute_url()))
    return crumbs


def _copil_crumbs(session=None) -> list[tuple[str, str]]:
    crumbs = [("COPIL", reverse("actions:dashboard")), ("Séances", reverse("actions:session_list"))]
    if session is not None:
        crumbs.append((session.date.strftime("%d/%m/%Y"), session.get_absolute_url()))
    return crumbs


# --- Public pages -------------------------------------------------------------------------------
def plan(request):
    roadmaps, rows = selectors.plan_grid()
    return render(request, "actions/plan.html", {"roadmaps": roadmaps, "rows": rows})


def challenge_detail(request, number):
    challenge = get_object_or_404(Challenge.objects.prefetch_related("workstreams"), number=number)
    actions = selectors.with_follow(
        selectors.dashboard_actions(Action.objects.filter(challenge=challenge).exclude(roadmap__status="draft"))
    )
    return render(
        request,
        "actions/challenge_detail.html",
        {"challenge": challenge, "actions": actions, "crumbs": _plan_crumbs()},
    )


def _action_or_404(roadmap, number) -> Action:
    action = selectors.action_by_number(roadmap, number)
    if action is None:
        raise Http404("Action inconnue")
    return action


def action_detail(request, roadmap, number):
    action = _action_or_404(roadmap, number)
    today = timezone.localdate()
    milestones = list(action.milestones.all())  # prefetched
    for m in milestones:
        m.delay = milestone_delay(planned_end=m.planned_end, actual_date=m.actual_date, today=today)
    indicators = list(action.indicators.all())
    for indicator in indicators:
        indicator.chart = charts.line_chart(
            [(v.date, v.value) for v in indicator.values.all()],
            title=indicator.name,
            unit=indicator.unit,
            target=indicator.target_value,
        )
    return render(
        request,
        "actions/action_detail.html",
        {
            "action": action,
            "follow": follow(action, today),
            "today": today,
            "rule_text": RULE_TEXT,
            "can_edit": permissions.can_edit_action(request.user, action),
            "reviews": [r for r in action.reviews.all() if r.opinion],
            "indicators": indicators,
            "timeline_chart": charts.timeline(
                [
                    {
                        "title": m.title,
                        "planned_start": m.planned_start,
                        "planned_end": m.planned_end,
                        "actual_date": m.actual_date,
                    }
                    for m in milestones
                ],
                title="Calendrier des opérations",
                today=today,
            ),  # fmt: skip
            "budget_chart": charts.budget_bars(
                [
                    (
                        str(b.year),
                        euros_decimal(b.allocated_cents),
                        euros_decimal(b.committed_cents),
                        euros_decimal(b.spent_cents),
                    )
                    for b in action.budget_lines.all()
                ],
                title="Budget alloué, engagé et dépensé par année",
            ),
            "crumbs": _plan_crumbs(),
            "short_title": f"Action #{action.number}",
            "history": selectors.change_history(action) if permissions.can_edit_action(request.user, action) else None,
        },
    )


# --- Owners -------------------------------------------------------------------------------------
def _editable_action(request, roadmap, number) -> Action:
    action = _action_or_404(roadmap, number)
    if not permissions.can_edit_action(request.user, action):
        raise PermissionDenied
    return action


@login_required
def action_follow(request, roadmap, number):
    action = _editable_action(request, roadmap, number)
    data = request.POST or None
    form = ActionFollowForm(data, instance=action)
    milestones = MilestoneFormSet(data, queryset=action.milestones.all(), prefix="jalons")
    budget = BudgetLineFormSet(data, instance=action, prefix="budget")
    if request.method == "POST" and form.is_valid() and milestones.is_valid() and budget.is_valid():
        try:
            with transaction.atomic():
                services.action_update(action=action, user=request.user, **form.cleaned_data)
                services.milestones_and_budget_save(action=action, user=request.user, formsets=[milestones, budget])
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "Le suivi de l'action est enregistré.")
            return redirect(action.get_absolute_url())
    return render(
        request,
        "actions/action_follow.html",
        {"action": action, "form": form, "milestones": milestones, "budget": budget, "crumbs": _plan_crumbs(action)},
    )


@login_required
def indicator_edit(request, roadmap, number, pk=None):
    action = _editable_action(request, roadmap, number)
    indicator = (
        get_object_or_404(Indicator, pk=pk, action=action) if pk else Indicator(action=action, owner=request.user)
    )
    initial = {}
    template_index = request.GET.get("modele", "")
    if pk is None and template_index.isdigit() and int(template_index) < len(indicator_templates.TEMPLATES):
        name, kind, unit, definition = indicator_templates.TEMPLATES[int(template_index)]
        initial = {"name": name, "kind": kind, "unit": unit, "definition": definition}
    form = IndicatorForm(request.POST or None, instance=indicator, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_save(indicator=form.instance, user=request.user)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "L'indicateur est enregistré.")
            return redirect(action.get_absolute_url() + "#indicateurs")
    return render(
        request,
        "actions/indicator_form.html",
        {
            "action": action,
            "form": form,
            "templates": indicator_templates.TEMPLATES,
            "indicator": indicator,
            "crumbs": _plan_crumbs(action),
        },
    )


@login_required
def indicator_value_add(request, roadmap, number, pk):
    action = _editable_action(request, roadmap, number)
    indicator = get_object_or_404(Indicator, pk=pk, action=action)
    form = IndicatorValueForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_value_add(
                indicator=indicator,
                user=request.user,
                value=form.cleaned_data["value"],
                on=form.cleaned_data["date"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "La valeur est enregistrée.")
            return redirect(action.get_absolute_url() + "#indicateurs")
    return render(
        request,
        "actions/indicator_value_form.html",
        {"action": action, "indicator": indicator, "form": form, "crumbs": _plan_crumbs(action)},
    )


# --- COPIL --------------------------------------------------------------------------------------
@copil_required
def dashboard(request):
    actions_filter = ActionFilter(request.GET or None, queryset=selectors.dashboard_actions())
    actions = selectors.with_follow(actions_filter.qs)
    light = (
        actions_filter.form.cleaned_data.get("light")
        if actions_filter.is_bound and actions_filter.form.is_valid()
        else ""
    )
    if light:
        actions = [a for a in actions if a.follow.light == light]
    fmt = request.GET.get("export")
    if fmt in exports.FORMATS:
        return exports.dashboard_export(fmt, actions)
    return render(
        request,
        "actions/dashboard.html",
        {
            "filter": actions_filter,
            "actions": actions,
            "missing_semesters": selectors.semesters_without_session(),
            "today": timezone.localdate(),
            "query": request.GET.urlencode(),
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
            "crumbs": _copil_crumbs(),
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
            "crumbs": _copil_crumbs(review.session),
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


@copil_required
@require_POST
def report_request(request, pk):
    session = _session_or_404(pk)
    report = services.report_request(session=session, user=request.user)
    return redirect(report)


@copil_required
def report_detail(request, pk):
    report = get_object_or_404(Report.objects.select_related("session", "requested_by"), pk=pk)
    return render(request, "actions/report_detail.html", {"report": report, "crumbs": _copil_crumbs(report.session)})


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
    """Reports are private files: served only here, after the permission check."""
    report = get_object_or_404(Report, pk=pk, status=Report.Status.DONE)
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.file.name.rsplit("/", 1)[-1])

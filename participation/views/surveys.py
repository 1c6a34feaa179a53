"""Surveys: citizens answer once; the space's administrators download the answers (CSV/XLSX)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from sman.exports import export_response
from sman.feedback import form_service

from .. import permissions, services
from ..forms import survey_form
from ..models import Survey, SurveyResponse
from .common import crumbs


def _survey(pk) -> Survey:
    return get_object_or_404(
        Survey.objects.select_related("process__space__organisation"), pk=pk, process__is_published=True
    )


def survey(request, pk):
    survey = _survey(pk)
    questions = list(survey.questions.all())
    form = survey_form(survey, questions, request.POST or None)
    answered = (
        request.user.is_authenticated and SurveyResponse.objects.filter(survey=survey, respondent=request.user).exists()
    )
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/comptes/login/?next={request.path}")
        if form.is_valid():
            answers = {q.pk: _plain(form.cleaned_data[f"q{q.pk}"]) for q in questions}
            call = lambda: services.survey_answer(survey=survey, user=request.user, answers=answers)  # noqa: E731
            if form_service(request, form, call, "Merci : vos réponses sont enregistrées."):
                return redirect(survey.process)
    return render(
        request,
        "participation/survey.html",
        {
            "survey": survey,
            "form": form,
            "answered": answered,
            "can_export": request.user.is_authenticated and permissions.can_manage(request.user, survey.process.space),
            "crumbs": crumbs((survey.process.title, survey.process.get_absolute_url())),
        },
    )


def _plain(value):
    """A JSON-ready answer: decimals as text, lists as they are."""
    if value is None:
        return ""
    return value if isinstance(value, (str, int, list)) else str(value)


@login_required
def survey_export(request, pk, fmt):
    survey = _survey(pk)
    if not permissions.can_manage(request.user, survey.process.space):
        raise PermissionDenied("Seuls les administrateurs de l'espace lisent les réponses.")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    questions = list(survey.questions.all())

    def cell(value):
        return ", ".join(map(str, value)) if isinstance(value, list) else value

    rows = (
        [r.created_at.date(), *(cell(r.answers.get(str(q.pk), "")) for q in questions)]
        for r in survey.responses.order_by("created_at")
    )  # the respondent is not in the file: the answers, not who gave them
    return export_response(
        fmt,
        filename=f"questionnaire-{survey.pk}",
        header=["date", *(q.text for q in questions)],
        rows=rows,
        title="Réponses",
    )

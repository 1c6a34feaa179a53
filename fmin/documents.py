"""PDFs of the FMIN: the submitted file (for the record) and the decision letter."""

from django.utils import timezone

from sman.documents import render_pdf

from . import rules, selectors
from .models import Decision


def application_pdf(application_id: int) -> bytes:
    application = selectors.application_with_figures(application_id)
    figures = selectors.figures_of(application)
    return render_pdf(
        "fmin/documents/application.html",
        {
            "application": application,
            "result": rules.check(figures, rules.Limits.of(application.call)),
            "figures": figures,
            "generated_at": timezone.now(),
        },
    )


def decision_letter_pdf(decision: Decision) -> bytes:
    application = selectors.application_with_figures(decision.application_id)
    return render_pdf(
        "fmin/documents/decision_letter.html",
        {"application": application, "decision": decision, "today": timezone.localdate()},
    )

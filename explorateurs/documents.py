"""PDFs of the Explorateurs: the mission letter addressed to the explorer's direction, the welcome kit and the
certificate of attendance (SMAN §4.2.2.1 « … un kit de bienvenue … production d'une lettre de mission »)."""

from django.utils import timezone

from sman.documents import render_pdf

from . import selectors
from .models import ExplorerDocument

TEMPLATES = {
    ExplorerDocument.Kind.MISSION_LETTER: "explorateurs/documents/mission_letter.html",
    ExplorerDocument.Kind.WELCOME_KIT: "explorateurs/documents/welcome_kit.html",
    ExplorerDocument.Kind.CERTIFICATE: "explorateurs/documents/certificate.html",
}


def document_context(explorer) -> dict:
    cohort = explorer.cohort
    present, recorded = selectors.attendance_rate(explorer=explorer)
    return {
        "explorer": explorer,
        "cohort": cohort,
        "events": cohort.events.order_by("starts_at"),
        "attended": list(selectors.attended_events(explorer)),
        "present": present,
        "recorded": recorded,
        "today": timezone.localdate(),
    }


def document_pdf(document: ExplorerDocument) -> bytes:
    return render_pdf(TEMPLATES[document.kind], document_context(document.explorer))

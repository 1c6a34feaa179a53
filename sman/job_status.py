"""The one status block of a long job (sman/jobs.py) on its pages, and its JSON status endpoint.

A page includes ``templates/sman/_job_status.html`` with a ``JobPanel`` (what the user may do with this
job: retry it, download its file, follow a next step); the same panel, rendered by ``job_status_json``,
answers the page's status URL. While the job is pending or running, static/js/job_status.js reads that URL
every few seconds and updates the block in place (its live region announces the new state); without
JavaScript, the block's link reloads the page.
"""

from dataclasses import dataclass

from django.http import JsonResponse
from django.template.loader import render_to_string

from .jobs import DONE, FAILED, AbstractJob

TEMPLATE = "sman/_job_status.html"


@dataclass(frozen=True)
class JobPanel:
    """A job as one user sees it on one page. Empty URLs hide what they lead to: the view decides who may
    retry (the app's permission), download or take the next step."""

    job: AbstractJob
    status_url: str  # the JSON status endpoint (job_status_json)
    page_url: str  # the page itself: reloading it, without JavaScript
    subject: str = "Le traitement"  # « Le rapport », « L'import », « Les planches »…
    waiting: str = "est en cours : vous pouvez quitter cette page et revenir plus tard."
    download_url: str = ""
    download_label: str = "Télécharger le fichier"
    download_format: str = ""  # « PDF »: shown with the file's size
    retry_url: str = ""
    retry_label: str = "Relancer"
    # Staff read a failure's technical detail (the exception), folded under the French reason.
    show_detail: bool = False
    # A state of the app's own that waits for someone (e.g. an import awaiting confirmation): a link.
    next_step_url: str = ""
    next_step_label: str = ""
    # Facts of the app's own, rendered inside the block (so they are updated with it): a template that
    # receives the job as ``job``.
    facts_template: str = ""

    @property
    def active(self) -> bool:
        return self.job.active

    @property
    def may_retry(self) -> bool:
        return bool(self.retry_url) and self.job.retryable

    @property
    def may_download(self) -> bool:
        return bool(self.download_url) and self.job.state == DONE and bool(self.job.file)

    @property
    def failed(self) -> bool:
        return self.job.state == FAILED

    @property
    def dom_id(self) -> str:
        return f"job-{self.job._meta.label_lower.replace('.', '-')}-{self.job.pk}"


def job_status_json(request, panel: JobPanel) -> JsonResponse:
    """The job's state, and the status block as the page would show it now (for the page's script to put in
    place). Never cached: it changes while the job runs."""
    job = panel.job
    response = JsonResponse(
        {
            "state": job.state,
            "label": job.get_state_display(),
            "active": panel.active,
            "html": render_to_string(TEMPLATE, {"panel": panel}, request=request),
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response

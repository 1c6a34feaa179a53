"""Moderators' and staff pages: the moderation queue and decisions, usage figures, the annual review."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.files import job_file_response
from sman.job_status import JobPanel, job_status_json
from sman.jobs import job_retry
from sman.lists import Listing
from sman.permissions import is_metropole_staff, staff_required, user_passes

from .. import permissions, review, selectors, services
from ..forms import AnnualReviewForm, PublishForm, RefuseForm
from ..models import AnnualReview, Kind
from .common import crumbs, resource_for

moderator_required = user_passes(permissions.can_moderate)


@moderator_required
def moderation(request):
    listing = Listing(request, selectors.moderation_queue(), page_size=25)
    return render(request, "resources/moderation.html", {**listing.context(), "crumbs": crumbs()})


def _moderated(request, slug):
    resource = resource_for(request, slug, working_copy=True)
    if permissions.is_author(request.user, resource):
        raise PermissionDenied  # nobody moderates their own contribution
    return resource


@moderator_required
@require_POST
def take(request, slug):
    resource = _moderated(request, slug)
    run_service(
        request,
        lambda: services.review_start(resource=resource, user=request.user),
        "Vous relisez cette contribution : les autres modérateurs le voient.",
    )
    return redirect("resources:review", slug)


@moderator_required
@require_POST
def publish(request, slug):
    resource = _moderated(request, slug)
    form = PublishForm(request.POST)
    form.is_valid()
    if run_service(
        request,
        lambda: services.resource_publish(
            resource=resource, user=request.user, change_note=form.cleaned_data.get("change_note", "")
        ),
        "Ressource publiée : son auteur est prévenu.",
    ):
        return redirect(resource.get_absolute_url())
    return redirect("resources:review", slug)


@moderator_required
def refuse(request, slug):
    resource = _moderated(request, slug)
    form = RefuseForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and form_service(
            request,
            form,
            lambda: services.resource_refuse(resource=resource, user=request.user, **form.cleaned_data),
            "Contribution refusée : son auteur reçoit le motif.",
        )
    ):
        return redirect("resources:moderation")
    return render(request, "resources/refuse.html", {"resource": resource, "form": form, "crumbs": crumbs()})


@staff_required
def statistics(request):
    """Usage figures counted in the database (no cookie, no third party), for staff and the COPIL."""
    since = timezone.localdate() - timedelta(days=365)
    return render(
        request,
        "resources/statistics.html",
        {
            "totals": selectors.usage_totals(since=since),
            "most_viewed": selectors.most_viewed(since=since),
            "misses": selectors.search_misses(since=since),
            "per_kind": [(Kind(k).label, n) for k, n in sorted(selectors.counts_per_kind().items())],
            "collectivities": selectors.collectivities_using(),
            "since": since,
            "crumbs": crumbs(),
        },
    )


# --- The annual review -----------------------------------------------------------------------------------------------
@staff_required
def reviews(request):
    form = AnnualReviewForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        created = {}

        def request_review():
            created["review"] = review.annual_review_request(user=request.user, **form.cleaned_data)

        if form_service(request, form, request_review, "Le bilan est en cours de production."):
            return redirect("resources:review_detail", created["review"].pk)
    return render(
        request,
        "resources/reviews.html",
        {"form": form, "reviews": AnnualReview.objects.select_related("resource", "requested_by")[:20],
         "crumbs": crumbs()},
    )  # fmt: skip


def _panel(request, job: AnnualReview) -> JobPanel:
    return JobPanel(
        job=job,
        status_url=reverse("resources:review_status", args=[job.pk]),
        page_url=reverse("resources:review_detail", args=[job.pk]),
        subject="Le bilan annuel",
        download_url=reverse("resources:review_pdf", args=[job.pk]),
        download_label="Télécharger le bilan",
        download_format="PDF",
        retry_url=reverse("resources:review_retry", args=[job.pk]),
        show_detail=is_metropole_staff(request.user),
    )


@staff_required
def review_detail(request, pk):
    job = get_object_or_404(AnnualReview.objects.select_related("resource"), pk=pk)
    return render(
        request,
        "resources/review_detail.html",
        {"job": job, "panel": _panel(request, job), "crumbs": crumbs(("Bilans annuels", reverse("resources:reviews")))},
    )


@staff_required
def review_status(request, pk):
    return job_status_json(request, _panel(request, get_object_or_404(AnnualReview, pk=pk)))


@staff_required
def review_pdf(request, pk):
    job = get_object_or_404(AnnualReview, pk=pk)
    return job_file_response(job, filename=f"bilan-annuel-{job.year}.pdf")


@staff_required
@require_POST
def review_retry(request, pk):
    job = get_object_or_404(AnnualReview, pk=pk)
    run_service(request, lambda: job_retry(job=job), "Le bilan est relancé.")
    return redirect("resources:review_detail", pk)

"""Pages of the Métropole's staff (community managers): the community's figures and the review of needs before
publication. The procurement thresholds and the review setting are in the admin."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.lists import Listing
from sman.permissions import staff_required

from .. import indicators, selectors, services
from ..forms import SendBackForm
from ..models import Charter, Need, ReviewSetting
from .common import crumbs, need_for


@staff_required
def dashboard(request):
    from django.utils import timezone

    today = timezone.localdate()
    return render(
        request,
        "marketplace/staff_dashboard.html",
        {
            "semesters": selectors.needs_per_semester(),
            "official_members": indicators.official_members(today),
            "projects_born": indicators.projects_born(today),
            "charter": Charter.objects.current(),
            "drafts": Need.objects.filter(state=Need.State.DRAFT).count(),
            "in_review": Need.objects.filter(state=Need.State.IN_REVIEW).count(),
            "review_on": ReviewSetting.review_required(),
            "thresholds": selectors.current_thresholds(),
            "crumbs": crumbs(),
        },
    )


@staff_required
def review_list(request):
    """The needs waiting for the staff's review, the oldest request first."""
    listing = Listing(request, selectors.needs_in_review(), page_size=20)
    return render(
        request,
        "marketplace/review_list.html",
        {
            **listing.context(),
            "review_on": ReviewSetting.review_required(),
            "crumbs": crumbs(("Équipe", reverse("marketplace:staff_dashboard"))),
        },
    )


@staff_required
def need_review(request, pk):
    """One need in review: publish it, or send it back with a reason."""
    need = need_for(request, pk)
    form = SendBackForm(request.POST or None)
    if request.method == "POST" and request.POST.get("decision") == "send_back":
        if form.is_valid() and form_service(
            request,
            form,
            lambda: services.need_send_back(user=request.user, need=need, reason=form.cleaned_data["reason"]),
            "Besoin renvoyé à la collectivité, avec le motif, par courriel.",
        ):
            return redirect("marketplace:review_list")
    elif request.method == "POST":
        form = SendBackForm()
    return render(
        request,
        "marketplace/need_review.html",
        {
            "need": need,
            "form": form,
            "participants": selectors.participants(need),
            "crumbs": crumbs(
                ("Équipe", reverse("marketplace:staff_dashboard")),
                ("Besoins à relire", reverse("marketplace:review_list")),
            ),
        },
    )


@staff_required
@require_POST
def need_review_publish(request, pk):
    need = need_for(request, pk)
    if run_service(
        request,
        lambda: services.need_review_publish(user=request.user, need=need),
        f"« {need.title} » est publié : la collectivité en est informée, les membres rapprochés aussi.",
    ):
        return redirect("marketplace:review_list")
    return redirect("marketplace:need_review", need.pk)

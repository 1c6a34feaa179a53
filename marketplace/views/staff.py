"""Pages of the Métropole's staff (community managers): the community's figures. Moderation and the procurement
thresholds are in the admin."""

from django.shortcuts import render

from sman.permissions import staff_required

from .. import indicators, selectors
from ..models import Charter, Need
from .common import crumbs


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
            "thresholds": selectors.current_thresholds(),
            "crumbs": crumbs(),
        },
    )

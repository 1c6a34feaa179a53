"""What the FMIN puts in « Mon espace » and on a territory's page (FminConfig)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from sman.models import Territory
from sman.modules import SpacePanel, add_count, plural
from sman.permissions import is_metropole_staff

from . import permissions
from .models import Application, Assignment, Call, FollowUpReport, Programme


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    collectivities = permissions.applicant_ids_of(user)
    if collectivities:
        mine = Application.objects.filter(participants__organisation_id__in=collectivities).distinct()
        counts = mine.aggregate(
            drafts=Count("pk", filter=Q(status__in=Application.EDITABLE)),
            open=Count("pk", filter=Q(status__in=[Application.Status.SUBMITTED, Application.Status.ELIGIBLE])),
            total=Count("pk"),
        )  # fmt: skip
        add_count(
            todos,
            counts["drafts"],
            "candidature à compléter ou déposer",
            "candidatures à compléter ou déposer",
            reverse("fmin:application_list"),
        )
        late = FollowUpReport.objects.filter(
            application__in=mine, submitted_at__isnull=True, due_on__lt=timezone.localdate()
        ).count()
        add_count(
            todos, late, "rapport de suivi en retard", "rapports de suivi en retard", reverse("fmin:application_list")
        )
        if counts["open"]:
            links.append(
                (
                    plural(counts["open"], "candidature en cours d'instruction", "candidatures en cours d'instruction"),
                    reverse("fmin:application_list"),
                )
            )
        # Every collectivity may apply to the FMIN; another organisation only to the calls open to it: its link
        # shows once it has a file.
        if counts["total"] or permissions.collectivity_ids_of(user):
            links.append(("Mes candidatures", reverse("fmin:application_list")))
    pending = Assignment.objects.filter(
        reviewer=user, submitted_at__isnull=True, conflict_declared_at__isnull=True
    ).count()
    add_count(todos, pending, "dossier à évaluer", "dossiers à évaluer", reverse("fmin:review_list"))
    if is_metropole_staff(user):
        to_instruct = Application.objects.filter(status=Application.Status.SUBMITTED).count()
        add_count(
            todos,
            to_instruct,
            "candidature déposée à instruire",
            "candidatures déposées à instruire",
            reverse("admin:fmin_application_changelist") + "?status__exact=submitted",
        )
    if not todos and not links:
        return None
    return SpacePanel("FMIN", todos, links, order=30)


def territory_panel(territory: Territory):
    """The FMIN projects led in this territory (a commune, an EPT and its communes)."""
    funded = Application.objects.filter(
        Territory.objects.within_q(territory, field="lead__territory"), status=Application.Status.FUNDED
    )
    count = funded.count()
    if not count:
        return None
    return "fmin/_territory_panel.html", {
        "territory": territory,
        "funded_count": count,
        "projects": funded.select_related("lead").order_by("-submitted_at")[:5],
    }


def action_panel(number: int):
    """On the page of action ``number``: the programmes that report to it (the PCAEM call for #13) and their
    published calls, open ones first."""
    programmes = list(Programme.objects.filter(action_number=number).order_by("position"))
    if not programmes:
        return None
    calls = (
        Call.objects.filter(programme__in=programmes, is_published=True)
        .select_related("programme")
        .order_by("-closes_on")[:10]
    )
    today = timezone.localdate()
    return "fmin/_action_panel.html", {
        "programmes": programmes,
        "calls": [(call, call.opens_on <= today <= call.closes_on) for call in calls],
    }

"""FMIN pages for everyone: calls, workshops, funded projects, the Bâtisseurs working groups."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.exports import Euros
from sman.feedback import form_service, run_service
from sman.files import private_file_response
from sman.lists import Column, Export, Listing
from sman.maps import feature_collection
from sman.permissions import is_metropole_staff

from .. import permissions, rules, selectors, services
from ..filters import ProjectFilter
from ..forms import JoinGroupForm, WorkshopForm
from ..models import Call, ExpenseType, Programme, QualificationWorkshop, Theme, WorkingGroup
from .common import CRUMBS, crumbs


def _with_can_apply(user, calls) -> list:
    calls = list(calls)
    for call in calls:
        call.can_apply = permissions.can_apply(user, call)
    return calls


def home(request):
    """The calls of every programme (the FMIN, the PCAEM call…), the FMIN's rules and figures."""
    return render(
        request,
        "fmin/home.html",
        {
            "open_calls": _with_can_apply(request.user, selectors.open_calls()),
            "calls": selectors.published_calls(),
            "programmes": selectors.programmes(),
            "totals": selectors.totals(),
            "groups": selectors.working_groups()[:6],
            "own_share_reading": rules.OWN_SHARE_READING,
            "section_fmin": rules.SECTION_FMIN,
            "section_batisseurs": rules.SECTION_BATISSEURS,
        },
    )


def programme_detail(request, slug):
    """A programme's page: its presentation, its published calls and its figures (the action's page links here)."""
    programme = get_object_or_404(Programme, slug=slug)
    return render(
        request,
        "fmin/programme_detail.html",
        {
            "programme": programme,
            "open_calls": _with_can_apply(request.user, selectors.open_calls().filter(programme=programme)),
            "calls": selectors.published_calls().filter(programme=programme),
            "totals": selectors.totals(programme=programme.slug),
            "crumbs": CRUMBS,
        },
    )


def call_detail(request, pk):
    call = get_object_or_404(
        Call.objects.select_related("programme").prefetch_related("criteria", "workshops__registrations"), pk=pk
    )
    if not call.is_published and not is_metropole_staff(request.user):
        raise Http404
    limits = rules.Limits.of(call)
    collectivities = permissions.applicants_for(request.user, call)
    return render(
        request,
        "fmin/call_detail.html",
        {
            "call": call,
            "is_open": call.is_open(),
            "collectivities": collectivities,
            "crumbs": CRUMBS,
            "now": timezone.now(),
            # (label, cited by the SMAN?): what the SMAN does not list is the call's choice, and says so.
            "expense_types": [
                (ExpenseType(code).label, code in rules.SMAN_EXPENSE_TYPES)
                for code in call.eligible_expense_types
                if code in ExpenseType.values
            ],
            "themes": [(theme.label, theme.value in rules.SMAN_THEMES) for theme in Theme],
            "is_fmin": limits.section == rules.SECTION_FMIN,
            "limits": limits,
            "own_share_reading": rules.OWN_SHARE_READING,
            "section_fmin": rules.SECTION_FMIN,
            "section_batisseurs": rules.SECTION_BATISSEURS,
        },
    )


def call_regulation(request, pk):
    call = get_object_or_404(Call, pk=pk)
    if not (call.is_published or is_metropole_staff(request.user)) or not call.regulation:
        raise Http404
    return private_file_response(call.regulation, filename=call.regulation.name)


@login_required
@require_POST
def workshop_register(request, pk):
    workshop = get_object_or_404(QualificationWorkshop.objects.select_related("call"), pk=pk)
    form = WorkshopForm(request.POST, collectivities=permissions.applicants_for(request.user, workshop.call))
    if not form.is_valid():
        raise PermissionDenied
    run_service(
        request,
        lambda: services.workshop_register(
            workshop=workshop, organisation=form.cleaned_data["organisation"], user=request.user
        ),
        f"Inscription enregistrée à l'atelier du {workshop.starts_at:%d/%m/%Y}.",
    )
    return redirect("fmin:call_detail", workshop.call_id)


PROJECTS_EXPORT = Export(
    filename="fmin-projets-finances",
    formats=("csv",),
    columns=[
        Column("Appel", lambda p: p.call.title),
        Column("Année", lambda p: p.call.year),
        Column("Projet", lambda p: p.title),
        Column("Cheffe de file", lambda p: p.lead.name),
        Column("Co-porteuses", lambda p: ", ".join(x.organisation.name for x in p.participants.all() if not x.is_lead)),
        Column("Thème", lambda p: p.get_theme_display()),
        Column("Défis", lambda p: ", ".join(f"Défi {c.number}" for c in p.challenges.all())),
        Column("Territoires", lambda p: ", ".join(t.name for t in p.territories.all())),
        Column("Subvention (€)", lambda p: Euros(p.decision.amount_cents)),
        Column("Résumé", lambda p: p.summary),
        Column("Résultats", lambda p: p.results),
    ],
)


def _projects(request) -> Listing:
    return Listing(
        request,
        selectors.funded_projects().distinct(),
        filterset_class=ProjectFilter,
        page_size=20,
        export=PROJECTS_EXPORT,
    )


def project_list(request):
    listing = _projects(request)
    points = [
        (t.geometry.point_on_surface if t.geometry else None, p.title, reverse("fmin:project_detail", args=[p.pk]))
        for p in listing.page_obj.object_list
        for t in p.territories.all()[:1]
    ]
    return render(
        request,
        "fmin/project_list.html",
        {**listing.context(), "map_data": feature_collection(points), "crumbs": CRUMBS},
    )


def project_export(request):
    """The filtered projects of the list, as CSV (its address is kept: /fmin/projets.csv)."""
    return _projects(request).export_response("csv")


def project_detail(request, pk):
    project = get_object_or_404(selectors.funded_projects(), pk=pk)
    map_data = feature_collection((t.geometry, t.name, t.get_absolute_url()) for t in project.territories.all())
    return render(
        request,
        "fmin/project_detail.html",
        {
            "project": project,
            "map_data": map_data,
            "evaluations": selectors.published_evaluations(project),
            "crumbs": crumbs(("Projets financés", reverse("fmin:project_list"))),
        },
    )


def group_list(request):
    return render(request, "fmin/group_list.html", {"groups": selectors.working_groups(), "crumbs": CRUMBS})


def group_detail(request, slug):
    group = get_object_or_404(
        WorkingGroup.objects.prefetch_related("members__organisation", "meetings", "deliverables"), slug=slug
    )
    collectivities = permissions.collectivities_of(request.user)
    form = JoinGroupForm(request.POST or None, collectivities=collectivities)
    if request.method == "POST":
        if not request.user.is_authenticated or not collectivities.exists():
            raise PermissionDenied
        if form.is_valid() and form_service(
            request,
            form,
            lambda: services.working_group_join(group=group, user=request.user, **form.cleaned_data),
            f"{form.cleaned_data['organisation']} a rejoint le groupe « {group} ».",
        ):
            return redirect(group.get_absolute_url())
    return render(
        request,
        "fmin/group_detail.html",
        {
            "group": group,
            "form": form,
            "can_join": collectivities.exists(),
            "crumbs": crumbs(("Bâtisseurs du numérique", reverse("fmin:group_list"))),
        },
    )

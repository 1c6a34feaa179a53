"""Participation pages for citizens: processes, proposals, supports, comments, reports, budget votes, results."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.lists import Listing
from sman.maps import feature_collection

from .. import permissions, selectors, services
from ..filters import ProcessFilter, ProposalFilter
from ..forms import BallotForm, CommentForm, ConfirmForm, ProposalForm, ReportForm, ResidenceForm
from ..models import Budget, Comment, Component, Process, Proposal
from ..opendata import OPEN_DATA_EXPORT, open_data_rows
from .common import CRUMBS, crumbs


def home(request):
    """The processes near the citizen first (their declared commune), then all of them with filters."""
    residence = selectors.residence_of(request.user)
    near = list(selectors.processes_near(residence.commune)[:6]) if residence else []
    listing = Listing(request, selectors.processes(), filterset_class=ProcessFilter, page_size=12)
    return render(
        request,
        "participation/home.html",
        {**listing.context(), "near": near, "residence": residence, "spaces": selectors.spaces()},
    )


def process_detail(request, slug):
    try:
        process = selectors.process_detail(slug)
    except Process.DoesNotExist:
        raise Http404("Cette démarche n'existe pas ou n'est pas publiée.") from None
    return render(
        request,
        "participation/process_detail.html",
        {
            "process": process,
            "phase": process.current_phase,
            "proposal_count": process.proposals.filter(hidden=False).count(),
            "results": selectors.results(process)[:5],
            "manager": request.user.is_authenticated and permissions.can_manage(request.user, process.space),
            "crumbs": CRUMBS,
        },
    )


def _process(slug) -> Process:
    return get_object_or_404(
        Process.objects.published().select_related("space__organisation").prefetch_related("phases"), slug=slug
    )


def proposal_list(request, slug):
    process = _process(slug)
    listing = Listing(
        request,
        selectors.proposals(process),
        filterset_class=ProposalFilter,
        filterset_kwargs={"categories": process.categories},
        page_size=20,
    )
    return render(
        request,
        "participation/proposal_list.html",
        {
            **listing.context(),
            "process": process,
            "supported": selectors.supported_ids(request.user, process),
            "crumbs": crumbs((process.title, process.get_absolute_url())),
        },
    )


def similar(request, slug):
    """The proposals like the title being typed: an HTML fragment for the form's script (JSON on ``Accept``)."""
    process = _process(slug)
    found = selectors.similar_proposals(process, request.GET.get("q", "")[:150])
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(
            {"results": [{"title": p.title, "url": p.get_absolute_url(), "supports": p.support_count} for p in found]}
        )
    return render(request, "participation/_similar.html", {"similar": found, "searched": True})


@login_required
def proposal_create(request, slug):
    process = _process(slug)
    form = ProposalForm(request.POST or None, request.FILES or None, process=process)
    similar_found = None
    candidates = None
    if request.method == "POST" and "locate" in request.POST:
        # Without JavaScript, by keyboard: the addresses found within the scope, each a button that places it.
        candidates = selectors.address_candidates(process, request.POST.get("address_search", ""))
        form = ProposalForm(initial=request.POST.dict(), process=process)
    elif request.method == "POST" and "pick" in request.POST:
        latitude, _, longitude = request.POST["pick"].partition(",")
        form = ProposalForm(
            initial={**request.POST.dict(), "latitude": latitude, "longitude": longitude}, process=process
        )
        messages.info(request, "Le lieu est placé : vérifiez la latitude et la longitude, puis publiez.")
    elif request.method == "POST" and "check" in request.POST:
        # Without JavaScript: « Voir les propositions semblables » shows them and keeps what was typed.
        similar_found = selectors.similar_proposals(process, request.POST.get("title", ""))
        form = ProposalForm(initial=request.POST.dict(), process=process)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = {}

        def call():
            created["proposal"] = services.proposal_create(
                process=process,
                author=request.user,
                title=data["title"],
                body=data["body"],
                category=data.get("category", ""),
                location=data["point"],
            )
            if data.get("image"):
                services.proposal_image_set(
                    proposal=created["proposal"], user=request.user, image=data["image"], alt=data["image_alt"]
                )

        if form_service(request, form, call, "Votre proposition est publiée."):
            return redirect(created["proposal"])
    return render(
        request,
        "participation/proposal_form.html",
        {
            "process": process,
            "form": form,
            "similar": similar_found,
            "searched": similar_found is not None,
            "candidates": candidates,
            "map_data": _scope_outlines(process),
            "open": process.has_component(Component.PROPOSALS),
            "verified": permissions.is_verified(request.user),
            "crumbs": crumbs((process.title, process.get_absolute_url())),
        },
    )


def _scope_outlines(process: Process) -> dict:
    """The process's scope as GeoJSON (simplified outlines), for the map on which a place is clicked."""

    from django.contrib.gis.db.models.functions import AsGeoJSON, SnapToGrid

    rows = process.territories.annotate(shape=AsGeoJSON(SnapToGrid("geometry", 0.0005))).values_list("name", "shape")
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": name}, "geometry": json.loads(shape)}
            for name, shape in rows
            if shape
        ],
    }


def proposal_detail(request, pk):
    proposal = get_object_or_404(selectors.proposal_detail_qs(), pk=pk)
    if not permissions.can_see_proposal(request.user, proposal):
        raise Http404("Cette proposition est masquée par la modération.")
    process = (
        Process.objects.prefetch_related("phases").select_related("space__organisation").get(pk=proposal.process_id)
    )
    proposal.process = process
    space = process.space
    return render(
        request,
        "participation/proposal_detail.html",
        {
            "proposal": proposal,
            "process": process,
            "comments": selectors.comment_thread(proposal),
            "supported": proposal.pk in selectors.supported_ids(request.user, process),
            "can_support": process.has_component(Component.SUPPORTS),
            "can_comment": process.has_component(Component.COMMENTS),
            "can_answer": request.user.is_authenticated and permissions.can_manage(request.user, space),
            "can_moderate": request.user.is_authenticated and permissions.can_moderate(request.user, space),
            "comment_form": CommentForm(),
            "map_data": feature_collection([(proposal.location, proposal.title, "")]) if proposal.location else None,
            "crumbs": crumbs(
                (process.title, process.get_absolute_url()),
                ("Propositions", reverse("participation:proposals", args=[process.slug])),
            ),
        },
    )


@require_POST
@login_required
def support(request, pk):
    proposal = get_object_or_404(Proposal.objects.select_related("process__space"), pk=pk)
    if request.POST.get("action") == "withdraw":
        run_service(
            request,
            lambda: services.proposal_unsupport(proposal=proposal, user=request.user),
            "Votre soutien est retiré.",
        )
    else:
        run_service(
            request,
            lambda: services.proposal_support(proposal=proposal, user=request.user),
            "Merci pour votre soutien.",
        )
    return redirect(
        request.POST.get("next") if request.POST.get("next", "").startswith("/participation/") else proposal
    )


@require_POST
@login_required
def comment(request, pk):
    proposal = get_object_or_404(Proposal.objects.select_related("process__space"), pk=pk)
    if not permissions.can_see_proposal(request.user, proposal):
        raise Http404
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Écrivez votre commentaire avant de l'envoyer.")
        return redirect(proposal)
    parent = None
    if form.cleaned_data["parent"]:
        parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"], proposal=proposal)
    run_service(
        request,
        lambda: services.comment_create(
            proposal=proposal, author=request.user, body=form.cleaned_data["body"], parent=parent
        ),
        "Votre commentaire est publié.",
    )
    return redirect(f"{proposal.get_absolute_url()}#commentaires")


@login_required
def report(request, kind, pk):
    if kind not in ("proposition", "commentaire"):
        raise Http404
    if kind == "proposition":
        target = get_object_or_404(Proposal.objects.select_related("process__space"), pk=pk)
        proposal, back = target, target.get_absolute_url()
    else:
        target = get_object_or_404(Comment.objects.select_related("proposal__process__space"), pk=pk)
        proposal, back = target.proposal, target.get_absolute_url()
    if not permissions.can_see_proposal(request.user, proposal):
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target_kwargs = {"proposal": target} if kind == "proposition" else {"comment": target}

        def call():
            services.report_create(
                user=request.user,
                reason=form.cleaned_data["reason"],
                details=form.cleaned_data["details"],
                **target_kwargs,
            )

        if form_service(request, form, call, "Merci : la modération examinera votre signalement."):
            return redirect(back)
    return render(
        request,
        "participation/report_form.html",
        {"form": form, "target": target, "kind": kind, "back": back, "crumbs": CRUMBS},
    )


def _budget(pk) -> Budget:
    try:
        return selectors.budget_detail(pk)
    except Budget.DoesNotExist:
        raise Http404("Ce budget n'existe pas.") from None


def budget(request, pk):
    """The vote page: every project with its cost, the voter's ballot, the running total (works without JS)."""
    budget = _budget(pk)
    projects = list(selectors.budget_projects(budget))
    # A POST casts without reading the ballot first: the service says whether it was a change.
    ballot = selectors.ballot_of(request.user, budget) if request.method == "GET" else None
    chosen = {c.project_id for c in ballot.choices.all()} if ballot else set()
    initial = {"projects": sorted(chosen)}
    residence = selectors.residence_of(request.user) if budget.residents_only else None
    if residence:
        initial |= {
            "address": residence.address,
            "latitude": residence.point and residence.point.y,
            "longitude": residence.point and residence.point.x,
        }
    form = BallotForm(request.POST or None, budget=budget, projects=projects, initial=initial)
    if request.method == "POST" and "preview" in request.POST:
        form = BallotForm(
            budget=budget,
            projects=projects,
            initial={**request.POST.dict(), "projects": request.POST.getlist("projects")},
        )
    elif request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            data = form.cleaned_data

            cast = {}

            def call():
                cast["ballot"] = services.ballot_cast(
                    budget=budget,
                    voter=request.user,
                    project_ids=data["projects"],
                    address=data.get("address", ""),
                    point=data.get("point"),
                    projects=projects,
                )

            if form_service(request, form, call):
                changed = cast["ballot"].changes > 0
                messages.success(
                    request,
                    "Votre vote est modifié."
                    if changed
                    else "Votre vote est enregistré. Vous pouvez le modifier jusqu'à la clôture.",
                )
                return redirect(budget)
    if request.method == "POST":  # shown again (a refusal, a preview): the page says whether a vote stands
        ballot = selectors.ballot_of(request.user, budget)
        selected = set(request.POST.getlist("projects"))
    else:
        selected = {str(pk) for pk in chosen}
    total = sum(p.cost_cents for p in projects if str(p.pk) in selected)
    return render(
        request,
        "participation/budget.html",
        {
            "budget": budget,
            "process": budget.process,
            "projects": projects,
            "form": form,
            "ballot": ballot,
            "selected": selected,
            "total_cents": total,
            "remaining_cents": budget.amount_cents - total,
            "open": budget.is_open(),
            "verified": permissions.is_verified(request.user),
            "proof": selectors.proof_of(request.user, budget) if budget.proof_required else None,
            "crumbs": crumbs((budget.process.title, budget.process.get_absolute_url())),
        },
    )


def budget_results(request, pk):
    budget = _budget(pk)
    if not budget.is_closed and not (
        request.user.is_authenticated and permissions.can_manage(request.user, budget.process.space)
    ):
        raise PermissionDenied("Les résultats sont publiés à la clôture du vote.")
    tally = selectors.budget_tally(budget)
    return render(
        request,
        "participation/budget_results.html",
        {
            "budget": budget,
            "tally": tally,
            "can_manage": request.user.is_authenticated and permissions.can_manage(request.user, budget.process.space),
            "crumbs": crumbs((budget.process.title, budget.process.get_absolute_url())),
        },
    )


def result_list(request, slug):
    process = _process(slug)
    listing = Listing(request, selectors.results(process), page_size=20)
    return render(
        request,
        "participation/result_list.html",
        {**listing.context(), "process": process, "crumbs": crumbs((process.title, process.get_absolute_url()))},
    )


def moderation_log(request):
    listing = Listing(request, selectors.moderation_log(), page_size=30)
    return render(request, "participation/moderation_log.html", {**listing.context(), "crumbs": CRUMBS})


@login_required
def residence(request):
    current = selectors.residence_of(request.user)
    initial = {}
    if current:
        initial = {
            "commune": current.commune,
            "address": current.address,
            "latitude": current.point and current.point.y,
            "longitude": current.point and current.point.x,
        }
    form = ResidenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call():
            services.residence_declare(
                user=request.user, commune=data["commune"], address=data["address"], point=data["point"]
            )

        if form_service(request, form, call, "Votre adresse est enregistrée."):
            return redirect("participation:home")
    return render(request, "participation/residence.html", {"form": form, "crumbs": CRUMBS})


@login_required
def my_data(request):
    """GDPR: what the platform keeps about the person, shown and downloadable as JSON."""
    data = services.participant_export(request.user)
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="mes-donnees-participation.json"'
        return response
    return render(request, "participation/my_data.html", {"data": data, "crumbs": CRUMBS})


@login_required
def my_data_erase(request):
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.participant_erase(user=request.user)
        messages.success(
            request,
            "Vos données de participation sont effacées. Vos votes des scrutins clos restent comptés, "
            "sans lien avec vous.",
        )
        return redirect("participation:my_data")
    return render(request, "participation/my_data_erase.html", {"form": form, "crumbs": CRUMBS})


def open_data(request, fmt):
    """Every public process with its figures, as CSV or JSON: no personal data."""
    if fmt not in ("csv", "xlsx", "json"):
        raise Http404("Formats proposés : csv, xlsx, json.")
    rows = selectors.open_data_processes()
    if fmt == "json":
        return JsonResponse({"processes": open_data_rows(rows)}, json_dumps_params={"ensure_ascii": False})
    return OPEN_DATA_EXPORT.response(fmt, rows)

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sman.forms import add_validation_error
from sman.job_status import JobPanel, job_status_json
from sman.lists import Listing
from sman.maps import feature_collection
from sman.permissions import is_metropole_staff, user_passes
from sman.tiles import tile_response

from . import arrival, selectors, services, tiles, uploads
from .forms import AlertForm, CancelImportForm, UploadForm
from .models import ImportRun, Status
from .permissions import can_decide_import, operator_for_code

CRUMBS = [("Fibre", "/fibre/")]


# Status colours of the map; the legend always says the status in words too.
COLOURS = {
    "connectable": "#1e6b34", "on_demand": "#5b8c2a", "on_demand_in_progress": "#7a4d00",
    "in_progress": "#c08400", "signed": "#15397a", "target": "#6b7684", "abandoned": "#a4161a",
}  # fmt: skip


def search(request):
    query = request.GET.get("q", "").strip()
    answer = selectors.search_addresses(query) if query else selectors.AddressSearch()
    legend = [(value, label, COLOURS[value]) for value, label in Status.choices]
    return render(
        request,
        "ftth/search.html",
        {
            "query": query,
            "results": answer.buildings,
            "notice": answer.notice,
            "colours": COLOURS,
            "legend": legend,
            "status_labels": dict(Status.choices),
            "list_min_zoom": tiles.ADDRESS_MIN_ZOOM,
        },
    )


def map_card(request, pk):
    """The card the map opens on a building, by a click or from the list of the buildings in view: a
    fragment of HTML (address, status, arrival date or estimate, link to the building's page)."""
    item = selectors.building_detail(pk)
    if item is None or item.retired_at:
        raise Http404("Immeuble inconnu")
    return render(
        request, "ftth/_map_card.html", {"building": item, "arrival": arrival.arrival_for(item, timezone.localdate())}
    )


SORTS = {"nom": "commune__name", "taux": "rate", "immeubles": "buildings"}


def coverage(request):
    """Coverage per commune and per territory: choropleth map and sortable tables."""
    sort = request.GET.get("tri", "taux")
    descending = request.GET.get("ordre", "desc" if sort != "nom" else "asc") == "desc"
    rows = selectors.latest_commune_coverage()
    key = SORTS.get(sort, "rate")
    rows.sort(key=lambda r: (r[key] is None, r[key]), reverse=descending)
    features = feature_collection(
        (r["geometry"], f"{r['commune__name']} : {r['rate']} %", f"/communes/{r['commune__code']}/") for r in rows
    )
    for feature, row in zip(features["features"], [r for r in rows if r["geometry"] is not None], strict=True):
        feature["properties"]["color"] = rate_colour(row["rate"])
    return render(
        request,
        "ftth/coverage.html",
        {
            "rows": rows,
            "territories": selectors.territory_coverage(),
            "metropole": selectors.coverage(),
            "map_data": features,
            "sort": sort,
            "descending": descending,
            "crumbs": CRUMBS,
        },
    )


def rate_colour(rate) -> str:
    if rate is None:
        return "#6b7684"
    return "#1e6b34" if rate >= 90 else "#5b8c2a" if rate >= 70 else "#c08400" if rate >= 50 else "#a4161a"


def building(request, pk, alert_form=None):
    item = selectors.building_detail(pk)
    if item is None or item.retired_at:
        raise Http404("Immeuble inconnu")
    today = timezone.localdate()
    return render(
        request,
        "ftth/building.html",
        {
            "building": item,
            "arrival": arrival.arrival_for(item, today),
            "meaning": arrival.MEANING.get(item.status, ""),
            "next_step": arrival.NEXT_STEP.get(item.status, ""),
            "history": item.history,
            "alert_form": alert_form or AlertForm(),
            "crumbs": CRUMBS,
        },
    )


@require_POST
def alert_subscribe(request, pk):
    item = selectors.building_detail(pk)
    if item is None or item.retired_at:
        raise Http404
    form = AlertForm(request.POST)
    if not form.is_valid():
        response = building(request, pk, alert_form=form)
        response.status_code = 400
        return response
    services.alert_subscribe(building=item, email=form.cleaned_data["email"])
    messages.success(
        request,
        "C'est presque fini : ouvrez le lien que nous venons de vous envoyer par courriel pour confirmer l'alerte.",
    )
    return redirect("ftth:building", pk=pk)


def _invalid_link(request, kind: str):
    """A link that names no alert (mistyped, cut by a mail client, or the alert was erased): a page that
    says what to do, in place of a button that could only fail."""
    return render(request, "ftth/alert_invalid_link.html", {"kind": kind, "crumbs": CRUMBS}, status=404)


def alert_confirm(request, token):
    """GET shows a button, POST confirms: a mail client's link preview never confirms on its own."""
    subscription = selectors.alert_by_token(token)
    if subscription is None:
        return _invalid_link(request, "confirm")
    if request.method == "POST":
        if services.alert_confirm(token=token) is None:  # erased since the page was shown
            return _invalid_link(request, "confirm")
        messages.success(request, "Votre alerte est confirmée : vous recevrez un courriel dès que le statut changera.")
        return redirect("ftth:building", pk=subscription.building_id)
    return render(request, "ftth/alert_confirm.html", {"token": token, "subscription": subscription})


def alert_unsubscribe(request, token):
    subscription = selectors.alert_by_token(token)
    if subscription is None:
        return _invalid_link(request, "unsubscribe")
    if request.method == "POST":
        deleted = services.alert_unsubscribe(token=token, everything="everything" in request.POST)
        return render(request, "ftth/alert_unsubscribed.html", {"deleted": deleted})
    return render(request, "ftth/alert_unsubscribe.html", {"token": token, "subscription": subscription})


@user_passes(is_metropole_staff)
def import_list(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["operator_code"].strip()  # staff import under any code
        try:
            run = uploads.import_upload(
                uploaded=form.cleaned_data["file"], operator_code=code, operator=operator_for_code(code),
                user=request.user, dry_run=form.cleaned_data["dry_run"],
                max_rejected_share=form.cleaned_data["max_rejected_share"],
            )  # fmt: skip
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, "Fichier reçu : l'import est lancé.")
            return redirect("ftth:import_detail", pk=run.pk)
    listing = Listing(request, selectors.imports(), page_size=30)
    return render(
        request,
        "ftth/import_list.html",
        {
            **listing.context(),
            "form": form,
            "awaiting": selectors.imports_awaiting_confirmation(),
            "crumbs": CRUMBS,
        },
    )


def _import_panel(request, run: ImportRun) -> JobPanel:
    """The import's status block (sman/job_status.py), with its figures: staff retry it, read the technical
    detail of a failure, and decide an import that awaits confirmation."""
    awaiting = run.state == ImportRun.State.AWAITING_CONFIRMATION and can_decide_import(request.user)
    return JobPanel(
        job=run,
        status_url=reverse("ftth:import_status", args=[run.pk]),
        page_url=reverse("ftth:import_detail", args=[run.pk]),
        subject="L'import",
        retry_url=reverse("ftth:import_retry", args=[run.pk]),
        retry_label="Relancer l'import",
        show_detail=is_metropole_staff(request.user),
        next_step_url=reverse("ftth:import_confirm", args=[run.pk]) if awaiting else "",
        next_step_label="Examiner : confirmer ou annuler l'import",
        facts_template="ftth/_import_facts.html",
    )


def _run_or_404(pk) -> ImportRun:
    return get_object_or_404(ImportRun.objects.select_related("confirmed_by"), pk=pk)


@user_passes(is_metropole_staff)
def import_detail(request, pk):
    run = _run_or_404(pk)
    rejections = Listing(request, run.rejections.all(), page_size=100)
    return render(
        request,
        "ftth/import_detail.html",
        {**rejections.context(), "run": run, "panel": _import_panel(request, run), "crumbs": CRUMBS},
    )


@user_passes(is_metropole_staff)
def import_status(request, pk):
    """The import's state and figures, for its page's script (sman/job_status.py)."""
    return job_status_json(request, _import_panel(request, _run_or_404(pk)))


def _confirm_page(request, run, cancel_form, status=200):
    return render(
        request,
        "ftth/import_confirm.html",
        {
            "run": run,
            "cancel_form": cancel_form,
            "threshold": round(settings.FTTH_RETIREMENT_THRESHOLD * 100, 1),
            "crumbs": [*CRUMBS, ("Imports", "/fibre/imports/")],
        },
        status=status,
    )


@user_passes(can_decide_import)
def import_confirm(request, pk):
    """GET shows the figures and both choices; POST confirms (the import is queued again, without the guard)."""
    run = get_object_or_404(ImportRun.objects.select_related("requested_by"), pk=pk)
    if request.method == "POST":
        try:
            services.import_confirm(run=run, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Import confirmé : il est relancé et sera appliqué tel quel.")
        return redirect("ftth:import_detail", pk=run.pk)
    if run.state != ImportRun.State.AWAITING_CONFIRMATION:
        messages.info(request, "Cet import n'attend pas de confirmation.")
        return redirect("ftth:import_detail", pk=run.pk)
    return _confirm_page(request, run, CancelImportForm())


@user_passes(can_decide_import)
@require_POST
def import_cancel(request, pk):
    run = get_object_or_404(ImportRun.objects.select_related("requested_by"), pk=pk)
    form = CancelImportForm(request.POST)
    if not form.is_valid():
        return _confirm_page(request, run, form, status=400)
    try:
        services.import_cancel(run=run, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Import annulé : rien n'a été modifié.")
    return redirect("ftth:import_detail", pk=run.pk)


@user_passes(is_metropole_staff)
@require_POST
def import_retry(request, pk):
    run = get_object_or_404(ImportRun, pk=pk)
    try:
        services.import_retry(run=run, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "L'import est relancé.")
    return redirect("ftth:import_detail", pk=run.pk)


def tile(request, z, x, y):
    return tile_response(tiles.tile, z, x, y, max_age=300)

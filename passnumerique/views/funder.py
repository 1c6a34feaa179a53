"""Pages of the funders and the Métropole's staff: orders, dashboard, imports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.files import job_file_response
from sman.forms import add_validation_error
from sman.job_status import JobPanel, job_status_json
from sman.lists import Listing
from sman.maps import feature_collection
from sman.models import Territory
from sman.permissions import is_metropole_staff

from .. import permissions, selectors, services
from ..forms import ApticImportForm, OrderForm
from ..models import BookletSheets, Order
from .common import CRUMBS


@login_required
def order_list(request):
    funders = permissions.funders_of(request.user)
    if not funders.exists():
        raise PermissionDenied
    form = OrderForm(request.POST or None, funders=funders)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["face_value_cents"] = data.pop("face_value")  # the form reads euros, cleaned to cents
        try:
            order = services.order_create(user=request.user, **data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, f"Commande {order.reference} créée : {order.booklet_count} carnets.")
            return redirect(order)
    orders = selectors.orders_for(funders.values_list("id", flat=True), staff=is_metropole_staff(request.user))
    listing = Listing(request, orders, page_size=30)
    return render(
        request,
        "passnumerique/order_list.html",
        {**listing.context(), "form": form, "import_form": ApticImportForm(funders=funders), "crumbs": CRUMBS},
    )


@login_required
@require_POST
def order_import(request):
    funders = permissions.funders_of(request.user)
    form = ApticImportForm(request.POST, request.FILES, funders=funders)
    if not form.is_valid():
        messages.error(request, "Import impossible : " + " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("passnumerique:orders")
    data = form.cleaned_data
    try:
        rows = services.parse_aptic_file(data["file"].read())
        order, report = services.order_import_aptic(
            user=request.user, funder=data["funder"], rows=rows, face_value_cents=data["face_value"],
            territory=data["territory"], target_public=data["target_public"], valid_until=data["valid_until"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("passnumerique:orders")
    if order is None:
        lines = "; ".join(f"ligne {n} : {reason}" if n else reason for n, reason in report.rejected[:20])
        messages.error(request, f"Fichier refusé, rien n'a été importé ({len(report.rejected)} erreur(s)) : {lines}")
        return redirect("passnumerique:orders")
    messages.success(
        request, f"Commande {order.reference} importée : {report.booklets} carnets, {report.tickets} tickets."
    )
    return redirect(order)


def _visible_order(request, pk) -> Order:
    order = get_object_or_404(Order.objects.select_related("funder", "territory"), pk=pk)
    if not permissions.can_see_order(request.user, order):
        raise PermissionDenied
    return order


@login_required
def order_detail(request, pk):
    order = _visible_order(request, pk)
    booklets = order.booklets.select_related("beneficiary", "distributor").order_by("number")
    listing = Listing(request, booklets, page_size=50)
    sheets = selectors.order_sheets(order) if order.source == Order.Source.GENERATED else None
    return render(
        request,
        "passnumerique/order_detail.html",
        {
            **listing.context(),
            "order": order,
            "sheets_panel": _sheets_panel(request, order, sheets) if sheets else None,
            "crumbs": CRUMBS,
        },
    )


def _generated_order(request, pk) -> Order:
    order = _visible_order(request, pk)
    if order.source != Order.Source.GENERATED:
        raise Http404("Les carnets #APTIC sont imprimés par leur émetteur.")
    return order


def _sheets_panel(request, order: Order, sheets: BookletSheets) -> JobPanel:
    """The status block of an order's printable sheets (sman/job_status.py): whoever sees the order may ask
    for them again when they failed, and download them."""
    return JobPanel(
        job=sheets,
        status_url=reverse("passnumerique:order_sheets_status", args=[order.pk]),
        page_url=order.get_absolute_url() + "#planches",
        subject="Les planches",
        waiting="sont en cours de production : vous pouvez quitter cette page et revenir plus tard.",
        download_url=reverse("passnumerique:order_sheets", args=[order.pk]),
        download_label="Télécharger les planches de carnets",
        download_format="PDF avec QR codes",
        retry_url=reverse("passnumerique:order_sheets_request", args=[order.pk]),
        retry_label="Relancer la production des planches",
        show_detail=is_metropole_staff(request.user),
    )


@login_required
@require_POST
def order_sheets_request(request, pk):
    """The sheets are rendered by the worker (a long job): the order's page follows them."""
    order = _generated_order(request, pk)
    try:
        sheets = services.order_sheets_request(order=order, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        ready = sheets.state == BookletSheets.State.DONE
        messages.success(request, "Les planches sont prêtes." if ready else "Les planches sont en cours de production.")
    return redirect(order.get_absolute_url() + "#planches")


@login_required
def order_sheets_status(request, pk):
    """The state of the order's sheets, for its page's script (sman/job_status.py)."""
    order = _generated_order(request, pk)
    sheets = selectors.order_sheets(order)
    if sheets is None:
        raise Http404("Les planches de cette commande n'ont pas été demandées.")
    return job_status_json(request, _sheets_panel(request, order, sheets))


@login_required
def order_sheets(request, pk):
    """The sheets' PDF: a private file, served after the permission check (sman/files.py)."""
    order = _generated_order(request, pk)
    sheets = selectors.order_sheets(order, done=True)
    if sheets is None:
        raise Http404("Les planches de cette commande ne sont pas prêtes : demandez-les depuis la page de la commande.")
    return job_file_response(sheets, filename=f"carnets-{order.reference}.pdf")


@login_required
def dashboard(request):
    if not permissions.can_see_dashboard(request.user):
        raise PermissionDenied
    funders = permissions.funders_of(request.user)
    chosen = request.GET.get("financeur", "")
    # Staff see every funder at once unless they pick one; a funder's agent sees one of their own.
    funder = (
        None if not chosen and is_metropole_staff(request.user) else permissions.funder_chosen(request.user, chosen)
    )
    territory = (
        Territory.objects.filter(code=request.GET.get("territoire")).first() if request.GET.get("territoire") else None
    )
    by_commune = selectors.redemptions_by_commune(funder=funder, territory=territory)
    return render(
        request,
        "passnumerique/dashboard.html",
        {
            "funders": funders,
            "funder": funder,
            "territory": territory,
            "territories": Territory.objects.filter(kind__in=["ept", "commune"])
            .only("code", "name", "kind")
            .natural_order(by_name=True),
            "totals": selectors.totals(funder=funder, territory=territory),
            "places": selectors.place_activity(funder=funder, territory=territory),
            "by_commune": sorted(by_commune, key=lambda item: -item[1]),
            "map_data": feature_collection(
                (c.geometry, f"{c.name} : {n} ticket{'s' if n > 1 else ''}", c.get_absolute_url())
                for c, n in by_commune
            ),
            "crumbs": CRUMBS,
        },
    )

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.db.models.functions import Distance
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sman.feedback import run_service
from sman.forms import add_validation_error
from sman.maps import feature_collection
from sman.models import Territory
from sman.permissions import is_metropole_staff, user_passes

from . import codes, documents, permissions, selectors, services
from .forms import ApticImportForm, BalanceForm, DistributeForm, OrderForm, PlaceFilterForm, RedeemForm
from .models import MediationPlace, Order, Statement

CRUMBS = [("Pass Numérique", "/pass-numerique/")]


# --- Public -------------------------------------------------------------------------------------
def home(request):
    return render(request, "passnumerique/home.html", {"form": BalanceForm(), "totals": selectors.totals()})


def place_list(request):
    form = PlaceFilterForm(request.GET or None)
    places = selectors.places()
    if form.is_valid():
        if q := form.cleaned_data["q"]:
            places = places.filter(
                Q(organisation__name__unaccent__icontains=q) | Q(organisation__territory__name__unaccent__icontains=q)
            )
        if place_type := form.cleaned_data["place_type"]:
            places = places.filter(place_type=place_type)
        if theme := form.cleaned_data["theme"]:
            places = places.filter(trainings__theme__unaccent__icontains=theme).distinct()
        if near := form.cleaned_data["near"]:
            # Nearest first, by distance to a point inside the commune (places without a position last).
            origin = Territory.objects.filter(pk=near.pk).values_list("geometry", flat=True).get().point_on_surface
            places = places.annotate(distance=Distance("location", origin)).order_by(
                F("distance").asc(nulls_last=True), "organisation__name"
            )
    page = Paginator(places, 20).get_page(request.GET.get("page"))
    map_data = feature_collection((p.location, str(p), p.get_absolute_url()) for p in page.object_list)
    return render(
        request,
        "passnumerique/place_list.html",
        {
            "form": form,
            "page_obj": page,
            "map_data": map_data,
            "crumbs": CRUMBS,
        },
    )


def place_detail(request, pk):
    place = get_object_or_404(selectors.places(), pk=pk)
    map_data = feature_collection([(place.location, str(place), "")]) if place.location else None
    return render(request, "passnumerique/place_detail.html", {"place": place, "map_data": map_data, "crumbs": CRUMBS})


def training_list(request):
    return render(request, "passnumerique/training_list.html", {"trainings": selectors.trainings(), "crumbs": CRUMBS})


def balance(request):
    form = BalanceForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.booklet_balance(code=form.cleaned_data["code"])
        if result is None:
            form.add_error("code", "Aucun carnet remis ne correspond à ce code : vérifiez-le.")
    return render(request, "passnumerique/balance.html", {"form": form, "result": result, "crumbs": CRUMBS})


# --- Place agents -------------------------------------------------------------------------------
def _agent_place(request) -> MediationPlace:
    place = permissions.place_chosen(request.user, request.GET.get("lieu") or request.POST.get("lieu"))
    if place is None:
        raise PermissionDenied("Seuls les agents d'un lieu de médiation valident des tickets.")
    return place


@login_required
def redeem(request):
    place = _agent_place(request)
    form = RedeemForm(request.POST or None, place=place)
    check = redemption = None
    if request.method == "POST" and form.is_valid():
        code, training = form.cleaned_data["code"], form.cleaned_data["training"]
        if "confirm" in request.POST:
            try:
                redemption = services.ticket_redeem(code=code, place=place, training=training, user=request.user)
            except services.RedemptionRefused as exc:
                check = exc.check
            else:
                form = RedeemForm(place=place)  # ready for the next ticket
        else:
            check = services.ticket_check(code=code, place=place, training=training)
    return render(
        request,
        "passnumerique/redeem.html",
        {
            "place": place,
            "places": permissions.places_of(request.user),
            "form": form,
            "check": check,
            "redemption": redemption,
            "display_code": codes.display(codes.normalise(form.data.get("code", ""))) if form.is_bound else "",
            "crumbs": CRUMBS,
        },
    )


@login_required
def statements(request):
    staff = is_metropole_staff(request.user)
    qs = Statement.objects.select_related("place__organisation")
    if not staff:
        qs = qs.filter(place__in=permissions.places_of(request.user))
        if not permissions.can_redeem(request.user):
            raise PermissionDenied
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "passnumerique/statements.html", {"page_obj": page, "staff": staff, "crumbs": CRUMBS})


@login_required
def statement_file(request, pk, kind):
    statement = get_object_or_404(Statement.objects.select_related("place"), pk=pk)
    if not permissions.can_see_statement(request.user, statement) or kind not in ("pdf", "csv"):
        raise PermissionDenied
    file = getattr(statement, kind)
    if not file:
        raise Http404
    return FileResponse(file.open("rb"), as_attachment=True, filename=file.name.rsplit("/", 1)[-1])


@user_passes(is_metropole_staff)
@require_POST
def statement_paid(request, pk):
    statement = get_object_or_404(Statement, pk=pk)
    run_service(
        request,
        lambda: services.statement_mark_paid(statement=statement, user=request.user),
        f"Relevé {statement} marqué comme payé.",
    )
    return redirect("passnumerique:statements")


# --- Distributors -------------------------------------------------------------------------------
@login_required
def distribute(request):
    distributors = permissions.distributors_of(request.user)
    distributor = permissions.distributor_chosen(
        request.user, request.POST.get("distributeur") or request.GET.get("distributeur")
    )
    if distributor is None:
        raise PermissionDenied("Seules les structures habilitées par un financeur remettent des carnets.")
    form = DistributeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booklet = services.booklet_distribute(user=request.user, distributor=distributor, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(
                request,
                f"Carnet {codes.display(booklet.code)} remis. "
                f"Référence du bénéficiaire : {booklet.beneficiary.reference}.",
            )
            return redirect(reverse("passnumerique:distribute") + f"?distributeur={distributor.pk}")
    return render(
        request,
        "passnumerique/distribute.html",
        {"form": form, "distributor": distributor, "distributors": distributors, "crumbs": CRUMBS},
    )


# --- Funders and staff --------------------------------------------------------------------------
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
    page = Paginator(orders, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "passnumerique/order_list.html",
        {"form": form, "page_obj": page, "import_form": ApticImportForm(funders=funders), "crumbs": CRUMBS},
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
    page = Paginator(booklets, 50).get_page(request.GET.get("page"))
    return render(request, "passnumerique/order_detail.html", {"order": order, "page_obj": page, "crumbs": CRUMBS})


@login_required
def order_sheets(request, pk):
    order = _visible_order(request, pk)
    if order.source != Order.Source.GENERATED:
        raise Http404("Les carnets #APTIC sont imprimés par leur émetteur.")
    response = HttpResponse(documents.booklet_sheets_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="carnets-{order.reference}.pdf"'
    return response


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

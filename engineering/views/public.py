"""Pages for everyone: the module's home, the pôle's catalogue, the map of places, the start-ups."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from sman.feedback import form_service
from sman.lists import Listing
from sman.maps import feature_collection

from .. import permissions, selectors, services
from ..filters import PlaceFilter
from ..forms import PlaceForm
from ..models import Place, PlaceKind, Product
from .common import CRUMBS


def _counts_by_kind(counts: dict) -> list[tuple[str, int]]:
    return [(label, counts.get(value, 0)) for value, label in PlaceKind.choices]


def home(request):
    return render(
        request,
        "engineering/home.html",
        {
            "services": selectors.services(),
            "can_request": permissions.can_request(request.user),
            "products": selectors.products().exclude(phase=Product.Phase.STOPPED)[:6],
            "place_counts": _counts_by_kind(selectors.place_counts()),
        },
    )


def service_list(request):
    return render(
        request,
        "engineering/service_list.html",
        {"services": selectors.services(), "can_request": permissions.can_request(request.user), "crumbs": CRUMBS},
    )


def place_list(request):
    listing = Listing(request, selectors.places(), filterset_class=PlaceFilter, page_size=50)
    places = listing.page_obj.object_list
    map_data = feature_collection((p.location, p.name, p.get_absolute_url()) for p in places)
    return render(request, "engineering/place_list.html", {**listing.context(), "map_data": map_data, "crumbs": CRUMBS})


def place_detail(request, pk):
    place = selectors.places().filter(pk=pk).first()
    if place is None:
        raise Http404("Ce lieu n'existe pas ou n'est pas publié.")
    return render(
        request,
        "engineering/place_detail.html",
        {
            "place": place,
            "map_data": feature_collection([(place.location, place.name, "")]),
            "can_edit": permissions.can_edit_place(request.user, place),
            "crumbs": [*CRUMBS, ("Lieux", "/accompagnement/lieux/")],
        },
    )


@login_required
def place_edit(request, pk):
    place = Place.objects.filter(pk=pk).select_related("organisation").first()
    if place is None:
        raise Http404
    if not permissions.can_edit_place(request.user, place):
        raise PermissionDenied
    form = PlaceForm(request.POST or None, instance=place)
    if request.method == "POST" and form.is_valid():
        form.instance.location = form.point()
        if form_service(
            request,
            form,
            lambda: services.place_save(place=form.instance, user=request.user),
            "La fiche du lieu est enregistrée.",
        ):
            return redirect(place.get_absolute_url())
    return render(
        request,
        "engineering/place_form.html",
        {"form": form, "place": place, "crumbs": [*CRUMBS, ("Lieux", "/accompagnement/lieux/")]},
    )


def product_list(request):
    return render(
        request,
        "engineering/product_list.html",
        {"products": selectors.products().order_by("phase", "name"), "phases": Product.Phase, "crumbs": CRUMBS},
    )


def product_detail(request, pk):
    from sman.permissions import is_metropole_staff

    from ..forms import DecisionForm

    product = selectors.product_detail(pk)
    if product is None:
        raise Http404("Ce produit n'existe pas.")
    staff = is_metropole_staff(request.user)
    return render(
        request,
        "engineering/product_detail.html",
        {
            "product": product,
            "form": DecisionForm() if staff and not product.is_over else None,
            "crumbs": [*CRUMBS, ("Start-up de métropole", "/accompagnement/start-up/")],
        },
    )

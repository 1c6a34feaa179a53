"""Pass Numérique pages for everyone: the programme, the map of mediation places."""

from django.shortcuts import get_object_or_404, render

from sman.lists import Listing
from sman.maps import feature_collection

from .. import selectors, services
from ..filters import PlaceFilter
from ..forms import BalanceForm
from .common import CRUMBS


def home(request):
    return render(request, "passnumerique/home.html", {"form": BalanceForm(), "totals": selectors.totals()})


def place_list(request):
    listing = Listing(request, selectors.places(), filterset_class=PlaceFilter, page_size=20)
    map_data = feature_collection((p.location, str(p), p.get_absolute_url()) for p in listing.page_obj.object_list)
    return render(
        request,
        "passnumerique/place_list.html",
        {**listing.context(), "map_data": map_data, "crumbs": CRUMBS},
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

"""Pass Numérique pages for everyone: the programme, the map of mediation places."""

from django.contrib.gis.db.models.functions import Distance
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, render

from sman.maps import feature_collection
from sman.models import Territory

from .. import selectors, services
from ..forms import BalanceForm, PlaceFilterForm
from .common import CRUMBS


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

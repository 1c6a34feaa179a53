from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from . import arrival, selectors

CRUMBS = [("Fibre", "/fibre/")]


def search(request):
    query = request.GET.get("q", "").strip()
    results = selectors.search_addresses(query) if query else []
    return render(request, "ftth/search.html", {"query": query, "results": results})


def building(request, pk):
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
            "history": item.status_changes.all(),
            "crumbs": CRUMBS,
        },
    )

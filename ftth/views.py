from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import arrival, selectors, services

CRUMBS = [("Fibre", "/fibre/")]


def search(request):
    query = request.GET.get("q", "").strip()
    results = selectors.search_addresses(query) if query else []
    return render(request, "ftth/search.html", {"query": query, "results": results})


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
            "history": item.status_changes.all(),
            "alert_form": alert_form or AlertForm(),
            "crumbs": CRUMBS,
        },
    )


class AlertForm(forms.Form):
    email = forms.EmailField(
        label="Votre adresse électronique",
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Cette adresse n'est pas valide.",
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


def alert_confirm(request, token):
    """GET shows a button, POST confirms: a mail client's link preview never confirms on its own."""
    if request.method == "POST":
        subscription = services.alert_confirm(token=token)
        if subscription is None:
            raise Http404
        messages.success(request, "Votre alerte est confirmée : vous recevrez un courriel dès que le statut changera.")
        return redirect("ftth:building", pk=subscription.building_id)
    return render(request, "ftth/alert_confirm.html", {"token": token})


def alert_unsubscribe(request, token):
    if request.method == "POST":
        deleted = services.alert_unsubscribe(token=token, everything="everything" in request.POST)
        return render(request, "ftth/alert_unsubscribed.html", {"deleted": deleted})
    return render(request, "ftth/alert_unsubscribe.html", {"token": token})

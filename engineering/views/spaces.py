"""The exchange of vacant spaces (action #16): offers on a map, applications, moderation."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sman.feedback import form_service, run_service
from sman.lists import Listing
from sman.maps import feature_collection
from sman.models import Organisation
from sman.permissions import is_metropole_staff, organisation_ids_of, staff_required

from .. import permissions, selectors, services
from ..filters import OfferFilter
from ..forms import ApplyForm, OfferForm
from ..models import SpaceApplication, SpaceOffer
from .common import CRUMBS

SPACE_CRUMBS = [*CRUMBS, ("Bourse aux espaces vacants", "/accompagnement/espaces/")]


def offer_list(request):
    user = request.user
    staff = is_metropole_staff(user)
    qs = selectors.offers_for(staff=staff, organisation_ids=organisation_ids_of(user) if user.is_authenticated else ())
    listing = Listing(request, qs, filterset_class=OfferFilter, page_size=25)
    map_data = feature_collection(
        (o.location, o.title, o.get_absolute_url())
        for o in listing.page_obj.object_list
        if o.status in selectors.PUBLIC_OFFER_STATES
    )
    return render(
        request,
        "engineering/offer_list.html",
        {
            **listing.context(),
            "map_data": map_data,
            "can_offer": bool(user.is_authenticated and permissions.space_owner_ids_of(user)),
            "crumbs": CRUMBS,
        },
    )


@login_required
def offer_create(request):
    owner_ids = permissions.space_owner_ids_of(request.user)
    if not owner_ids:
        raise PermissionDenied
    form = OfferForm(request.POST or None, owners=Organisation.objects.filter(pk__in=owner_ids))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("longitude", "latitude", "owner")}
        created = []
        if form_service(
            request,
            form,
            lambda: created.append(
                services.offer_submit(
                    user=request.user, owner=form.cleaned_data["owner"], location=form.point(), **data
                )
            ),
            "L'espace est proposé : l'équipe de la Métropole le relit avant de le publier.",
        ):
            return redirect(created[0].get_absolute_url())
    return render(request, "engineering/offer_form.html", {"form": form, "crumbs": SPACE_CRUMBS})


def _visible_offer(request, pk) -> SpaceOffer:
    offer = SpaceOffer.objects.select_related("owner", "territory__parent").filter(pk=pk).first()
    if offer is None:
        raise Http404("Cet espace n'existe pas.")
    if not permissions.can_see_offer(request.user, offer):
        if not request.user.is_authenticated:
            raise Http404("Cet espace n'existe pas.")
        raise PermissionDenied
    return offer


def offer_detail(request, pk):
    offer = _visible_offer(request, pk)
    user = request.user
    manage = permissions.can_manage_offer(user, offer)
    applicant_ids = permissions.space_applicant_ids_of(user) if user.is_authenticated else set()
    apply_form = None
    if applicant_ids and offer.status == SpaceOffer.Status.PUBLISHED:
        apply_form = ApplyForm(organisations=Organisation.objects.filter(pk__in=applicant_ids))
    applications = (
        offer.applications.select_related("organisation", "applicant")
        if manage
        else offer.applications.filter(organisation_id__in=applicant_ids).select_related("organisation")
    )
    return render(
        request,
        "engineering/offer_detail.html",
        {
            "offer": offer,
            "map_data": feature_collection([(offer.location, offer.title, "")]),
            "manage": manage,
            "moderate": is_metropole_staff(user) and offer.status == SpaceOffer.Status.SUBMITTED,
            "apply_form": apply_form,
            "applications": applications,
            "crumbs": SPACE_CRUMBS,
        },
    )


@staff_required
@require_POST
def offer_moderate(request, pk):
    offer = get_object_or_404(SpaceOffer, pk=pk)
    publish = request.POST.get("decision") == "publish"
    run_service(
        request,
        lambda: services.offer_moderate(offer=offer, user=request.user, publish=publish),
        "L'espace est publié." if publish else "L'espace est refusé.",
    )
    return redirect(offer.get_absolute_url())


@login_required
@require_POST
def space_apply(request, pk):
    offer = _visible_offer(request, pk)
    applicant_ids = permissions.space_applicant_ids_of(request.user)
    if not applicant_ids:
        raise PermissionDenied
    form = ApplyForm(request.POST, organisations=Organisation.objects.filter(pk__in=applicant_ids))
    if form.is_valid():
        run_service(
            request,
            lambda: services.space_apply(
                offer=offer,
                user=request.user,
                organisation=form.cleaned_data["organisation"],
                project=form.cleaned_data["project"],
            ),  # fmt: skip
            "Votre candidature est envoyée au propriétaire.",
        )
    else:
        from django.contrib import messages

        messages.error(request, "Décrivez votre projet d'occupation.")
    return redirect(offer.get_absolute_url())


@login_required
@require_POST
def application_accept(request, pk):
    application = get_object_or_404(SpaceApplication.objects.select_related("offer"), pk=pk)
    if not permissions.can_manage_offer(request.user, application.offer):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.application_accept(application=application, user=request.user),
        "La candidature est retenue : l'espace est attribué.",
    )
    return redirect(application.offer.get_absolute_url())


@login_required
@require_POST
def offer_occupied(request, pk):
    offer = _visible_offer(request, pk)
    if not permissions.can_manage_offer(request.user, offer):
        raise PermissionDenied
    run_service(
        request, lambda: services.offer_occupied(offer=offer, user=request.user), "L'espace est déclaré occupé."
    )
    return redirect(offer.get_absolute_url())

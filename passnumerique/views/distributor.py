"""Pages of the distributors' agents: handing out booklets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from sman.forms import add_validation_error

from .. import codes, permissions, services
from ..forms import DistributeForm
from .common import CRUMBS


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

"""Pages of the mediation places' agents: ticket validation, statements."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sman.feedback import run_service
from sman.files import private_file_response
from sman.lists import Listing
from sman.permissions import is_metropole_staff, user_passes

from .. import codes, permissions, services
from ..forms import RedeemForm
from ..models import MediationPlace, Statement
from .common import CRUMBS


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
    listing = Listing(request, qs, page_size=30)
    return render(request, "passnumerique/statements.html", {**listing.context(), "staff": staff, "crumbs": CRUMBS})


@login_required
def statement_file(request, pk, kind):
    statement = get_object_or_404(Statement.objects.select_related("place"), pk=pk)
    if not permissions.can_see_statement(request.user, statement) or kind not in ("pdf", "csv"):
        raise PermissionDenied
    file = getattr(statement, kind)
    return private_file_response(file, filename=file.name)


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

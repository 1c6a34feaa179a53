"""What the Pass Numérique puts in « Mon espace » and on a territory's page (PassNumeriqueConfig)."""

from django.urls import reverse

from sman.models import Territory
from sman.modules import SpacePanel, Todo, add_count, plural
from sman.permissions import is_metropole_staff

from . import permissions, selectors
from .models import Booklet, Statement


def space_panel(request) -> SpacePanel | None:
    user = request.user
    todos, links = [], []
    places = list(permissions.places_of(user))
    if places:
        todos.append(Todo("Valider un ticket présenté par un bénéficiaire", reverse("passnumerique:redeem")))
        to_pay = Statement.objects.filter(place__in=places, status=Statement.Status.TO_PAY).count()
        links.append(
            (
                "Mes relevés de remboursement"
                + (f" ({plural(to_pay, 'en attente de paiement', 'en attente de paiement')})" if to_pay else ""),
                reverse("passnumerique:statements"),
            )
        )
    distributors = permissions.distributors_of(user)
    if distributors.exists():
        todos.append(Todo("Remettre un carnet à un bénéficiaire", reverse("passnumerique:distribute")))
        handed = Booklet.objects.filter(distributor__in=distributors).count()
        if handed:
            links.append(
                (
                    plural(handed, "carnet remis par votre structure", "carnets remis par votre structure"),
                    reverse("passnumerique:distribute"),
                )
            )
    if permissions.can_see_dashboard(user):
        links.append(("Tableau de bord du Pass Numérique", reverse("passnumerique:dashboard")))
        links.append(("Commandes de carnets", reverse("passnumerique:orders")))
    if is_metropole_staff(user):
        to_pay = Statement.objects.filter(status=Statement.Status.TO_PAY).count()
        add_count(
            todos,
            to_pay,
            "relevé de remboursement à payer",
            "relevés de remboursement à payer",
            reverse("passnumerique:statements"),
        )
    if not todos and not links:
        return None
    return SpacePanel("Pass Numérique", todos, links, order=40)


def territory_panel(territory):
    """The APTIC mediation places located in the territory, and the tickets redeemed there."""
    places = list(selectors.places().filter(Territory.objects.within_q(territory, field="organisation__territory"))[:6])
    if not places:
        return None
    figures = selectors.totals(territory=territory)
    return "passnumerique/_territory_panel.html", {
        "territory": territory,
        "places": places[:5],
        "more": len(places) > 5,
        "figures": figures,
    }

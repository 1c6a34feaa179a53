"""Who may do what with the Pass Numérique."""

from sman.models import Organisation
from sman.permissions import chosen_among, is_metropole_staff, organisation_ids_of

from .models import DistributorAuthorisation, MediationPlace

# Every check below reads the organisations the user acts for from sman's per-request cache (organisation_ids_of).


def funders_of(user):
    """Funder organisations the user acts for (all of them for Métropole staff)."""
    qs = Organisation.objects.filter(kind=Organisation.Kind.FUNDER)
    return qs if is_metropole_staff(user) else qs.filter(id__in=organisation_ids_of(user))


def distributors_of(user):
    """Organisations the user acts for that a funder authorised to hand out booklets."""
    authorised = DistributorAuthorisation.objects.filter(active=True, distributor_id__in=organisation_ids_of(user))
    return Organisation.objects.filter(id__in=authorised.values("distributor_id"))


def places_of(user):
    """Mediation places whose agent the user is."""
    return MediationPlace.objects.filter(organisation_id__in=organisation_ids_of(user)).select_related("organisation")


def place_chosen(user, value) -> MediationPlace | None:
    """The place a place agent acts for on this request (``lieu`` parameter), one of their own."""
    return chosen_among(places_of(user), value, refusal="Vous n'êtes pas agent de ce lieu.")


def distributor_chosen(user, value) -> Organisation | None:
    """The distributor a distributor's agent acts for on this request (``distributeur`` parameter)."""
    return chosen_among(
        distributors_of(user),
        value,
        refusal="Vous n'agissez pas pour cette structure : elle ne peut pas distribuer en votre nom.",
    )


def funder_chosen(user, value) -> Organisation | None:
    """The funder whose figures the user reads (``financeur`` parameter): one they act for (any, for staff)."""
    return chosen_among(funders_of(user), value, refusal="Vous n'agissez pas pour ce financeur.")


def can_order(user) -> bool:
    return funders_of(user).exists()


def can_distribute(user) -> bool:
    return distributors_of(user).exists()


def can_redeem(user) -> bool:
    return places_of(user).exists()


def can_see_order(user, order) -> bool:
    return is_metropole_staff(user) or order.funder_id in organisation_ids_of(user)


def can_see_statement(user, statement) -> bool:
    return is_metropole_staff(user) or statement.place.organisation_id in organisation_ids_of(user)


def can_see_dashboard(user) -> bool:
    return is_metropole_staff(user) or can_order(user)

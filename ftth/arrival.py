"""When does fibre reach this building? Exact when the data says so, an estimated quarter when it can
be estimated (and how), otherwise « pas de date annoncée » with the commune's deployment rate."""

from dataclasses import dataclass
from datetime import date, timedelta

from . import selectors
from .models import CONNECTABLE_STATUSES, Status

MEANING = {
    Status.CONNECTABLE: "La fibre est arrivée : votre logement peut être raccordé. Il suffit de souscrire un "
    "abonnement fibre auprès du fournisseur d'accès de votre choix, qui organise le raccordement.",
    Status.ON_DEMAND: "Le réseau passe à proximité : le raccordement est possible, mais il se fait à la demande. "
    "Demandez-le à un fournisseur d'accès ; il faut compter un délai supplémentaire (souvent six mois au plus).",
    Status.ON_DEMAND_IN_PROGRESS: "Le raccordement à la demande de votre immeuble est en cours de déploiement.",
    Status.IN_PROGRESS: "Les travaux de déploiement sont en cours dans votre immeuble ou votre rue : il n'est pas "
    "encore possible de s'abonner.",
    Status.SIGNED: "Une convention a été signée entre l'opérateur et votre immeuble (copropriété ou bailleur) : "
    "les travaux peuvent commencer.",
    Status.TARGET: "Votre immeuble fait partie des déploiements prévus par l'opérateur, mais les travaux n'ont "
    "pas encore commencé.",
    Status.ABANDONED: "L'opérateur a renoncé à déployer la fibre dans cet immeuble pour le moment.",
}  # fmt: skip

NEXT_STEP = {
    Status.CONNECTABLE: "Comparez les offres des fournisseurs d'accès et souscrivez : un technicien viendra "
    "installer la prise.",
    Status.ON_DEMAND: "Contactez un fournisseur d'accès pour demander le raccordement.",
    Status.ON_DEMAND_IN_PROGRESS: "Patientez : vous pourrez souscrire dès que le statut passera à « raccordable ».",
    Status.IN_PROGRESS: "Patientez, ou demandez à votre syndic ou à votre bailleur où en sont les travaux. Activez "
    "l'alerte pour être prévenu·e dès que la fibre arrive.",
    Status.SIGNED: "Votre syndic ou votre bailleur peut vous indiquer le calendrier des travaux.",
    Status.TARGET: "Si vous êtes en copropriété, votre syndic doit signer une convention avec l'opérateur : "
    "parlez-en à votre conseil syndical.",
    Status.ABANDONED: "Signalez votre situation à votre mairie et contactez l'opérateur d'infrastructure.",
}  # fmt: skip


@dataclass(frozen=True)
class Arrival:
    kind: str  # available | exact | estimated | unknown
    day: date | None = None
    quarter: str = ""
    how: str = ""
    commune_rate: float | None = None


def arrival_for(building, today: date) -> Arrival:
    status = building.status
    if status in CONNECTABLE_STATUSES:
        since = building.commercial_service_date or selectors.became_connectable_on(building)
        return Arrival("available", since)
    if building.commercial_service_date and building.commercial_service_date >= today:
        return Arrival(
            "exact",
            building.commercial_service_date,
            how="date de mise en service commerciale annoncée par l'opérateur",
        )
    rate = selectors.coverage(building.commune)["rate"]
    if status != Status.ABANDONED and building.pm_installed_on:
        median = selectors.median_pm_to_service_days(building.commune)
        if median is not None:
            estimate = building.pm_installed_on + timedelta(days=median)
            late = estimate < today
            if late:  # the usual delay has passed: the next quarter is the honest estimate
                estimate = selectors.next_quarter_start(today)
            how = (
                f"estimation à partir de l'installation du point de mutualisation le "
                f"{building.pm_installed_on:%d/%m/%Y} et du délai médian observé à {building.commune.name} "
                f"entre installation et mise en service ({median} jours)"
                + (" ; ce délai est déjà dépassé, d'où le trimestre prochain" if late else "")
            )
            return Arrival("estimated", estimate, selectors.quarter_of(estimate), how, rate)
    return Arrival("unknown", commune_rate=rate)

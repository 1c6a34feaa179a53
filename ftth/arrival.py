"""When does fibre reach this building? Exact when the data says so; estimated, as a range of quarters
with its basis and spread, when the delays observed in the commune allow it; otherwise what is known (the
PM's installation, the share of its buildings already connectable, the commune's rate), never more."""

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


# Fewer delays observed in a commune than this make no estimate: their spread would mean nothing.
MIN_DELAYS = 5


@dataclass(frozen=True)
class Arrival:
    """The answer, with what it rests on; the templates (ftth/_answer.html) put it in words.

    - available: ``day`` is the commercial service date, or (``observed``) the day our data first said so;
    - exact: ``day`` is the commercial service date the operator announces;
    - estimated: the PM's installation + the delays observed in the commune (``delays``): ``period`` is the
      middle half of them (25–75 %), never before today, ``quarter`` the median's;
    - overdue: the median delay after the PM's installation has passed: no estimate any more, only the facts;
    - unknown: no date and no estimate, only the facts.
    The facts (``pm_installed_on``, ``pm_buildings``/``pm_connectable``, ``commune_rate``, ``announced``:
    an announced service date already passed) come with every answer but ``available`` and ``exact``.
    """

    kind: str
    day: date | None = None
    observed: bool = False
    period: str = ""
    quarter: str = ""
    delays: selectors.Delays | None = None
    pm_installed_on: date | None = None
    pm_buildings: int = 0
    pm_connectable: int = 0
    commune_rate: float | None = None
    announced: date | None = None

    @property
    def pm_share(self) -> float | None:
        return round(100 * self.pm_connectable / self.pm_buildings) if self.pm_buildings else None


def arrival_for(building, today: date) -> Arrival:
    status = building.status
    if status in CONNECTABLE_STATUSES:
        if building.commercial_service_date:
            return Arrival("available", building.commercial_service_date)
        return Arrival("available", selectors.became_connectable_on(building), observed=True)
    if building.commercial_service_date and building.commercial_service_date >= today:
        return Arrival("exact", building.commercial_service_date)
    around = selectors.surroundings(building)
    facts = {
        "delays": around.delays,
        "pm_installed_on": building.pm_installed_on,
        "pm_buildings": around.pm_buildings if building.pm_reference else 0,
        "pm_connectable": around.pm_connectable if building.pm_reference else 0,
        "commune_rate": around.commune_rate,
        "announced": building.commercial_service_date,
    }
    delays = around.delays
    if status == Status.ABANDONED or not building.pm_installed_on or not delays or delays.count < MIN_DELAYS:
        return Arrival("unknown", **facts)
    median = building.pm_installed_on + timedelta(days=delays.median)
    if median < today:
        return Arrival("overdue", median, **facts)
    earliest = max(building.pm_installed_on + timedelta(days=delays.p25), today)
    latest = building.pm_installed_on + timedelta(days=delays.p75)
    return Arrival(
        "estimated", median, period=quarters_between(earliest, latest), quarter=selectors.quarter_of(median), **facts
    )


def quarters_between(first: date, last: date) -> str:
    """« au 3e trimestre 2026 », « entre le 2e et le 4e trimestre 2026 », « entre le 4e trimestre 2026 et le
    1er trimestre 2027 »."""
    start, end = selectors.quarter_of(first), selectors.quarter_of(last)
    if start == end:
        return f"au {start}"
    if first.year == last.year:
        return f"entre le {start.split()[0]} et le {end}"
    return f"entre le {start} et le {end}"

"""Indicators the COPIL follows for action #10 (the FMIN) and action #13 (the PCAEM call), for the Métropole and
for each commune and EPT.

Action #13 (the metropolitan call for projects on PCAEM behaviours, run on the same call engine) has its own
three: applications, funded projects and grants of the calls of the PCAEM programme; the FMIN's count the
FMIN's calls only.

A territory's applications and projects are those its collectivities carry, as lead or as co-applicant
(``selectors.carried_within``): a joint project counts for each of its collectivities' territories, and once
for an EPT or the Métropole that contains several of them. The grant committed to a project is counted in
full for its lead's territory only, so that the territories' amounts add up to the Métropole's. The rate of
the envelope committed is the Métropole's only: each call has one envelope for the whole Métropole.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sman.indicators import TerritoryTree, register

from . import selectors
from .models import FMIN_PROGRAMME, PCAEM_PROGRAMME


def _rate(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _figures(today: date, tree: TerritoryTree, programme: str = FMIN_PROGRAMME) -> dict[int, dict]:
    """totals()'s figures of ``programme`` for every territory: two queries, shared by the indicators of this
    module."""

    def compute():
        facts = {row["pk"]: row for row in selectors.application_facts(until=today, programme=programme)}
        figures: dict[int, dict] = {}

        def of(pk):
            empty = {"applications": 0, "funded": 0, "funded_from_explorateurs": 0, "evaluations": 0}
            empty["applications_from_explorateurs"] = 0
            return figures.setdefault(pk, {**empty, "committed_cents": 0})

        for pk, applications in tree.collect_up(selectors.application_carriers(programme)).items():
            carried = [facts[a] for a in applications if a in facts]  # one created in between: tomorrow
            funded = [f for f in carried if f["funded"]]
            of(pk).update(
                applications=sum(1 for f in carried if f["submitted"]),
                applications_from_explorateurs=sum(1 for f in carried if f["submitted"] and f["from_explorateurs"]),
                funded=len(funded),
                funded_from_explorateurs=sum(1 for f in funded if f["from_explorateurs"]),
                evaluations=sum(f["evaluations"] for f in carried),
            )
        led = ({"territory": f["lead_territory"], "cents": f["grant_cents"]} for f in facts.values() if f["funded"])
        for pk, committed in tree.sum_up(led, "territory").items():
            of(pk)["committed_cents"] = committed["cents"]
        return figures

    return tree.memo(("fmin", programme, today), compute)


def _per_territory(value, programme: str = FMIN_PROGRAMME):
    def per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
        return {pk: value(figures) for pk, figures in _figures(today, tree, programme).items()}

    return per_territory


@register(
    "fmin.applications_received",
    label="Candidatures FMIN déposées",
    unit="candidatures",
    per_territory=_per_territory(lambda f: Decimal(f["applications"])),
)
def applications_received(today: date, territory=None) -> Decimal:
    """Applications submitted until ``today`` that collectivities of ``territory`` carry (lead or co-applicant)."""
    return Decimal(selectors.totals(until=today, territory=territory)["applications"])


@register(
    "fmin.projects_funded",
    label="Projets financés par le FMIN",
    unit="projets",
    per_territory=_per_territory(lambda f: Decimal(f["funded"])),
)
def projects_funded(today: date, territory=None) -> Decimal:
    """Projects funded until ``today`` that collectivities of ``territory`` carry (lead or co-applicant)."""
    return Decimal(selectors.totals(until=today, territory=territory)["funded"])


@register(
    "fmin.amount_committed",
    label="Subventions FMIN engagées",
    unit="€",
    per_territory=_per_territory(lambda f: Decimal(f["committed_cents"]) / 100),
)
def amount_committed(today: date, territory=None) -> Decimal:
    """Grants committed until ``today`` to projects led from ``territory``: the whole grant counts for the lead's
    territory, none for the co-applicants' (a project's grant is not split among its collectivities)."""
    return Decimal(selectors.totals(until=today, territory=territory)["committed_cents"]) / 100


@register(
    "fmin.envelope_committed_rate",
    label="Part de l'enveloppe FMIN engagée",
    unit="%",
    territorial=False,
    reason="L'enveloppe de chaque appel du FMIN est celle de toute la Métropole : elle n'est pas répartie "
    "entre les territoires.",
)
def envelope_committed_rate(today: date) -> Decimal:
    totals = selectors.totals(until=today)
    return _rate(totals["committed_cents"], totals["envelope_cents"])


@register(
    "fmin.share_from_explorateurs",
    label="Part des projets financés issus des Explorateurs",
    unit="%",
    per_territory=_per_territory(lambda f: _rate(f["funded_from_explorateurs"], f["funded"])),
)
def share_from_explorateurs(today: date, territory=None) -> Decimal:
    """Of the projects funded that collectivities of ``territory`` carry, the share an Explorateurs project
    started (explorateurs.Project.fmin_application; SMAN §4.2.2.1 says « près de 70 % » for the first session),
    computed from the territory's counts (an EPT's is not the average of its communes')."""
    totals = selectors.totals(until=today, territory=territory)
    return _rate(totals["funded_from_explorateurs"], totals["funded"])


@register(
    "fmin.share_applications_from_explorateurs",
    label="Part des candidatures FMIN issues des Explorateurs",
    unit="%",
    per_territory=_per_territory(lambda f: _rate(f["applications_from_explorateurs"], f["applications"])),
)
def share_applications_from_explorateurs(today: date, territory=None) -> Decimal:
    """Of the applications submitted that collectivities of ``territory`` carry, the share an Explorateurs project
    started (explorateurs.Project.fmin_application), computed from the territory's counts."""
    tree = TerritoryTree()
    pk = territory.pk if territory is not None else tree.metropole_id
    figures = _figures(today, tree).get(pk)
    return _rate(figures["applications_from_explorateurs"], figures["applications"]) if figures else Decimal(0)


@register(
    "fmin.evaluations_delivered",
    label="Rapports d'évaluation FMIN remis",
    unit="rapports",
    per_territory=_per_territory(lambda f: Decimal(f["evaluations"])),
)
def evaluations_delivered(today: date, territory=None) -> Decimal:
    """Evaluation reports submitted until ``today`` for projects that collectivities of ``territory`` carry."""
    return Decimal(selectors.totals(until=today, territory=territory)["evaluations"])


# --- Action #13: the metropolitan call for projects on PCAEM behaviours ----------------------------------------
@register(
    "fmin.pcaem_applications_received",
    label="Candidatures déposées à l'appel à projets PCAEM",
    unit="candidatures",
    per_territory=_per_territory(lambda f: Decimal(f["applications"]), PCAEM_PROGRAMME),
)
def pcaem_applications_received(today: date, territory=None) -> Decimal:
    """Applications to the PCAEM calls submitted until ``today`` that organisations of ``territory`` carry."""
    return Decimal(selectors.totals(until=today, territory=territory, programme=PCAEM_PROGRAMME)["applications"])


@register(
    "fmin.pcaem_projects_funded",
    label="Projets financés par l'appel à projets PCAEM",
    unit="projets",
    per_territory=_per_territory(lambda f: Decimal(f["funded"]), PCAEM_PROGRAMME),
)
def pcaem_projects_funded(today: date, territory=None) -> Decimal:
    """Projects of the PCAEM calls funded until ``today`` that organisations of ``territory`` carry."""
    return Decimal(selectors.totals(until=today, territory=territory, programme=PCAEM_PROGRAMME)["funded"])


@register(
    "fmin.pcaem_amount_committed",
    label="Subventions engagées par l'appel à projets PCAEM",
    unit="€",
    per_territory=_per_territory(lambda f: Decimal(f["committed_cents"]) / 100, PCAEM_PROGRAMME),
)
def pcaem_amount_committed(today: date, territory=None) -> Decimal:
    """Grants of the PCAEM calls committed until ``today`` to projects led from ``territory`` (whole grant to the
    lead's territory)."""
    return (
        Decimal(selectors.totals(until=today, territory=territory, programme=PCAEM_PROGRAMME)["committed_cents"]) / 100
    )

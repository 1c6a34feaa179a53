"""Indicators the COPIL and the observatory follow for action #5 (sheet #6 of Annex 2: « suivre la participation
citoyenne à l'échelle du territoire »), for the Métropole and for each EPT and commune.

A process belongs to the territories of its scope: a process of two communes counts for each of them, once for
their EPT; a metropolitan process counts for the Métropole only. Proposals, votes, participants and results
delivered follow their process. Participants are distinct people (a person who proposed in two communes of an
EPT counts once for the EPT).
"""

from datetime import date
from decimal import Decimal

from sman.indicators import TerritoryTree, register

from . import selectors

FIGURES = ("processes", "participants", "proposals", "ballots", "delivered")


def figures_per_territory(today: date, tree: TerritoryTree) -> dict[int, dict]:
    """{territory id: {processes, participants, proposals, ballots, delivered}} for every territory with a
    process: a few grouped queries, shared by the indicators of this module and the metropolitan page."""

    def compute():
        facts = selectors.process_facts(until=today)
        result = {}
        for pk, processes in tree.collect_up(selectors.process_scopes()).items():
            people = set()
            figures = dict.fromkeys(FIGURES, 0)
            figures["processes"] = len(processes)
            for process in processes:
                fact = facts.get(process)
                if fact:
                    people |= fact["participants"]
                    figures["proposals"] += fact["proposals"]
                    figures["ballots"] += fact["ballots"]
                    figures["delivered"] += fact["delivered"]
            figures["participants"] = len(people)
            result[pk] = figures
        return result

    return tree.memo(("participation", today), compute)


def _per_territory(name: str):
    def per_territory(today: date, tree: TerritoryTree) -> dict[int, Decimal]:
        return {pk: Decimal(figures[name]) for pk, figures in figures_per_territory(today, tree).items()}

    return per_territory


def _one(name: str, today: date, territory) -> Decimal:
    tree = TerritoryTree()
    pk = territory.pk if territory is not None else tree.metropole_id
    return Decimal(figures_per_territory(today, tree).get(pk, {}).get(name, 0))


@register(
    "participation.processes",
    label="Démarches de participation citoyenne",
    unit="démarches",
    per_territory=_per_territory("processes"),
)
def processes(today: date, territory=None) -> Decimal:
    return _one("processes", today, territory)


@register(
    "participation.participants",
    label="Participants aux démarches citoyennes",
    unit="personnes",
    per_territory=_per_territory("participants"),
)
def participants(today: date, territory=None) -> Decimal:
    return _one("participants", today, territory)


@register(
    "participation.proposals",
    label="Propositions citoyennes déposées",
    unit="propositions",
    per_territory=_per_territory("proposals"),
)
def proposals(today: date, territory=None) -> Decimal:
    return _one("proposals", today, territory)


@register(
    "participation.ballots",
    label="Votes aux budgets participatifs",
    unit="bulletins",
    per_territory=_per_territory("ballots"),
)
def ballots(today: date, territory=None) -> Decimal:
    return _one("ballots", today, territory)


@register(
    "participation.results_delivered",
    label="Résultats de la participation réalisés",
    unit="réalisations",
    per_territory=_per_territory("delivered"),
)
def results_delivered(today: date, territory=None) -> Decimal:
    return _one("delivered", today, territory)

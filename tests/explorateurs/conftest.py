from dataclasses import dataclass

import pytest

from explorateurs.models import Candidacy, Cohort, Event, Explorer, Project

from ..factories import (
    CandidacyFactory,
    CohortFactory,
    ExplorationEventFactory,
    ExplorerFactory,
    ExplorerProjectFactory,
    MembershipFactory,
    RegistrationFactory,
    collectivity_of,
)


@dataclass
class Expl:
    recruiting: Cohort
    running: Cohort
    explorer: Explorer  # of Montreuil, in the running cohort
    alumnus: Explorer  # of Pantin, in a past cohort
    event: Event  # in a week, of the running cohort
    held: Event  # two days ago, with the explorer registered
    project: Project  # the explorer's
    candidacy: Candidacy  # confirmed by its direction, to the recruiting cohort


@pytest.fixture
def ex(reference):
    running = CohortFactory(running=True)
    explorer = ExplorerFactory(cohort=running)
    alumnus = ExplorerFactory(alumni=True, collectivity=collectivity_of("93055"))
    event = ExplorationEventFactory(cohort=running)
    held = ExplorationEventFactory(cohort=running, held=True)
    RegistrationFactory(event=held, explorer=explorer)
    project = ExplorerProjectFactory(explorer=explorer, cohort=running)
    recruiting = CohortFactory()
    candidacy = CandidacyFactory(cohort=recruiting, confirmed=True, collectivity=collectivity_of("93066"))
    return Expl(recruiting, running, explorer, alumnus, event, held, project, candidacy)


EX_ROLES = ("explorer", "alumnus", "candidate")


@pytest.fixture
def ex_world(world, ex):
    """The shared role world with the Explorateurs' own roles: the explorer (Montreuil, running cohort), an
    alumnus (Pantin) and a candidate (Saint-Denis, confirmed by their direction, not yet selected)."""
    world.add_user("explorer", ex.explorer.user)
    world.add_user("alumnus", ex.alumnus.user)
    world.add_user("candidate", ex.candidacy.agent)
    world.extra["ex"] = ex
    return world


def agent(code: str = "93048"):
    return MembershipFactory(organisation=collectivity_of(code)).user

"""The marketplace's demo: each part (members and needs, the need in review, the events, the FMIN experiment) is
loaded once, on its own — a demo base loaded before a part existed gets that part on the next run."""

import pytest

from fmin import demo as fmin_demo
from marketplace import demo, selectors
from marketplace.models import CommunityEvent, Need, Solution, SolutionExperiment
from sman.demo import DEMO_ORGANISATIONS
from sman.models import Membership, Organisation, Territory

from ..factories import current_charter

pytestmark = pytest.mark.django_db


def counts():
    return {
        "needs": Need.objects.filter(title__endswith="(démonstration)").count(),
        "solutions": Solution.objects.filter(title__endswith="(démonstration)").count(),
        "events": CommunityEvent.objects.count(),
        "experiments": SolutionExperiment.objects.count(),
    }


def test_each_part_of_the_demo_loads_once_on_its_own(world):
    assert current_charter() is not None
    for slug, kind, name, code in DEMO_ORGANISATIONS:  # what sman's demo makes before the modules' loaders
        Organisation.objects.get_or_create(
            slug=slug, defaults={"kind": kind, "name": name, "territory": Territory.objects.get(code=code)}
        )
    Membership.objects.get_or_create(
        user=world.users["digital_actor"], organisation=Organisation.objects.get(slug="demo-numerique-sas")
    )
    fmin_demo.load_demo(world.users)
    demo.load_demo(world.users)
    loaded = counts()
    assert loaded["events"] == 2 and loaded["experiments"] == 1
    assert Need.objects.filter(title=demo.WAITING, state=Need.State.IN_REVIEW).exists()
    link = SolutionExperiment.objects.select_related("solution", "application").get()
    assert link.solution.title == demo.EXPERIMENTED and link.application.lead.territory.code == "93048"
    assert list(selectors.experiments_of(link.solution)) == [link]

    demo.load_demo(world.users)
    assert counts() == loaded  # nothing twice

    # A demo base of an earlier version: the needs and members were there, the newer parts were not.
    SolutionExperiment.objects.all().delete()
    CommunityEvent.objects.filter(title=demo.EVENTS[0][0]).delete()
    Need.objects.filter(title=demo.WAITING).delete()
    demo.load_demo(world.users)
    assert counts() == loaded
    assert Need.objects.filter(title=demo.WAITING, state=Need.State.IN_REVIEW).count() == 1

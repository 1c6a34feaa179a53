from dataclasses import dataclass

import pytest

from participation.models import Space, SpaceMember

from ..factories import (
    BudgetFactory,
    BudgetProjectFactory,
    MembershipFactory,
    ProcessFactory,
    ProposalFactory,
    SpaceFactory,
    UserFactory,
    collectivity_of,
)


@dataclass
class Part:
    space: Space  # Montreuil's
    other_space: Space  # Pantin's
    process: object
    other_process: object
    proposal: object
    author: object
    moderator: object  # agent of Montreuil, moderator of its space
    space_admin: object  # agent of Montreuil, administrator of its space
    other_moderator: object  # agent of Pantin, moderator of Pantin's space
    budget: object
    projects: list


@pytest.fixture
def part(reference):
    """Montreuil's and Pantin's spaces, each with a process in its proposals phase; a proposal of Montreuil's,
    a budget of Montreuil in its vote (approval, 2 projects at most, 4 projects of 30 000 €)."""
    space = SpaceFactory(organisation=collectivity_of("93048"))
    other_space = SpaceFactory(organisation=collectivity_of("93055"))

    def agent(space, role):
        user = MembershipFactory(organisation=space.organisation).user
        SpaceMember.objects.create(space=space, user=user, role=role)
        return user

    process = ProcessFactory(space=space, slug="idees-montreuil")
    other_process = ProcessFactory(space=other_space, slug="idees-pantin")
    author = UserFactory()
    proposal = ProposalFactory(process=process, author=author, title="Des bancs dans le parc")
    budget = BudgetFactory(process=process)
    projects = BudgetProjectFactory.create_batch(4, budget=budget)
    return Part(
        space, other_space, process, other_process, proposal, author,
        agent(space, SpaceMember.Role.MODERATOR), agent(space, SpaceMember.Role.ADMIN),
        agent(other_space, SpaceMember.Role.MODERATOR), budget, projects,
    )  # fmt: skip


PART_ROLES = ("anonymous", "citizen", "unverified", "author", "moderator", "space_admin", "other_moderator", "staff")


@pytest.fixture
def part_world(world, part):
    world.add_user("unverified", UserFactory(verified=False))
    world.add_user("author", part.author)
    world.add_user("moderator", part.moderator)
    world.add_user("space_admin", part.space_admin)
    world.add_user("other_moderator", part.other_moderator)
    world.extra["part"] = part
    return world

import pytest

from actions.models import Action

from ..factories import UserFactory


@pytest.fixture
def plan_action(reference):
    """Action #2 of roadmap 2019-2020 (the FttH platform), which has milestones and a budget."""
    return Action.objects.get(roadmap__code="2019-2020", number=2)


@pytest.fixture
def owner(plan_action):
    user = UserFactory()
    plan_action.owners.add(user)
    return user


@pytest.fixture
def copil_member(db):
    return UserFactory(copil=True)


@pytest.fixture
def staff(db):
    return UserFactory(staff=True)

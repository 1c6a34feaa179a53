"""« Ressources liées » in headless Chromium: on an action's page and a Bâtisseurs group's page, the block lists
the published resource linked to them (never a draft or a refused one), its link opens the resource, and axe-core
finds no violation on either page nor on the resource."""

import pytest

from actions.models import Action

from ..factories import ResourceFactory, UserFactory, WorkingGroupFactory
from .test_copil_in_chromium import _login
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_related_resources_on_an_action_and_a_working_group_page(page, reference):
    action = Action.objects.select_related("roadmap").get(roadmap__code="2019-2020", number=7)
    group = WorkingGroupFactory()
    published = ResourceFactory(published=True, title="Kit du site contributif", kind="kit", action=action,
                                working_group=group)  # fmt: skip
    ResourceFactory(title="Brouillon sur le site contributif", action=action, working_group=group)
    ResourceFactory(refused=True, title="Ressource refusée sur le site contributif", action=action,
                    working_group=group)  # fmt: skip
    _login(page, UserFactory())  # a signed-in citizen reads the same block as a visitor
    page.wait_for_url("**/espace/")

    for url in (action.get_absolute_url(), group.get_absolute_url()):
        page.goto(url)
        block = page.locator("section[aria-labelledby='ressources-liees']")
        assert block.get_by_role("heading", name="Ressources liées").count() == 1, url
        assert block.get_by_role("link").all_inner_texts() == ["Kit du site contributif"], url
        assert "Brouillon" not in block.inner_text() and "refusée" not in block.inner_text()
        assert_no_axe_violation(page)
        block.get_by_role("link", name="Kit du site contributif").click()
        page.wait_for_url(f"**{published.get_absolute_url()}")
        assert page.locator("h1").inner_text() == "Kit du site contributif"
    assert_no_axe_violation(page)

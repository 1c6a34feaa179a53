"""Explorateurs in headless Chromium: staff take the attendance of an exploration day on a 360 px phone with the
keyboard only; axe-core finds nothing there nor on the public pages (network map, calendar, a project)."""

import pytest

from explorateurs.models import Registration

from ..factories import (
    ExplorationEventFactory,
    ExplorerFactory,
    ExplorerProjectFactory,
    RegistrationFactory,
    UserFactory,
)
from .test_copil_in_chromium import _current_code, _login
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement && document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} never got the keyboard focus")


def test_staff_take_the_attendance_on_a_phone_with_the_keyboard(phone, reference):
    from allauth.mfa.models import Authenticator

    event = ExplorationEventFactory(held=True, title="Ouvrir les données publiques")
    came, missed = (RegistrationFactory(event=event, explorer=ExplorerFactory(cohort=event.cohort)) for _ in range(2))
    staff = UserFactory(staff=True)
    _login(phone, staff)
    phone.get_by_label("Code").fill(_current_code(Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)))
    phone.get_by_role("button", name="Connexion").click()
    phone.wait_for_url("**/espace/")

    phone.goto(f"/explorateurs/journees/{event.pk}/presences/")
    assert_no_axe_violation(phone)
    _tab_to(phone, f"#present-{came.pk}")
    phone.keyboard.press("Space")
    _tab_to(phone, "button[type=submit]")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("text=Présences enregistrées : 1 sur 2.")
    assert_no_axe_violation(phone)
    assert Registration.objects.get(pk=came.pk).attended is True
    assert Registration.objects.get(pk=missed.pk).attended is False
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no horizontal scrolling


def test_public_explorateurs_pages_have_no_accessibility_violation(page, reference):
    project = ExplorerProjectFactory(explorer=ExplorerFactory())
    event = ExplorationEventFactory()
    for path in (
        "/explorateurs/",
        "/explorateurs/reseau/",
        "/explorateurs/journees/",
        event.get_absolute_url(),
        "/explorateurs/projets/",
        project.get_absolute_url(),
    ):
        page.goto(path)
        assert_no_axe_violation(page)

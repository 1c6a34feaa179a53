"""Staff's import pages in headless Chromium, checked by axe-core: the upload form with the share of
rejected lines to tolerate, and a failed run with its technical detail folded for staff."""

import pytest

from ftth.models import ImportRun

from ..factories import UserFactory
from .test_copil_in_chromium import _current_code, _login
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_upload_form_and_a_failed_run(page, reference):
    from allauth.mfa.models import Authenticator

    staff = UserFactory(staff=True)
    run = ImportRun.objects.create(
        file_name="ipe.csv", operator_code="OI-E2E", state=ImportRun.State.FAILED, max_rejected_share=0.2,
        error="L'import s'est arrêté sur une erreur inattendue : rien n'a été modifié. Relancez-le.",
        error_detail="Traceback (most recent call last):\n" + '  File "ftth/imports.py", line 1\n' * 80
        + "psycopg.errors.UndefinedTable: relation does not exist",
    )  # fmt: skip
    _login(page, staff)
    page.get_by_label("Code").fill(_current_code(Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)))
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")

    page.goto("/fibre/imports/")
    field = page.get_by_label("Lignes rejetées tolérées (%)")
    assert field.get_attribute("inputmode") == "decimal"
    assert_no_axe_violation(page)

    page.goto(f"/fibre/imports/{run.pk}/")
    detail = page.locator("details pre")
    assert not detail.is_visible()
    page.get_by_text("Détail technique (équipe de la Métropole)").click()
    assert detail.is_visible() and "UndefinedTable" in detail.inner_text()
    assert "20 % au plus" in page.content()
    assert_no_axe_violation(page)

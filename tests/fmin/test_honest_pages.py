"""The FMIN pages say where the portal reads the SMAN rather than quotes it, and cite each section with its
title: the SMAN numbers two different sections « 4.2.1 » (issue 14)."""

import pytest
from django.urls import reverse

from fmin import rules

pytestmark = pytest.mark.django_db

FMIN_SECTION = "§ 4.2.1.1 « Le Fonds Métropolitain pour l&#x27;Innovation Numérique (FMIN) »"
READING = "Lecture du portail : le SMAN écrit que la Métropole subventionne « au maximum 50 % du projet, dont 20 %"


def test_the_own_share_rule_is_the_portals_reading_and_cites_the_sentence():
    result = rules.check(rules.Figures(100, 20, 0, 0, (rules.Share("Montreuil", 100, 50, is_lead=True),), True))
    readings = {v.code: v.reading for v in result.verdicts if v.reading}
    assert set(readings) == {"own_share"}
    assert "dont 20 % de la dépense du maître d'ouvrage" in readings["own_share"]
    assert readings["own_share"].startswith("Lecture du portail")
    for verdict in result.verdicts:  # every citation gives the section's title, not only « 4.2.1.x »
        assert "« " in verdict.section and verdict.section.startswith("SMAN § 4.2.1.")


def test_home_and_call_pages_cite_sections_and_say_what_the_portal_reads(client, fm):
    home = client.get(reverse("fmin:home")).content.decode()
    assert READING.replace("'", "&#x27;") in home and FMIN_SECTION in home
    assert "les Bâtisseurs du numérique »" in home
    assert "§4.2.1.1 et §4.2.1.2" not in home
    page = client.get(reverse("fmin:call_detail", args=[fm.call.pk])).content.decode()
    assert READING.replace("'", "&#x27;") in page and FMIN_SECTION in page


def test_expense_types_and_themes_the_sman_does_not_list_are_the_calls_choice(client, fm):
    page = client.get(reverse("fmin:call_detail", args=[fm.call.pk])).content.decode()
    assert "Formation — cité par le SMAN" in page
    assert "Achat de logiciels — cité par le SMAN" in page
    assert "Matériel — choix de l'appel" in page
    assert "Évaluation de l&#x27;expérimentation — choix de l'appel" in page
    assert "Mobilité — cité par le SMAN" in page
    assert "Données et services urbains — choix de l'appel" in page


def test_the_rules_box_of_a_file_says_it_is_the_portals_reading(client, fm):
    from ..auth import login

    application = fm.application()
    login(client, fm.lead_agent)
    page = client.get(application.get_absolute_url()).content.decode()
    assert READING.replace("'", "&#x27;") in page and FMIN_SECTION in page

"""What the FMIN puts in « Mon espace » and on a territory's page (fmin/panels.py)."""

import html

from django.urls import reverse

from sman.modules import modules

from ..auth import login
from ..queries import count_queries
from .test_pages_and_permissions import fmin_world  # noqa: F401 — the fixture


def space(client, user) -> str:
    login(client, user)
    return html.unescape(client.get(reverse("dashboard")).content.decode())


def test_an_agent_finds_the_drafts_of_their_collectivity_and_no_other(client, fmin_world):  # noqa: F811
    page = space(client, fmin_world.users["commune_agent"])
    assert "1 candidature à compléter ou déposer" in page  # Montreuil's draft, not Pantin's
    client.logout()
    page = space(client, fmin_world.users["other_commune_agent"])
    assert "1 candidature à compléter ou déposer" in page  # Pantin's own draft
    assert "Brouillon de Montreuil" not in page


def test_a_reviewer_finds_the_files_to_score(client, fmin_world):  # noqa: F811
    page = space(client, fmin_world.users["reviewer"])
    assert "1 dossier à évaluer" in page and reverse("fmin:review_list") in page


def test_a_citizen_finds_nothing_of_the_fmin(client, fmin_world):  # noqa: F811
    page = space(client, fmin_world.users["citizen"])
    assert "dossier à évaluer" not in page and "candidature" not in page


def test_the_space_makes_a_bounded_number_of_queries(client, fmin_world):  # noqa: F811
    login(client, fmin_world.users["commune_agent"])
    queries, _ = count_queries(client, reverse("dashboard"))
    # A few queries for the page and for each module's panel (eight modules now), none per row.
    panels = sum(1 for module in modules() if module.space_panel)
    assert queries <= 10 + 3 * panels, (queries, panels)


def test_a_communes_page_shows_the_projects_it_leads(client, fmin_world):  # noqa: F811
    page = client.get(reverse("commune_detail", args=["93048"])).content.decode()
    assert "Projets financés par le FMIN" in page and "Projet financé" in page
    page = client.get(reverse("territory_detail", args=["T8"])).content.decode()
    assert "Projet financé" in page  # Est Ensemble covers Montreuil
    page = client.get(reverse("commune_detail", args=["93055"])).content.decode()
    assert "Projets financés par le FMIN" not in page  # Pantin leads no funded project

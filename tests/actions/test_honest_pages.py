"""The plan's pages tell only what the SMAN says: summaries presented as such, with their section; no invented
chantier per action; no follow-up figure nobody entered; module links both ways (issue 14)."""

from datetime import date

import pytest
from django.urls import reverse

from actions.models import Action, BudgetLine
from sman.reference import load_reference

pytestmark = pytest.mark.django_db

SHEET_SOURCE = "En résumé, d'après la fiche action n° 1 du SMAN (annexe 2, § 5.2 « Fiches actions"
TABLE_SOURCE = "§ 4.2.1.2 « La première feuille de route bisannuelle » (partie « Évolutivité et agilité »)"


def _page(client, number: int) -> str:
    response = client.get(reverse("actions:action_detail", args=["2019-2020", number]))
    assert response.status_code == 200
    return response.content.decode()


def test_sheet_texts_are_the_portals_summaries_with_their_section_never_quotes(client, reference):
    html = _page(client, 2)  # roadmap action #2 is Annex 2's sheet n° 1
    assert SHEET_SOURCE in html and TABLE_SOURCE in html
    assert "et la fiche action n° 1 du SMAN (annexe 2)" in html
    assert "non le texte du SMAN" in html
    assert "Irritant" not in html and "irritant" not in html
    assert "Problème relevé sur le territoire" in html
    action = Action.objects.get(roadmap__code="2019-2020", number=2)
    assert action.pain_point[:40] in html and f"« {action.pain_point[:20]}" not in html
    # An action without a sheet says where its summary comes from, and shows no sheet section.
    html = _page(client, 4)
    assert TABLE_SOURCE in html and "fiche action n°" not in html and "La fiche action en résumé" not in html


def test_no_action_is_put_in_a_chantier(client, reference):
    assert not any(f.name == "workstream" for f in Action._meta.get_fields())
    html = _page(client, 2)
    assert "chantier Fibre" not in html and "· chantier" not in html
    plan = client.get(reverse("actions:plan")).content.decode()
    assert "Chantiers : Fibre, Datacenters, Wifi, Réseaux mobiles" in plan
    assert "sans rattacher ses actions à l'un d'eux" in plan and TABLE_SOURCE in plan
    challenge = client.get(reverse("actions:challenge_detail", args=[1])).content.decode()
    assert "sans rattacher ses actions à l'un d'eux" in challenge
    api = client.get("/api/actions/?roadmap__code=2019-2020").json()
    assert all("workstream" not in a for a in api["results"])


def test_an_action_nobody_followed_shows_no_status_progress_nor_delay(client, reference):
    html = _page(client, 2)  # planned milestones from 2019, nothing entered
    facts = html.split('<dl class="facts">')[1].split("</dl>")[0]
    assert "suivi non renseigné" in facts and "non calculé" in facts
    assert "non démarrée" not in facts and "0 %" not in facts and "jour" not in facts
    assert "Suivi non renseigné : aucun statut" in html
    assert " j</td>" not in html  # no milestone delay in the table either
    milestones = html.split('id="titre-jalons"')[1].split("</section>")[0]
    assert "retard de" not in milestones and "<svg" not in milestones  # nor a chart drawn from missing dates
    challenge = client.get(reverse("actions:challenge_detail", args=[1])).content.decode()
    assert "suivi non renseigné" in challenge and "non démarrée" not in challenge


def test_once_someone_enters_follow_up_the_delay_is_computed(client, reference):
    action = Action.objects.get(roadmap__code="2019-2020", number=2)
    Action.objects.filter(pk=action.pk).update(status="in_progress", progress=35)
    milestone = action.milestones.order_by("order").first()
    milestone.actual_date = date(2019, 5, 10)  # planned by 30/04/2019: 10 days late
    milestone.save()
    html = _page(client, 2)
    assert "en cours" in html and "35 %" in html and "10 j</td>" in html
    assert "Suivi non renseigné" not in html
    assert "Calendrier des opérations" in html and "retard" in html.split('class="chart"')[1]


def test_the_dashboard_says_suivi_non_renseigne(client, reference, copil_member):
    from ..auth import login

    action = Action.objects.get(roadmap__code="2019-2020", number=3)
    BudgetLine.objects.create(action=action, year=2019, allocated_cents=100_000, spent_cents=50_000)
    login(client, copil_member)
    html = client.get(reverse("actions:dashboard")).content.decode()
    assert html.count("suivi non renseigné") >= 16  # status and light of the 16 actions nobody followed
    assert "non démarrée" in html  # #3 has a budget line: its status is shown as entered
    row_2 = html.split("#2 – ")[1].split("</tr>")[0]
    assert "suivi non renseigné" in row_2 and "0 %" not in row_2


def test_action_pages_link_to_their_module_and_modules_link_back(client, reference):
    modules = (
        (2, "ftth:search"), (3, "passnumerique:home"), (5, "participation:home"), (6, "marketplace:home"),
        (7, "resources:home"), (9, "explorateurs:home"), (10, "fmin:home"), (11, "engineering:home"),
        (13, "fmin:home"),
    )  # fmt: skip
    for number, url_name in modules:
        html = _page(client, number)
        assert f'href="{reverse(url_name)}"' in html, number
        module_home = client.get(reverse(url_name)).content.decode()
        assert f'href="{reverse("actions:action_detail", args=["2019-2020", number])}"' in module_home
        assert f"l'action #{number} de la feuille de route 2019-2020 du SMAN" in module_home
    # The PCAEM call runs on the FMIN's call engine: its page lists the programme's calls (none published here).
    html = _page(client, 13)
    assert "dès son ouverture" not in html and reverse("fmin:programme_detail", args=["pcaem"]) in html
    assert "Aucun appel publié pour l'instant." in html


def test_reloading_the_reference_keeps_working_without_chantier_links(reference):
    report = load_reference()
    assert not report.changed


def test_a_sessions_agenda_says_non_renseigne_for_an_action_nobody_followed(client, reference, copil_member, staff):
    from actions import services

    from ..auth import login

    session = services.copil_session_create(user=staff, year=2030, semester=1, on=date(2030, 3, 12))
    login(client, copil_member)
    html = client.get(session.get_absolute_url()).content.decode()
    row_2 = html.split("#2 – ")[1].split("</tr>")[0]
    assert "non renseigné" in row_2 and "0 %" not in row_2

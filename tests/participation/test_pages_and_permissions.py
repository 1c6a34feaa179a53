"""Role × URL matrix of participation (citizen, author, moderator of this space and of another, staff), and what
the pages do."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participation import services
from participation.models import Ballot, ModerationCase, Process, Proposal, Support
from sman.models import Territory

from ..auth import login
from ..factories import (
    BudgetFactory,
    BudgetProjectFactory,
    MeetingFactory,
    ProposalFactory,
    ResidenceProofFactory,
    ResultFactory,
    UserFactory,
    png_bytes,
)
from ..matrix import Case, check, matrix_params
from .conftest import PART_ROLES

pytestmark = pytest.mark.django_db

ROLES = PART_ROLES
OPEN = dict.fromkeys(ROLES, 200)
P = "participation:"


def only(*allowed: str) -> dict:
    return {role: 200 if role in allowed else 302 if role == "anonymous" else 403 for role in ROLES}


SIGNED_IN = {role: 302 if role == "anonymous" else 200 for role in ROLES}
MANAGERS = ("space_admin", "staff")
MODERATORS = ("moderator", "space_admin", "staff")


def _part(w):
    return w.extra["part"]


def _part_url(w, name):
    return reverse(P + name, args=[_part(w).process.slug])


def _closed_budget(w):
    budget = BudgetFactory(process=_part(w).process, closed=True)
    BudgetProjectFactory(budget=budget)
    return budget


def _hidden(w):
    return ProposalFactory(process=_part(w).process, author=_part(w).author, hidden_by_moderation=True)


def _comment(w):
    return services.comment_create(proposal=_part(w).proposal, author=UserFactory(), body="Un commentaire")


def _future_budget(w, process=None):
    now = timezone.now()
    budget = BudgetFactory(process=process or _part(w).process, vote_opens_at=now + timedelta(days=5),
                           vote_closes_at=now + timedelta(days=20))  # fmt: skip
    BudgetProjectFactory(budget=budget)
    return budget


def _project(w):
    return _future_budget(w).projects.get()


def _survey(w, process=None):
    from participation.models import Survey

    return Survey.objects.create(process=process or _part(w).process, title="Vos usages")


def _question(w):
    from participation.models import Question

    return Question.objects.create(survey=_survey(w), text="Votre âge ?", kind="number")


def _proof(w):
    return ResidenceProofFactory(space=_part(w).space, user=_part(w).author)


def _proof_budget(w):
    return BudgetFactory(process=_part(w).process, residents=True, proof_required=True)


def _with_logo(w):
    from django.core.files.base import ContentFile

    space = _part(w).space
    space.logo.save("logo.png", ContentFile(png_bytes()), save=True)
    return reverse(P + "space_logo", args=[space.slug])


def _with_image(w, **kwargs):
    from django.core.files.base import ContentFile

    proposal = ProposalFactory(process=_part(w).process, author=_part(w).author, image_alt="Un banc", **kwargs)
    proposal.image.save("banc.png", ContentFile(png_bytes()), save=True)
    return reverse(P + "proposal_image", args=[proposal.pk])


MANAGERS_POST = {role: 302 if role in (*MANAGERS, "anonymous") else 403 for role in ROLES}
HIDDEN = {**dict.fromkeys(ROLES, 404), "author": 200, "moderator": 200, "space_admin": 200, "staff": 200}

FRONT_OFFICE_CASES = [
    Case("space-edit", lambda w: reverse(P + "space_edit", args=[_part(w).space.slug]), only(*MANAGERS),
         covers=P + "space_edit"),
    Case("space-edit-elsewhere", lambda w: reverse(P + "space_edit", args=[_part(w).other_space.slug]),
         only("staff"), covers=P + "space_edit"),
    Case("space-logo", _with_logo, OPEN, covers=P + "space_logo"),
    Case("proposal-image", _with_image, OPEN, covers=P + "proposal_image"),
    Case("hidden-proposal-image", lambda w: _with_image(w, hidden=True), HIDDEN, covers=P + "proposal_image"),
    Case("proofs", lambda w: reverse(P + "proofs", args=[_part(w).space.slug]), only(*MANAGERS), covers=P + "proofs"),
    Case("proofs-elsewhere", lambda w: reverse(P + "proofs", args=[_part(w).other_space.slug]), only("staff"),
         covers=P + "proofs"),
    Case("proof-review", lambda w: reverse(P + "proof_review", args=[_proof(w).pk]), only(*MANAGERS),
         covers=P + "proof_review"),
    Case("proof-file", lambda w: reverse(P + "proof_file", args=[_proof(w).pk]), {**only(*MANAGERS), "author": 200},
         covers=P + "proof_file"),
    Case("proof-submit", lambda w: reverse(P + "proof_submit", args=[_proof_budget(w).pk]), SIGNED_IN,
         covers=P + "proof_submit"),
    Case("budget-create", lambda w: reverse(P + "budget_create", args=[_part(w).process.slug]), only(*MANAGERS),
         covers=P + "budget_create"),
    Case("budget-create-elsewhere", lambda w: reverse(P + "budget_create", args=[_part(w).other_process.slug]),
         only("staff"), covers=P + "budget_create"),
    Case("budget-manage", lambda w: reverse(P + "budget_manage", args=[_part(w).budget.pk]), only(*MANAGERS),
         covers=P + "budget_manage"),
    Case("budget-edit", lambda w: reverse(P + "budget_edit", args=[_part(w).budget.pk]), only(*MANAGERS),
         covers=P + "budget_edit"),
    Case("budget-edit-elsewhere",
         lambda w: reverse(P + "budget_edit", args=[_future_budget(w, _part(w).other_process).pk]), only("staff"),
         covers=P + "budget_edit"),
    Case("project-edit", lambda w: reverse(P + "project_edit", args=[_project(w).pk]), only(*MANAGERS),
         covers=P + "project_edit"),
    Case("project-delete", lambda w: reverse(P + "project_delete", args=[_project(w).pk]), only(*MANAGERS),
         covers=P + "project_delete"),
    Case("meeting-create", lambda w: reverse(P + "meeting_create", args=[_part(w).process.slug]), only(*MANAGERS),
         covers=P + "meeting_create"),
    Case("meeting-edit", lambda w: reverse(P + "meeting_edit", args=[MeetingFactory(process=_part(w).process).pk]),
         only(*MANAGERS), covers=P + "meeting_edit"),
    Case("meeting-edit-elsewhere",
         lambda w: reverse(P + "meeting_edit", args=[MeetingFactory(process=_part(w).other_process).pk]),
         only("staff"), covers=P + "meeting_edit"),
    Case("survey-create", lambda w: reverse(P + "survey_create", args=[_part(w).process.slug]), only(*MANAGERS),
         covers=P + "survey_create"),
    Case("survey-edit", lambda w: reverse(P + "survey_edit", args=[_survey(w).pk]), only(*MANAGERS),
         covers=P + "survey_edit"),
    Case("survey-edit-elsewhere", lambda w: reverse(P + "survey_edit", args=[_survey(w, _part(w).other_process).pk]),
         only("staff"), covers=P + "survey_edit"),
    Case("question-delete", lambda w: reverse(P + "question_delete", args=[_question(w).pk]), MANAGERS_POST,
         method="post", covers=P + "question_delete"),
]  # fmt: skip

CASES = [
    Case("home", "/participation/", OPEN),
    Case("process", lambda w: _part(w).process.get_absolute_url(), OPEN, covers=P + "process"),
    Case("proposals", lambda w: reverse(P + "proposals", args=[_part(w).process.slug]), OPEN, covers=P + "proposals"),
    Case("proposals-search", lambda w: _part_url(w, "proposals") + "?q=banc&tri=-support_count", OPEN,
         covers=P + "proposals"),
    Case("similar", lambda w: _part_url(w, "similar") + "?q=bancs", OPEN, covers=P + "similar"),
    Case("proposal-create", lambda w: reverse(P + "proposal_create", args=[_part(w).process.slug]), SIGNED_IN,
         covers=P + "proposal_create"),
    Case("results", lambda w: reverse(P + "results", args=[_part(w).process.slug]), OPEN, covers=P + "results"),
    Case("proposal", lambda w: _part(w).proposal.get_absolute_url(), OPEN, covers=P + "proposal"),
    Case("hidden-proposal", lambda w: _hidden(w).get_absolute_url(),
         {**dict.fromkeys(ROLES, 404), "author": 200, "moderator": 200, "space_admin": 200, "staff": 200},
         covers=P + "proposal"),
    Case("support", lambda w: reverse(P + "support", args=[_part(w).proposal.pk]), dict.fromkeys(ROLES, 302),
         method="post", covers=P + "support"),
    Case("comment", lambda w: reverse(P + "comment", args=[_part(w).proposal.pk]), dict.fromkeys(ROLES, 302),
         method="post", data={"body": "Bonjour"}, covers=P + "comment"),
    Case("answer", lambda w: reverse(P + "answer", args=[_part(w).proposal.pk]), only(*MANAGERS), covers=P + "answer"),
    Case("report-proposal", lambda w: reverse(P + "report", args=["proposition", _part(w).proposal.pk]), SIGNED_IN,
         covers=P + "report"),
    Case("report-comment", lambda w: reverse(P + "report", args=["commentaire", _comment(w).pk]), SIGNED_IN,
         covers=P + "report"),
    Case("budget", lambda w: _part(w).budget.get_absolute_url(), OPEN, covers=P + "budget"),
    Case("budget-results-open-vote", lambda w: reverse(P + "budget_results", args=[_part(w).budget.pk]),
         {**only(*MANAGERS), "anonymous": 403}, covers=P + "budget_results"),
    Case("budget-results-closed", lambda w: reverse(P + "budget_results", args=[_closed_budget(w).pk]), OPEN,
         covers=P + "budget_results"),
    Case("paper-ballot", lambda w: reverse(P + "paper_ballot", args=[_part(w).budget.pk]), only(*MANAGERS),
         covers=P + "paper_ballot"),
    Case("select-winners", lambda w: reverse(P + "select_winners", args=[_closed_budget(w).pk]),
         {role: 302 if role in (*MANAGERS, "anonymous") else 403 for role in ROLES}, method="post",
         covers=P + "select_winners"),
    Case("result-edit", lambda w: reverse(P + "result_edit", args=[ResultFactory(process=_part(w).process).pk]),
         only(*MANAGERS), covers=P + "result_edit"),
    Case("result-edit-elsewhere",
         lambda w: reverse(P + "result_edit", args=[ResultFactory(process=_part(w).other_process).pk]),
         only("staff"), covers=P + "result_edit"),
    Case("moderation-log", "/participation/moderation/journal/", OPEN),
    Case("residence", "/participation/mon-adresse/", SIGNED_IN),
    Case("my-data", "/participation/mes-donnees/", SIGNED_IN),
    Case("my-data-erase", "/participation/mes-donnees/effacer/", SIGNED_IN),
    Case("open-data-csv", "/participation/donnees-ouvertes/demarches.csv", OPEN),
    Case("open-data-json", "/participation/donnees-ouvertes/demarches.json", OPEN),
    Case("space", lambda w: _part(w).space.get_absolute_url(), OPEN, covers=P + "space"),
    Case("moderation", lambda w: reverse(P + "moderation", args=[_part(w).space.slug]), only(*MODERATORS),
         covers=P + "moderation"),
    Case("moderation-of-another-space", lambda w: reverse(P + "moderation", args=[_part(w).other_space.slug]),
         only("other_moderator", "staff"), covers=P + "moderation"),
    Case("block", lambda w: reverse(P + "block", args=[_part(w).space.slug, _part(w).author.pk]), only(*MODERATORS),
         covers=P + "block"),
    Case("process-create", lambda w: reverse(P + "process_create", args=[_part(w).space.slug]), only(*MANAGERS),
         covers=P + "process_create"),
    Case("metropolitan", "/participation/metropole/", only("staff")),
    Case("api-processes", "/api/participation/processes/", OPEN),
    Case("api-process", lambda w: f"/api/participation/processes/{_part(w).process.slug}/", OPEN,
         covers="participation-process-detail"),
    Case("api-proposals", "/api/participation/proposals/", OPEN),
    Case("api-proposal", lambda w: f"/api/participation/proposals/{_part(w).proposal.pk}/", OPEN,
         covers="participation-proposal-detail"),
    Case("api-results", "/api/participation/results/", OPEN),
    Case("api-result", lambda w: f"/api/participation/results/{ResultFactory(process=_part(w).process).pk}/", OPEN,
         covers="participation-result-detail"),
]  # fmt: skip


CASES += FRONT_OFFICE_CASES


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, ROLES))
def test_matrix(part_world, case, role):
    check(part_world, case, role)


def _client(user) -> Client:
    return login(Client(), user)


def test_home_shows_the_processes_near_the_citizen_first(part):
    citizen = UserFactory()
    services.residence_declare(user=citizen, commune=part.other_space.organisation.territory)
    response = _client(citizen).get("/participation/")
    assert [p.slug for p in response.context["near"]] == ["idees-pantin"]
    assert response.context["total"] == 2
    filtered = Client().get("/participation/", {"espace": part.space.pk})
    assert [p.slug for p in filtered.context["page_obj"].object_list] == ["idees-montreuil"]


def test_a_citizen_proposes_sees_similar_ones_without_javascript_and_supports(part):
    citizen = UserFactory()
    client = _client(citizen)
    url = reverse(P + "proposal_create", args=[part.process.slug])
    check = client.post(url, {"title": "Des bancs au parc", "body": "…", "check": "1"})
    assert [p.title for p in check.context["similar"]] == ["Des bancs dans le parc"]
    assert check.context["form"]["title"].value() == "Des bancs au parc"  # what was typed is kept
    assert "Des propositions semblables existent déjà" in check.content.decode()
    response = client.post(
        url, {"title": "Des bancs au parc", "body": "Près de l'aire de jeux", "category": "Numérique"}
    )
    proposal = Proposal.objects.get(title="Des bancs au parc")
    assert response.url == proposal.get_absolute_url()
    client.post(reverse(P + "support", args=[part.proposal.pk]))
    assert Support.objects.filter(user=citizen, proposal=part.proposal).exists()
    fragment = Client().get(reverse(P + "similar", args=[part.process.slug]), {"q": "banc"})
    assert "Des bancs dans le parc" in fragment.content.decode()
    as_json = Client().get(
        reverse(P + "similar", args=[part.process.slug]), {"q": "banc"}, HTTP_ACCEPT="application/json"
    )
    assert {r["title"] for r in as_json.json()["results"]} == {"Des bancs dans le parc", "Des bancs au parc"}


def test_the_vote_page_works_without_javascript(part):
    citizen = UserFactory()
    client = _client(citizen)
    url = part.budget.get_absolute_url()
    a, b, c, _ = part.projects
    preview = client.post(url, {"projects": [a.pk, b.pk], "preview": "1"})
    assert preview.context["total_cents"] == 60_000_00 and not Ballot.objects.exists()
    too_many = client.post(url, {"projects": [a.pk, b.pk, c.pk]})
    assert "2 projets au plus" in too_many.content.decode()
    assert too_many.context["selected"] == {str(a.pk), str(b.pk), str(c.pk)}  # the ticks are kept
    assert client.post(url, {"projects": [a.pk, b.pk]}).status_code == 302
    page = client.get(url)
    assert page.context["selected"] == {str(a.pk), str(b.pk)} and "Modifier mon vote" in page.content.decode()
    assert client.post(url, {"projects": [c.pk]}).status_code == 302
    assert Ballot.objects.get().changes == 1
    assert _client(UserFactory(verified=False)).post(url, {"projects": [a.pk]}).status_code == 200
    assert Ballot.objects.count() == 1


def test_the_moderation_queue_decides_in_bulk_within_its_space(part):
    comments = [
        services.comment_create(proposal=part.proposal, author=UserFactory(), body=f"Pub {i}") for i in range(2)
    ]
    for comment in comments:
        services.report_create(user=UserFactory(), comment=comment, reason="spam")
    cases = list(ModerationCase.objects.values_list("pk", flat=True))
    url = reverse(P + "moderation", args=[part.space.slug])
    client = _client(part.moderator)
    assert client.post(url, {"cases": cases, "decision": "hide", "reason": ""}).status_code == 200
    response = client.post(url, {"cases": cases, "decision": "hide", "reason": "Publicité"})
    assert response.status_code == 302
    assert ModerationCase.objects.filter(state="hidden").count() == 2
    log = Client().get("/participation/moderation/journal/").content.decode()
    assert "Publicité" in log and part.moderator.email not in log
    # Another space's moderator cannot post decisions here (403 before anything is read).
    assert (
        _client(part.other_moderator).post(url, {"cases": cases, "decision": "keep", "reason": "x"}).status_code == 403
    )


def test_open_data_has_no_personal_data(part):
    services.proposal_support(proposal=part.proposal, user=UserFactory())
    body = Client().get("/participation/donnees-ouvertes/demarches.json").json()
    montreuil = next(p for p in body["processes"] if p["slug"] == "idees-montreuil")
    assert montreuil["proposals"] == 1 and montreuil["budget_cents"] == 100_000_00 and montreuil["scope"] == ["93048"]
    text = Client().get("/participation/donnees-ouvertes/demarches.csv").content.decode("utf-8-sig")
    assert "idees-montreuil" in text and part.author.email not in text and "@" not in text
    assert Client().get("/participation/donnees-ouvertes/demarches.exe").status_code == 404


def test_my_data_download_and_erase(part):
    client = _client(part.author)
    data = client.get("/participation/mes-donnees/", {"format": "json"})
    assert data["Content-Disposition"].startswith("attachment")
    assert data.json()["propositions"][0]["titre"] == "Des bancs dans le parc"
    assert client.post("/participation/mes-donnees/effacer/", {}).status_code == 200  # not confirmed
    assert client.post("/participation/mes-donnees/effacer/", {"confirm": "on"}).status_code == 302
    assert Proposal.objects.get(pk=part.proposal.pk).author is None
    assert "participant anonyme" in Client().get(part.proposal.get_absolute_url()).content.decode()


def test_closed_budget_results_and_winners(part):
    budget = BudgetFactory(process=part.process)
    a, b = BudgetProjectFactory.create_batch(2, budget=budget)
    services.ballot_cast(budget=budget, voter=UserFactory(), project_ids=[a.pk])
    Ballot.objects.update()
    budget.vote_opens_at, budget.vote_closes_at = (
        timezone.now() - timedelta(days=2),
        timezone.now() - timedelta(minutes=1),
    )
    budget.save()
    client = _client(part.space_admin)
    client.post(reverse(P + "select_winners", args=[budget.pk]))
    page = client.get(reverse(P + "budget_results", args=[budget.pk]))
    assert page.context["tally"]["ballots"] == 1
    assert [row["project"].selected for row in page.context["tally"]["rows"]] == [True, False]


def test_a_space_admin_opens_a_process_within_the_collectivity(part):
    client = _client(part.space_admin)
    url = reverse(P + "process_create", args=[part.space.slug])
    today = timezone.localdate()
    data = {
        "title": "Plan vélo",
        "slug": "plan-velo",
        "summary": "Vos idées",
        "description": "<p>Bonjour</p><script>x</script>",
        "territories": [part.space.organisation.territory.pk],
        "categories": "Pistes, Stationnement",
        "supports_per_user": 5,
        "support_threshold": 30,
        "proposals_starts_on": today.isoformat(),
        "proposals_ends_on": (today + timedelta(days=30)).isoformat(),
        "vote_starts_on": (today + timedelta(days=40)).isoformat(),
    }
    response = client.post(url, data)
    assert "Donnez le début et la fin" in response.content.decode()
    response = client.post(url, {**data, "vote_ends_on": (today + timedelta(days=50)).isoformat()})
    assert response.status_code == 302
    process = Process.objects.get(slug="plan-velo")
    assert process.categories == ["Pistes", "Stationnement"] and "<script>" not in process.description
    assert process.current_phase.kind == "proposals" and "supports" in process.current_phase.components
    pantin = Territory.objects.get(code="93055")
    refused = client.post(url, {**data, "slug": "autre", "territories": [pantin.pk]})
    assert refused.status_code == 200 and not Process.objects.filter(slug="autre").exists()

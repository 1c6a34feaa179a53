"""The front office of a space's administrators (budgets and projects, meetings, surveys, presentation and
logo), the review of proofs of residence, and proposal images."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from participation import services
from participation.models import Budget, Meeting, Proposal, Question, ResidenceProof, Survey
from sman.models import Territory

from ..auth import login
from ..factories import PDF_BYTES, BudgetFactory, BudgetProjectFactory, ResidenceProofFactory, UserFactory, png_bytes

pytestmark = pytest.mark.django_db
P = "participation:"
MONTREUIL_TOWN_HALL = Point(2.4417, 48.8620, srid=4326)


def _client(user) -> Client:
    return login(Client(), user)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _dt(days: int) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_a_space_admin_creates_a_budget_adds_projects_and_they_freeze_when_the_vote_opens(part):
    client = _client(part.space_admin)
    montreuil = part.space.organisation.territory
    data = {
        "title": "Budget des quartiers",
        "territory": montreuil.pk,
        "amount_cents": "200 000",
        "rule": "approval",
        "max_projects": 3,
        "vote_opens_at": _dt(5),
        "vote_closes_at": _dt(4),
    }
    response = client.post(reverse(P + "budget_create", args=[part.process.slug]), data)
    assert "La clôture suit l'ouverture" in _text(response)
    pantin = Territory.objects.get(code="93055")
    response = client.post(
        reverse(P + "budget_create", args=[part.process.slug]),
        {**data, "territory": pantin.pk, "vote_closes_at": _dt(20)},
    )
    assert response.status_code == 200 and not Budget.objects.filter(title="Budget des quartiers").exists()
    response = client.post(reverse(P + "budget_create", args=[part.process.slug]), {**data, "vote_closes_at": _dt(20)})
    budget = Budget.objects.get(title="Budget des quartiers")
    assert response.status_code == 302 and budget.amount_cents == 200_000_00
    manage = reverse(P + "budget_manage", args=[budget.pk])
    response = client.post(manage, {"title": "Trop cher", "cost_cents": "250 000"})
    assert "dépasse le montant" in _text(response)
    client.post(manage, {"title": "Un jardin partagé", "cost_cents": "40 000", "proposal": part.proposal.pk})
    project = budget.projects.get()
    assert project.cost_cents == 40_000_00 and project.proposal == part.proposal
    assert "Un jardin partagé" in _text(client.get(manage))
    # Another collectivity's moderator can do nothing here, the service says so too
    with pytest.raises(PermissionDenied):
        services.budget_project_save(budget=budget, by=part.other_moderator, title="X", cost_cents=100)
    # The vote opens: the costs and the list freeze, the wording can still be corrected
    Budget.objects.filter(pk=budget.pk).update(vote_opens_at=timezone.now() - timedelta(hours=1))
    budget.refresh_from_db()
    with pytest.raises(ValidationError, match="ne changent plus"):
        services.budget_project_save(budget=budget, by=part.space_admin, project=project, title="X", cost_cents=1)
    with pytest.raises(ValidationError, match="ne changent plus"):
        services.budget_project_delete(project=project, by=part.space_admin)
    services.budget_project_save(
        budget=budget, by=part.space_admin, project=project, title="Un jardin partagé rue de Paris",
        cost_cents=project.cost_cents, proposal=part.proposal,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Le vote est ouvert"):
        services.budget_save(process=part.process, by=part.space_admin, budget=budget, title=budget.title,
                             territory=montreuil, amount_cents=1_00, rule="approval", max_projects=3,
                             vote_opens_at=budget.vote_opens_at, vote_closes_at=budget.vote_closes_at)  # fmt: skip


def test_a_project_is_removed_after_confirmation_before_the_vote(part):
    now = timezone.now()
    budget = BudgetFactory(
        process=part.process, vote_opens_at=now + timedelta(days=2), vote_closes_at=now + timedelta(days=9)
    )
    project = BudgetProjectFactory(budget=budget)
    client = _client(part.space_admin)
    url = reverse(P + "project_delete", args=[project.pk])
    assert "Cochez la case" in _text(client.post(url, {}))
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert not budget.projects.exists()


def test_meetings_are_created_and_their_minutes_published_from_the_portal(part):
    client = _client(part.space_admin)
    url = reverse(P + "meeting_create", args=[part.process.slug])
    data = {"title": "Atelier vélo", "starts_at": _dt(3), "ends_at": _dt(3)}
    response = client.post(url, data)
    assert "Indiquez le lieu" in _text(response) or "suit son début" in _text(response)
    data |= {"ends_at": (timezone.localtime() + timedelta(days=3, hours=2)).strftime("%Y-%m-%dT%H:%M"),
             "address": "Maison de quartier", "latitude": 48.8566, "longitude": 2.3522}  # fmt: skip
    assert "pas dans le périmètre" in _text(client.post(url, data)) and not Meeting.objects.exists()
    data |= {"latitude": MONTREUIL_TOWN_HALL.y, "longitude": MONTREUIL_TOWN_HALL.x}
    assert client.post(url, data).status_code == 302
    meeting = Meeting.objects.get(title="Atelier vélo")
    response = client.post(reverse(P + "meeting_edit", args=[meeting.pk]), {**data, "minutes": "Vingt présents."})
    assert response.status_code == 302
    page = Client().get(meeting.get_absolute_url()).content.decode()
    assert "Vingt présents." in page
    assert _client(part.other_moderator).get(reverse(P + "meeting_edit", args=[meeting.pk])).status_code == 403


def test_surveys_get_their_questions_until_the_first_response(part):
    client = _client(part.space_admin)
    response = client.post(
        reverse(P + "survey_create", args=[part.process.slug]), {"title": "Vos trajets", "is_open": "on"}
    )
    survey = Survey.objects.get(title="Vos trajets")
    edit = reverse(P + "survey_edit", args=[survey.pk])
    assert response.url == edit
    response = client.post(edit, {"form": "question", "text": "Votre mode ?", "kind": "single", "choices": "Vélo"})
    assert "au moins deux choix" in _text(response)
    client.post(
        edit, {"form": "question", "text": "Votre mode ?", "kind": "single", "choices": "Vélo\nBus\n", "required": "on"}
    )
    client.post(edit, {"form": "question", "text": "Votre âge ?", "kind": "number"})
    questions = list(survey.questions.all())
    assert [(q.text, q.choices, q.position) for q in questions] == [
        ("Votre mode ?", ["Vélo", "Bus"], 1),
        ("Votre âge ?", [], 2),
    ]
    client.post(reverse(P + "question_delete", args=[questions[1].pk]))
    services.survey_answer(survey=survey, user=part.author, answers={questions[0].pk: "Vélo"})
    with pytest.raises(ValidationError, match="réponses sont déjà reçues"):
        services.question_add(survey=survey, by=part.space_admin, text="Encore ?", kind="short_text")
    assert list(Question.objects.filter(survey=survey).values_list("text", flat=True)) == ["Votre mode ?"]


def test_a_proof_of_residence_is_reviewed_before_the_vote(part, mailoutbox, django_capture_on_commit_callbacks):
    budget = BudgetFactory(process=part.process, residents=True, proof_required=True)
    project = BudgetProjectFactory(budget=budget)
    voter = UserFactory()
    services.residence_declare(
        user=voter, commune=budget.territory, address="Place Jean-Jaurès", point=MONTREUIL_TOWN_HALL
    )
    with pytest.raises(ValidationError, match="justificatif"):
        services.ballot_cast(budget=budget, voter=voter, project_ids=[project.pk])
    client = _client(voter)
    url = reverse(P + "proof_submit", args=[budget.pk])
    fake = SimpleUploadedFile("justificatif.pdf", b"pas un PDF")
    assert "ne correspond pas" in _text(client.post(url, {"address": "Place Jean-Jaurès", "file": fake}))
    pdf = SimpleUploadedFile("facture.pdf", PDF_BYTES)
    assert client.post(url, {"address": "Place Jean-Jaurès", "file": pdf}).status_code == 302
    proof = ResidenceProof.objects.get(user=voter)
    assert proof.status == "pending"
    with pytest.raises(ValidationError, match="en cours d'examen"):
        services.ballot_cast(budget=budget, voter=voter, project_ids=[project.pk])
    # Another collectivity's moderator cannot see it nor decide; the space's admin refuses with a reason
    assert _client(part.other_moderator).get(reverse(P + "proof_file", args=[proof.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.proof_review(proof=proof, by=part.other_moderator, accept=True)
    admin = _client(part.space_admin)
    assert admin.get(reverse(P + "proof_file", args=[proof.pk])).getvalue() == PDF_BYTES
    review = reverse(P + "proof_review", args=[proof.pk])
    assert "Donnez le motif" in _text(admin.post(review, {"decision": "refuse"}))
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(review, {"decision": "refuse", "reason": "Le document date de 2019."})
    assert mailoutbox[-1].to == [voter.email] and "Le document date de 2019." in mailoutbox[-1].body
    with pytest.raises(ValidationError, match="refusé"):
        services.ballot_cast(budget=budget, voter=voter, project_ids=[project.pk])
    # A new proof replaces the refused one; once accepted, the vote counts
    client.post(url, {"address": "Place Jean-Jaurès", "file": SimpleUploadedFile("facture-2.pdf", PDF_BYTES)})
    proof.refresh_from_db()
    assert proof.status == "pending" and proof.reason == ""
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(review, {"decision": "accept"})
    assert "accepté" in mailoutbox[-1].subject
    assert services.ballot_cast(budget=budget, voter=voter, project_ids=[project.pk]).pk
    # The queue shows the decided proofs under their state
    queue = _text(admin.get(reverse(P + "proofs", args=[part.space.slug]) + "?etat=accepted"))
    assert "Place Jean-Jaurès" in queue


def test_proofs_are_in_the_personal_data_export_and_erased_with_their_file(part, django_capture_on_commit_callbacks):
    proof = ResidenceProofFactory(space=part.space, user=part.author, refused=True)
    storage, name = proof.file.storage, proof.file.name
    exported = services.participant_export(part.author)["justificatifs_de_domicile"]
    assert exported[0]["etat"] == "refusé" and exported[0]["motif_du_refus"] == "Document illisible."
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.participant_erase(user=part.author)
    assert counts["residence_proofs"] == 1 and not ResidenceProof.objects.exists() and not storage.exists(name)


def test_a_proposal_image_is_checked_needs_its_description_and_shows(part):
    client = _client(part.author)
    url = reverse(P + "proposal_create", args=[part.process.slug])
    data = {"title": "Un kiosque", "body": "Au parc.", "category": "Numérique"}
    response = client.post(url, {**data, "image": SimpleUploadedFile("kiosque.png", b"not an image")})
    assert "pas une image lisible" in _text(response)
    response = client.post(url, {**data, "image": SimpleUploadedFile("kiosque.png", png_bytes())})
    assert "Décrivez l'image" in _text(response)
    response = client.post(url, {**data, "image": SimpleUploadedFile("kiosque.jpg", png_bytes())})
    assert "ne correspond pas" in _text(response)
    image = SimpleUploadedFile("kiosque.png", png_bytes())
    response = client.post(url, {**data, "image": image, "image_alt": "Un kiosque à musique"})
    proposal = Proposal.objects.get(title="Un kiosque")
    assert response.status_code == 302 and proposal.image_alt == "Un kiosque à musique"
    page = Client().get(proposal.get_absolute_url()).content.decode()
    assert 'alt="Un kiosque à musique"' in page
    assert Client().get(reverse(P + "proposal_image", args=[proposal.pk])).getvalue() == png_bytes()


def test_the_space_admin_sets_the_logo_whose_alternative_is_the_space_name(part):
    client = _client(part.space_admin)
    url = reverse(P + "space_edit", args=[part.space.slug])
    response = client.post(url, {"presentation": "<p>Bienvenue</p>", "logo": SimpleUploadedFile("logo.gif", b"GIF89a")})
    assert "PNG, JPEG ou WebP" in _text(response)
    response = client.post(url, {"presentation": "<p>Bienvenue</p><script>x</script>",
                                 "logo": SimpleUploadedFile("logo.webp", png_bytes(fmt="WEBP"))})  # fmt: skip
    assert response.status_code == 302
    part.space.refresh_from_db()
    assert "<script>" not in part.space.presentation
    page = Client().get(part.space.get_absolute_url()).content.decode()
    assert f'alt="{part.space.name}"' in page
    with pytest.raises(PermissionDenied):
        services.space_update(space=part.space, by=part.other_moderator, presentation="")


def test_the_budget_admin_writes_through_the_service(part, world):
    client = _client(world.users["staff"])
    budget = part.budget
    url = reverse("admin:participation_budget_change", args=[budget.pk])
    assert client.get(url).status_code == 200
    data = {
        "title": budget.title, "territory": budget.territory_id, "district": "", "amount_cents": 1_00,
        "rule": "approval", "max_projects": 2, "min_share_percent": 0,
        "vote_opens_at_0": timezone.localtime(budget.vote_opens_at).strftime("%d/%m/%Y"),
        "vote_opens_at_1": timezone.localtime(budget.vote_opens_at).strftime("%H:%M:%S"),
        "vote_closes_at_0": timezone.localtime(budget.vote_closes_at).strftime("%d/%m/%Y"),
        "vote_closes_at_1": timezone.localtime(budget.vote_closes_at).strftime("%H:%M:%S"),
        "projects-TOTAL_FORMS": 0, "projects-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = client.post(url, data)
    assert "Le vote est ouvert" in _text(response)
    budget.refresh_from_db()
    assert budget.amount_cents == 100_000_00


def test_a_proposal_place_is_found_by_address_within_the_scope_without_javascript(part, tmp_path):
    from ..factories import ProcessFactory, SpaceFactory, collectivity_of
    from ..ftth.test_imports import IPE_HEADER, IPE_ROWS, _import, _write

    _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], IPE_ROWS[1]]) + "\n"))
    saint_denis = ProcessFactory(space=SpaceFactory(organisation=collectivity_of("93066")), slug="idees-saint-denis")
    client = _client(part.author)
    data = {"title": "Un abri vélo", "body": "Devant l'école.", "category": "Numérique",
            "address_search": "3 rue de la République Saint-Denis", "locate": "1"}  # fmt: skip
    page = _text(client.post(reverse(P + "proposal_create", args=[saint_denis.slug]), data))
    assert "Adresses trouvées dans le périmètre" in page and "3 RUE DE LA RÉPUBLIQUE, SAINT-DENIS" in page.upper()
    # The same address is outside Montreuil's process: not proposed there
    page = _text(client.post(reverse(P + "proposal_create", args=[part.process.slug]), data))
    assert "Aucune adresse trouvée dans le périmètre" in page
    # Choosing it fills the coordinates (what was typed is kept); publishing checks the point in PostGIS
    pick = re.search(r'name="pick" value="([0-9.]+),([0-9.]+)"', _text(client.post(
        reverse(P + "proposal_create", args=[saint_denis.slug]), data)))  # fmt: skip
    del data["locate"]
    page = _text(
        client.post(reverse(P + "proposal_create", args=[saint_denis.slug]), {**data, "pick": f"{pick[1]},{pick[2]}"})
    )
    assert f'value="{pick[1]}"' in page and "Un abri vélo" in page
    response = client.post(
        reverse(P + "proposal_create", args=[saint_denis.slug]), {**data, "latitude": pick[1], "longitude": pick[2]}
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get(title="Un abri vélo")
    assert abs(proposal.location.y - float(pick[1])) < 1e-6


def test_the_demo_leaves_proofs_to_review_and_projects_to_change(world):
    from participation import demo

    demo.load_demo(world.users)
    demo.load_demo(world.users)  # loads once
    proofs = ResidenceProof.objects.filter(space__slug="montreuil", status="pending")
    assert proofs.count() == 2
    budget = Budget.objects.get(district="Bas-Montreuil")
    assert budget.proof_required and budget.projects.count() == 2 and budget.vote_opens_at > timezone.now()

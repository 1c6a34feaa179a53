"""A citizen proposes (similar proposals shown while typing), supports and votes on a participatory budget with
the running total; axe-core finds nothing on the pages."""

import pytest

from participation import services
from participation.models import Ballot, Proposal, Support

from ..factories import (
    BudgetFactory,
    BudgetProjectFactory,
    ProcessFactory,
    ProposalFactory,
    SpaceFactory,
    UserFactory,
    collectivity_of,
)
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_citizen_proposes_supports_and_votes(page, reference):
    space = SpaceFactory(organisation=collectivity_of("93048"))
    process = ProcessFactory(space=space, slug="idees", title="Vos idées pour Montreuil")
    existing = ProposalFactory(process=process, title="Des bancs dans le parc des Beaumonts")
    budget = BudgetFactory(process=process, title="Budget participatif 2026", max_projects=2)
    costs = [("Bornes numériques", 30_000_00), ("Atelier de réparation", 20_000_00), ("Wifi au parc", 25_000_00)]
    for title, cost in costs:
        BudgetProjectFactory(budget=budget, title=title, cost_cents=cost)
    citizen = UserFactory()

    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(citizen.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")

    for path in (
        "/participation/",
        process.get_absolute_url(),
        f"/participation/demarches/{process.slug}/propositions/",
    ):
        page.goto(path)
        assert_no_axe_violation(page)

    page.goto(f"/participation/demarches/{process.slug}/propositions/nouvelle/")
    page.get_by_label("Titre").fill("Des bancs au parc")
    page.wait_for_selector("#semblables >> text=Des bancs dans le parc des Beaumonts")
    assert_no_axe_violation(page)
    page.get_by_label("Description").fill("Pour se reposer près de l'aire de jeux.")
    page.get_by_label("Catégorie").select_option("Numérique")
    page.get_by_role("button", name="Publier ma proposition").click()
    page.wait_for_selector("text=Votre proposition est publiée.")
    assert Proposal.objects.filter(title="Des bancs au parc", author=citizen).exists()
    assert_no_axe_violation(page)

    page.goto(existing.get_absolute_url())
    page.get_by_role("button", name="Soutenir cette proposition").click()
    page.wait_for_selector("text=Merci pour votre soutien.")
    assert Support.objects.filter(user=citizen, proposal=existing).exists()

    page.goto(budget.get_absolute_url())
    assert_no_axe_violation(page)
    page.get_by_label("Bornes numériques").check()
    page.get_by_label("Atelier de réparation").check()
    assert "50\u202f000,00\u00a0€" in page.locator("[data-total]").inner_text()
    page.get_by_role("button", name="Voter").click()
    page.wait_for_selector("text=Votre vote est enregistré.")
    page.get_by_label("Wifi au parc").check()
    page.get_by_role("button", name="Modifier mon vote").click()
    page.wait_for_selector("text=au plus")  # three projects: refused, the ticks kept
    assert_no_axe_violation(page)
    page.get_by_label("Bornes numériques").uncheck()
    page.get_by_role("button", name="Modifier mon vote").click()
    page.wait_for_selector("text=Votre vote est modifié.")
    ballot = Ballot.objects.get(voter=citizen)
    assert {p.title for p in ballot.projects.all()} == {"Atelier de réparation", "Wifi au parc"}


def test_moderation_queue_results_and_meetings_are_accessible(page, reference):
    from participation.models import SpaceMember

    from ..factories import MeetingFactory, MembershipFactory, ResultFactory

    space = SpaceFactory(organisation=collectivity_of("93048"))
    process = ProcessFactory(space=space, slug="suivi")
    proposal = ProposalFactory(process=process, title="Un composteur")
    comment = services.comment_create(proposal=proposal, author=UserFactory(), body="Publicité")
    services.report_create(user=UserFactory(), comment=comment, reason="spam")
    result = ResultFactory(process=process, title="Composteur du square", progress=60)
    services.milestone_add(result=result, by=UserFactory(staff=True), title="Commande passée")
    meeting = MeetingFactory(process=process, title="Réunion de quartier")
    moderator = MembershipFactory(organisation=space.organisation).user
    SpaceMember.objects.create(space=space, user=moderator, role=SpaceMember.Role.MODERATOR)

    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(moderator.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")
    for path in (f"/participation/espaces/{space.slug}/moderation/", "/participation/demarches/suivi/resultats/",
                 meeting.get_absolute_url(), f"/participation/espaces/{space.slug}/"):  # fmt: skip
        page.goto(path)
        assert_no_axe_violation(page)
    page.goto(f"/participation/espaces/{space.slug}/moderation/")
    page.get_by_label("Commentaire", exact=False).first.check()
    page.get_by_label("Masquer (contraire à la charte)").check()
    page.get_by_label("Motif publié dans le journal de modération").fill("Publicité commerciale")
    page.get_by_role("button", name="Appliquer la décision aux contributions cochées").click()
    page.wait_for_selector("text=Décision enregistrée pour 1 contribution.")
    page.goto("/participation/moderation/journal/")
    assert "Publicité commerciale" in page.content()
    assert_no_axe_violation(page)


def test_the_space_admin_front_office_is_accessible(page, reference):
    from participation.models import SpaceMember, Survey

    from ..factories import BudgetFactory, BudgetProjectFactory, MembershipFactory, ResidenceProofFactory

    space = SpaceFactory(organisation=collectivity_of("93048"))
    process = ProcessFactory(space=space, slug="bureau")
    budget = BudgetFactory(process=process, residents=True, proof_required=True)
    BudgetProjectFactory(budget=budget, title="Bancs connectés")
    proof = ResidenceProofFactory(space=space)
    survey = Survey.objects.create(process=process, title="Vos usages")
    admin = MembershipFactory(organisation=space.organisation).user
    SpaceMember.objects.create(space=space, user=admin, role=SpaceMember.Role.ADMIN)

    page.goto("/comptes/login/")
    page.get_by_label("Courriel").fill(admin.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")
    paths = [
        f"/participation/budgets/{budget.pk}/gestion/",
        f"/participation/budgets/{budget.pk}/modifier/",
        "/participation/demarches/bureau/reunions/nouvelle/",
        f"/participation/questionnaires/{survey.pk}/modifier/",
        f"/participation/espaces/{space.slug}/justificatifs/",
        f"/participation/justificatifs/{proof.pk}/",
        f"/participation/espaces/{space.slug}/presentation/",
        "/participation/demarches/bureau/",
    ]
    for path in paths:
        page.goto(path)
        assert_no_axe_violation(page)
    page.goto(f"/participation/justificatifs/{proof.pk}/")
    page.get_by_label("Refuser").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_selector("text=Donnez le motif du refus")
    assert_no_axe_violation(page)

"""The life of one FMIN application in headless Chromium, each user in their own browser: a Montreuil
agent drafts a joint project with Est Ensemble, Est Ensemble confirms, Montreuil submits, staff declare it
eligible and assign a reviewer, the reviewer scores it, staff fund it, Montreuil hands in the progress
report. axe-core checks every form on the way, and the public FMIN pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fmin import services
from fmin.models import Application, FollowUpReport, Meeting, Programme, WorkingGroup

from ..factories import UserFactory
from ..fmin.conftest import agent_of, collectivity, open_call
from .test_copil_in_chromium import _current_code, _login
from .test_pages_in_chromium import assert_no_axe_violation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Prise de rendez-vous en ligne mutualisée"


@pytest.fixture
def new_page(browser, live_server):
    """Another user's browser: a context of its own (cookies, session), closed after the test. Its
    JavaScript errors go to ``errors``."""
    contexts = []

    def make(errors: list):
        context = browser.new_context(base_url=live_server.url, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


def _sign_in(page, user):
    _login(page, user)
    if user.requires_mfa:
        from allauth.mfa.models import Authenticator

        device = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        page.get_by_label("Code").fill(_current_code(device))
        page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/espace/")


def _document_post(response) -> bool:
    return response.request.method == "POST" and response.request.resource_type == "document"


def _submit(page, name: str):
    """Press a form's button; the server must answer the POST without an error (the page then loads)."""
    with page.expect_response(_document_post) as posted:
        page.get_by_role("button", name=name, exact=True).click()
    response = posted.value
    assert response.status < 500, f"{response.status} on POST {response.url}"
    page.wait_for_load_state()


def _fill_draft(page, *, amount_ht: str, start, end):
    """The whole draft form, as an agent types it; the budget line's HT amount as given (typed first: an
    autosave firing while the rest is typed saves nothing if that amount is wrong)."""
    label = page.get_by_label
    # Budget: one eligible line (200 000 € HT).
    label("Montant HT (€), ligne 1").fill(amount_ht)
    label("Montant TTC (€), ligne 1").fill("240 000")
    label("Type de dépense, ligne 1").select_option(label="développement de nouveaux services")
    label("Libellé, ligne 1").fill("Développement du service")
    label("Thème").select_option(label="gestion de la relation citoyenne")
    label("Problème à résoudre").fill("Les usagers attendent au guichet pour prendre un rendez-vous.")
    label("L'expérimentation", exact=True).fill("Un service de prise de rendez-vous en ligne partagé.")
    label("Méthode d'expérimentation").fill("Six mois d'essai au service état civil, puis extension.")
    page.get_by_role("group", name="Défis du SMAN").get_by_label(re.compile(r"^Défi 4 ")).check()
    label("Territoires de l'expérimentation").select_option(label="Montreuil")
    label("Début", exact=True).fill(start.isoformat())
    label("Fin", exact=True).fill(end.isoformat())
    label("Dispositif d'évaluation").fill("Temps d'attente avant et après, enquête de satisfaction.")
    label("Indicateurs suivis").fill("Délai moyen d'obtention d'un rendez-vous.")
    label("Diffusion des enseignements").fill("Retour d'expérience publié au centre de ressources.")
    label("Équipe interne mobilisée").fill("Une cheffe de projet à mi-temps, la DSI.")
    label("Engagement à évaluer l'impact et la répliquabilité").check()
    label("Résumé public").fill("Rendez-vous en ligne pour l'état civil de Montreuil et d'Est Ensemble.")
    # Financing: 100 000 € own funds, 60 000 € requested by Montreuil, 40 000 € by Est Ensemble.
    label("Origine, ligne 1").select_option(label="fonds propres du maître d'ouvrage")
    label("Financeur, ligne 1").fill("Commune de Montreuil")
    label("Montant (€), ligne 1").fill("100 000")
    label("Subvention demandée par la cheffe de file (€)").fill("60 000")
    label("Part du coût portée par la cheffe de file (€ HT)").fill("100 000")
    label("Collectivité co-porteuse, ligne 1").select_option(label="Établissement public territorial Est Ensemble")
    label("Part du coût (€ HT), ligne 1").fill("100 000")
    label("Subvention demandée (€), ligne 1").fill("40 000")


def test_an_application_from_draft_to_progress_report(page, new_page, reference):
    staff = UserFactory(staff=True)
    reviewer = UserFactory(reviewer=True)
    montreuil, est_ensemble = collectivity("93048"), collectivity("T8")
    lead_agent, co_agent = agent_of(montreuil), agent_of(est_ensemble)
    call = open_call(staff)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. Montreuil drafts the application.
    _sign_in(page, lead_agent)
    page.goto("/fmin/")
    page.get_by_role("link", name="Préparer une candidature").click()
    page.wait_for_url(f"**/fmin/appels/{call.pk}/candidater/")
    expect(page.get_by_label("Collectivité cheffe de file")).to_have_value(str(montreuil.pk))
    assert_no_axe_violation(page)
    page.get_by_label("Titre du projet").fill(TITLE)
    _submit(page, "Créer le brouillon")
    page.wait_for_url("**/fmin/candidatures/*/modifier/")
    application = Application.objects.get(title=TITLE)
    assert (application.lead, application.status) == (montreuil, Application.Status.DRAFT)
    assert_no_axe_violation(page)

    # A mistyped amount: the summary takes the focus, what was typed stays.
    start = timezone.localdate() + timedelta(days=60)
    end = start + timedelta(days=365)
    _fill_draft(page, amount_ht="douze", start=start, end=end)
    _submit(page, "Enregistrer le brouillon")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(
        summary.get_by_role("link", name=re.compile(r"Montant HT \(€\) \(ligne 1\) : Saisissez un montant"))
    ).to_be_visible()
    expect(page.get_by_label("Montant HT (€), ligne 1")).to_have_value("douze")
    expect(page.get_by_label("Problème à résoudre")).to_have_value(
        "Les usagers attendent au guichet pour prendre un rendez-vous."
    )
    expect(page.get_by_label("Subvention demandée (€), ligne 1")).to_have_value("40 000")
    expect(page.get_by_label("Engagement à évaluer l'impact et la répliquabilité")).to_be_checked()
    assert_no_axe_violation(page)
    application.refresh_from_db()
    assert application.version == 1 and not application.irritant  # nothing was saved

    # Corrected: the autosave records it two seconds later and refreshes the rules; then the button.
    with page.expect_response("**/enregistrement-auto/", timeout=10_000) as autosaved:
        page.get_by_label("Montant HT (€), ligne 1").fill("200 000")
    assert autosaved.value.status == 200, f"{autosaved.value.status} on the autosave"
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Brouillon enregistré à \d\d:\d\d:\d\d\.$"))
    expect(page.locator("#rules-result")).to_contain_text("Dépenses éligibles : 200")
    _submit(page, "Enregistrer le brouillon")
    expect(page.get_by_text("Brouillon enregistré.", exact=True)).to_be_visible()
    application.refresh_from_db()
    assert application.version == 3  # the autosave, then the button
    assert application.irritant.startswith("Les usagers attendent")
    assert (application.starts_on, application.ends_on, application.commits_to_evaluate) == (start, end, True)
    assert list(application.challenges.values_list("number", flat=True)) == [4]
    assert list(application.territories.values_list("code", flat=True)) == ["93048"]
    # The lines the autosave had already stored are still there after the button's save.
    assert list(application.budget_lines.values_list("amount_ht_cents", "amount_ttc_cents")) == [
        (20_000_000, 24_000_000)
    ]
    assert list(application.funding_lines.values_list("source", "amount_cents")) == [("own_funds", 10_000_000)]
    shares = {
        p.organisation_id: (p.cost_share_cents, p.request_cents, p.confirmed_at is not None)
        for p in application.participants.all()
    }
    assert shares == {montreuil.pk: (10_000_000, 6_000_000, True), est_ensemble.pk: (10_000_000, 4_000_000, False)}

    # The button pressed while an autosave is on its way (it reached the server, its answer is held back):
    # the form waits for that answer and goes with the version it returns, rather than being refused as
    # « modifié par une autre personne » because of the user's own autosave.
    held = []
    page.route("**/enregistrement-auto/", lambda route: held.append((route, route.fetch())))
    page.get_by_label("Indicateurs suivis").fill("Délai moyen d'obtention d'un rendez-vous, taux d'absence.")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    page.get_by_role("button", name="Enregistrer le brouillon", exact=True).click()
    route, answer = held[0]
    # (Had the form left at once, its POST would be gone already and none would come now.)
    with page.expect_response(_document_post, timeout=5_000) as posted:
        route.fulfill(response=answer)
    assert posted.value.status == 302, f"{posted.value.status} on POST {posted.value.url}"
    page.unroute("**/enregistrement-auto/")
    expect(page.get_by_text("Brouillon enregistré.", exact=True)).to_be_visible()
    expect(page.locator(".error-summary")).to_have_count(0)
    application.refresh_from_db()
    assert application.version == 5 and application.indicators.endswith("taux d'absence.")
    assert errors == []

    # 2. Est Ensemble confirms its share.
    co_page = new_page(errors)
    _sign_in(co_page, co_agent)
    co_page.goto(application.get_absolute_url())
    _submit(co_page, "Confirmer la participation de Établissement public territorial Est Ensemble")
    expect(
        co_page.get_by_text("Participation de Établissement public territorial Est Ensemble confirmée.")
    ).to_be_visible()
    assert application.participants.get(organisation=est_ensemble).confirmed_by == co_agent

    # 3. Montreuil submits, after reading the rules.
    page.goto(application.get_absolute_url())
    page.get_by_role("link", name="Déposer le dossier").click()
    page.wait_for_url(f"**/fmin/candidatures/{application.pk}/deposer/")
    expect(page.get_by_role("heading", name="Règles de subvention")).to_be_visible()
    expect(page.locator(".rules")).not_to_contain_text("non respectée")
    expect(page.locator(".rules")).to_contain_text("Toutes les participations sont confirmées.")
    assert_no_axe_violation(page)
    _submit(page, "Déposer définitivement le dossier")
    page.wait_for_url(f"**{application.get_absolute_url()}")
    expect(page.get_by_text("Dossier déposé.")).to_be_visible()
    expect(page.locator("h1 + p .badge")).to_have_text("déposée")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.submitted_pdf  # rendered on commit (Celery eager in tests)

    # 4. Staff declare it eligible and assign a reviewer.
    staff_page = new_page(errors)
    _sign_in(staff_page, staff)
    staff_page.goto(f"/fmin/candidatures/{application.pk}/instruction/")
    for _, item in services.ELIGIBILITY_ITEMS:
        staff_page.get_by_label(item).check()
    _submit(staff_page, "Enregistrer la recevabilité")
    expect(staff_page.get_by_text("Recevabilité enregistrée.")).to_be_visible()
    assert_no_axe_violation(staff_page)
    staff_page.get_by_role("combobox", name="Évaluateur").select_option(label=str(reviewer))
    _submit(staff_page, "Affecter")
    expect(staff_page.get_by_text("Évaluateur affecté.")).to_be_visible()
    application.refresh_from_db()
    assert application.status == Application.Status.ELIGIBLE
    assert list(application.assignments.values_list("reviewer", flat=True)) == [reviewer.pk]

    # 5. The reviewer scores the six criteria.
    reviewer_page = new_page(errors)
    _sign_in(reviewer_page, reviewer)
    reviewer_page.goto("/fmin/evaluations/")
    reviewer_page.get_by_role("link", name=TITLE).click()
    reviewer_page.wait_for_url("**/fmin/evaluations/*/")
    assert_no_axe_violation(reviewer_page)
    criteria = list(call.criteria.all())
    assert len(criteria) == 6
    # One group per criterion, named after it.
    expect(reviewer_page.get_by_role("group", name=criteria[0].label, exact=True)).to_be_visible()
    for i, criterion in enumerate(criteria):
        reviewer_page.get_by_label(f"{criterion.label} — note sur 5").select_option(str(3 + i % 3))
        reviewer_page.get_by_label(f"{criterion.label} — commentaire").fill(f"Commentaire sur le critère {i + 1}.")
    reviewer_page.get_by_label("Appréciation générale").fill("Un projet utile et bien évalué.")
    _submit(reviewer_page, "Remettre l'évaluation")
    expect(reviewer_page.get_by_text("Évaluation remise.", exact=True)).to_be_visible()
    assignment = application.assignments.get()
    assert assignment.submitted_at is not None
    assert sorted(assignment.scores.values_list("value", flat=True)) == [3, 3, 4, 4, 5, 5]

    # 6. Staff rank and fund it.
    staff_page.goto(f"/fmin/appels/{call.pk}/classement/")
    assert_no_axe_violation(staff_page)
    staff_page.get_by_role("link", name=f"Décider : {TITLE}").click()
    staff_page.wait_for_url(f"**/fmin/candidatures/{application.pk}/decision/")
    staff_page.get_by_label("financée").check()
    staff_page.get_by_label("Subvention accordée (€)").fill("90 000")
    staff_page.get_by_label("Motivation").fill("Projet commun solide, évaluation bien construite.")
    assert_no_axe_violation(staff_page)
    _submit(staff_page, "Enregistrer la décision")
    staff_page.wait_for_url(f"**/fmin/appels/{call.pk}/classement/")
    expect(staff_page.locator("tbody tr").first).to_contain_text("financée (90 000,00")
    application.refresh_from_db()
    assert application.status == Application.Status.FUNDED
    assert (application.decision.outcome, application.decision.amount_cents) == ("funded", 9_000_000)
    staff_page.goto(application.get_absolute_url())
    expect(staff_page.get_by_role("region", name="Décision")).to_contain_text("Financée — subvention de 90 000,00")

    # 7. Montreuil hands in the progress report.
    page.goto(application.get_absolute_url())
    expect(page.get_by_role("region", name="Décision")).to_contain_text("Financée — subvention de 90 000,00")
    page.get_by_role("link", name="Remettre le rapport d'étape").click()
    page.wait_for_url(f"**/fmin/candidatures/{application.pk}/rapports/*/")
    assert_no_axe_violation(page)
    page.get_by_label("Avancement").fill("Le service est ouvert au public depuis trois mois.")
    page.get_by_label("Impact mesuré").fill("Attente au guichet divisée par deux.")
    _submit(page, "Remettre le rapport")
    page.wait_for_url(f"**{application.get_absolute_url()}")
    expect(page.get_by_text("Rapport d'étape remis. Merci.")).to_be_visible()
    report = application.reports.get(kind=FollowUpReport.Kind.PROGRESS)
    assert report.submitted_at is not None and report.submitted_by == lead_agent
    assert report.progress == "Le service est ouvert au public depuis trois mois."

    # The funded project is public.
    page.goto("/fmin/projets/")
    assert_no_axe_violation(page)
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("h1")).to_have_text(TITLE)
    assert_no_axe_violation(page)
    assert errors == []


@pytest.mark.parametrize(
    "path", ["/fmin/", "/fmin/projets/", "/fmin/batisseurs/", "/fmin/batisseurs/grc/", "/fmin/programmes/pcaem/"]
)
def test_public_fmin_pages_have_no_accessibility_violation(page, reference, path):
    staff = UserFactory(staff=True)
    open_call(staff)
    open_call(  # a call of the PCAEM programme (action #13), open to digital actors too
        staff,
        programme=Programme.objects.get(slug="pcaem"),
        title="Appel à projets PCAEM",
        applicant_kinds=["collectivity", "digital_actor"],
        requires_working_group=False,
    )
    group = WorkingGroup.objects.create(
        name="Gestion de la relation citoyenne",
        slug="grc",
        theme="citizen_relations",
        description="Les collectivités qui expérimentent la prise de rendez-vous et l'accueil en ligne.",
        charter="Les membres ouvrent à toutes les collectivités du Grand Paris les briques qu'ils co-créent.",
    )
    Meeting.objects.create(group=group, held_on=timezone.localdate(), title="Lancement du groupe")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path)
    assert page.locator("h1").count() == 1
    assert_no_axe_violation(page)
    assert errors == []


def test_adding_a_budget_line_with_the_keyboard(page, reference):
    """« Ajouter une ligne » clones a blank line, puts the focus in it, and the line is saved."""
    staff = UserFactory(staff=True)
    montreuil = collectivity("93048")
    agent = agent_of(montreuil)
    application = services.application_create(user=agent, call=open_call(staff), lead=montreuil, title=TITLE)
    _sign_in(page, agent)
    page.goto(f"/fmin/candidatures/{application.pk}/modifier/")
    expect(page.get_by_label("Libellé, ligne 2")).to_be_visible()  # the two blank lines without JavaScript
    add = page.get_by_role("button", name="Ajouter une ligne : dépenses")
    add.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Type de dépense, nouvelle ligne")).to_be_focused()
    assert_no_axe_violation(page)
    page.get_by_label("Type de dépense, nouvelle ligne").select_option(label="achat de logiciels")
    page.get_by_label("Libellé, nouvelle ligne").fill("Licence du logiciel de rendez-vous")
    page.get_by_label("Montant HT (€), nouvelle ligne").fill("12 000")
    page.get_by_label("Montant TTC (€), nouvelle ligne").fill("14 400")
    _submit(page, "Enregistrer le brouillon")
    expect(page.get_by_text("Brouillon enregistré.", exact=True)).to_be_visible()
    assert list(application.budget_lines.values_list("label", "amount_ht_cents")) == [
        ("Licence du logiciel de rendez-vous", 1_200_000)
    ]

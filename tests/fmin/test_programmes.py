"""Action #13 on the FMIN call engine: a call belongs to a programme (FMIN, PCAEM…) with its own wording,
applicants, Bâtisseurs condition, caps and criteria, opened from the admin without code; the engine (drafts,
rules, scoring, decision, letter, payment) works the same; the PCAEM has its own indicators and the action #13
page shows its calls."""

import html

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from fmin import rules, selectors, services
from fmin.models import Application, Call, Programme
from sman.indicators import TerritoryTree, providers
from sman.models import Membership, Organisation

from ..auth import login
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from .conftest import draft, open_call
from .test_lifecycle import pdf_text

pytestmark = pytest.mark.django_db

PCAEM_CRITERIA = (
    ("behaviour", "Effet attendu sur les comportements", "Gestes visés.", 2),
    ("measure", "Mesure de l'effet", "Indicateurs.", 1),
)


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def pcaem_call(staff, **overrides) -> Call:
    return open_call(
        staff,
        programme=Programme.objects.get(slug="pcaem"),
        title="Appel à projets PCAEM d'essai",
        cap_single_cents=3_000_000,
        cap_joint_cents=5_000_000,
        applicant_kinds=[Organisation.Kind.COLLECTIVITY, Organisation.Kind.DIGITAL_ACTOR],
        requires_working_group=False,
        criteria=PCAEM_CRITERIA,
        **overrides,
    )


@pytest.fixture
def pcaem(fm):
    """The PCAEM call, and a digital actor (a company of Montreuil) with its member."""
    actor = OrganisationFactory(kind=Organisation.Kind.DIGITAL_ACTOR, name="Énergie Partagée Numérique")
    member = MembershipFactory(organisation=actor, role=Membership.Role.MEMBER).user
    return pcaem_call(fm.staff), actor, member


def actor_file(fm, call, actor, member, *, request=3_000_000, co_applicants=()) -> Application:
    application = services.application_create(user=member, call=call, lead=actor, title="Défi énergie en ligne")
    return services.application_save_draft(
        application=application,
        user=member,
        draft=draft(cost=10_000_000, own=7_000_000, lead_request=request, co_applicants=co_applicants),
        version=None,
    )


def eligible_actor_file(fm, call, actor, member) -> Application:
    application = services.application_submit(application=actor_file(fm, call, actor, member), user=member)
    checklist = {code: True for code, _ in services.eligibility_items(call)}
    return services.eligibility_record(application=application, user=fm.staff, checklist=checklist, note="")


def test_the_migration_creates_both_programmes_and_existing_calls_are_the_fmin(fm):
    assert dict(Programme.objects.values_list("slug", "action_number")) == {"fmin": 10, "pcaem": 13}
    assert fm.call.programme.slug == "fmin" and fm.call.applicant_kinds == ["collectivity"]
    assert fm.call.requires_working_group


def test_a_call_accepts_only_the_applicants_it_names(fm, pcaem):
    call, actor, member = pcaem
    # The FMIN call is for collectivities: a digital actor cannot lead a file there.
    with pytest.raises(ValidationError, match="réservé aux porteurs suivants : collectivité"):
        services.application_create(user=member, call=fm.call, lead=actor, title="Hors champ")
    # The PCAEM call accepts it, and a collectivity as co-applicant.
    application = actor_file(
        fm, call, actor, member, co_applicants=[{"organisation": fm.co, "cost_share_cents": 0, "request_cents": 0}]
    )
    assert application.participants.count() == 2
    # A funder is not an applicant kind of this call.
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="Fondation d'essai")
    with pytest.raises(ValidationError, match="n'accepte comme co-porteurs que"):
        services.application_save_draft(
            application=application,
            user=member,
            draft=draft(
                cost=10_000_000,
                own=7_000_000,
                lead_request=3_000_000,
                co_applicants=[{"organisation": funder, "cost_share_cents": 0, "request_cents": 0}],
            ),
            version=None,
        )


def test_the_rules_speak_of_the_programme_and_its_own_caps(fm, pcaem):
    call, actor, member = pcaem
    result = selectors.rules_result(selectors.application_with_figures(actor_file(fm, call, actor, member).pk))
    verdicts = {v.code: v for v in result.verdicts}
    assert "batisseurs" not in verdicts  # not a rule of this call
    assert verdicts["request"].detail.startswith("Subvention PCAEM demandée")
    assert plain(verdicts["cap"].label) == "Au plus 30 000 € par porteur"
    assert all(v.section == rules.Limits.of(call).section for v in verdicts.values())
    assert "action #13" in verdicts["cap"].section and verdicts["own_share"].reading == ""
    # Over the call's own cap (30 k€, where the FMIN allows 40 k€).
    over = selectors.rules_result(
        selectors.application_with_figures(actor_file(fm, call, actor, member, request=3_500_000).pk)
    )
    assert "cap" in [v.code for v in over.failures]
    # The FMIN keeps its words and the Bâtisseurs condition.
    fmin_verdicts = {v.code: v for v in selectors.rules_result(fm.application()).verdicts}
    assert "batisseurs" in fmin_verdicts and plain(fmin_verdicts["cap"].label) == "Au plus 40 000 € par collectivité"


def test_a_pcaem_file_is_scored_decided_lettered_and_paid_without_the_batisseurs(fm, pcaem, committed):
    call, actor, member = pcaem
    application = eligible_actor_file(fm, call, actor, member)
    assert "Le porteur est d'un type accepté par l'appel" in services.eligibility_items(call)[0][1]
    assignment = services.assignment_create(application=application, reviewer=fm.reviewer, user=fm.staff)
    criteria = {c.code: c for c in call.criteria.all()}
    assert list(criteria) == ["behaviour", "measure"]  # the call's own criteria, not the FMIN's six
    services.review_save(
        assignment=assignment,
        user=fm.reviewer,
        scores={c.id: (4, "Solide.") for c in criteria.values()},
        comment="Bon dossier.",
        submit=True,
    )
    [row] = selectors.ranking(call)
    assert row.average == 4 and row.capped_cents == 3_000_000
    mail.outbox.clear()
    decision = committed(
        services.decision_record,
        application=application,
        user=fm.staff,
        outcome="funded",
        amount_cents=3_000_000,
        reason="Retenu.",
    )
    assert mail.outbox[0].subject.startswith("PCAEM — décision sur votre dossier")
    assert "Bâtisseurs" not in mail.outbox[0].body
    decision.refresh_from_db()
    text = pdf_text(decision.letter)
    assert "Appel à projets métropolitain pour des comportements en phase avec le PCAEM" in text
    assert "Bâtisseurs" not in text and "FMIN" not in text
    # Paid although the digital actor belongs to no Bâtisseurs group: this call does not ask for it.
    milestone = application.milestones.first()
    services.milestone_pay(milestone=milestone, user=fm.staff, on=timezone.localdate())
    milestone.refresh_from_db()
    assert milestone.paid_on == timezone.localdate()


def test_indicators_count_each_programme_apart(fm, pcaem):
    call, actor, member = pcaem
    eligible_actor_file(fm, call, actor, member)
    fm.submitted()
    today = timezone.localdate()
    # Per territory too: the digital actor is in Montreuil, as is the FMIN file's lead.
    assert providers["fmin.pcaem_applications_received"].values(today, TerritoryTree())[actor.territory_id] == 1
    assert providers["fmin.applications_received"].value(today) == 1
    assert providers["fmin.pcaem_applications_received"].value(today) == 1
    assert providers["fmin.pcaem_projects_funded"].value(today) == 0
    assert selectors.totals(programme="pcaem")["envelope_cents"] == call.envelope_cents


def test_public_pages_list_calls_by_programme_and_the_action_page_shows_them(fm, pcaem):
    call, actor, member = pcaem
    client = Client()
    page = html.unescape(client.get("/fmin/programmes/pcaem/").content.decode())
    assert call.title in page and fm.call.title not in page and "action #13" in page
    home = html.unescape(client.get("/fmin/").content.decode())
    assert "/fmin/programmes/pcaem/" in home
    detail = html.unescape(client.get(f"/fmin/appels/{call.pk}/").content.decode())
    assert "Collectivité, acteur du numérique" in detail and "sans condition d'adhésion" in detail
    assert rules.OWN_SHARE_READING not in detail
    action = html.unescape(client.get("/feuille-de-route/2019-2020/actions/13/").content.decode())
    assert "Appels à projets de cette action" in action and call.title in action
    # The digital actor's member sees the button; a collectivity-only agent of no kind accepted would not.
    signed_in = login(Client(), member)
    assert f"/fmin/appels/{call.pk}/candidater/" in signed_in.get("/fmin/programmes/pcaem/").content.decode()
    assert signed_in.get(f"/fmin/appels/{fm.call.pk}/candidater/").status_code == 403


def test_staff_open_a_pcaem_call_from_the_admin_without_code(fm, client):
    login(client, fm.staff)
    pcaem = Programme.objects.get(slug="pcaem")
    data = {
        "programme": pcaem.pk, "year": 2027, "title": "PCAEM 2027", "description": "", "envelope_cents": 30_000_000,
        "opens_on": "2027-01-01", "closes_on": "2027-03-31", "eligible_expense_types": '["software"]',
        "applicant_kinds": ["collectivity", "digital_actor"], "max_grant_share_bp": 7000, "min_own_share_bp": 1000,
        "cap_single_cents": 2_000_000, "cap_joint_cents": 3_000_000, "score_max": 10, "disagreement_threshold": "2",
        "criteria-TOTAL_FORMS": 1, "criteria-INITIAL_FORMS": 0, "criteria-0-code": "behaviour",
        "criteria-0-label": "Effet sur les comportements", "criteria-0-guidance": "", "criteria-0-weight": 3,
        "criteria-0-position": 0, "workshops-TOTAL_FORMS": 0, "workshops-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = client.post("/admin/fmin/call/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    call = Call.objects.get(title="PCAEM 2027")
    assert (call.programme, call.applicant_kinds, call.requires_working_group) == (
        pcaem,
        ["collectivity", "digital_actor"],
        False,
    )
    assert list(call.criteria.values_list("code", "weight")) == [("behaviour", 3)]
    assert call.history.first().history_user == fm.staff
    # No applicant kind ticked: refused with a French message.
    data |= {"title": "Sans porteur", "applicant_kinds": []}
    response = client.post("/admin/fmin/call/add/", data)
    assert response.status_code == 200 and "Choisissez au moins un type de porteur" in response.content.decode()


def test_a_non_staff_user_cannot_save_a_call_through_the_service(fm):
    call = Call(programme=Programme.objects.get(slug="pcaem"), year=2027, title="x", opens_on="2027-01-01",
                closes_on="2027-02-01")  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.call_save(call=call, user=UserFactory())


def test_the_demo_gives_the_reviewer_a_pcaem_file_to_score(fm):
    from fmin import demo

    Call.objects.all().delete()
    users = {"staff": fm.staff, "commune_agent": fm.lead_agent, "reviewer": fm.reviewer}
    demo.load_demo(users)
    demo.load_demo(users)  # idempotent
    [call] = Call.objects.filter(programme__slug="pcaem")
    assert call.is_open() and not call.requires_working_group and "digital_actor" in call.applicant_kinds
    assert list(call.criteria.values_list("code", flat=True)) == [code for code, *_ in demo.PCAEM_CRITERIA]
    [assignment] = fm.reviewer.fmin_assignments.filter(application__call=call)
    assert assignment.submitted_at is None and assignment.application.status == Application.Status.ELIGIBLE

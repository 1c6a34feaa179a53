"""The Django admin is a second door to the data: where a service writes a model, the admin either calls the
service (with the signed-in user, its refusals shown on the page) or only shows the model."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from actions import services as action_services
from actions.models import Action, CopilSession
from fmin.models import Assignment, Decision, PaymentMilestone
from passnumerique import services as pass_services
from passnumerique.models import Order, Statement, Ticket
from sman.admin import ServiceFormAdminMixin
from sman.models import Organisation, Territory

from ..auth import login
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from ..fmin.conftest import Fmin, agent_of, collectivity, open_call
from ..passnumerique.conftest import make_place

pytestmark = pytest.mark.django_db

# Models written by a service (or an import): their admin is read-only or calls the service.
SERVICE_WRITTEN = {
    "sman.membershiprequest",  # membership_request_create / approve / reject
    "sman.apitoken",  # api_token_create / revoke
    "sman.roleassignment",  # role_grant / role_revoke (the user's page ticks roles through them)
    "sman.job",
    "actions.copilsession",  # copil_session_create, session_update, session_close
    "actions.actionreview",  # review_record_opinion, review_present, review_correct
    "actions.recommendation",  # recommendation_add
    "actions.report",  # report_request
    "actions.milestone",  # milestones_and_budget_save
    "actions.budgetline",
    "actions.indicator",  # indicator_save
    "actions.indicatorvalue",  # indicator_value_add
    "fmin.application",  # application_create, application_save_draft, submit, eligibility…
    "fmin.participant",
    "fmin.budgetline",
    "fmin.fundingline",
    "fmin.applicationevent",
    "fmin.assignment",  # assignment_create, conflict_declare, review_save
    "fmin.decision",  # decision_record (envelope check)
    "fmin.paymentmilestone",  # milestone_pay
    "fmin.followupreport",  # report_submit
    "passnumerique.order",  # order_create, order_import_aptic (booklets and ticket codes)
    "passnumerique.booklet",  # booklet_distribute
    "passnumerique.ticket",
    "passnumerique.beneficiary",
    "passnumerique.redemption",  # ticket_redeem
    "passnumerique.statement",  # statements_generate, statement_mark_paid
    "passnumerique.creditnote",  # credit_note_issue
    "passnumerique.bookletsheets",  # order_sheets_request
    "ftth.importrun",  # import_ftth, import_confirm, import_cancel
    "ftth.importrejection",
    "ftth.building",  # the imports (status changes and alerts)
    "ftth.buildingstatuschange",
    "participation.space",  # space_create
    "participation.spacemember",  # space_member_set (an agent of the space's collectivity)
    "participation.proposal",  # proposal_create, proposal_answer, the supports' counter, moderation
    "participation.ballot",  # ballot_cast, paper_ballot_enter (the secrecy of the vote)
    "participation.moderationcase",  # report_create, moderation_decide
    "participation.report",
    "participation.spaceblock",  # user_block
    "contests.contest",  # contest_save (rich text sanitised), contest_transition, results_publish
    "contests.juror",  # juror_add, juror_declare
    "contests.entry",  # entry_submit, entry_withdraw, results_publish
    "contests.evaluation",  # evaluation_save (under the entry's row lock)
}


def _label(model) -> str:
    return model._meta.label_lower


def _closed_door(model_admin, request) -> bool:
    """Read-only (no add; no change, or every field read-only), or a save_model of the project's own (one that
    calls the service; simple_history's does not count)."""
    if isinstance(model_admin, InlineModelAdmin):
        adds = model_admin.has_add_permission(request, None)
    else:
        ours = (type(model_admin).__module__, ServiceFormAdminMixin.__module__)
        if type(model_admin).save_model.__module__ in ours:
            return True
        adds = model_admin.has_add_permission(request)
    if adds:
        return False
    editable = {f.name for f in model_admin.model._meta.get_fields() if getattr(f, "editable", False)}
    readonly = set(model_admin.get_readonly_fields(request, None))
    return not model_admin.has_change_permission(request, None) or editable <= readonly


def test_every_admin_of_a_service_written_model_is_read_only_or_calls_the_service(db):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True, is_active=True)
    checked = set()
    for model, model_admin in admin.site._registry.items():
        doors = [(model, model_admin)]
        doors += [(inline.model, inline(model, admin.site)) for inline in model_admin.inlines]
        for door_model, door in doors:
            if _label(door_model) in SERVICE_WRITTEN:
                checked.add(_label(door_model))
                assert _closed_door(door, request), f"{type(door).__name__} writes {_label(door_model)} by itself"
    assert checked == SERVICE_WRITTEN


# --- COPIL ------------------------------------------------------------------------------------------------
@pytest.fixture
def staff_client(client, db):
    staff = UserFactory(staff=True)
    login(client, staff)
    client.staff = staff
    return client


def test_a_copil_session_added_in_the_admin_gets_its_agenda(reference, staff_client):
    response = staff_client.post(
        "/admin/actions/copilsession/add/", {"year": 2020, "semester": 1, "date": "15/06/2020", "_save": "1"}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    session = CopilSession.objects.get(year=2020, semester=1)
    assert session.reviews.count() == Action.objects.active().count() > 0


def test_a_copil_session_changed_in_the_admin_goes_through_session_update(reference, staff_client, monkeypatch):
    session = action_services.copil_session_create(user=staff_client.staff, year=2020, semester=1, on=date(2020, 6, 15))
    member = UserFactory(copil=True)
    url = f"/admin/actions/copilsession/{session.pk}/change/"
    data = {"minutes": "Compte rendu.", "attendees": [member.pk], "status": "closed", "_save": "1"}
    data |= {"reviews-TOTAL_FORMS": "0", "reviews-INITIAL_FORMS": "0"}
    calls = []
    real = action_services.session_update
    monkeypatch.setattr(action_services, "session_update", lambda **kw: calls.append(kw) or real(**kw))

    assert staff_client.post(url, data).status_code == 302
    session.refresh_from_db()
    assert (session.minutes, list(session.attendees.all()), session.status) == ("Compte rendu.", [member], "planned")
    assert calls[0]["user"] == staff_client.staff

    def refuse(**kwargs):
        raise ValidationError("La séance est close.")

    monkeypatch.setattr(action_services, "session_update", refuse)
    response = staff_client.post(url, data | {"minutes": "Autre chose."})
    assert response.status_code == 200 and "La séance est close." in response.content.decode()
    session.refresh_from_db()
    assert session.minutes == "Compte rendu."


def test_a_closed_session_and_the_opinions_are_not_changed_in_the_admin(reference, staff_client):
    session = action_services.copil_session_create(user=staff_client.staff, year=2020, semester=1, on=date(2020, 6, 15))
    review = session.reviews.first()
    version = review.version
    response = staff_client.post(
        f"/admin/actions/actionreview/{review.pk}/change/", {"opinion": "abandon", "reasons": "Par l'admin."}
    )
    assert response.status_code == 403
    review.refresh_from_db()
    assert (review.opinion, review.version) == ("", version)
    CopilSession.objects.filter(pk=session.pk).update(status=CopilSession.Status.CLOSED)
    assert staff_client.post(f"/admin/actions/copilsession/{session.pk}/change/", {"minutes": "x"}).status_code == 403


def test_an_actions_follow_up_is_read_only_in_the_admin(reference, staff_client):
    action = Action.objects.active().first()
    request = RequestFactory().get("/admin/")
    request.user = staff_client.staff
    readonly = admin.site._registry[Action].get_readonly_fields(request, action)
    assert set(action_services.ACTION_FOLLOW_FIELDS) <= set(readonly)


# --- FMIN -------------------------------------------------------------------------------------------------
@pytest.fixture
def fm(reference):
    staff = UserFactory(staff=True)
    lead, co, other = collectivity("93048"), collectivity("T8"), collectivity("93055")
    return Fmin(
        call=open_call(staff), staff=staff, lead=lead, lead_agent=agent_of(lead), co=co, co_agent=agent_of(co),
        other=other, other_agent=agent_of(other), reviewer=UserFactory(reviewer=True),
        reviewer2=UserFactory(reviewer=True), group=None,
    )  # fmt: skip


def test_a_decision_amount_is_not_changed_in_the_admin(fm, client):
    application = fm.eligible()
    decision = Decision.objects.create(
        application=application, outcome="funded", amount_cents=4_000_000, reason="Bon projet.", decided_by=fm.staff
    )
    login(client, fm.staff)
    data = {"application": application.pk, "outcome": "funded", "amount_cents": 99_000_000, "reason": "Plus."}
    data["decided_by"] = fm.staff.pk
    assert client.post(f"/admin/fmin/decision/{decision.pk}/change/", data).status_code == 403
    decision.refresh_from_db()
    assert decision.amount_cents == 4_000_000


def test_a_submitted_application_and_its_lines_are_not_changed_in_the_admin(fm, client):
    application = fm.submitted()
    line = application.budget_lines.get()
    login(client, fm.staff)
    data = {"title": "Autre titre", "budget_lines-0-id": line.pk, "budget_lines-0-amount_ht_cents": 1}
    assert client.post(f"/admin/fmin/application/{application.pk}/change/", data).status_code == 403
    line.refresh_from_db()
    assert line.amount_ht_cents == 10_000_000


def test_an_assignment_is_not_added_in_the_admin(fm, client):
    """assignment_create refuses a reviewer from an applicant collectivity: the admin does not add one."""
    application = fm.eligible()
    conflicted = agent_of(fm.lead, reviewer=True)
    login(client, fm.staff)
    data = {"application": application.pk, "reviewer": conflicted.pk, "assigned_by": fm.staff.pk}
    assert client.post("/admin/fmin/assignment/add/", data).status_code == 403
    assert not Assignment.objects.exists()


def test_a_milestone_is_paid_in_the_admin_through_milestone_pay(fm, client):
    application = fm.eligible()
    milestone = PaymentMilestone.objects.create(
        application=application, label="Avance", amount_cents=1_000_000, due_on=date(2030, 1, 1)
    )
    login(client, fm.staff)
    response = client.post(
        "/admin/fmin/paymentmilestone/", {"action": "pay", "_selected_action": [milestone.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Bâtisseurs" in response.content.decode()  # Montreuil is in no working group: refused, not a 500
    milestone.refresh_from_db()
    assert milestone.paid_on is None
    assert (
        client.post(f"/admin/fmin/paymentmilestone/{milestone.pk}/change/", {"paid_on": "01/01/2030"}).status_code
        == 403
    )


# --- Pass Numérique ---------------------------------------------------------------------------------------
def test_a_statement_is_marked_paid_only_through_the_service(reference, staff_client):
    place = make_place("Espace numérique", "93048")
    statement = Statement.objects.create(place=place, month=date(2026, 1, 1), ticket_count=3, amount_cents=3000)
    url = f"/admin/passnumerique/statement/{statement.pk}/change/"
    assert (
        staff_client.post(url, {"status": "paid", "paid_at_0": "01/02/2026", "paid_at_1": "10:00"}).status_code == 403
    )
    statement.refresh_from_db()
    assert statement.status == "to_pay"

    staff_client.post("/admin/passnumerique/statement/", {"action": "mark_paid", "_selected_action": [statement.pk]})
    statement.refresh_from_db()
    assert statement.status == "paid" and statement.paid_at
    response = staff_client.post(
        "/admin/passnumerique/statement/", {"action": "mark_paid", "_selected_action": [statement.pk]}, follow=True
    )
    assert "Ce relevé est déjà payé." in response.content.decode()


def test_orders_and_tickets_are_not_changed_in_the_admin(reference, staff_client):
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER, name="CCAS d'essai")
    order = pass_services.order_create(
        user=MembershipFactory(organisation=funder).user, funder=funder, booklet_count=1, tickets_per_booklet=5,
        face_value_cents=1000, territory=Territory.objects.get(code="T8"), target_public="all",
        valid_until=date(2030, 12, 31),
    )  # fmt: skip
    assert staff_client.post(f"/admin/passnumerique/order/{order.pk}/change/", {"booklet_count": 9}).status_code == 403
    ticket = Ticket.objects.filter(booklet__order=order).first()
    assert staff_client.post(f"/admin/passnumerique/ticket/{ticket.pk}/change/", {}).status_code == 403
    assert staff_client.post("/admin/passnumerique/ticket/add/", {}).status_code == 403
    assert Order.objects.get(pk=order.pk).booklet_count == 1


def test_the_closed_doors_still_show_their_pages(fm, client):
    application = fm.submitted()
    session = action_services.copil_session_create(user=fm.staff, year=2020, semester=1, on=date(2020, 6, 15))
    login(client, fm.staff)
    pages = [
        "/admin/actions/copilsession/add/",
        f"/admin/actions/copilsession/{session.pk}/change/",
        f"/admin/actions/actionreview/{session.reviews.first().pk}/change/",
        f"/admin/actions/action/{session.reviews.first().action_id}/change/",
        f"/admin/fmin/application/{application.pk}/change/",
        "/admin/fmin/paymentmilestone/",
        "/admin/passnumerique/statement/",
        "/admin/ftth/building/",
        "/admin/sman/membershiprequest/",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert "Compte rendu" in client.get(f"/admin/actions/copilsession/{session.pk}/change/").content.decode()

"""The life of an application through the services: draft, co-applicants, submission, instruction,
review, decision, follow-up."""

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from fmin import services
from fmin.models import Application, ApplicationEvent, Decision, FollowUpReport, Participant, Score
from sman.models import Job

from ..auth import login
from ..factories import ExplorerProjectFactory
from ..pdfs import assert_tagged_pdf
from .conftest import agent_of, collectivity, draft

pytestmark = pytest.mark.django_db


def pdf_text(file) -> str:
    with file.open("rb") as f:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def test_a_draft_belongs_to_its_collectivity_and_saves_with_history(fm):
    application = fm.application()
    assert application.status == Application.Status.DRAFT
    assert application.participants.get().organisation == fm.lead
    with pytest.raises(PermissionDenied):  # another commune's agent cannot write in it
        services.application_save_draft(
            application=application, user=fm.other_agent, draft=draft(cost=1, own=1, lead_request=0), version=None
        )
    with pytest.raises(PermissionDenied):  # nor can staff: the text is the applicant's
        services.application_save_draft(
            application=application, user=fm.staff, draft=draft(cost=1, own=1, lead_request=0), version=None
        )
    assert application.history.first().history_user == fm.lead_agent


def test_two_people_saving_the_same_version_the_second_is_told_and_nothing_is_lost(fm):
    application = fm.application()
    version = application.version
    colleague = agent_of(fm.lead)
    services.application_save_draft(
        application=application,
        user=colleague,
        draft=draft(cost=10_000_000, own=5_000_000, lead_request=4_000_000, title="Titre du collègue"),
        version=version,
    )
    with pytest.raises(ValidationError, match="modifié par une autre personne"):
        services.application_save_draft(
            application=application,
            user=fm.lead_agent,
            draft=draft(cost=1, own=1, lead_request=0, title="Écrasement"),
            version=version,
        )
    application.refresh_from_db()
    assert application.title == "Titre du collègue"


def test_submission_is_refused_while_a_rule_fails_and_says_which(fm):
    application = fm.application(request=4_500_000, own=5_500_000)  # 45 k€ > 40 k€
    with pytest.raises(ValidationError) as exc:
        services.application_submit(application=application, user=fm.lead_agent)
    assert any("Au plus 40" in m for m in exc.value.messages)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_submission_needs_a_complete_file(fm):
    application = services.application_create(user=fm.lead_agent, call=fm.call, lead=fm.lead, title="Vide")
    with pytest.raises(ValidationError) as exc:
        services.application_submit(application=application, user=fm.lead_agent)
    assert "Décrivez le problème à résoudre." in exc.value.messages
    assert "Rattachez le projet à au moins un défi du SMAN." in exc.value.messages


def test_submission_locks_the_file_records_a_pdf_and_sends_a_receipt(fm, committed):
    application = fm.application(title="Rendez-vous en ligne")
    mail.outbox.clear()
    committed(services.application_submit, application=application, user=fm.lead_agent)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and not application.is_editable
    # The Celery task (eager in tests) rendered the PDF with WeasyPrint.
    text = pdf_text(application.submitted_pdf)
    assert "Candidature FMIN — Rendez-vous en ligne" in text
    with application.submitted_pdf.open("rb") as f:
        assert_tagged_pdf(f.read(), title="Candidature FMIN — Rendez-vous en ligne")
    assert "Montreuil" in text and "Les usagers attendent au guichet" in text
    assert "40 000,00" in text
    assert len(application.submitted_pdf_sha256) == 64
    # Its job (sman/jobs.py) says who asked for it.
    job = Job.objects.get(task_name="fmin.tasks.render_application_pdf", task_args=[application.pk])
    assert (job.state, job.requested_by, job.result) == ("done", fm.lead_agent, application.submitted_pdf.name)
    assert [m.to for m in mail.outbox] == [[fm.lead_agent.email]]
    assert "accusé de réception" in mail.outbox[0].subject
    with pytest.raises(PermissionDenied):
        services.application_save_draft(
            application=application, user=fm.lead_agent, draft=draft(cost=1, own=1, lead_request=0), version=None
        )
    with pytest.raises(ValidationError):
        services.application_submit(application=application, user=fm.lead_agent)


def test_the_call_must_be_open(fm):
    fm.call.closes_on = timezone.localdate() - timedelta(days=1)
    fm.call.save()
    with pytest.raises(ValidationError, match="pas ouvert"):
        services.application_create(user=fm.lead_agent, call=fm.call, lead=fm.lead, title="Trop tard")


def test_joint_application_co_applicant_confirms_and_reconfirms_changed_figures(fm, committed):
    application = fm.joint_application(confirm=False)
    with pytest.raises(ValidationError, match="Chaque co-porteur a confirmé"):
        services.application_submit(application=application, user=fm.lead_agent)
    with pytest.raises(PermissionDenied):  # Pantin is not a co-applicant
        services.participation_confirm(application=application, organisation=fm.co, user=fm.other_agent)
    services.participation_confirm(application=application, organisation=fm.co, user=fm.co_agent)
    co = Participant.objects.get(application=application, organisation=fm.co)
    assert co.confirmed_by == fm.co_agent
    # The lead changes the co-applicant's figures: the confirmation no longer holds.
    mail.outbox.clear()
    committed(
        services.application_save_draft,
        application=application,
        user=fm.lead_agent,
        version=None,
        draft=draft(
            cost=20_000_000,
            own=10_000_000,
            lead_cost=10_000_000,
            lead_request=5_000_000,
            co_applicants=[{"organisation": fm.co, "cost_share_cents": 10_000_000, "request_cents": 5_000_000}],
        ),
    )
    co.refresh_from_db()
    assert co.confirmed_at is None
    assert [m.to for m in mail.outbox] == [[fm.co_agent.email]]
    services.participation_confirm(application=application, organisation=fm.co, user=fm.co_agent)
    # A co-applicant may not submit; the lead may.
    with pytest.raises(PermissionDenied):
        services.application_submit(application=application, user=fm.co_agent)
    assert (
        services.application_submit(application=application, user=fm.lead_agent).status == Application.Status.SUBMITTED
    )


def test_withdrawal_is_final(fm):
    application = fm.submitted()
    with pytest.raises(PermissionDenied):
        services.application_withdraw(application=application, user=fm.other_agent)
    services.application_withdraw(application=application, user=fm.lead_agent, reason="Projet reporté")
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert application.events.filter(kind=ApplicationEvent.Kind.WITHDRAWN, message="Projet reporté").exists()


def test_corrections_reopen_the_file_with_a_message_and_keep_history(fm, committed):
    application = fm.submitted()
    with pytest.raises(ValidationError):
        services.corrections_request(application=application, user=fm.staff, message=" ")
    mail.outbox.clear()
    committed(
        services.corrections_request, application=application, user=fm.staff, message="Joignez le devis du prestataire."
    )
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTIONS and application.is_editable
    assert "Joignez le devis du prestataire." in mail.outbox[0].body
    services.application_submit(application=application, user=fm.lead_agent)  # after the deadline too
    kinds = list(application.events.values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "corrections", "submitted"]


def test_eligibility_checklist_needs_a_reason_when_a_point_fails(fm):
    application = fm.submitted()
    checklist = {code: True for code, _ in services.ELIGIBILITY_ITEMS} | {"expenses": False}
    with pytest.raises(ValidationError):
        services.eligibility_record(application=application, user=fm.staff, checklist=checklist, note="")
    with pytest.raises(PermissionDenied):
        services.eligibility_record(application=application, user=fm.lead_agent, checklist=checklist, note="x")
    services.eligibility_record(
        application=application, user=fm.staff, checklist=checklist, note="Matériel non éligible."
    )
    application.refresh_from_db()
    assert application.status == Application.Status.INELIGIBLE
    assert application.eligibility_checklist["expenses"] is False


def test_a_reviewer_from_a_co_applicant_collectivity_cannot_be_assigned(fm):
    application = fm.joint_application()
    services.application_submit(application=application, user=fm.lead_agent)
    services.eligibility_record(
        application=application, user=fm.staff, checklist={c: True for c, _ in services.ELIGIBILITY_ITEMS}, note=""
    )
    conflicted = agent_of(fm.co, reviewer=True)
    with pytest.raises(ValidationError, match="Conflit d'intérêts"):
        services.assignment_create(application=application, reviewer=conflicted, user=fm.staff)
    plain = agent_of(fm.other)  # not a reviewer
    with pytest.raises(ValidationError, match="jury"):
        services.assignment_create(application=application, reviewer=plain, user=fm.staff)
    services.assignment_create(application=application, reviewer=fm.reviewer, user=fm.staff)
    with pytest.raises(ValidationError, match="déjà affecté"):
        services.assignment_create(application=application, reviewer=fm.reviewer, user=fm.staff)


def _score_all(assignment, user, value=4, submit=True):
    criteria = assignment.application.call.criteria.all()
    return services.review_save(
        assignment=assignment,
        user=user,
        scores={c.id: (value, f"Commentaire {c.code}") for c in criteria},
        comment="Bon dossier.",
        submit=submit,
    )


def test_review_scores_are_bounded_complete_and_final(fm):
    application = fm.eligible()
    assignment = services.assignment_create(application=application, reviewer=fm.reviewer, user=fm.staff)
    first = application.call.criteria.first()
    with pytest.raises(ValidationError, match="de 0 à 5"):
        services.review_save(
            assignment=assignment, user=fm.reviewer, scores={first.id: (6, "x")}, comment="", submit=False
        )
    services.review_save(
        assignment=assignment, user=fm.reviewer, scores={first.id: (3, "Utile")}, comment="", submit=False
    )
    with pytest.raises(ValidationError, match="Notez et commentez"):
        services.review_save(assignment=assignment, user=fm.reviewer, scores={}, comment="", submit=True)
    with pytest.raises(PermissionDenied):
        _score_all(assignment, fm.reviewer2)
    _score_all(assignment, fm.reviewer)
    assert Score.objects.filter(assignment=assignment).count() == 6
    with pytest.raises(ValidationError, match="déjà remise"):
        _score_all(assignment, fm.reviewer, value=1)


def test_declaring_a_conflict_removes_the_file_and_the_scores(fm):
    application = fm.eligible()
    assignment = services.assignment_create(application=application, reviewer=fm.reviewer, user=fm.staff)
    _score_all(assignment, fm.reviewer, submit=False)
    services.conflict_declare(assignment=assignment, user=fm.reviewer, reason="Mon conjoint y travaille.")
    assert not Score.objects.filter(assignment=assignment).exists()
    from fmin import permissions

    assert permissions.is_conflicted(fm.reviewer, application)
    assert not permissions.can_view(fm.reviewer, application)
    with pytest.raises(ValidationError, match="Conflit"):  # and cannot be assigned again
        services.assignment_create(application=application, reviewer=fm.reviewer, user=fm.staff)


def test_decision_within_the_capped_amount_sends_an_email_and_a_letter(fm, committed):
    application = fm.eligible()
    with pytest.raises(ValidationError, match="plafond"):
        services.decision_record(
            application=application, user=fm.staff, outcome="funded", amount_cents=4_000_001, reason="Très bon"
        )
    mail.outbox.clear()
    decision = committed(
        services.decision_record,
        application=application,
        user=fm.staff,
        outcome="funded",
        amount_cents=3_500_000,
        reason="Très bon projet.",
    )
    application.refresh_from_db()
    assert application.status == Application.Status.FUNDED
    assert "financée, subvention de 35" in mail.outbox[0].body.replace("\u202f", "")
    decision.refresh_from_db()
    text = pdf_text(decision.letter)
    assert "Décision sur le dossier « Projet d'essai »" in text
    with decision.letter.open("rb") as f:
        assert_tagged_pdf(f.read(), title="Décision FMIN — Projet d'essai")
    assert "35 000,00" in text
    assert decision.history.first().history_user == fm.staff
    job = Job.objects.get(task_name="fmin.tasks.render_decision_letter", task_args=[decision.pk])
    assert (job.state, job.requested_by) == ("done", fm.staff)
    # Follow-up planned: two payments summing to the grant, three reports.
    assert sum(application.milestones.values_list("amount_cents", flat=True)) == 3_500_000
    assert set(application.reports.values_list("kind", flat=True)) == {"progress", "evaluation", "final"}
    with pytest.raises(ValidationError):  # decided once
        services.decision_record(
            application=application, user=fm.staff, outcome="refused", amount_cents=0, reason="Non"
        )


def test_refusal_needs_a_reason(fm):
    application = fm.eligible()
    with pytest.raises(ValidationError):
        services.decision_record(application=application, user=fm.staff, outcome="refused", amount_cents=0, reason="")
    decision = services.decision_record(
        application=application, user=fm.staff, outcome="refused", amount_cents=99, reason="Hors sujet."
    )
    assert decision.amount_cents == 0 and decision.application.status == Application.Status.REFUSED


def test_the_envelope_is_never_exceeded(fm):
    fm.call.envelope_cents = 7_000_000
    fm.call.save()
    first, second = fm.eligible(title="A"), fm.eligible(title="B")
    services.decision_record(application=first, user=fm.staff, outcome="funded", amount_cents=4_000_000, reason="Oui")
    with pytest.raises(ValidationError, match="il reste 30"):
        services.decision_record(
            application=second, user=fm.staff, outcome="funded", amount_cents=3_000_001, reason="Oui"
        )
    services.decision_record(application=second, user=fm.staff, outcome="funded", amount_cents=3_000_000, reason="Oui")
    assert sum(Decision.objects.values_list("amount_cents", flat=True)) == fm.call.envelope_cents


def test_payment_needs_every_collectivity_in_a_batisseurs_group(fm):
    application = fm.joint_application()
    services.application_submit(application=application, user=fm.lead_agent)
    services.eligibility_record(
        application=application, user=fm.staff, checklist={c: True for c, _ in services.ELIGIBILITY_ITEMS}, note=""
    )
    services.decision_record(
        application=application, user=fm.staff, outcome="funded", amount_cents=10_000_000, reason="Oui"
    )
    milestone = application.milestones.first()
    services.working_group_join(group=fm.group, organisation=fm.lead, user=fm.lead_agent, accepts_charter=True)
    with pytest.raises(ValidationError, match="Est Ensemble"):
        services.milestone_pay(milestone=milestone, user=fm.staff, on=date.today())
    with pytest.raises(ValidationError, match="convention"):
        services.working_group_join(group=fm.group, organisation=fm.co, user=fm.co_agent, accepts_charter=False)
    services.working_group_join(group=fm.group, organisation=fm.co, user=fm.co_agent, accepts_charter=True)
    paid = services.milestone_pay(milestone=milestone, user=fm.staff, on=date.today())
    assert paid.paid_on == date.today() and paid.paid_by == fm.staff
    with pytest.raises(ValidationError, match="déjà versée"):
        services.milestone_pay(milestone=milestone, user=fm.staff, on=date.today())


def test_reports_and_weekly_reminders_when_late(fm, committed):
    application = fm.eligible()
    services.decision_record(
        application=application, user=fm.staff, outcome="funded", amount_cents=4_000_000, reason="Oui"
    )
    report = application.reports.get(kind=FollowUpReport.Kind.PROGRESS)
    late_day = report.due_on + timedelta(days=3)
    mail.outbox.clear()
    assert committed(services.reports_remind, today=late_day) == 1
    assert "en retard" in mail.outbox[0].subject and "3 jours de retard" in mail.outbox[0].body
    assert services.reports_remind(today=late_day + timedelta(days=1)) == 0  # at most once a week
    assert services.reports_remind(today=late_day + timedelta(days=7)) == 1
    evaluation = application.reports.get(kind=FollowUpReport.Kind.EVALUATION)
    with pytest.raises(ValidationError):
        services.report_submit(
            report=evaluation, user=fm.lead_agent, progress="Fait", impact="", externalities="", replicability=""
        )
    with pytest.raises(PermissionDenied):
        services.report_submit(report=report, user=fm.other_agent, progress="Fait")
    services.report_submit(report=report, user=fm.lead_agent, progress="Déploiement au service état civil.")
    report.refresh_from_db()
    assert report.submitted_by == fm.lead_agent
    assert services.reports_remind(today=late_day + timedelta(days=30)) == 0  # submitted: no more reminders


def test_workshop_registration_respects_capacity(fm):
    workshop = fm.call.workshops.create(
        title="Atelier", starts_at=timezone.now() + timedelta(days=5), venue="Salle", capacity=1
    )
    services.workshop_register(workshop=workshop, organisation=fm.lead, user=fm.lead_agent)
    with pytest.raises(ValidationError, match="complet"):
        services.workshop_register(workshop=workshop, organisation=fm.other, user=fm.other_agent)
    with pytest.raises(PermissionDenied):
        services.workshop_register(workshop=workshop, organisation=collectivity("93066"), user=fm.other_agent)


def test_indicators_for_the_copil(fm):
    from sman.indicators import providers

    funded = fm.eligible(title="A")
    ExplorerProjectFactory(collectivity=funded.lead, fmin_application=funded)  # an explorer's project started it
    fm.submitted(title="B")
    services.decision_record(application=funded, user=fm.staff, outcome="funded", amount_cents=2_500_000, reason="Oui")
    today = timezone.localdate()
    values = {key: providers[key].compute(today) for key in providers if key.startswith("fmin.")}
    assert values["fmin.applications_received"] == 2
    assert values["fmin.projects_funded"] == 1
    assert values["fmin.amount_committed"] == 25_000
    assert values["fmin.envelope_committed_rate"] == pytest.approx(2.5)
    assert values["fmin.share_from_explorateurs"] == 100
    assert values["fmin.evaluations_delivered"] == 0


def test_demo_data_loads_once_and_shows_funded_projects(fm, client):
    from fmin import demo
    from fmin.models import Call

    Call.objects.all().delete()
    users = {"staff": fm.staff, "commune_agent": agent_of(collectivity("93048"))}
    demo.load_demo(users)
    demo.load_demo(users)  # idempotent
    assert Call.objects.filter(programme__slug="fmin").count() == 2
    assert Call.objects.filter(programme__slug="pcaem").count() == 1  # action #13, no reviewer here: no file
    assert Application.objects.funded().count() == len(demo.DEMO_PROJECTS)
    assert client.get("/fmin/projets/").context["page_obj"].paginator.count == len(demo.DEMO_PROJECTS)
    open_calls = client.get("/fmin/").context["open_calls"]
    assert sorted((c.programme.slug, c.year) for c in open_calls) == [
        ("fmin", timezone.localdate().year + 1),
        ("pcaem", timezone.localdate().year),
    ]


def test_a_call_created_in_the_admin_gets_the_six_criteria(fm, client):
    login(client, fm.staff)
    data = {
        "year": 2027, "title": "FMIN 2027", "description": "", "envelope_cents": 100_000_000,
        "opens_on": "2027-01-01", "closes_on": "2027-03-31", "eligible_expense_types": '["software"]',
        "max_grant_share_bp": 5000, "min_own_share_bp": 2000, "cap_single_cents": 4_000_000,
        "cap_joint_cents": 6_000_000, "score_max": 5, "disagreement_threshold": "1.5",
        "programme": fm.call.programme_id, "applicant_kinds": ["collectivity"], "requires_working_group": "on",
    }  # fmt: skip
    for prefix in ("criteria", "workshops"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    response = client.post("/admin/fmin/call/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    from fmin.models import Call

    call = Call.objects.get(title="FMIN 2027")
    assert [c.code for c in call.criteria.all()] == [code for code, _, _ in services.DEFAULT_CRITERIA]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("reglement.pdf", b"%PDF-1.7 ...", None),
        ("reglement.docx", b"PK\x03\x04...", None),
        ("reglement.exe", b"MZ...", "PDF, ODT, DOCX ou DOC"),
        ("reglement.pdf", b"<html>", "ne correspond pas"),
    ],
)
def test_the_regulation_must_be_a_real_document(fm, name, content, error):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fm.call.regulation = SimpleUploadedFile(name, content)
    if error is None:
        fm.call.full_clean()
    else:
        with pytest.raises(ValidationError, match=error):
            fm.call.full_clean()


def test_the_regulation_goes_out_through_the_private_file_response(fm):
    from django.core.files.base import ContentFile
    from django.test import Client
    from django.urls import reverse

    from ..sman.test_files import assert_private_headers, body

    content = b"%PDF-1.7 reglement de l'appel"
    fm.call.regulation.save("reglement de l'appel.pdf", ContentFile(content))
    url = reverse("fmin:call_regulation", args=[fm.call.pk])
    fm.call.is_published = False
    fm.call.save(update_fields=["is_published"])
    assert Client().get(url).status_code == 404  # not published yet: staff only
    staff = login(Client(), fm.staff).get(url)
    assert staff.status_code == 200 and body(staff) == content
    fm.call.is_published = True
    fm.call.save(update_fields=["is_published"])
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    name = fm.call.regulation.name.rsplit("/", 1)[-1]
    assert name.startswith("reglement_de_lappel")
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert_private_headers(response, content)
    assert body(response) == content

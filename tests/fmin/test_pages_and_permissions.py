"""Every FMIN page and API endpoint against every role, plus what each role sees on them."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fmin import services
from fmin.models import Application, FollowUpReport, WorkingGroup

from ..matrix import ROLES, Case, check
from .conftest import agent_of, draft, open_call

pytestmark = pytest.mark.django_db

FMIN_ROLES = (*ROLES, "other_commune_agent")
APPLICANTS = ("commune_agent", "org_admin", "ept_agent")  # Montreuil (lead) and Est Ensemble (co-applicant)
LEAD = ("commune_agent", "org_admin")
COLLECTIVITY_AGENTS = (*APPLICANTS, "other_commune_agent")


def expect(ok: tuple, status=200, others=403, anonymous=302) -> dict:
    return {"anonymous": anonymous, **dict.fromkeys(ok, status)} | {
        r: others for r in FMIN_ROLES if r not in ok and r != "anonymous"
    }


@pytest.fixture
def fmin_world(world, django_capture_on_commit_callbacks):
    """Montreuil (the world's commune) leads three files with Est Ensemble (the world's EPT): a draft, an
    eligible file with the world's reviewer assigned, a funded file; Pantin has a draft of its own."""
    users = world.users
    world.add_user("other_commune_agent", agent_of(world.other_commune_org))
    staff, agent = users["staff"], users["commune_agent"]
    call = open_call(staff)
    co = [{"organisation": world.ept_org, "cost_share_cents": 10_000_000, "request_cents": 4_000_000}]

    def joint(title):
        application = services.application_create(user=agent, call=call, lead=world.commune_org, title=title)
        application = services.application_save_draft(
            application=application,
            user=agent,
            version=None,
            draft=draft(
                cost=20_000_000,
                own=10_000_000,
                lead_cost=10_000_000,
                lead_request=6_000_000,
                co_applicants=co,
                title=title,
            ),
        )
        return application

    def eligible(title):
        application = joint(title)
        services.participation_confirm(application=application, organisation=world.ept_org, user=users["ept_agent"])
        services.application_submit(application=application, user=agent)
        checklist = {code: True for code, _ in services.ELIGIBILITY_ITEMS}
        return services.eligibility_record(application=application, user=staff, checklist=checklist, note="")

    draft_app = joint("Brouillon de Montreuil")
    reviewed = eligible("Dossier évalué")
    assignment = services.assignment_create(application=reviewed, reviewer=users["reviewer"], user=staff)
    with django_capture_on_commit_callbacks(execute=True):
        funded = eligible("Projet financé")
        services.decision_record(application=funded, user=staff, outcome="funded", amount_cents=9_000_000, reason="Oui")
    pantin = services.application_create(
        user=users["other_commune_agent"], call=call, lead=world.other_commune_org, title="Brouillon de Pantin"
    )
    world.extra.update(
        call=call,
        draft=draft_app,
        reviewed=reviewed,
        assignment=assignment,
        funded=funded,
        pantin=pantin,
        report=funded.reports.get(kind=FollowUpReport.Kind.PROGRESS),
        milestone=funded.milestones.first(),
        workshop=call.workshops.create(
            title="Atelier", starts_at=timezone.now() + timedelta(days=3), venue="Salle", capacity=5
        ),
        group=WorkingGroup.objects.create(
            name="Mobilité", slug="mobilite", theme="mobility", description="d", charter="c"
        ),
    )
    return world


def url(name, key=None, attr="pk"):
    def url_of(w):
        return reverse(f"fmin:{name}", args=[getattr(w.extra[key], attr)] if key else [])

    url_of.covers = f"fmin:{name}"
    return url_of


PUBLIC = dict.fromkeys(FMIN_ROLES, 200)
CASES = [
    Case("home", "/fmin/", PUBLIC),
    Case("call", url("call_detail", "call"), PUBLIC),
    Case(
        "programme", lambda w: reverse("fmin:programme_detail", args=["pcaem"]), PUBLIC, covers="fmin:programme_detail"
    ),
    Case("projects", "/fmin/projets/", PUBLIC),
    Case("projects-csv", "/fmin/projets.csv", PUBLIC),
    Case("project", url("project_detail", "funded"), PUBLIC),
    Case("project-not-funded", url("project_detail", "reviewed"), dict.fromkeys(FMIN_ROLES, 404)),
    Case("groups", "/fmin/batisseurs/", PUBLIC),
    Case("group", url("group_detail", "group", "slug"), PUBLIC),
    Case("workshop-register-without-organisation", url("workshop_register", "workshop"), expect(()), method="post"),
    Case("call-regulation-none", url("call_regulation", "call"), dict.fromkeys(FMIN_ROLES, 404)),
    Case("api-project", lambda w: f"/api/fmin/projects/{w.extra['funded'].pk}/", PUBLIC, covers="fmin-project-detail"),
    Case(
        "conflict-without-reason",
        url("conflict_declare", "assignment"),
        expect(("reviewer",), status=302, others=404),
        method="post",
    ),
    Case(
        "confirm-without-organisation",
        url("participation_confirm", "draft"),
        expect(APPLICANTS, status=404),
        method="post",
    ),
    Case("api-projects", "/api/fmin/projects/", PUBLIC),
    Case("api-applications", "/api/fmin/applications/", {"anonymous": 401}, default=200),
    Case("start", url("application_start", "call"), expect((*COLLECTIVITY_AGENTS,))),
    Case("list", "/fmin/candidatures/", expect((*COLLECTIVITY_AGENTS, "staff"))),
    Case("draft", url("application_detail", "draft"), expect(APPLICANTS)),
    Case("draft-edit", url("application_edit", "draft"), expect(APPLICANTS)),
    Case("draft-autosave", url("application_autosave", "draft"), expect(APPLICANTS, status=400), method="post"),
    Case("draft-submit", url("application_submit", "draft"), expect(LEAD)),
    Case("draft-withdraw", url("application_withdraw", "draft"), expect(LEAD)),
    Case("pantin-draft", url("application_detail", "pantin"), expect(("other_commune_agent",))),
    Case("reviewed", url("application_detail", "reviewed"), expect((*APPLICANTS, "staff", "reviewer"))),
    Case("reviewed-edit", url("application_edit", "reviewed"), expect(())),
    Case("instruction", url("instruction", "reviewed"), expect(("staff",))),
    Case("decision", url("decision", "reviewed"), expect(("staff",))),
    Case("ranking", url("ranking", "call"), expect(("staff",))),
    Case("reviews", "/fmin/evaluations/", expect(("reviewer",))),
    Case("review", url("review", "assignment"), expect(("reviewer",), others=404)),
    Case("funded", url("application_detail", "funded"), expect((*APPLICANTS, "staff"))),
    Case("letter", url("decision_letter", "funded"), expect((*APPLICANTS, "staff"))),
    Case("pdf", url("application_pdf", "reviewed"), expect((*APPLICANTS, "staff", "reviewer"), status=404)),
    Case(
        "report",
        lambda w: reverse("fmin:report_edit", args=[w.extra["funded"].pk, w.extra["report"].pk]),
        expect(APPLICANTS),
        covers="fmin:report_edit",
    ),  # noqa: E501
    Case("pay", url("milestone_pay", "milestone"), expect(("staff",), status=302), method="post"),
    # Another collectivity's ids in the URL: Pantin's draft, Montreuil's files, a report under another file.
    Case("pantin-draft-edit", url("application_edit", "pantin"), expect(("other_commune_agent",))),
    Case(
        "pantin-draft-autosave",
        url("application_autosave", "pantin"),
        expect(("other_commune_agent",), status=400),
        method="post",
    ),
    Case("pantin-draft-submit", url("application_submit", "pantin"), expect(("other_commune_agent",))),
    Case("pantin-draft-withdraw", url("application_withdraw", "pantin"), expect(("other_commune_agent",))),
    Case("pantin-draft-pdf", url("application_pdf", "pantin"), expect(("other_commune_agent",), status=404)),
    Case(
        "report-under-another-file",
        lambda w: reverse("fmin:report_edit", args=[w.extra["pantin"].pk, w.extra["report"].pk]),
        expect(("other_commune_agent",), status=404),
        covers="fmin:report_edit",
    ),
    Case(
        "api-pantin-draft",
        lambda w: f"/api/fmin/applications/{w.extra['pantin'].pk}/",
        {"anonymous": 401, "other_commune_agent": 200},
        default=404,
        covers="fmin-application-detail",
    ),
    Case(
        "api-montreuil-draft",
        lambda w: f"/api/fmin/applications/{w.extra['draft'].pk}/",
        {"anonymous": 401, **dict.fromkeys(APPLICANTS, 200)},
        default=404,
        covers="fmin-application-detail",
    ),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_fmin_permission_matrix(fmin_world, case):
    """One world per page (it is costly to build), every role against it; the message names each miss."""
    misses = []
    for role in FMIN_ROLES:
        try:
            check(fmin_world, case, role)
        except AssertionError as exc:
            misses.append(str(exc).splitlines()[0])
    assert not misses, "\n".join(misses)


def test_an_agent_lists_only_their_collectivities_files(fmin_world):
    response = fmin_world.client_for("commune_agent").get("/fmin/candidatures/")
    titles = [a.title for a in response.context["page_obj"].object_list]
    assert "Brouillon de Montreuil" in titles and "Brouillon de Pantin" not in titles
    api = fmin_world.client_for("commune_agent").get("/api/fmin/applications/").json()
    assert "Brouillon de Pantin" not in {a["title"] for a in api["results"]}
    staff = fmin_world.client_for("staff").get("/fmin/candidatures/")
    staff_titles = {a.title for a in staff.context["page_obj"].object_list}
    assert "Brouillon de Montreuil" not in staff_titles and "Dossier évalué" in staff_titles  # no drafts


def test_a_reviewer_sees_other_scores_only_after_submitting_their_own(fmin_world):
    application = fmin_world.extra["reviewed"]
    from ..factories import UserFactory

    second = UserFactory(reviewer=True)
    other = services.assignment_create(application=application, reviewer=second, user=fmin_world.users["staff"])
    criteria = application.call.criteria.all()
    services.review_save(
        assignment=other,
        user=second,
        scores={c.id: (2, "Avis du second évaluateur") for c in criteria},
        comment="Réservé.",
        submit=True,
    )
    client = fmin_world.client_for("reviewer")
    page = client.get(application.get_absolute_url()).content.decode()
    assert "Avis du second évaluateur" not in page
    services.review_save(
        assignment=fmin_world.extra["assignment"],
        user=fmin_world.users["reviewer"],
        scores={c.id: (4, "Mon avis") for c in criteria},
        comment="",
        submit=True,
    )
    page = client.get(application.get_absolute_url()).content.decode()
    assert "Avis du second évaluateur" in page
    # Applicants never see scores.
    assert (
        "Avis du second évaluateur"
        not in fmin_world.client_for("commune_agent").get(application.get_absolute_url()).content.decode()
    )


def test_edit_page_saves_and_keeps_what_was_typed_on_error(fmin_world):
    application = fmin_world.extra["draft"]
    client = fmin_world.client_for("commune_agent")
    page = client.get(reverse("fmin:application_edit", args=[application.pk]))
    form = page.context["forms"]
    data = {**_as_post(form), "title": "Nouveau titre", "budget-0-amount_ht": "douze"}
    response = client.post(reverse("fmin:application_edit", args=[application.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez un montant en euros" in html and 'value="douze"' in html and "Nouveau titre" in html
    application.refresh_from_db()
    assert application.title == "Brouillon de Montreuil"
    data["budget-0-amount_ht"] = "200 000"
    response = client.post(reverse("fmin:application_edit", args=[application.pk]), data)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Nouveau titre" and application.version == 3


def test_autosave_answers_with_the_rules_and_refuses_a_stale_version(fmin_world):
    application = fmin_world.extra["draft"]
    client = fmin_world.client_for("ept_agent")  # a co-applicant may edit the draft too
    data = _as_post(client.get(reverse("fmin:application_edit", args=[application.pk])).context["forms"])
    response = client.post(reverse("fmin:application_autosave", args=[application.pk]), data)
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] and body["version"] == application.version + 1
    assert "Au plus 60" in body["rules_html"].replace("\u202f", " ")
    stale = client.post(reverse("fmin:application_autosave", args=[application.pk]), data)  # same old version
    assert stale.status_code == 409 and "modifié par une autre personne" in stale.json()["message"]


def _as_post(forms) -> dict:
    """What the browser would post back for the page's forms, unchanged."""
    data = {}
    for form in [forms.form, *(f for fs in forms.formsets for f in [fs.management_form, *fs.forms])]:
        for field in form:
            value = field.value()
            if value in (None, False):
                continue
            if isinstance(value, list | tuple):
                data[field.html_name] = [str(getattr(v, "pk", v)) for v in value]
            else:
                data[field.html_name] = field.field.prepare_value(value) if hasattr(field.field, "max_cents") else value
    return data


def test_submit_page_lists_what_is_missing_and_submits(fmin_world):
    application = fmin_world.extra["draft"]
    client = fmin_world.client_for("commune_agent")
    response = client.post(reverse("fmin:application_submit", args=[application.pk]))
    assert response.status_code == 200
    assert "Chaque co-porteur a confirmé sa participation" in response.content.decode()
    services.participation_confirm(
        application=application, organisation=fmin_world.ept_org, user=fmin_world.users["ept_agent"]
    )
    response = client.post(reverse("fmin:application_submit", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_public_projects_filters_export_and_api(fmin_world):
    client = fmin_world.client_for("anonymous")
    funded = fmin_world.extra["funded"]
    assert [p.pk for p in client.get("/fmin/projets/?theme=citizen_relations").context["page_obj"].object_list] == [
        funded.pk
    ]
    assert not client.get("/fmin/projets/?theme=mobility").context["page_obj"].object_list
    assert (
        client.get("/fmin/projets/?territory=" + str(fmin_world.ept_org.territory_id))
        .context["page_obj"]
        .paginator.count
        == 1
    )
    rows = list(csv.reader(io.StringIO(client.get("/fmin/projets.csv").content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][2] == "Projet financé" and rows[1][8] == "90000,00"
    api = client.get("/api/fmin/projects/").json()
    assert [(p["title"], p["grant_cents"]) for p in api["results"]] == [("Projet financé", 9_000_000)]
    assert "Brouillon" not in client.get("/fmin/projets/").content.decode()


def test_workshop_registration_and_group_join_pages(fmin_world):
    workshop = fmin_world.extra["workshop"]
    client = fmin_world.client_for("commune_agent")
    client.post(reverse("fmin:workshop_register", args=[workshop.pk]), {"organisation": fmin_world.commune_org.pk})
    assert workshop.registrations.filter(organisation=fmin_world.commune_org).exists()
    group = fmin_world.extra["group"]
    response = client.post(group.get_absolute_url(), {"organisation": fmin_world.commune_org.pk})
    assert "signer sa convention" in response.content.decode()
    client.post(group.get_absolute_url(), {"organisation": fmin_world.commune_org.pk, "accepts_charter": "on"})
    assert group.members.filter(organisation=fmin_world.commune_org).exists()
    assert fmin_world.client_for("citizen").post(group.get_absolute_url(), {}).status_code == 403


def test_posting_the_same_page_twice_keeps_every_line(fmin_world):
    """Autosave then the button send the same lines twice: they must survive both saves."""
    application = fmin_world.extra["draft"]
    client = fmin_world.client_for("commune_agent")
    url = reverse("fmin:application_edit", args=[application.pk])
    data = _as_post(client.get(url).context["forms"])
    for _ in range(3):
        autosave = client.post(reverse("fmin:application_autosave", args=[application.pk]), data).json()
        assert autosave["saved"], autosave
        data["version"] = autosave["version"]
        assert (application.budget_lines.count(), application.funding_lines.count()) == (1, 1)
        assert application.participants.filter(is_lead=False, organisation=fmin_world.ept_org).exists()


def test_confirming_for_a_collectivity_one_does_not_belong_to_is_refused(fmin_world):
    application = fmin_world.extra["draft"]
    url = reverse("fmin:participation_confirm", args=[application.pk])
    assert fmin_world.client_for("ept_agent").post(url, {"organisation": "abc"}).status_code == 404
    # Montreuil's agent cannot confirm on behalf of Est Ensemble.
    response = fmin_world.client_for("commune_agent").post(url, {"organisation": fmin_world.ept_org.pk})
    assert response.status_code == 404
    response = fmin_world.client_for("ept_agent").post(url, {"organisation": fmin_world.ept_org.pk})
    assert response.status_code == 302
    assert application.participants.get(organisation=fmin_world.ept_org).confirmed_at is not None


def test_a_delivered_evaluation_is_published_on_the_project_page(fmin_world):
    funded = fmin_world.extra["funded"]
    evaluation = funded.reports.get(kind=FollowUpReport.Kind.EVALUATION)
    progress = fmin_world.extra["report"]
    services.report_submit(report=progress, user=fmin_world.users["commune_agent"], progress="Avancement interne.")
    page = fmin_world.client_for("anonymous").get(reverse("fmin:project_detail", args=[funded.pk])).content.decode()
    assert "Les résultats seront publiés" in page and "Avancement interne." not in page  # progress stays private
    services.report_submit(
        report=evaluation,
        user=fmin_world.users["commune_agent"],
        progress="Service ouvert.",
        impact="Attente divisée par deux.",
        externalities="Moins d'appels.",
        replicability="Réutilisable par toute commune.",
    )
    page = fmin_world.client_for("anonymous").get(reverse("fmin:project_detail", args=[funded.pk])).content.decode()
    assert "Attente divisée par deux." in page and "Réutilisable par toute commune." in page


def test_acting_for_another_collectivity_is_refused(fmin_world):
    """Montreuil's agent names Pantin (the world's other commune) in forms, hidden fields and the API."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.test import APIClient

    from fmin.models import WorkingGroup

    from ..auth import token_header

    pantin, montreuil = fmin_world.other_commune_org, fmin_world.commune_org
    call, draft_of_pantin = fmin_world.extra["call"], fmin_world.extra["pantin"]
    client = fmin_world.client_for("commune_agent")

    start = client.post(reverse("fmin:application_start", args=[call.pk]), {"lead": pantin.pk, "title": "Usurpé"})
    assert start.status_code == 200 and "Sélectionnez un choix valide" in start.content.decode()
    assert not Application.objects.filter(title="Usurpé").exists()

    confirm = client.post(reverse("fmin:participation_confirm", args=[draft_of_pantin.pk]), {"organisation": pantin.pk})
    assert confirm.status_code == 403

    workshop = call.workshops.create(
        title="Atelier", starts_at=timezone.now() + timedelta(days=3), venue="Salle", capacity=5
    )
    registered = client.post(reverse("fmin:workshop_register", args=[workshop.pk]), {"organisation": pantin.pk})
    assert registered.status_code == 403 and not workshop.registrations.exists()

    group = WorkingGroup.objects.create(name="Données", slug="donnees", theme="data", description="d", charter="c")
    joined = client.post(group.get_absolute_url(), {"organisation": pantin.pk, "accepts_charter": "on"})
    assert joined.status_code == 200 and not group.members.exists()
    assert (
        client.post(group.get_absolute_url(), {"organisation": montreuil.pk, "accepts_charter": "on"}).status_code
        == 302
    )

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(fmin_world.users["commune_agent"], scopes=["read"]))
    assert api.get(f"/api/fmin/applications/{draft_of_pantin.pk}/").status_code == 404
    assert api.get(f"/api/fmin/applications/{fmin_world.extra['draft'].pk}/").status_code == 200
    listed = api.get("/api/fmin/applications/", {"call": call.pk}).json()["results"]
    assert "Brouillon de Pantin" not in {a["title"] for a in listed}


def test_the_call_filter_shows_agents_published_calls_only(fmin_world):
    staff = fmin_world.users["staff"]
    open_call(staff, year=2030, title="FMIN 2030 — en préparation", is_published=False)
    agent_page = fmin_world.client_for("commune_agent").get("/fmin/candidatures/")
    assert [c.title for c in agent_page.context["calls"]] == ["FMIN — session d'essai"]
    assert "FMIN 2030 — en préparation" not in agent_page.content.decode()
    assert "FMIN 2030 — en préparation" in fmin_world.client_for("staff").get("/fmin/candidatures/").content.decode()

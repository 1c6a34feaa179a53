"""The Explorateurs' path: candidacy → direction's agreement → selection within the seats (waiting list) →
explorer → events (registration, waiting list, attendance, reminders, iCal) → project → FMIN file → funded."""

import io
import re
from decimal import Decimal
from html import escape

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from explorateurs import services
from explorateurs.models import Candidacy, Explorer, ExplorerDocument, Project, Registration
from explorateurs.reference import annex3_rows
from sman.models import Challenge, Notification
from sman.reference import LoadReport

from ..auth import login
from ..factories import (
    CallFactory,
    CandidacyFactory,
    CohortFactory,
    ExplorationEventFactory,
    ExplorerFactory,
    RegistrationFactory,
    UserFactory,
    collectivity_of,
)
from ..indicators import nonzero, values_by_code
from ..matrix import close
from ..pdfs import assert_tagged_pdf
from .conftest import agent

pytestmark = pytest.mark.django_db


def pdf_text(document) -> str:
    with document.file.open("rb") as f:
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(f.read())).pages)


# --- Candidacy and the direction's agreement ----------------------------------------------------------------
def test_an_agent_applies_and_their_direction_agrees_through_the_signed_link(
    reference, django_capture_on_commit_callbacks
):
    cohort = CohortFactory()
    user = agent("93048")
    staff = UserFactory(staff=True)
    client = login(Client(), user)
    data = {
        "collectivity": collectivity_of("93048").pk, "role": "Chargée de mission", "department": "DSI",
        "motivation": "Apprendre.", "project_idea": "Un portail jeunesse.", "manager_name": "Mme la DGS",
        "manager_email": "dgs@montreuil.example",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/explorateurs/candidater/", data)
    assert response.status_code == 302
    candidacy = Candidacy.objects.get(agent=user, cohort=cohort)
    assert candidacy.status == Candidacy.Status.AWAITING_MANAGER
    (message,) = mail.outbox
    assert message.to == ["dgs@montreuil.example"] and "demande votre accord" in message.subject
    link = re.search(r"http\S+/explorateurs/confirmation/\S+/", message.body).group(0).split("testserver")[-1]
    link = link[link.index("/explorateurs/") :]
    manager = Client()  # no account needed
    page = manager.get(link)
    assert page.status_code == 200 and "Un portail jeunesse." in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(link, {"decision": "agree", "comment": ""})
    candidacy.refresh_from_db()
    assert candidacy.status == Candidacy.Status.CONFIRMED and candidacy.manager_decided_at
    assert Notification.objects.filter(user=staff, module="explorateurs", url__contains="status=confirmed").exists()
    assert mail.outbox[-1].to == [user.email]
    # Once answered, the link shows the answer and changes nothing.
    manager.post(link, {"decision": "decline"})
    candidacy.refresh_from_db()
    assert candidacy.status == Candidacy.Status.CONFIRMED
    assert "Réponse enregistrée" in manager.get(link).content.decode()


def test_a_tampered_or_readdressed_link_is_refused(reference):
    candidacy = CandidacyFactory()
    token = services.manager_token(candidacy)
    assert Client().get(f"/explorateurs/confirmation/{token[:-2]}xx/").status_code == 404
    Candidacy.objects.filter(pk=candidacy.pk).update(manager_email="autre@ville.example")
    with pytest.raises(ValidationError):
        services.candidacy_from_token(token)


def test_the_form_keeps_what_was_typed_and_says_what_is_missing(reference):
    CohortFactory()
    client = login(Client(), agent("93048"))
    page = client.post("/explorateurs/candidater/", {"role": "Chargée de mission", "manager_email": "pas-une-adresse"})
    html = page.content.decode()
    assert page.status_code == 200 and "error-summary" in html
    assert "Dites en quelques lignes pourquoi vous candidatez." in html and 'value="Chargée de mission"' in html
    assert "Saisissez une adresse électronique valide" in html


def test_candidacy_rules(reference):
    cohort = CohortFactory()
    user = agent("93048")
    fields = {
        "role": "r",
        "department": "d",
        "motivation": "m",
        "manager_name": "n",
        "manager_email": "dgs@ville.example",
    }
    with pytest.raises(PermissionDenied):
        services.candidacy_submit(user=user, cohort=cohort, collectivity=collectivity_of("93055"), **fields)
    services.candidacy_submit(user=user, cohort=cohort, collectivity=collectivity_of("93048"), **fields)
    with pytest.raises(ValidationError, match="déjà une candidature"):
        services.candidacy_submit(user=user, cohort=cohort, collectivity=collectivity_of("93048"), **fields)
    closed = CohortFactory(running=True)
    with pytest.raises(ValidationError, match="pas ouvertes"):
        services.candidacy_submit(user=user, cohort=closed, collectivity=collectivity_of("93048"), **fields)
    with pytest.raises(ValidationError):
        services.candidacy_submit(
            user=user, cohort=cohort, collectivity=collectivity_of("93048"), **{**fields, "manager_email": user.email}
        )


# --- Selection within the seats -------------------------------------------------------------------------
def test_selection_fills_the_seats_then_the_waiting_list_and_a_departure_promotes_the_first(reference):
    staff = UserFactory(staff=True)
    cohort = CohortFactory(seats=2)
    candidacies = [CandidacyFactory(cohort=cohort, confirmed=True) for _ in range(4)]
    for candidacy in candidacies:
        services.candidacy_select(candidacy=candidacy, user=staff)
    statuses = [Candidacy.objects.get(pk=c.pk) for c in candidacies]
    assert [c.status for c in statuses] == ["selected", "selected", "waitlisted", "waitlisted"]
    assert [c.waitlist_position for c in statuses[2:]] == [1, 2]
    assert Explorer.objects.filter(cohort=cohort, status="active").count() == 2
    with pytest.raises(PermissionDenied):
        services.candidacy_select(candidacy=candidacies[3], user=candidacies[3].agent)
    promoted = services.explorer_withdraw(explorer=statuses[0].explorer, user=statuses[0].agent)
    assert promoted.pk == candidacies[2].pk and promoted.status == "selected"
    assert Explorer.objects.filter(cohort=cohort, status="active").count() == 2
    assert Candidacy.objects.get(pk=candidacies[3].pk).waitlist_position == 2
    with pytest.raises(ValidationError, match="direction"):
        services.candidacy_select(candidacy=CandidacyFactory(cohort=cohort), user=staff)


# --- Events ------------------------------------------------------------------------------------------------
def test_registration_waiting_list_and_cancellation_in_order(ex, django_capture_on_commit_callbacks):
    event = ExplorationEventFactory(cohort=ex.running, seats=1)
    others = [ExplorerFactory(cohort=ex.running) for _ in range(2)]
    first = services.event_register(event=event, explorer=ex.explorer, user=ex.explorer.user)
    waiting = [services.event_register(event=event, explorer=o, user=o.user) for o in others]
    assert first.status == "registered" and [w.waitlist_position for w in waiting] == [1, 2]
    with pytest.raises(ValidationError, match="déjà inscrit"):
        services.event_register(event=event, explorer=ex.explorer, user=ex.explorer.user)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.registration_cancel(registration=first, user=ex.explorer.user)
    assert promoted.pk == waiting[0].pk and promoted.status == "registered" and promoted.waitlist_position is None
    assert mail.outbox[-1].to == [others[0].user.email] and "place s'est libérée" in mail.outbox[-1].subject
    assert Registration.objects.get(pk=waiting[1].pk).waitlist_position == 2
    # Registering again after cancelling is allowed (at the end of the list).
    again = services.event_register(event=event, explorer=ex.explorer, user=ex.explorer.user)
    assert again.status == "waiting" and again.waitlist_position == 3


def test_who_may_register(ex):
    with pytest.raises(ValidationError, match="réservé"):
        services.event_register(event=ex.event, explorer=ex.alumnus, user=ex.alumnus.user)
    alumni_day = ExplorationEventFactory(cohort=ex.running, open_to_alumni=True)
    assert services.event_register(event=alumni_day, explorer=ex.alumnus, user=ex.alumnus.user).status == "registered"
    newcomer = ExplorerFactory(cohort=ex.running)
    with pytest.raises(ValidationError, match="commencé"):
        services.event_register(event=ex.held, explorer=newcomer, user=newcomer.user)
    with pytest.raises(PermissionDenied):
        services.event_register(event=alumni_day, explorer=ex.explorer, user=ex.alumnus.user)


def test_attendance_taken_on_the_phone_page(ex):
    absent = RegistrationFactory(event=ex.held, explorer=ExplorerFactory(cohort=ex.running))
    present = ex.held.registrations.get(explorer=ex.explorer)
    client = login(Client(), UserFactory(staff=True))
    page = client.get(f"/explorateurs/journees/{ex.held.pk}/presences/")
    assert f'id="present-{present.pk}"' in page.content.decode()
    client.post(f"/explorateurs/journees/{ex.held.pk}/presences/", {"present": [present.pk]})
    present.refresh_from_db(), absent.refresh_from_db(), ex.held.refresh_from_db()
    assert present.attended is True and absent.attended is False and ex.held.attendance_taken_at
    response = client.post(f"/explorateurs/journees/{ex.held.pk}/presences/", {"present": [999999]})
    assert "pas inscrite" in response.content.decode()


def test_reminders_go_once_to_the_registered(ex, django_capture_on_commit_callbacks):
    soon = ExplorationEventFactory(cohort=ex.running, soon=True, title="Journée des données")
    RegistrationFactory(event=soon, explorer=ex.explorer)
    RegistrationFactory(event=soon, explorer=ExplorerFactory(cohort=ex.running), status="waiting", waitlist_position=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.event_reminders_send(now=timezone.now()) == 1
    assert [m.to for m in mail.outbox] == [[ex.explorer.user.email]] and "Journée des données" in mail.outbox[0].subject
    assert services.event_reminders_send(now=timezone.now()) == 0


def test_ical_follows_rfc_5545(ex):
    from datetime import UTC

    ex.event.title = "Données ouvertes, communs; et « démocratie numérique » " + "très " * 20
    ex.event.save()
    response = Client().get(f"/explorateurs/journees/{ex.event.pk}/agenda.ics")
    assert response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n") and b"VERSION:2.0" in raw
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines) and b"\n" not in raw.replace(b"\r\n", b"")
    unfolded = raw.decode("utf-8").replace("\r\n ", "")
    assert "SUMMARY:Journée d'exploration — Données ouvertes\\, communs\\; et « démocratie numérique »" in unfolded
    assert f"DTSTART:{ex.event.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in unfolded
    assert f"UID:explorateurs-event-{ex.event.pk}@" in unfolded
    whole = Client().get("/explorateurs/journees/agenda.ics").content.decode()
    assert whole.count("BEGIN:VEVENT") == 2  # the event to come and the one held two days ago


# --- Projects and the FMIN ----------------------------------------------------------------------------------
def test_a_project_starts_its_fmin_file_in_one_click_and_the_fmin_counts_it(ex, client):
    call = CallFactory()
    client = login(Client(), ex.explorer.user)
    response = client.post(f"/explorateurs/projets/{ex.project.pk}/fmin/")
    ex.project.refresh_from_db()
    application = ex.project.fmin_application
    assert response.status_code == 302 and response["Location"] == f"/fmin/candidatures/{application.pk}/modifier/"
    assert application.call == call and application.lead == ex.project.collectivity and application.status == "draft"
    assert (application.title, application.irritant, application.experiment) == (
        ex.project.title, ex.project.irritant, ex.project.idea,
    )  # fmt: skip
    assert list(application.challenges.all()) == [Challenge.objects.get(number=4)]
    assert ex.project.status == Project.Status.FMIN_APPLICATION
    again = client.post(f"/explorateurs/projets/{ex.project.pk}/fmin/", follow=True)
    assert "déjà sa candidature" in again.content.decode()
    # Funded: the FMIN's share of funded projects from the Explorateurs is computed from the relation.
    type(application).objects.filter(pk=application.pk).update(status="funded")
    assert services.projects_follow_fmin() == 1
    ex.project.refresh_from_db()
    assert ex.project.status == Project.Status.FUNDED


def test_project_pages_show_the_thread_and_staff_record_the_support(ex):
    staff = login(Client(), UserFactory(staff=True))
    staff.post(f"/explorateurs/projets/{ex.project.pk}/accompagnement/", {"kind": "workshop", "body": "Atelier n° 3"})
    staff.post(f"/explorateurs/projets/{ex.project.pk}/etape/", {"status": "qualified", "note": "Prêt"})
    ex.project.refresh_from_db()
    assert ex.project.status == "qualified" and ex.project.notes.count() == 2
    mine = login(Client(), ex.explorer.user).get(ex.project.get_absolute_url()).content.decode()
    assert "Atelier n° 3" in mine and 'aria-current="step"' in mine
    public = Client().get(ex.project.get_absolute_url()).content.decode()
    assert "Atelier n° 3" not in public  # the support notes are the project's people's and staff's only


def test_my_path_and_the_directory_respect_each_explorers_choices(ex):
    ex.explorer.show_email = False
    ex.explorer.save()
    ex.alumnus.in_directory = False
    ex.alumnus.save()
    html = login(Client(), agent("93066")).get("/explorateurs/annuaire/").content.decode()
    assert ex.explorer.user.last_name in html and ex.explorer.user.email not in html
    assert ex.alumnus.user.last_name not in html
    client = login(Client(), ex.explorer.user)
    client.post(f"/explorateurs/explorateurs/{ex.explorer.pk}/annuaire/", {"in_directory": "on", "show_email": "on"})
    assert ex.explorer.user.email in login(Client(), agent("93066")).get("/explorateurs/annuaire/").content.decode()
    page = client.get("/explorateurs/mon-parcours/").content.decode()
    assert escape(ex.project.title) in page and "présent à 0 journée sur 0 relevée" in page


# --- PDFs through the job model -----------------------------------------------------------------------------
def test_mission_letter_welcome_kit_and_certificate(ex, django_capture_on_commit_callbacks):
    ex.held.registrations.update(attended=True)
    ex.held.attendance_taken_at = timezone.now()
    ex.held.save()
    documents = {}
    for kind in ("mission_letter", "welcome_kit", "certificate"):
        with django_capture_on_commit_callbacks(execute=True):
            document = services.document_request(explorer=ex.explorer, kind=kind, user=ex.explorer.user)
        document.refresh_from_db()
        assert document.state == "done" and document.checksum, document.error_detail
        documents[kind] = pdf_text(document)
        with document.file.open("rb") as f:
            assert_tagged_pdf(f.read(), title=document.get_kind_display().capitalize())
    letter = documents["mission_letter"].replace("\n", " ")
    assert "Lettre de mission" in letter and ex.explorer.manager_name in letter and "Montreuil" in letter
    assert "Direction générale" in letter and ex.running.label in letter
    assert "Bienvenue" in documents["welcome_kit"] and ex.event.title in documents["welcome_kit"]
    certificate = documents["certificate"].replace("\n", " ")
    assert "Attestation de participation" in certificate and ex.held.title in certificate and "1 journée" in certificate
    with pytest.raises(PermissionDenied):
        services.document_request(explorer=ex.explorer, kind="welcome_kit", user=ex.alumnus.user)
    response = login(Client(), ex.explorer.user).get(f"/explorateurs/documents/{ExplorerDocument.objects.first().pk}/")
    close(response)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


# --- Reference data, indicators, panels, demo --------------------------------------------------------------
def test_annex_3_projects_are_loaded_faithfully_and_once(reference):
    from explorateurs.reference import load_reference

    load_reference(LoadReport())
    annex = Project.objects.filter(source="annex_3")
    assert annex.count() == len(annex3_rows()) == 25
    sceaux = annex.get(reference_key="annex3-sceaux-bibliotheque")
    assert (sceaux.carrier_role, sceaux.challenge.number, sceaux.collectivity.territory.code) == (
        "Directrice de la bibliothèque", 2, "92071",
    )  # fmt: skip
    est = annex.get(reference_key="annex3-est-ensemble-participation")
    assert est.collectivity.territory.code == "T8" and est.challenge.number == 3
    assert set(annex.values_list("challenge__number", flat=True)) == {2, 3, 4, 5, 6}
    assert annex.filter(challenge__number=4).count() == 12
    assert annex.filter(collectivity__territory__code="93048").count() == 2  # Montreuil: two projects


def test_indicators_per_territory(ex):
    ex.held.registrations.update(attended=True)
    ex.held.attendance_taken_at = timezone.now()
    ex.held.save()
    RegistrationFactory(
        event=ex.held, explorer=ExplorerFactory(cohort=ex.running, collectivity=collectivity_of("T8")), absent=True
    )
    today = timezone.localdate()
    trained = nonzero(values_by_code("explorateurs.agents_trained", today))
    # Montreuil's explorer, Pantin's alumnus and Est Ensemble's (an EPT) explorer.
    assert trained["93048"] == 1 and trained["93055"] == 1 and trained["T8"] == 3 and trained["MGP"] >= 3
    collectivities = nonzero(values_by_code("explorateurs.collectivities_represented", today))
    assert collectivities["T8"] == 3
    rate = nonzero(values_by_code("explorateurs.attendance_rate", today))
    assert rate["93048"] == 100 and rate["T8"] == 50
    ideas = nonzero(values_by_code("explorateurs.projects_idea", today))
    assert ideas["93048"] >= 1
    share = values_by_code("fmin.share_applications_from_explorateurs", today)
    assert share["MGP"] == 0


def test_space_and_territory_panels(ex, rf):
    from explorateurs.panels import space_panel, territory_panel
    from sman.models import Territory

    request = rf.get("/")
    request.user = ex.explorer.user
    labels = [t.label for t in space_panel(request).todos]
    assert any("vous inscrire" in label for label in labels) and any("qualifier" in label for label in labels)
    request.user = UserFactory(staff=True)
    CandidacyFactory(cohort=ex.recruiting, confirmed=True)
    labels = [t.label for t in space_panel(request).todos]
    assert any("à examiner" in label for label in labels) and any("Relever les présences" in label for label in labels)
    request.user = CandidacyFactory(cohort=ex.recruiting).agent  # their direction has not answered yet
    assert "accord de votre direction" in space_panel(request).todos[0].label
    template, context = territory_panel(Territory.objects.get(code="T8"))
    assert context["counts"]["current"] == 1 and context["counts"]["alumni"] == 1


def test_demo_data(reference, django_capture_on_commit_callbacks):
    from sman.demo import load_demo

    load_demo()
    load_demo()  # twice: nothing doubles
    from sman.models import User

    agent_commune = User.objects.get(email__startswith="agent.commune@")
    path = login(Client(), agent_commune).get("/explorateurs/mon-parcours/").content.decode()
    assert "dossier FMIN" in path and "financée" in path
    staff = User.objects.get(email__startswith="equipe@")
    space = login(Client(), staff).get("/espace/").content.decode()
    assert "candidatures aux Explorateurs à examiner" in space and "Relever les présences" in space
    from sman.indicators import providers

    assert providers["fmin.share_from_explorateurs"].value(timezone.localdate()) == Decimal("66.7")

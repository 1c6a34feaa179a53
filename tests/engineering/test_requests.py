"""Support requests of the pôle d'ingénierie: their life, who reads them, their files, reminders, indicators."""

import threading
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from engineering import services, tasks
from engineering.models import EngineeringRequest
from sman.models import Notification

from ..auth import login
from ..factories import EngineeringRequestFactory, MembershipFactory, UserFactory, collectivity_of
from ..indicators import nonzero, values_by_code
from ..matrix import close
from .conftest import PDF, pdf

pytestmark = pytest.mark.django_db

S = EngineeringRequest.Status


def test_a_request_goes_from_received_to_closed_with_its_dates_and_satisfaction(
    eng, mailoutbox, django_capture_on_commit_callbacks
):
    req = eng.request(documents=[pdf("cahier.pdf")])
    assert req.status == S.RECEIVED and req.documents.get().name == "cahier.pdf"
    today = timezone.localdate()
    req = services.request_qualify(request=req, user=eng.staff, service=eng.service, expert=eng.expert)
    assert (req.status, req.expert, req.promised_days, req.due_on) == (
        S.QUALIFIED,
        eng.expert,
        12,
        today + timedelta(days=12),
    )
    req = services.request_start(request=req, user=eng.expert)
    services.message_post(request=req, user=eng.agent, body="Une précision.")
    req.refresh_from_db()
    assert req.first_answer_at is None  # the collectivity's own message is no answer
    message = services.message_post(request=req, user=eng.expert, body="Voici nos premières pistes.")
    req.refresh_from_db()
    assert message.from_pole and req.first_answer_at == message.created_at
    with pytest.raises(ValidationError, match="au moins un livrable"):
        services.request_deliver(request=req, user=eng.expert)
    services.document_add(request=req, user=eng.expert, file=pdf("livrable.pdf"), deliverable=True)
    with django_capture_on_commit_callbacks(execute=True):
        req = services.request_deliver(request=req, user=eng.expert)
    assert req.status == S.DELIVERED
    assert [m.to for m in mailoutbox] == [[eng.agent.email]] and "livrée" in mailoutbox[0].subject
    with pytest.raises(PermissionDenied):  # the expert does not answer the satisfaction question
        services.request_close(request=req, user=eng.expert, satisfaction=5)
    with pytest.raises(ValidationError):
        services.request_close(request=req, user=eng.agent, satisfaction=6)
    req = services.request_close(request=req, user=eng.agent, satisfaction=5, comment="Parfait.")
    assert (req.status, req.satisfaction, req.satisfaction_comment) == (S.CLOSED, 5, "Parfait.")
    with pytest.raises(ValidationError, match="close"):
        services.message_post(request=req, user=eng.agent, body="Encore ?")


def test_steps_cannot_be_skipped_nor_taken_by_the_wrong_people(eng):
    req = eng.request()
    with pytest.raises(PermissionDenied):
        services.request_qualify(request=req, user=eng.expert, service=eng.service, expert=eng.expert)
    with pytest.raises(ValidationError, match="pas experte"):
        services.request_qualify(request=req, user=eng.staff, service=eng.service, expert=eng.agent)
    with pytest.raises(PermissionDenied):
        services.request_start(request=req, user=eng.expert)  # not assigned yet
    services.request_qualify(request=req, user=eng.staff, service=eng.service, expert=eng.expert)
    with pytest.raises(ValidationError, match="plus « reçue »"):
        services.request_qualify(request=req, user=eng.staff, service=eng.service, expert=eng.other_expert)
    with pytest.raises(PermissionDenied):
        services.request_start(request=req, user=eng.other_expert)
    with pytest.raises(PermissionDenied):
        services.message_post(request=req, user=eng.pantin_agent, body="Bonjour")
    with pytest.raises(PermissionDenied):
        services.document_add(request=req, user=eng.agent, file=pdf(), deliverable=True)
    with pytest.raises(PermissionDenied):
        services.request_submit(
            user=eng.pantin_agent,
            organisation=eng.montreuil,
            title="x",
            description="y",
            kind="legal",
            stage="upstream",
        )


def test_an_fmin_application_of_another_collectivity_is_refused(eng):
    from ..factories import ApplicationFactory

    theirs = ApplicationFactory(lead=collectivity_of("93055"))
    with pytest.raises(ValidationError, match="pas celle de votre collectivité"):
        eng.request(fmin_application=theirs)
    ours = ApplicationFactory(lead=eng.montreuil)
    assert eng.request(fmin_application=ours).fmin_application == ours


def test_documents_are_checked_and_private(eng):
    with pytest.raises(ValidationError, match="Déposez un document PDF"):
        eng.request(documents=[pdf("image.png", b"\x89PNG....")])
    with pytest.raises(ValidationError, match="ne correspond pas"):
        eng.request(documents=[pdf("faux.pdf", b"MZ executable")])
    req = eng.request(documents=[pdf("cahier.pdf")])
    document = req.documents.get()
    url = f"/accompagnement/demandes/{req.pk}/documents/{document.pk}/"
    statuses = {}
    for name, user in [("agent", eng.agent), ("pantin", eng.pantin_agent), ("expert", eng.other_expert),
                       ("staff", eng.staff)]:  # fmt: skip
        response = login(Client(), user).get(url)
        statuses[name] = response.status_code
        if response.status_code == 200:
            assert b"".join(response.streaming_content) == PDF
            assert response["Cache-Control"] == "private, no-store"
        close(response)
    assert statuses == {"agent": 200, "pantin": 403, "expert": 403, "staff": 200}
    assert Client().get(url).status_code == 302


def test_the_pages_walk_a_request_through_its_life(eng):
    agent, staff, expert = login(Client(), eng.agent), login(Client(), eng.staff), login(Client(), eng.expert)
    response = agent.post(
        "/accompagnement/demandes/nouvelle/",
        {"organisation": eng.montreuil.pk, "title": "", "kind": "legal", "stage": "downstream", "description": "x"},
    )
    page = unescape(response.content.decode())
    assert response.status_code == 200 and "Donnez l'objet de votre demande." in page
    assert "\nx</textarea>" in page  # what was typed is kept
    response = agent.post(
        "/accompagnement/demandes/nouvelle/",
        {"organisation": eng.montreuil.pk, "title": "Marché de maintenance", "kind": "legal", "stage": "downstream",
         "description": "Rédiger les pièces.", "documents": [pdf()]},
    )  # fmt: skip
    req = EngineeringRequest.objects.get(title="Marché de maintenance")
    assert response.status_code == 302 and req.documents.count() == 1
    staff.post(f"/accompagnement/demandes/{req.pk}/qualifier/", {"service": eng.service.pk, "expert": eng.expert.pk})
    expert.post(f"/accompagnement/demandes/{req.pk}/demarrer/")
    expert.post(f"/accompagnement/demandes/{req.pk}/", {"body": "Nous avons lu votre dossier."})
    expert.post(f"/accompagnement/demandes/{req.pk}/documents/", {"file": pdf("livrable.pdf"), "livrable": "1"})
    expert.post(f"/accompagnement/demandes/{req.pk}/livrer/")
    page = unescape(agent.get(req.get_absolute_url()).content.decode())
    assert "Nous avons lu votre dossier." in page and "livrable du pôle" in page and "Donner votre avis" in page
    response = agent.post(f"/accompagnement/demandes/{req.pk}/clore/", {"satisfaction": "4", "comment": "Merci"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.satisfaction) == (S.CLOSED, 4)


@pytest.mark.django_db(transaction=True)
def test_two_staff_members_triaging_the_same_request_at_once_only_one_succeeds(reference):
    from engineering.models import ServiceOffer

    agent = MembershipFactory(organisation=collectivity_of("93048")).user
    req = services.request_submit(
        user=agent, organisation=collectivity_of("93048"), title="x", description="y", kind="legal", stage="upstream"
    )
    service = ServiceOffer.objects.create(title="S", description="d", audience="a", kind="legal", typical_delay_days=5)
    experts = [UserFactory(roles=["engineering.expert"]) for _ in range(2)]
    staff = [UserFactory(staff=True) for _ in range(2)]
    barrier, outcomes = threading.Barrier(2), []

    def qualify(who, expert):
        try:
            barrier.wait()
            services.request_qualify(request=req, user=who, service=service, expert=expert)
            outcomes.append(expert.pk)
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=qualify, args=pair) for pair in zip(staff, experts, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    req.refresh_from_db()
    assert outcomes.count(req.expert_id) == 1
    assert sum("plus « reçue »" in str(o) for o in outcomes) == 1


def test_experts_are_reminded_once_before_the_due_date_in_their_digest(eng):
    today = timezone.localdate()
    soon = EngineeringRequestFactory(in_progress=True, expert=eng.expert, due_on=today + timedelta(days=2))
    late = EngineeringRequestFactory(qualified=True, expert=eng.expert, due_on=today - timedelta(days=1))
    EngineeringRequestFactory(in_progress=True, expert=eng.other_expert, due_on=today + timedelta(days=20))
    EngineeringRequestFactory(delivered=True, expert=eng.other_expert, due_on=today)  # delivered: nothing to do
    assert tasks.remind_due_requests.delay().get() == 2
    reminders = Notification.objects.filter(module="engineering", key__contains="-due-")
    assert sorted((n.user_id, n.subject) for n in reminders) == sorted(
        [(eng.expert.pk, f"Échéance proche : {soon.title}"), (eng.expert.pk, f"Échéance proche : {late.title}")]
    )
    assert "(dépassée)" in reminders.get(subject__endswith=late.title).body
    assert tasks.remind_due_requests.delay().get() == 0  # once only
    assert reminders.count() == 2


def test_the_expert_and_the_collectivity_learn_of_each_others_messages_in_their_digest(eng):
    colleague = MembershipFactory(organisation=eng.montreuil).user
    req = eng.in_progress()
    assigned = Notification.objects.get(user=eng.expert)
    assert (
        assigned.subject == f"Demande d'accompagnement confiée : {req.title}" and assigned.url == req.get_absolute_url()
    )
    services.message_post(request=req, user=eng.agent, body="Une question.")
    assert Notification.objects.filter(user=eng.expert).count() == 2
    assert not Notification.objects.filter(user__in=[eng.agent, colleague]).exists()  # not the author's side
    services.message_post(request=req, user=eng.expert, body="La réponse.")
    told = Notification.objects.filter(subject__startswith="Le pôle d'ingénierie vous a écrit")
    assert sorted(told.values_list("user_id", flat=True)) == sorted([eng.agent.pk, colleague.pk])
    assert not Notification.objects.filter(user=eng.other_expert).exists()


def test_indicators_per_territory_count_kinds_stages_delays_and_satisfaction(eng):
    today = timezone.localdate()
    created = timezone.now() - timedelta(days=10)
    requests = [
        EngineeringRequestFactory(kind="legal", stage="downstream"),
        EngineeringRequestFactory(closed=True, satisfaction=5),
        EngineeringRequestFactory(delivered=True, organisation=collectivity_of("93055"), kind="financial"),
        EngineeringRequestFactory(closed=True, satisfaction=2, organisation=collectivity_of("T8")),
    ]
    EngineeringRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        created_at=created, qualified_at=created + timedelta(days=1)
    )  # the service promised 10 days at triage (factory)
    # Montreuil's closed request: answered in 2 days, delivered in 8, on time; Pantin's: delivered in 10, late.
    EngineeringRequest.objects.filter(pk=requests[1].pk).update(
        first_answer_at=created + timedelta(days=2), delivered_at=created + timedelta(days=8), due_on=today
    )
    EngineeringRequest.objects.filter(pk=requests[2].pk).update(
        first_answer_at=created + timedelta(days=4), delivered_at=created + timedelta(days=10),
        due_on=today - timedelta(days=5),
    )  # fmt: skip
    EngineeringRequest.objects.filter(pk=requests[3].pk).update(
        first_answer_at=created + timedelta(days=3), delivered_at=created + timedelta(days=9), due_on=today
    )
    received = nonzero(values_by_code("engineering.requests_received", today))
    assert received == {"MGP": 4, "T8": 4, "93048": 2, "93055": 1}  # the EPT's own request counts for T8 only
    assert nonzero(values_by_code("engineering.requests_legal", today)) == {"MGP": 1, "T8": 1, "93048": 1}
    assert nonzero(values_by_code("engineering.requests_downstream", today)) == {"MGP": 1, "T8": 1, "93048": 1}
    first = nonzero(values_by_code("engineering.first_answer_days", today))
    assert first["MGP"] == 3 and first["93048"] == 2 and first["93055"] == 4
    rate = nonzero(values_by_code("engineering.delivered_on_time_rate", today))
    assert rate["MGP"] == Decimal("66.7") and rate["93048"] == 100 and "93055" not in rate
    assert nonzero(values_by_code("engineering.delivery_days", today))["MGP"] == 9
    gap = nonzero(values_by_code("engineering.delivery_gap_days", today))  # 7, 9 and 8 days of work for 10 promised
    assert (gap["MGP"], gap["93048"], gap["93055"], gap["T8"]) == (-2, -3, -1, -2)
    assert nonzero(values_by_code("engineering.satisfaction", today)) == {"MGP": 3.5, "T8": 3.5, "93048": 5}
    assert values_by_code("engineering.requests_received", date(2000, 1, 1))["MGP"] == 0


def test_a_deliverable_becomes_a_draft_of_the_resource_centre_for_the_pole_to_review(eng):
    from resources.models import Resource

    req = services.request_qualify(request=eng.request(), user=eng.staff, service=eng.service, expert=eng.expert)
    req = services.request_start(request=req, user=eng.expert)
    asked = services.document_add(request=req, user=eng.agent, file=pdf("cahier.pdf"))
    note = services.document_add(request=req, user=eng.expert, file=pdf("note.pdf"), deliverable=True)
    with pytest.raises(PermissionDenied):
        services.deliverable_to_resource_centre(document=note, user=eng.agent)
    with pytest.raises(ValidationError):
        services.deliverable_to_resource_centre(document=asked, user=eng.expert)
    client = login(Client(), eng.expert)
    response = client.post(f"/accompagnement/demandes/{req.pk}/documents/{note.pk}/centre-de-ressources/")
    draft = Resource.objects.get(source_app="engineering.deliverable", source_id=note.pk)
    assert response.status_code == 302 and response["Location"] == f"/ressources/fiches/{draft.slug}/modifier/"
    assert (draft.state, draft.author, draft.organisation, draft.kind) == (
        "draft",
        eng.expert,
        req.organisation,
        "guide",
    )
    assert draft.attachments.get().name == "note.pdf"
    again = client.post(f"/accompagnement/demandes/{req.pk}/documents/{note.pk}/centre-de-ressources/")
    assert again["Location"] == response["Location"] and Resource.objects.filter(source_id=note.pk).count() == 1
    assert Client().get(draft.get_absolute_url()).status_code == 404, "a draft is nobody else's to read"

"""Needs from draft to outcome, the purchasing group, responses, questions, funnel, adoption and follow-up."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from marketplace import selectors, services
from marketplace.models import (
    Charter,
    CharterSignature,
    FunnelEvent,
    MemberProfile,
    Need,
    NeedParticipant,
    Response,
)
from sman.models import Notification

from ..auth import login
from ..factories import MemberProfileFactory, NeedFactory, collectivity_of
from .conftest import agent_of, need_fields, pdf, signed_member

pytestmark = pytest.mark.django_db


def test_a_draft_is_published_then_matched_members_are_notified_once(market, django_capture_on_commit_callbacks):
    agent, member_user = market.users["commune_agent"], market.users["member"]
    need = services.need_create(user=agent, buyer=market.commune_org, fields=need_fields(market.commune))
    assert need.state == Need.State.DRAFT and need.participants.get().is_lead
    with django_capture_on_commit_callbacks(execute=True):
        services.need_publish(user=agent, need=need)
    need.refresh_from_db()
    assert need.state == Need.State.PUBLISHED and need.matched_at
    match = need.matches.get(member=market.extra["member"])
    assert match.solution == market.extra["solution"]
    assert "thème commun : gestion de la relation citoyenne" in match.reasons
    assert "mots en commun avec le besoin" in match.reasons
    assert Notification.objects.filter(user=member_user, key=f"marketplace-need-{need.pk}-match").count() == 1
    services.need_match(need=need)  # the worker ran the task twice: still one notification, one funnel event
    assert Notification.objects.filter(user=member_user, key=f"marketplace-need-{need.pk}-match").count() == 1
    assert FunnelEvent.objects.filter(need=need, member=market.extra["member"], stage="notified").count() == 1
    with pytest.raises(ValidationError, match="déjà publié"):
        services.need_publish(user=agent, need=need)


def test_only_the_lead_collectivity_edits_publishes_and_decides(market):
    need = market.extra["draft"]
    for role in ("ept_agent", "other_commune_agent", "member", "citizen"):
        with pytest.raises(PermissionDenied):
            services.need_publish(user=market.users[role], need=need)
    with pytest.raises(PermissionDenied):
        services.need_create(user=market.users["member"], buyer=market.commune_org, fields=need_fields(market.commune))


def test_a_pooled_need_gathers_collectivities_with_their_own_quantities(market):
    need = market.extra["published"]
    services.need_join(
        user=market.users["other_commune_agent"], need=need, organisation=market.other_commune_org, quantity=8
    )
    services.need_join(user=market.users["ept_agent"], need=need, organisation=market.ept_org, quantity=3)
    assert dict(need.participants.values_list("organisation__territory__code", "quantity")) == {
        "93048": 1,
        "93055": 8,
        "T8": 3,
    }
    with pytest.raises(ValidationError, match="participe déjà"):
        services.need_join(
            user=market.users["other_commune_agent"], need=need, organisation=market.other_commune_org, quantity=2
        )
    with pytest.raises(PermissionDenied):  # a digital actor cannot join a purchasing group
        services.need_join(user=market.users["member"], need=need, organisation=market.extra["member"], quantity=1)
    with pytest.raises(ValidationError, match="n'accepte plus"):
        services.need_join(
            user=market.users["other_commune_agent"],
            need=market.extra["closed"],
            organisation=market.other_commune_org,
            quantity=1,
        )
    # Pantin's agent now reads the responses (a buyer of the group), never edits the need (not the lead).
    client = login(Client(), market.users["other_commune_agent"])
    assert client.get(f"/adopte-une-innovation/besoins/{need.pk}/reponses/").status_code == 200
    assert client.get(f"/adopte-une-innovation/besoins/{need.pk}/modifier/").status_code == 403


def test_one_response_per_member_and_need(market):
    with pytest.raises(ValidationError, match="déjà répondu"):
        services.response_submit(
            user=market.users["member"], need=market.extra["published"], member=market.extra["member"], proposal="Bis"
        )
    assert Response.objects.filter(need=market.extra["published"], member=market.extra["member"]).count() == 1


def test_only_official_members_answer_open_needs(market):
    actor = market.users["digital_actor"]  # the world's digital actor has not signed the charter
    with pytest.raises(PermissionDenied):
        services.response_submit(user=actor, need=market.extra["published"], member=market.actor_org, proposal="x")
    organisation, user = signed_member("Retardataire")
    with pytest.raises(ValidationError, match="n'accepte plus"):
        services.response_submit(user=user, need=market.extra["closed"], member=organisation, proposal="x")
    late = NeedFactory(published=True, deadline=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError, match="n'accepte plus"):
        services.response_submit(user=user, need=late, member=organisation, proposal="x")


def test_a_new_charter_version_asks_members_to_sign_again(market, staff_user):
    member, user = market.extra["member"], market.users["member"]
    services.charter_publish(user=staff_user, title="Charte v2", body="Nouveau texte", summary_of_changes="Article 6")
    assert Charter.objects.current().version == 2
    assert not selectors.directory().get(organisation=member).is_official
    with pytest.raises(PermissionDenied):  # no longer an official member until it signs again
        services.question_ask(user=user, need=market.extra["published"], member=member, text="?")
    services.charter_sign(user=user, organisation=member)
    services.charter_sign(user=user, organisation=member)  # signing twice keeps one signature
    assert CharterSignature.objects.filter(organisation=member, charter__version=2).count() == 1
    assert selectors.directory().get(organisation=member).is_official
    with pytest.raises(PermissionDenied):
        services.charter_publish(user=user, title="x", body="y")


def test_siren_is_checked_and_unique_in_the_directory(market):
    user = market.users["member"]
    fields = {"category": "sme", "siren": "732829320", "activity": "Logiciels", "is_listed": True}
    services.profile_save(user=user, organisation=market.extra["member"], fields=fields, areas=[])
    other = MemberProfileFactory()
    with pytest.raises(ValidationError) as refused:
        services.profile_save(
            user=agent_of(other.organisation), organisation=other.organisation, fields=fields, areas=[]
        )
    assert "déjà ce numéro SIREN" in str(refused.value)
    with pytest.raises(ValidationError, match="clé de contrôle"):
        services.profile_save(
            user=user, organisation=market.extra["member"], fields={**fields, "siren": "732829321"}, areas=[]
        )
    assert MemberProfile.objects.get(organisation=market.extra["member"]).siren == "732829320"


def test_documents_are_checked_on_upload(market):
    solution, user = market.extra["solution"], market.users["member"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("offre.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="ne correspond pas"):
        services.solution_document_add(user=user, solution=solution, title="Faux", file=fake)
    script = SimpleUploadedFile("offre.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError, match="PDF, ODT"):
        services.response_document_add(user=user, response=market.extra["response"], title="x", file=script)
    assert services.solution_document_add(user=user, solution=solution, title="Vrai", file=pdf()).pk


def test_funnel_events_are_recorded_once_with_their_first_date(market):
    need, member = market.extra["published"], market.extra["member"]
    first = FunnelEvent.objects.get(need=need, member=member, stage="answered").at
    services.funnel_record(need=need, member_id=member.pk, stage="answered")
    services.interest_mark(user=market.users["member"], need=need, member=member)
    events = FunnelEvent.objects.filter(need=need, member=member)
    assert events.filter(stage="answered").get().at == first
    assert events.filter(stage="interested").count() == 1
    services.response_shortlist(user=market.users["commune_agent"], response=market.extra["response"])
    services.response_shortlist(user=market.users["commune_agent"], response=market.extra["response"])
    assert events.filter(stage="shortlisted").count() == 1
    rows = {row["member"].pk: row["stages"] for row in selectors.funnel(need)}
    assert set(rows[member.pk]) >= {"notified", "interested", "answered", "shortlisted"}


def test_adoption_makes_a_public_reference_and_asks_a_follow_up(market):
    solution = market.extra["solution"]
    adoption = market.extra["adoption"]
    assert market.extra["adopted"].state == Need.State.DECIDED
    assert adoption.follow_up_due_on > adoption.adopted_on
    assert set(adoption.collectivities.values_list("pk", flat=True)) == {market.commune_org.pk}
    assert selectors.solution_reference(solution.pk)["adopting_count"] == 1
    assert FunnelEvent.objects.filter(need=market.extra["adopted"], stage="adopted").count() == 1
    page = Client().get(f"/adopte-une-innovation/solutions/{solution.pk}/").content.decode()
    assert "Adoptée par 1 collectivité" in page and "Commune de Montreuil" in page or "Montreuil" in page
    assert services.follow_ups_ask(today=adoption.follow_up_due_on - timedelta(days=1)) == 0
    assert services.follow_ups_ask(today=adoption.follow_up_due_on) >= 1
    assert services.follow_ups_ask(today=adoption.follow_up_due_on) >= 1
    key = f"marketplace-adoption-{adoption.pk}-follow-up"
    assert Notification.objects.filter(user=market.users["commune_agent"], key=key).count() == 1
    services.adoption_follow_up(user=market.users["commune_agent"], adoption=adoption, still_in_use="yes")
    assert services.follow_ups_ask(today=adoption.follow_up_due_on) == 0
    with pytest.raises(ValidationError):  # a need is decided once
        services.need_decide(user=market.users["commune_agent"], need=market.extra["adopted"], outcome="not_pursued")


def test_adoption_needs_a_response_with_a_solution(market):
    need = market.extra["published"]
    with pytest.raises(ValidationError):
        services.need_decide(user=market.users["commune_agent"], need=need, outcome="adopted")
    with pytest.raises(ValidationError):  # the other member's response has no solution sheet
        services.need_decide(
            user=market.users["commune_agent"], need=need, outcome="adopted", response=market.extra["other_response"]
        )
    services.need_decide(user=market.users["commune_agent"], need=need, outcome="procurement_launched", note="MAPA")
    need.refresh_from_db()
    assert (need.state, need.outcome) == ("decided", "procurement_launched")


def test_thresholds_are_data_in_force_at_a_date(db):
    from datetime import date

    from marketplace.models import ProcurementThreshold

    before = {t.kind: t.amount_cents for t in ProcurementThreshold.objects.in_force(date(2026, 3, 31))}
    after = {t.kind: t.amount_cents for t in ProcurementThreshold.objects.in_force(date(2026, 4, 1))}
    assert before["dispensed_supplies"] == 4_000_000 and after["dispensed_supplies"] == 6_000_000
    assert after["innovative"] == 10_000_000
    assert all(t.legal_reference.startswith("Code de la commande publique") for t in ProcurementThreshold.objects.all())


def test_participants_and_collectivity_helpers(market):
    assert NeedParticipant.objects.filter(need=market.extra["published"]).count() == 1
    assert collectivity_of("93048") == market.commune_org

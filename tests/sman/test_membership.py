import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.urls import reverse

from sman import services
from sman.models import Membership, MembershipRequest, Organisation

from ..auth import login
from ..factories import MembershipFactory, MembershipRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def montreuil():
    return Organisation.objects.get(kind="collectivity", territory__code="93048")


def test_request_emails_the_organisation_admins(montreuil, django_capture_on_commit_callbacks):
    admin = MembershipFactory(organisation=montreuil, role=Membership.Role.ADMIN).user
    MembershipFactory(organisation=montreuil)  # a plain member is not asked
    agent = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.membership_request_create(user=agent, organisation=montreuil, job_title="DSI")
    assert request.status == MembershipRequest.Status.PENDING
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin.email]
    assert "Nouvelle demande pour rejoindre Commune de Montreuil" in mail.outbox[0].subject
    assert agent.email in mail.outbox[0].body and "/espace/organisations/93048-montreuil/" in mail.outbox[0].body


def test_without_admin_the_metropole_staff_decides(montreuil, django_capture_on_commit_callbacks):
    staff = UserFactory(staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request_create(user=UserFactory(), organisation=montreuil)
    assert mail.outbox[0].to == [staff.email]


def test_no_duplicate_pending_request_nor_request_from_a_member(montreuil):
    agent = UserFactory()
    services.membership_request_create(user=agent, organisation=montreuil)
    with pytest.raises(ValidationError, match="déjà en attente"):
        services.membership_request_create(user=agent, organisation=montreuil)
    member = MembershipFactory(organisation=montreuil).user
    with pytest.raises(ValidationError, match="déjà membre"):
        services.membership_request_create(user=member, organisation=montreuil)


def test_approve_makes_a_member_once(montreuil, django_capture_on_commit_callbacks):
    admin = MembershipFactory(organisation=montreuil, role=Membership.Role.ADMIN).user
    request = MembershipRequestFactory(organisation=montreuil)
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request_approve(request=request, decided_by=admin)
    assert membership.role == Membership.Role.MEMBER and membership.user == request.user
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (MembershipRequest.Status.APPROVED, admin)
    assert mail.outbox[-1].to == [request.user.email]
    with pytest.raises(ValidationError, match="déjà été traitée"):
        services.membership_request_approve(request=request, decided_by=admin)


def test_only_admins_and_staff_decide(montreuil):
    request = MembershipRequestFactory(organisation=montreuil)
    plain_member = MembershipFactory(organisation=montreuil).user
    other_admin = MembershipFactory(role=Membership.Role.ADMIN).user  # admin elsewhere
    for user in (plain_member, other_admin, request.user):
        with pytest.raises(PermissionDenied):
            services.membership_request_approve(request=request, decided_by=user)
    services.membership_request_reject(request=request, decided_by=UserFactory(staff=True), note="Hors périmètre")
    request.refresh_from_db()
    assert request.status == MembershipRequest.Status.REJECTED and request.decision_note == "Hors périmètre"


def test_the_requester_may_withdraw_a_pending_request(client, montreuil):
    request = MembershipRequestFactory(organisation=montreuil)
    login(client, request.user)
    response = client.post(reverse("membership_request_cancel", args=[request.pk]))
    assert response.status_code == 302
    assert not MembershipRequest.objects.filter(pk=request.pk).exists()


def test_join_form_keeps_input_and_lists_errors(client):
    login(client, UserFactory())
    response = client.post(
        reverse("membership_request_create"), {"job_title": "", "message": "Bonjour, je suis agent."}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#id_organisation"' in html and "Choisissez l&#x27;organisation" in html
    assert "Indiquez votre fonction." in html
    assert "Bonjour, je suis agent." in html  # nothing typed is lost
    assert 'aria-invalid="true"' in html


def test_join_form_happy_path(client, montreuil):
    agent = UserFactory()
    login(client, agent)
    response = client.post(
        reverse("membership_request_create"), {"organisation": montreuil.pk, "job_title": "Chargé de mission"}
    )
    assert response.status_code == 302
    assert MembershipRequest.objects.get(user=agent).organisation == montreuil
    page = client.get(reverse("dashboard")).content.decode()
    assert "Commune de Montreuil" in page and "en attente" in page


def test_reject_asks_for_confirmation_first(client, montreuil):
    admin = MembershipFactory(organisation=montreuil, role=Membership.Role.ADMIN).user
    request = MembershipRequestFactory(organisation=montreuil)
    login(client, admin)
    page = client.get(reverse("membership_request_reject", args=[request.pk]))
    assert "Confirmer le refus" in page.content.decode()
    request.refresh_from_db()
    assert request.status == MembershipRequest.Status.PENDING
    client.post(reverse("membership_request_reject", args=[request.pk]), {"note": "Inconnu du service"})
    request.refresh_from_db()
    assert request.status == MembershipRequest.Status.REJECTED


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_make_exactly_one_membership(reference):
    montreuil = Organisation.objects.get(kind="collectivity", territory__code="93048")
    admin = MembershipFactory(organisation=montreuil, role=Membership.Role.ADMIN).user
    request = MembershipRequestFactory(organisation=montreuil)
    barrier = threading.Barrier(4)
    outcomes = []

    def decide():
        try:
            barrier.wait()
            services.membership_request_approve(request=request, decided_by=admin)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=decide) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert Membership.objects.filter(user=request.user, organisation=montreuil).count() == 1

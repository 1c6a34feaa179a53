"""Roles as data (sman/roles.py, RoleAssignment) and the one answer to « which organisations does this user act for? »
(sman.permissions: memberships and roles read once per user object, i.e. once per request)."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from actions.forms import SessionUpdateForm
from fmin import permissions as fmin_permissions
from fmin import services as fmin_services
from ftth import permissions as ftth_permissions
from passnumerique import permissions as pass_permissions
from sman import permissions, services
from sman.models import Membership, Organisation, RoleAssignment, Territory, User
from sman.roles import ROLES, Role, all_roles, get_role, register_role

from ..auth import login, token_header
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from ..fmin.conftest import agent_of, collectivity, open_call

pytestmark = pytest.mark.django_db

REVIEWER, COPIL = "fmin.reviewer", "actions.copil_member"


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def extra_role(monkeypatch):
    """A role of a future app (« coach »), declared for one test only."""

    def declare(key="tests.coach", *, requires_mfa=True):
        role = Role(key, "Coach", "Accompagne les collectivités.", requires_mfa)
        monkeypatch.setitem(ROLES, key, role)
        return key

    return declare


# --- The registry -----------------------------------------------------------------------------------------
def test_the_apps_declare_their_roles_with_mfa():
    assert get_role(REVIEWER) == Role(REVIEWER, "Évaluateur FMIN", get_role(REVIEWER).description, True)
    assert get_role(COPIL).label == "Membre du COPIL" and get_role(COPIL).requires_mfa
    assert {REVIEWER, COPIL} <= {role.key for role in all_roles()}


def test_declaring_a_role_again_is_harmless_but_a_different_declaration_or_a_bad_key_is_refused(monkeypatch):
    monkeypatch.setattr("sman.roles.ROLES", dict(ROLES))
    same = get_role(REVIEWER)
    assert register_role(same.key, same.label, same.description) == same
    with pytest.raises(ImproperlyConfigured):
        register_role(REVIEWER, "Autre libellé", same.description)
    for bad in ("reviewer", "FMIN.reviewer", "fmin.reviewer.x", "fmin." + "x" * 60):
        with pytest.raises(ImproperlyConfigured):
            register_role(bad, "x", "x")


def test_an_undeclared_role_is_a_programming_error_not_a_silent_no():
    user = UserFactory()
    with pytest.raises(ImproperlyConfigured):
        permissions.has_role(user, "fmin.reviewers")
    with pytest.raises(ImproperlyConfigured):
        permissions.users_with_role("fmin.reviewers")


# --- Which organisations a user acts for -----------------------------------------------------------------
def test_organisations_of_by_kind_role_and_state(reference):
    user = UserFactory()
    montreuil, t8 = collectivity("93048"), collectivity("T8")
    operator = OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI")
    closed = OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR, name="OI fermé", is_active=False)
    MembershipFactory(user=user, organisation=montreuil, role=Membership.Role.ADMIN)
    for organisation in (t8, operator, closed):
        MembershipFactory(user=user, organisation=organisation)

    kind = Organisation.Kind
    assert permissions.organisation_ids_of(user) == {montreuil.pk, t8.pk, operator.pk, closed.pk}
    assert permissions.organisation_ids_of(user, kind=kind.COLLECTIVITY) == {montreuil.pk, t8.pk}
    assert permissions.organisation_ids_of(user, kind=kind.COLLECTIVITY, role=Membership.Role.ADMIN) == {montreuil.pk}
    assert permissions.organisation_ids_of(user, kind=kind.NETWORK_OPERATOR, active=True) == {operator.pk}
    assert permissions.organisation_ids_of(user, kind=kind.FUNDER) == set()
    assert set(permissions.organisations_of(user, kind=kind.NETWORK_OPERATOR)) == {operator, closed}
    info = {m.organisation_id: m for m in permissions.memberships_info(user)}
    assert (info[t8.pk].kind, info[t8.pk].territory_id, info[t8.pk].is_active) == (
        "collectivity", Territory.objects.get(code="T8").pk, True
    )  # fmt: skip
    # The apps read the same answer.
    assert fmin_permissions.collectivity_ids_of(user) == {montreuil.pk, t8.pk}
    assert ftth_permissions.operators_of(user) == [operator]
    assert permissions.is_org_admin(user, montreuil) and not permissions.is_org_admin(user, t8)


def test_an_anonymous_visitor_acts_for_nothing_without_a_query(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert permissions.organisation_ids_of(AnonymousUser()) == set()
        assert not permissions.has_role(AnonymousUser(), REVIEWER)
        assert permissions.territories_acted_for(AnonymousUser()) == set()


def test_repeated_checks_of_every_app_read_memberships_and_roles_in_one_query(reference, django_assert_num_queries):
    user = UserFactory(reviewer=True)
    montreuil = collectivity("93048")
    funder = OrganisationFactory(kind=Organisation.Kind.FUNDER)
    MembershipFactory(user=user, organisation=montreuil)
    MembershipFactory(user=user, organisation=funder)
    MembershipFactory(user=user, organisation=OrganisationFactory(kind=Organisation.Kind.NETWORK_OPERATOR))
    user = _fresh(user)  # as request.user: one new object per request
    with django_assert_num_queries(1):
        for _ in range(3):
            assert user.requires_mfa
            assert permissions.has_role(user, REVIEWER) and not permissions.has_role(user, COPIL)
            assert fmin_permissions.can_apply(user) and fmin_permissions.is_reviewer(user)
            assert fmin_permissions.collectivity_ids_of(user) == {montreuil.pk}
            assert len(ftth_permissions.operator_ids_of(user)) == 1
            assert pass_permissions.can_see_order(user, SimpleNamespace(funder_id=funder.pk))
            assert permissions.is_member(user, montreuil) and not permissions.is_org_admin(user, montreuil)


def test_the_cache_lives_on_the_user_object(reference):
    """A membership or role added after a check is seen by a new user object (the next request), or after
    forget_access; the role services forget the cache of the object they are given."""
    user = UserFactory()
    montreuil = collectivity("93048")
    assert permissions.organisation_ids_of(user) == set()
    MembershipFactory(user=user, organisation=montreuil)
    assert permissions.organisation_ids_of(user) == set()
    assert permissions.organisation_ids_of(_fresh(user)) == {montreuil.pk}
    permissions.forget_access(user)
    assert permissions.organisation_ids_of(user) == {montreuil.pk}

    staff = UserFactory(staff=True)
    assert not permissions.has_role(user, COPIL)
    services.role_grant(user=user, role=COPIL, by=staff)
    assert permissions.has_role(user, COPIL)
    services.role_revoke(user=user, role=COPIL, by=staff)
    assert not permissions.has_role(user, COPIL)


def test_a_page_with_many_permission_checks_reads_memberships_and_roles_once(reference, client):
    """The FMIN file page of an assigned reviewer: the MFA middleware, the menu, the file's checks (may view,
    applicant?, lead?, may edit, may see all scores…) and the template all ask; one query answers."""
    staff = UserFactory(staff=True)
    call = open_call(staff)
    lead = collectivity("93048")
    agent = agent_of(lead)
    application = fmin_services.application_create(user=agent, call=call, lead=lead, title="Projet")
    reviewer = UserFactory(reviewer=True)
    MembershipFactory(user=reviewer, organisation=collectivity("93055"))
    login(client, reviewer)
    from fmin.models import Application, Assignment

    Application.objects.filter(pk=application.pk).update(status=Application.Status.ELIGIBLE)
    Assignment.objects.create(application=application, reviewer=reviewer, assigned_by=staff)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("fmin:application_detail", args=[application.pk]))
    assert response.status_code == 200
    reads = [
        q["sql"] for q in ctx.captured_queries if '"sman_membership"' in q["sql"] or "sman_roleassignment" in q["sql"]
    ]
    assert len(reads) == 1 and "UNION ALL" in reads[0]


def test_territories_acted_for_come_from_the_same_memberships(reference, django_assert_num_queries):
    user = UserFactory()
    MembershipFactory(user=user, organisation=collectivity("93048"))
    user = _fresh(user)
    with django_assert_num_queries(2):  # memberships and roles, then what lies within Montreuil
        ids = permissions.territories_acted_for(user)
        assert permissions.organisation_ids_of(user, kind=Organisation.Kind.COLLECTIVITY)
    assert ids == {t.pk for t in Territory.objects.within(Territory.objects.get(code="93048", kind="commune"))}
    assert permissions.territories_acted_for(_fresh(UserFactory())) == set()


# --- Granting and revoking, with history -----------------------------------------------------------------
def test_staff_grant_and_revoke_a_role_and_the_history_keeps_who_and_when(reference):
    staff, user = UserFactory(staff=True), UserFactory()
    assignment = services.role_grant(user=user, role=REVIEWER, by=staff)
    assert (assignment.user, assignment.role, assignment.granted_by) == (user, REVIEWER, staff)
    assert assignment.granted_at is not None
    assert services.role_grant(user=user, role=REVIEWER, by=staff) == assignment  # already held: unchanged
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert list(permissions.users_with_role(REVIEWER)) == [user]
    assert list(fmin_permissions.reviewers()) == [user]

    assert services.role_revoke(user=user, role=REVIEWER, by=staff) is True
    assert services.role_revoke(user=user, role=REVIEWER, by=staff) is False
    assert not RoleAssignment.objects.filter(user=user).exists()
    history = list(RoleAssignment.history.filter(user_id=user.pk).order_by("history_date", "history_id"))
    assert [(h.history_type, h.role, h.history_user) for h in history] == [
        ("+", REVIEWER, staff),
        ("-", REVIEWER, staff),
    ]


def test_only_staff_grant_roles_and_only_declared_ones():
    agent, user = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        services.role_grant(user=user, role=REVIEWER, by=agent)
    services.role_grant(user=user, role=COPIL, by=None)  # a command or the demo data
    with pytest.raises(PermissionDenied):
        services.role_revoke(user=user, role=COPIL, by=agent)
    with pytest.raises(ValidationError) as refused:
        services.role_grant(user=user, role="fmin.jury", by=UserFactory(staff=True))
    assert refused.value.message_dict == {"role": ["Rôle inconnu : « fmin.jury »."]}
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == [COPIL]


def test_a_new_role_needs_no_change_to_the_user(extra_role):
    coach = extra_role()
    user, staff = UserFactory(), UserFactory(staff=True)
    services.role_grant(user=user, role=coach, by=staff)
    assert permissions.has_role(_fresh(user), coach)
    assert list(permissions.users_with_role(coach)) == [user]


# --- MFA -----------------------------------------------------------------------------------------------
def test_a_role_alone_requires_mfa_and_only_if_the_role_says_so(extra_role, client):
    staff = UserFactory(staff=True)
    mfa_role, plain_role = extra_role("tests.coach"), extra_role("tests.reader", requires_mfa=False)
    user = UserFactory(mfa=False)
    assert not user.requires_mfa
    services.role_grant(user=user, role=plain_role, by=staff)
    assert not user.requires_mfa
    login(client, user)
    assert client.get("/espace/").status_code == 200

    services.role_grant(user=user, role=mfa_role, by=staff)
    assert user.requires_mfa and not user.is_staff
    response = client.get("/espace/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))
    services.role_revoke(user=user, role=mfa_role, by=staff)
    assert not user.requires_mfa
    assert client.get("/espace/").status_code == 200


def test_a_role_no_app_declares_any_more_still_requires_mfa_until_revoked():
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role="gone.role")
    assert _fresh(user).requires_mfa
    assert services.role_revoke(user=user, role="gone.role", by=UserFactory(staff=True))
    assert not user.requires_mfa


# --- Where roles are read ---------------------------------------------------------------------------------
def test_api_me_keeps_its_booleans_and_lists_the_roles():
    user = UserFactory(reviewer=True, copil=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(user))
    me = api.get("/api/me/").json()
    assert (me["is_reviewer"], me["is_copil_member"], me["roles"]) == (True, True, [COPIL, REVIEWER])
    other = UserFactory(copil=True)
    api.credentials(HTTP_AUTHORIZATION=token_header(other))
    me = api.get("/api/me/").json()
    assert (me["is_reviewer"], me["is_copil_member"], me["roles"]) == (False, True, [COPIL])


def test_copil_attendees_are_the_copil_members_and_staff_once_each():
    member, staff, nobody = UserFactory(copil=True), UserFactory(staff=True, copil=True), UserFactory(reviewer=True)
    attendees = list(SessionUpdateForm().fields["attendees"].queryset)
    assert member in attendees and staff in attendees and nobody not in attendees
    assert len(attendees) == len(set(attendees))


def test_the_menu_and_pages_follow_the_roles(client):
    member = UserFactory(copil=True)
    page = login(client, member).get("/espace/").content.decode()
    assert "membre du COPIL" in page and "— évaluateur" not in page
    assert reverse("actions:dashboard") in page
    reviewer = UserFactory(reviewer=True)
    page = login(client, reviewer).get(reverse("fmin:home")).content.decode()
    assert reverse("fmin:review_list") in page and reverse("actions:dashboard") not in page


# --- The admin ----------------------------------------------------------------------------------------------
def _user_form(user, **changes) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%d/%m/%Y"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "role_assignments-TOTAL_FORMS": str(user.role_assignments.count()),
        "role_assignments-INITIAL_FORMS": str(user.role_assignments.count()),
        "_save": "1",
    }
    return data | changes


def test_staff_grant_and_revoke_roles_on_the_users_admin_page_through_the_services(client, monkeypatch):
    staff, user = UserFactory(staff=True), UserFactory()
    login(client, staff)
    calls = []
    for name in ("role_grant", "role_revoke"):
        real = getattr(services, name)
        monkeypatch.setattr(services, name, lambda real=real, name=name, **kw: calls.append((name, kw)) or real(**kw))
    url = f"/admin/sman/user/{user.pk}/change/"
    page = client.get(url).content.decode()
    assert "Évaluateur FMIN" in page and "Membre du COPIL" in page

    response = client.post(url, _user_form(user, roles=[REVIEWER, COPIL]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert calls == [
        ("role_grant", {"user": user, "role": COPIL, "by": staff}),
        ("role_grant", {"user": user, "role": REVIEWER, "by": staff}),
    ]
    assert set(RoleAssignment.objects.filter(user=user, granted_by=staff).values_list("role", flat=True)) == {
        REVIEWER, COPIL
    }  # fmt: skip
    assert "Évaluateur FMIN" in client.get("/admin/sman/user/").content.decode()
    assert client.get("/admin/sman/user/", {"role": REVIEWER}).context["cl"].result_count == 1

    calls.clear()
    response = client.post(url, _user_form(user, roles=[COPIL]))
    assert response.status_code == 302
    assert calls == [("role_revoke", {"user": user, "role": REVIEWER, "by": staff})]
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == [COPIL]
    assert RoleAssignment.history.filter(user_id=user.pk, history_type="-", history_user=staff).count() == 1


def test_role_assignments_are_read_only_in_the_admin_and_revoked_through_the_service(client):
    staff, user = UserFactory(staff=True), UserFactory(copil=True)
    assignment = user.role_assignments.get()
    login(client, staff)
    assert client.get("/admin/sman/roleassignment/").status_code == 200
    assert client.post("/admin/sman/roleassignment/add/", {"user": user.pk, "role": REVIEWER}).status_code == 403
    assert client.get(f"/admin/sman/roleassignment/{assignment.pk}/history/").status_code == 200
    response = client.post(
        "/admin/sman/roleassignment/", {"action": "revoke", "_selected_action": [assignment.pk]}, follow=True
    )
    assert "1 rôle(s) retiré(s)." in response.content.decode()
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert RoleAssignment.history.get(user_id=user.pk, history_type="-").history_user == staff


# --- The data migration -------------------------------------------------------------------------------------
def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("sman", target)])


def _flags(user) -> tuple[bool, bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_reviewer, is_copil_member FROM sman_user WHERE id = %s", [user.pk])
        return cursor.fetchone()


def test_the_migration_turns_the_flags_into_roles_and_back():
    staff = UserFactory(staff=True)
    reviewer, member, both, nobody = UserFactory(reviewer=True), UserFactory(copil=True), UserFactory(), UserFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: the tables can be altered
    _migrate("0006_role_assignment")
    flags = [_flags(u) for u in (reviewer, member, both, nobody)]
    assert flags == [(True, False), (False, True), (False, False), (False, False)]
    assert not RoleAssignment.objects.filter(role__in=[REVIEWER, COPIL]).exists()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sman_user SET is_reviewer = true, is_copil_member = true WHERE id = %s", [both.pk])

    _migrate("0008_remove_user_role_flags")
    held = set(RoleAssignment.objects.values_list("user_id", "role"))
    assert held == {(reviewer.pk, REVIEWER), (member.pk, COPIL), (both.pk, REVIEWER), (both.pk, COPIL)}
    assert RoleAssignment.history.filter(user_id=both.pk, history_type="+").count() == 2
    assert permissions.has_role(_fresh(both), COPIL) and _fresh(both).requires_mfa and not _fresh(nobody).requires_mfa
    assert staff.requires_mfa


# --- The demo accounts -------------------------------------------------------------------------------------
def test_the_demo_reviewer_and_copil_member_keep_their_roles_and_mfa(reference):
    from allauth.mfa.models import Authenticator

    from sman import demo

    demo.load_demo()
    accounts = {a.role: User.objects.get(email=a.email) for a in demo.ACCOUNTS}
    assert set(permissions.users_with_role(REVIEWER)) == {accounts["reviewer"]}
    assert set(permissions.users_with_role(COPIL)) == {accounts["copil"]}
    for role in ("reviewer", "copil", "staff"):
        assert accounts[role].requires_mfa and Authenticator.objects.filter(user=accounts[role]).exists()
    assert not accounts["commune_agent"].requires_mfa

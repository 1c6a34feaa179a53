"""Staff review before publication (the setting, publish or send back with a reason, the row lock) and the
re-matching of a published need after an edit (only newly matched members are notified)."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from marketplace import selectors, services
from marketplace.models import Match, Need, ReviewSetting, Solution
from sman.models import Notification

from ..auth import login
from ..factories import NeedFactory, UserFactory
from .conftest import agent_of, need_fields, signed_member
from .test_races_and_panels import _race

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_on(db):
    ReviewSetting.objects.update_or_create(pk=1, defaults={"review_needs": True})


def test_with_the_review_on_a_submitted_need_waits_for_staff_then_is_published(
    market, review_on, django_capture_on_commit_callbacks
):
    agent, staff = market.users["commune_agent"], market.users["staff"]
    need = services.need_create(user=agent, buyer=market.commune_org, fields=need_fields(market.commune))
    with django_capture_on_commit_callbacks(execute=True):
        services.need_publish(user=agent, need=need)
    need.refresh_from_db()
    assert need.state == Need.State.IN_REVIEW and need.review_requested_at and not need.matched_at
    assert not selectors.public_needs().filter(pk=need.pk).exists()
    assert list(selectors.needs_in_review()) == [market.extra["in_review"], need]
    assert Notification.objects.filter(user=staff, key__startswith=f"marketplace-need-{need.pk}-review").count() == 1
    with pytest.raises(ValidationError, match="déjà en relecture"):
        services.need_publish(user=agent, need=need)
    with pytest.raises(ValidationError, match="en relecture"):
        services.need_update(user=agent, need=need, fields={"title": "Autre titre"})
    for role in ("commune_agent", "member", "citizen"):
        with pytest.raises(PermissionDenied):
            services.need_review_publish(user=market.users[role], need=need)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.need_review_publish(user=staff, need=need)
    need.refresh_from_db()
    assert need.state == Need.State.PUBLISHED and need.published_at and need.reviewed_by == staff
    assert need.matched_at and need.matches.filter(member=market.extra["member"]).exists()
    assert [m.to for m in mail.outbox] == [sorted({agent.email, need.contact_email})]
    assert "est publié" in mail.outbox[0].subject
    with pytest.raises(ValidationError, match="n'est plus en relecture"):
        services.need_review_publish(user=staff, need=need)


def test_staff_send_a_need_back_with_a_reason_e_mailed_to_the_collectivity(
    market, review_on, django_capture_on_commit_callbacks
):
    agent, staff = market.users["commune_agent"], market.users["staff"]
    need = market.extra["in_review"]
    with pytest.raises(ValidationError, match="ce qu'elle doit reprendre"):
        services.need_send_back(user=staff, need=need, reason="  ")
    with pytest.raises(PermissionDenied):
        services.need_send_back(user=agent, need=need, reason="Non.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.need_send_back(user=staff, need=need, reason="Précisez le nombre de guichets concernés.")
    need.refresh_from_db()
    assert need.state == Need.State.DRAFT and need.review_note == "Précisez le nombre de guichets concernés."
    assert len(mail.outbox) == 1 and "Précisez le nombre de guichets" in mail.outbox[0].body
    assert agent.email in mail.outbox[0].to
    page = login(Client(), agent).get(need.get_absolute_url()).content.decode()
    assert "Renvoyé par l'équipe de la Métropole" in page and "Précisez le nombre de guichets" in page
    services.need_update(user=agent, need=need, fields={"context": "Trois guichets."})
    services.need_publish(user=agent, need=need)  # submitted again: in review again, the old reason is gone
    need.refresh_from_db()
    assert need.state == Need.State.IN_REVIEW and need.review_note == ""


def test_with_the_review_off_or_for_staff_a_need_is_published_at_once(market, review_on):
    agent = market.users["commune_agent"]
    staff = agent_of(market.commune_org, user=UserFactory(staff=True))  # a staff member acting for Montreuil
    ReviewSetting.objects.filter(pk=1).update(review_needs=False)
    need = services.need_create(user=agent, buyer=market.commune_org, fields=need_fields(market.commune))
    assert services.need_publish(user=agent, need=need).state == Need.State.PUBLISHED
    ReviewSetting.objects.filter(pk=1).update(review_needs=True)
    metropole_need = services.need_create(user=staff, buyer=market.commune_org, fields=need_fields(market.commune))
    assert services.need_publish(user=staff, need=metropole_need).state == Need.State.PUBLISHED


def test_the_review_pages_publish_and_send_back(market, review_on):
    staff, need = market.users["staff"], market.extra["in_review"]
    client = login(Client(), staff)
    page = client.get(reverse("marketplace:review_list")).content.decode()
    assert escape(need.title) in page and "La relecture est active" in page
    review_url = reverse("marketplace:need_review", args=[need.pk])
    response = client.post(review_url, {"decision": "send_back", "reason": ""})
    assert response.status_code == 200 and "ce qu&#x27;elle doit reprendre" in response.content.decode()
    response = client.post(review_url, {"decision": "send_back", "reason": "Ajoutez le contexte."})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == Need.State.DRAFT and need.review_note == "Ajoutez le contexte."
    other = NeedFactory(in_review=True)
    assert client.post(reverse("marketplace:need_review_publish", args=[other.pk])).status_code == 302
    other.refresh_from_db()
    assert other.state == Need.State.PUBLISHED


def test_rematching_after_an_edit_notifies_only_the_newly_matched_members(market, django_capture_on_commit_callbacks):
    agent, need = market.users["commune_agent"], market.extra["published"]
    first_user = market.users["member"]
    newcomer, newcomer_user = signed_member("Capteurs de la Marne")
    solution = services.solution_save(
        user=newcomer_user,
        member=newcomer,
        fields={
            "title": "Capteurs de qualité de l'air",
            "problem": "Mesurer le dioxyde d'azote près des écoles.",
            "audience": "Communes",
            "description": "Capteurs et tableau de bord.",
            "price_model": "subscription",
            "hosting": "france",
            "themes": ["environment"],
        },
        challenges=[],
    )
    services.solution_set_status(user=newcomer_user, solution=solution, status=Solution.Status.PUBLISHED)
    key = f"marketplace-need-{need.pk}-match"
    assert not Match.objects.filter(need=need, member=newcomer).exists()
    assert Notification.objects.filter(user=first_user, key=key).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.need_update(
            user=agent,
            need=need,
            fields={
                "problem": "Mesurer le dioxyde d'azote près des écoles et informer les familles.",
                "themes": ["citizen_relations", "environment"],
            },
        )
    match = Match.objects.get(need=need, member=newcomer)
    assert match.solution == solution and "thème commun : environnement et biodiversité" in match.reasons
    assert Notification.objects.filter(user=newcomer_user, key=key).count() == 1
    assert Notification.objects.filter(user=first_user, key=key).count() == 1  # already told: not twice
    with django_capture_on_commit_callbacks(execute=True):  # a second edit: nobody new, nobody told again
        services.need_update(user=agent, need=need, fields={"context": "Cinq écoles."})
    assert Notification.objects.filter(key=key).count() == 2
    draft = market.extra["draft"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # a draft is not matched
        services.need_update(user=agent, need=draft, fields={"context": "Brouillon."})
    assert not callbacks and not Match.objects.filter(need=draft).exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_members_deciding_one_need_at_once_one_decides(reference, django_capture_on_commit_callbacks):
    need = NeedFactory(in_review=True)
    first, second = UserFactory(staff=True), UserFactory(staff=True)
    outcomes = _race(
        [
            lambda: services.need_review_publish(user=first, need=need),
            lambda: services.need_send_back(user=second, need=need, reason="À reprendre."),
        ]
    )
    assert sorted(outcomes) == ["Ce besoin n'est plus en relecture.", "ok"]
    need.refresh_from_db()
    assert need.state in (Need.State.PUBLISHED, Need.State.DRAFT)
    assert (need.state == Need.State.PUBLISHED) == (need.review_note == "")


def test_an_adoption_becomes_a_draft_case_study_of_the_resource_centre_once(market):
    from resources.models import Resource

    agent, adoption = market.users["commune_agent"], market.extra["adoption"]
    with pytest.raises(PermissionDenied):
        services.adoption_to_case_study(user=market.users["member"], adoption=adoption)
    response = login(Client(), agent).post(reverse("marketplace:adoption_case_study", args=[adoption.pk]))
    resource = Resource.objects.get(source_app="marketplace.adoption", source_id=adoption.pk)
    assert response.status_code == 302 and response["Location"] == reverse("resources:edit", args=[resource.slug])
    assert resource.kind == "feedback" and resource.author == agent and resource.organisation == market.commune_org
    assert resource.state == "draft" and "Rendez-vous en ligne" in resource.title
    assert "<h2>La solution adoptée : Rendez-vous en ligne (Membre signataire)</h2>" in resource.body
    assert list(resource.territories.all()) == [market.commune] and resource.themes == ["citizen_relations"]
    assert services.adoption_to_case_study(user=agent, adoption=adoption) == resource  # once


def test_members_who_answered_needs_poorly_met_elsewhere_are_credited_publicly(market):
    agent, member, other = market.users["commune_agent"], market.extra["member"], market.extra["other"]
    published, adopted = market.extra["published"], market.extra["adopted"]
    Need.objects.filter(pk__in=[published.pk, adopted.pk]).update(first_match_count=1)
    assert {r.need for r in selectors.challenge_takers()} == {adopted}  # adopted: credited; answered only: not
    services.response_shortlist(user=agent, response=market.extra["response"])
    services.response_shortlist(user=agent, response=market.extra["other_response"])
    assert {(r.member, r.need) for r in selectors.challenge_takers()} == {
        (member, adopted),
        (member, published),
        (other, published),
    }
    Need.objects.filter(pk=published.pk).update(first_match_count=3)  # well met: no credit for it
    assert [r.need for r in selectors.challenge_takers([member.pk])] == [adopted]
    assert not selectors.challenge_takers([other.pk]).exists()
    client = Client()
    profile = client.get(reverse("marketplace:member_detail", args=[member.slug])).content.decode()
    assert "Ils ont relevé le défi" in profile and escape(adopted.title) in profile
    assert (
        "Ils ont relevé le défi"
        not in client.get(reverse("marketplace:member_detail", args=[other.slug])).content.decode()
    )
    assert "Ils ont relevé le défi" in client.get(reverse("marketplace:home")).content.decode()


def test_the_first_matching_records_how_many_members_it_found(market):
    need = Need.objects.get(pk=market.extra["published"].pk)
    assert need.first_match_count == need.matches.count()
    Need.objects.filter(pk=need.pk).update(first_match_count=7)
    services.need_match(need=need)  # a re-matching keeps the figure of the publication
    need.refresh_from_db()
    assert need.first_match_count == 7


def test_the_lead_collectivity_of_a_funded_fmin_project_links_the_solution_it_experiments(market):
    from ..factories import ApplicationFactory

    agent, solution = market.users["commune_agent"], market.extra["solution"]
    project = ApplicationFactory(funded=True, title="Guichet numérique de Montreuil")
    draft_project = ApplicationFactory(title="Projet pas encore financé")
    for role in ("other_commune_agent", "member"):
        with pytest.raises(PermissionDenied):
            services.experiment_link(user=market.users[role], application=project, solution=solution)
    with pytest.raises(ValidationError, match="projet financé"):
        services.experiment_link(user=agent, application=draft_project, solution=solution)
    with pytest.raises(ValidationError, match="solution publiée"):
        services.experiment_link(user=agent, application=project, solution=market.extra["draft_solution"])
    client = login(Client(), agent)
    page = client.get(reverse("marketplace:experiments")).content.decode()
    assert "Guichet numérique de Montreuil" in page and "Projet pas encore financé" not in page
    response = client.post(reverse("marketplace:experiments"), {"application": project.pk, "solution": solution.pk})
    assert response.status_code == 302
    assert services.experiment_link(user=agent, application=project, solution=solution).linked_by == agent  # once
    assert list(selectors.experiments_of(solution).values_list("application", flat=True)) == [project.pk]
    page = Client().get(solution.get_absolute_url()).content.decode()
    assert "Expérimentée dans le FMIN" in page and reverse("fmin:project_detail", args=[project.pk]) in page
    refused = client.post(reverse("marketplace:experiments"), {"application": draft_project.pk, "solution": ""})
    assert refused.status_code == 200 and "Projet refusé" in refused.content.decode()

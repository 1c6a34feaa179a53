"""Proposals (scope, similar ones), supports, answers, comments and replies, reports and moderation, GDPR."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from participation import selectors, services
from participation.models import Ballot, Comment, ModerationCase, Proposal, Result, Support
from sman.models import Notification

from ..factories import BudgetFactory, BudgetProjectFactory, ProcessFactory, ProposalFactory, UserFactory

pytestmark = pytest.mark.django_db

MONTREUIL = Point(2.4417, 48.8620, srid=4326)
PARIS = Point(2.3522, 48.8566, srid=4326)


def test_a_proposal_is_placed_within_the_scope(part):
    citizen = UserFactory()
    with pytest.raises(ValidationError) as refused:
        services.proposal_create(
            process=part.process, author=citizen, title="Un banc", body="…", category="Numérique", location=PARIS
        )
    assert "hors du périmètre" in str(refused.value)
    proposal = services.proposal_create(
        process=part.process,
        author=citizen,
        title="Un banc",
        body="Près de la mairie",
        category="Numérique",
        location=MONTREUIL,
    )
    assert proposal.location == MONTREUIL
    with pytest.raises(ValidationError, match="catégories"):
        services.proposal_create(process=part.process, author=citizen, title="X", body="Y", category="Autre")


def test_proposals_only_during_a_proposals_phase_and_with_a_verified_address(part):
    finished = ProcessFactory(space=part.space, phases__finished=True)
    with pytest.raises(ValidationError, match="ne reçoit pas"):
        services.proposal_create(process=finished, author=UserFactory(), title="X", body="Y", category="Numérique")
    with pytest.raises(ValidationError, match="Confirmez"):
        services.proposal_create(
            process=part.process, author=UserFactory(verified=False), title="X", body="Y", category="Numérique"
        )


def test_similar_proposals_by_french_full_text_and_trigrams(part):
    for title in [
        "Installer des bancs publics au parc Montreau",
        "Ouvrir la médiathèque le dimanche",
        "Plus de pistes cyclables",
    ]:
        services.proposal_create(
            process=part.process, author=UserFactory(), title=title, body="…", category="Numérique"
        )
    # Stemming and accents: « mediatheques » finds « médiathèque ».
    assert [p.title for p in selectors.similar_proposals(part.process, "mediatheques")] == [
        "Ouvrir la médiathèque le dimanche"
    ]
    # A typo: trigrams still find it.
    assert "Plus de pistes cyclables" in [
        p.title for p in selectors.similar_proposals(part.process, "pistes ciclables")
    ]
    assert selectors.similar_proposals(part.other_process, "mediatheque") == []
    assert selectors.similar_proposals(part.process, "ab") == []


def test_supports_have_a_limit_per_person_and_count_once(part):
    citizen = UserFactory()
    proposals = [part.proposal, *ProposalFactory.create_batch(3, process=part.process)]
    services.proposal_support(proposal=proposals[0], user=citizen)
    services.proposal_support(proposal=proposals[0], user=citizen)  # twice: once
    services.proposal_support(proposal=proposals[1], user=citizen)
    services.proposal_support(proposal=proposals[2], user=citizen)
    with pytest.raises(ValidationError, match="maximum"):
        services.proposal_support(proposal=proposals[3], user=citizen)
    services.proposal_unsupport(proposal=proposals[0], user=citizen)
    services.proposal_support(proposal=proposals[3], user=citizen)
    counts = dict(Proposal.objects.filter(pk__in=[p.pk for p in proposals]).values_list("pk", "support_count"))
    assert [counts[p.pk] for p in proposals] == [0, 1, 1, 1]
    assert Support.objects.filter(user=citizen).count() == 3
    # The threshold (2): the space's administrator is told once, in the digest; not its moderator.
    services.proposal_support(proposal=proposals[1], user=UserFactory())
    services.proposal_unsupport(proposal=proposals[1], user=citizen)
    services.proposal_support(proposal=proposals[1], user=citizen)
    assert (
        Notification.objects.filter(user=part.space_admin, key=f"participation-threshold-{proposals[1].pk}").count()
        == 1
    )
    assert not Notification.objects.filter(user=part.moderator).exists()


def test_the_answer_notifies_the_author_and_an_accepted_proposal_is_followed(part):
    with pytest.raises(ValidationError):
        services.proposal_answer(proposal=part.proposal, by=part.space_admin, answer="accepted", text="Oui")
    with pytest.raises(ValidationError):
        services.proposal_answer(proposal=part.proposal, by=part.space_admin, answer="rejected", text="")
    with pytest.raises(PermissionDenied):
        services.proposal_answer(proposal=part.proposal, by=part.moderator, answer="evaluating", text="")
    services.proposal_answer(
        proposal=part.proposal, by=part.space_admin, answer="accepted", text="Retenue", estimated_cost_cents=1_500_00
    )
    result = Result.objects.get(proposal=part.proposal)
    assert (result.title, result.budget_cents, result.status) == ("Des bancs dans le parc", 1_500_00, "planned")
    notification = Notification.objects.get(user=part.author)
    assert "acceptée" in notification.subject and notification.url == part.proposal.get_absolute_url()


def test_replies_are_threaded_and_notified_once(part):
    first = services.comment_create(proposal=part.proposal, author=UserFactory(), body="Bonne idée")
    replier = UserFactory()
    reply = services.comment_create(proposal=part.proposal, author=replier, body="D'accord", parent=first)
    services.comment_create(proposal=part.proposal, author=part.author, body="Merci", parent=reply)
    assert [c.body for c in selectors.comment_thread(part.proposal)] == ["Bonne idée", "D'accord", "Merci"]
    assert [c.depth for c in selectors.comment_thread(part.proposal)] == [0, 1, 2]
    assert Notification.objects.filter(user=first.author, key=f"participation-reply-{reply.pk}").exists()
    assert Notification.objects.filter(user=replier, subject__startswith="Réponse à votre commentaire").count() == 1
    # The proposal's author: two comments of others on their proposal, nothing for their own.
    assert Notification.objects.filter(user=part.author).count() == 2


def test_reports_hide_at_the_threshold_and_moderators_decide_in_bulk(part):
    comment = services.comment_create(proposal=part.proposal, author=UserFactory(), body="Publicité")
    reporters = UserFactory.create_batch(3)
    services.report_create(user=reporters[0], comment=comment, reason="spam")
    with pytest.raises(ValidationError, match="déjà signalé"):
        services.report_create(user=reporters[0], comment=comment, reason="spam")
    services.report_create(user=reporters[1], comment=comment, reason="spam")
    assert not Comment.objects.get(pk=comment.pk).hidden
    services.report_create(user=reporters[2], comment=comment, reason="offensive")
    assert Comment.objects.get(pk=comment.pk).hidden  # 3 reports: hidden pending review
    services.report_create(user=reporters[0], proposal=part.proposal, reason="off_topic")
    cases = list(ModerationCase.objects.filter(space=part.space).values_list("pk", flat=True))
    with pytest.raises(PermissionDenied):
        services.moderation_decide(case_ids=cases, by=part.other_moderator, hide=True, reason="Spam")
    with pytest.raises(ValidationError):
        services.moderation_decide(case_ids=cases, by=part.moderator, hide=True, reason=" ")
    assert services.moderation_decide(case_ids=cases, by=part.moderator, hide=False, reason="Rien de contraire") == 2
    assert not Comment.objects.get(pk=comment.pk).hidden
    services.moderation_decide(case_ids=cases[:1], by=part.moderator, hide=True, reason="Publicité")
    log = list(selectors.moderation_log())
    assert len(log) == 1 and log[0].reason == "Publicité"


def test_a_blocked_person_no_longer_takes_part_in_that_space_only(part):
    person = UserFactory()
    with pytest.raises(PermissionDenied):
        services.user_block(space=part.space, user=person, by=part.other_moderator, reason="Spam")
    services.user_block(space=part.space, user=person, by=part.moderator, reason="Spam répété")
    with pytest.raises(ValidationError, match="suspendu"):
        services.comment_create(proposal=part.proposal, author=person, body="Encore")
    with pytest.raises(ValidationError, match="suspendu"):
        services.ballot_cast(budget=part.budget, voter=person, project_ids=[part.projects[0].pk])
    other = ProposalFactory(process=part.other_process)
    assert services.comment_create(proposal=other, author=person, body="Ailleurs").pk


def test_gdpr_export_and_erasure_keep_closed_votes_counted_and_anonymous(part):
    person = UserFactory()
    services.residence_declare(
        user=person, commune=part.space.organisation.territory, address="1 rue de Paris", point=MONTREUIL
    )
    proposal = services.proposal_create(
        process=part.process, author=person, title="Ma proposition", body="…", category="Numérique"
    )
    services.proposal_support(proposal=part.proposal, user=person)
    services.ballot_cast(budget=part.budget, voter=person, project_ids=[part.projects[0].pk])
    closed = BudgetFactory(process=part.process)
    project = BudgetProjectFactory(budget=closed)
    services.ballot_cast(budget=closed, voter=person, project_ids=[project.pk])
    closed.vote_closes_at = timezone.now() - timedelta(seconds=1)
    closed.vote_opens_at = timezone.now() - timedelta(days=1)
    closed.save()
    data = services.participant_export(person)
    assert data["adresse_declaree"]["adresse"] == "1 rue de Paris"
    assert [p["titre"] for p in data["propositions"]] == ["Ma proposition"]
    assert len(data["bulletins"]) == 2 and len(data["soutiens"]) == 1
    counts = services.participant_erase(user=person)
    assert counts["ballots_withdrawn"] == 1 and counts["ballots_kept"] == 1
    assert Ballot.objects.filter(budget=closed, voter__isnull=True).count() == 1  # still counted
    assert selectors.budget_tally(closed)["choices"] == 1
    assert not Ballot.objects.filter(budget=part.budget).exists()  # open vote: withdrawn
    assert Proposal.objects.get(pk=proposal.pk).author is None
    assert Proposal.objects.get(pk=part.proposal.pk).support_count == 0  # supports still open: withdrawn
    after = services.participant_export(person)
    assert after["propositions"] == [] and after["bulletins"] == [] and after["adresse_declaree"] is None

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from actions import services
from actions.models import Action, ActionReview, CopilSession, Roadmap

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(staff, reference):
    return services.copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))


def _opinion(review, user, opinion="keep", **extra):
    return services.review_record_opinion(
        review=review, user=user, version=review.version, opinion=opinion, reasons="Résultats conformes.", **extra
    )


def test_the_agenda_lists_every_active_action_prefilled(session):
    assert session.reviews.count() == Action.objects.active().count() == 17
    ftth = session.reviews.get(action__number=2)
    # Nobody entered any follow-up: its 2019 milestones are not « late », their state is unknown (rules.py).
    assert ftth.schedule_status == "unknown"
    assert ftth.budget_status == "unknown"


def test_the_agenda_prefills_the_delay_once_follow_up_is_entered(staff, reference):
    Action.objects.filter(roadmap__code="2019-2020", number=2).update(status="in_progress", progress=30)
    session = services.copil_session_create(user=staff, year=2020, semester=1, on=date(2020, 6, 15))
    # Milestones of 2019 not marked done by an owner who follows the action are late on 15 June 2020.
    assert session.reviews.get(action__number=2).schedule_status in ("at_risk", "off_track")


def test_only_copil_members_give_opinions(session, copil_member, staff, owner):
    review = session.reviews.get(action__number=2)
    for user in (staff, owner, UserFactory()):
        with pytest.raises(PermissionDenied):
            _opinion(review, user)
    recorded = _opinion(review, copil_member, opinion="scale_up")
    assert (recorded.opinion, recorded.decided_by, recorded.version) == ("scale_up", copil_member, 1)


def test_changing_prefilled_facts_needs_a_justification(session, copil_member):
    review = session.reviews.get(action__number=2)
    with pytest.raises(ValidationError, match="Justifiez"):
        _opinion(review, copil_member, progress=80)
    recorded = _opinion(review, copil_member, progress=80, justification="Avancement constaté en séance.")
    assert recorded.progress == 80


def test_two_members_saving_the_same_review(session, copil_member):
    other = UserFactory(copil=True)
    review = session.reviews.get(action__number=3)
    seen_by_both = review.version
    _opinion(review, copil_member)
    with pytest.raises(ValidationError, match="modifiée entre-temps"):
        services.review_record_opinion(
            review=review, user=other, version=seen_by_both, opinion="abandon", reasons="Autre avis."
        )
    review.refresh_from_db()
    assert review.opinion == "keep"


def test_closing_needs_every_opinion_then_makes_them_final(session, copil_member, staff):
    with pytest.raises(ValidationError, match="Avis manquant"):
        services.session_close(session=session, user=staff)
    for review in session.reviews.all():
        _opinion(review, copil_member, opinion="abandon" if review.action.number == 17 else "keep")
    with pytest.raises(PermissionDenied):
        services.session_close(session=session, user=copil_member)
    services.session_close(session=session, user=staff)
    review = session.reviews.get(action__number=2)
    review.refresh_from_db()
    with pytest.raises(ValidationError, match="close"):
        _opinion(review, copil_member, opinion="abandon")
    with pytest.raises(ValidationError, match="close"):
        services.recommendation_add(session=session, user=copil_member, programme="fmin", text="x")
    correction = services.review_correct(
        review=review, user=copil_member, opinion="scale_up", reasons="Erreur de saisie."
    )
    assert correction.corrects == review
    review.refresh_from_db()
    assert review.opinion == "keep"  # the original stays as it was
    assert ActionReview.objects.filter(session=session, action=review.action).count() == 2


def test_drafting_the_next_roadmap_from_the_opinions(session, copil_member, staff):
    for review in session.reviews.all():
        opinion = {17: "abandon", 10: "scale_up"}.get(review.action.number, "keep")
        _opinion(review, copil_member, opinion=opinion)
    services.session_close(session=session, user=staff)
    target = Roadmap.objects.get(code="2021-2022")
    services.roadmap_draft_from(session=session, user=staff, target=target)
    target.refresh_from_db()
    assert target.status == Roadmap.Status.DRAFT
    drafted = list(target.actions.order_by("number"))
    assert len(drafted) == 16
    assert not any(a.carried_from.number == 17 for a in drafted)
    assert [a.carried_from.number for a in drafted if a.scaled_up] == [10]
    with pytest.raises(ValidationError, match="contient déjà"):
        services.roadmap_draft_from(session=session, user=staff, target=target)


def test_recommendations_per_programme(session, copil_member):
    item = services.recommendation_add(
        session=session, user=copil_member, programme="fmin", text="Doubler l'enveloppe."
    )
    assert item.get_programme_display() == "FMIN"
    with pytest.raises(ValidationError):
        services.recommendation_add(session=session, user=copil_member, programme="inconnu", text="x")


def test_owner_presents_their_action(session, owner):
    review = session.reviews.get(action__number=2)
    services.review_present(review=review, user=owner, text="Convention signée avec l'ARCEP.")
    with pytest.raises(PermissionDenied):
        services.review_present(review=session.reviews.get(action__number=3), user=owner, text="x")


def test_semesters_without_session_are_listed(session):
    from actions.selectors import semesters_without_session

    missing = semesters_without_session(today=date(2020, 12, 1))
    assert (2020, 1) not in missing and (2020, 2) in missing and (2019, 1) in missing
    assert CopilSession.objects.count() == 1

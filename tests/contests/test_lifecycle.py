"""A contest's life through its services: eligibility, one entry per candidate, conflicts of interest, weighted
scores, the ranking and its disagreement, published winners, notifications, indicators and « Mon espace »."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from contests import panels, selectors, services
from contests.models import Contest, Entry, Evaluation
from sman.indicators import TerritoryTree
from sman.models import Notification, Organisation, Territory

from ..factories import (
    ContestFactory,
    EntryFactory,
    JurorFactory,
    MembershipFactory,
    OrganisationFactory,
    ResourceFactory,
    SolutionFactory,
    UserFactory,
)
from .conftest import pdf, signed_member

pytestmark = pytest.mark.django_db


def _fields(**extra):
    today = timezone.localdate()
    return {
        "module": "marketplace",
        "title": "Prix de l'accueil",
        "theme": "Accueil des usagers",
        "call_text": '<p onclick="x()">Appel</p><script>alert(1)</script><a href="javascript:alert(1)">lien</a>',
        "rules": "<h2>Règles</h2><ul><li>Une</li></ul>",
        "opens_on": today,
        "closes_on": today,
        "jury_deadline": today,
        "results_on": today,
        **extra,
    }


def _values(contest, *scores):
    return {c.pk: s for c, s in zip(contest.criteria.all(), scores, strict=True)}


def test_a_prize_from_call_to_winners(reference):
    staff = UserFactory(staff=True)
    contest = services.contest_create(
        user=staff, fields=_fields(), prizes=[("Grand prix", 1_000_000)], criteria=[("Utilité", 2), ("Innovation", 1)]
    )
    assert "<script" not in contest.call_text and "onclick" not in contest.call_text
    assert "javascript:" not in contest.call_text and "<h2>Règles</h2>" in contest.rules
    with pytest.raises(ValidationError):  # not open yet
        services.contest_transition(user=staff, contest=contest, to=Contest.Status.JUDGING)
    with pytest.raises(PermissionDenied):
        services.contest_transition(user=UserFactory(), contest=contest, to=Contest.Status.OPEN)
    services.contest_transition(user=staff, contest=contest, to=Contest.Status.OPEN)

    member, agent, solution = signed_member("Membre A")
    other, other_agent, other_solution = signed_member("Membre B")
    unsigned = OrganisationFactory(kind=Organisation.Kind.DIGITAL_ACTOR)
    unsigned_agent = MembershipFactory(organisation=unsigned).user
    with pytest.raises(ValidationError, match="charte en vigueur"):
        services.entry_submit(
            user=unsigned_agent,
            contest=contest,
            organisation=unsigned,
            solution=SolutionFactory(member=unsigned, published=True),
            title="T",
            pitch="P",
        )
    with pytest.raises(ValidationError, match="solution de votre organisation"):
        services.entry_submit(
            user=agent, contest=contest, organisation=member, solution=other_solution, title="T", pitch="P"
        )
    entry = services.entry_submit(
        user=agent, contest=contest, organisation=member, solution=solution, title="A", pitch="P", document=pdf()
    )
    with pytest.raises(ValidationError, match="une seule candidature"):
        services.entry_submit(
            user=agent, contest=contest, organisation=member, solution=solution, title="A2", pitch="P"
        )
    services.entry_withdraw(user=agent, entry=entry)
    entry = services.entry_submit(
        user=agent, contest=contest, organisation=member, solution=solution, title="A", pitch="P"
    )
    assert Entry.objects.filter(contest=contest).count() == 1 and not entry.is_withdrawn
    other_entry = services.entry_submit(
        user=other_agent, contest=contest, organisation=other, solution=other_solution, title="B", pitch="P"
    )
    assert entry.territory_id == member.territory_id

    first = services.juror_add(user=staff, contest=contest, juror_user=UserFactory())
    # An agent of member B on the jury: never scores B's entry.
    second = services.juror_add(user=staff, contest=contest, juror_user=MembershipFactory(organisation=other).user)
    services.contest_transition(user=staff, contest=contest, to=Contest.Status.JUDGING)
    assert Notification.objects.filter(user=first.user, key=f"contest-{contest.pk}-judging").exists()
    with pytest.raises(ValidationError, match="déclaration d'intérêts"):
        services.evaluation_save(user=first.user, entry=entry, values=_values(contest, 8, 5))
    services.juror_declare(user=first.user, juror=first, declaration="Aucun lien.")
    services.juror_declare(user=second.user, juror=second, declaration="Je travaille pour B.")
    with pytest.raises(ValidationError, match="conflit d'intérêts"):
        services.evaluation_save(user=second.user, entry=other_entry, values=_values(contest, 10, 10))
    with pytest.raises(ValidationError, match="Notez chaque critère"):
        services.evaluation_save(user=first.user, entry=entry, values={})
    with pytest.raises(PermissionDenied):
        services.evaluation_save(user=UserFactory(), entry=entry, values=_values(contest, 1, 1))

    services.evaluation_save(user=first.user, entry=entry, values=_values(contest, 8, 5), comment="Solide")
    services.evaluation_save(user=first.user, entry=entry, values=_values(contest, 9, 6), comment="Solide")  # replaces
    services.evaluation_save(user=second.user, entry=entry, values=_values(contest, 3, 3))
    services.evaluation_save(user=first.user, entry=other_entry, values=_values(contest, 5, 5))
    assert Evaluation.objects.filter(entry=entry).count() == 2
    rows = selectors.ranking(contest)
    assert [r.entry for r in rows] == [entry, other_entry]
    assert rows[0].totals and rows[0].average == Decimal("5.50")  # (8 and 3): (9×2+6)/3 = 8, 3
    assert rows[0].spread == Decimal("5.00")
    assert rows[1].average == Decimal("5.00") and rows[1].spread == 0
    ranked_for_second = selectors.ranking(contest, juror=second)
    assert [r.conflicted for r in ranked_for_second] == [False, True]

    prize = contest.prizes.get()
    with pytest.raises(ValidationError, match="Attribuez au moins un prix"):
        services.results_publish(user=staff, contest=contest, winners={prize.pk: entry, prize.pk + 999: entry})
    services.results_publish(user=staff, contest=contest, winners={prize.pk: entry})
    contest.refresh_from_db()
    assert contest.status == Contest.Status.PUBLISHED and contest.results_published_at
    assert [e.prize.label for e in selectors.awards_of(solution)] == ["Grand prix"]
    assert selectors.awards_of(other_solution) == []
    subjects = set(Notification.objects.filter(key=f"contest-{contest.pk}-results").values_list("subject", flat=True))
    assert subjects == {
        "« Prix de l'accueil » : votre candidature est lauréate du Grand prix",
        "« Prix de l'accueil » : les résultats sont publiés",
    }
    with pytest.raises(ValidationError):
        services.evaluation_save(user=first.user, entry=entry, values=_values(contest, 1, 1))


def test_a_resource_contest_takes_the_contributor_s_own_published_resources(reference):
    contest = ContestFactory(open=True, resources=True)
    resource = ResourceFactory(published=True)
    with pytest.raises(ValidationError, match="ressources publiées"):
        services.entry_submit(user=UserFactory(), contest=contest, resource=resource, title="T", pitch="P")
    with pytest.raises(ValidationError, match="ressources publiées"):
        draft = ResourceFactory(author=resource.author)
        services.entry_submit(user=resource.author, contest=contest, resource=draft, title="T", pitch="P")
    entry = services.entry_submit(user=resource.author, contest=contest, resource=resource, title="T", pitch="P")
    assert entry.organisation is None and entry.territory == resource.organisation.territory
    with pytest.raises(ValidationError, match="une seule candidature"):
        services.entry_submit(user=resource.author, contest=contest, resource=resource, title="T", pitch="P")


def test_entries_are_refused_once_the_call_is_closed(reference):
    contest = ContestFactory(open=True, resources=True, closes_on=timezone.localdate(), opens_on=timezone.localdate())
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.JUDGING)
    contest.refresh_from_db()
    resource = ResourceFactory(published=True)
    with pytest.raises(ValidationError, match="pas ouvertes"):
        services.entry_submit(user=resource.author, contest=contest, resource=resource, title="T", pitch="P")


def test_indicators_count_entries_and_winners_per_territory(reference):
    from contests.indicators import _indicator

    montreuil = Territory.objects.get(code="93048")
    t8 = Territory.objects.get(code="T8")
    org = OrganisationFactory(kind=Organisation.Kind.DIGITAL_ACTOR, territory=montreuil)
    published = ContestFactory(published=True)
    EntryFactory(contest=published, organisation=org, territory=montreuil, prize=published.prizes.first())
    EntryFactory(territory=montreuil)
    EntryFactory(territory=montreuil, withdrawn=True)
    today = timezone.localdate()
    entries_batch, entries = _indicator(False)
    winners_batch, winners = _indicator(True)
    assert entries(today, t8) == 2 and winners(today, t8) == 1
    assert entries(today, Territory.objects.get(code="92012")) == 0
    tree = TerritoryTree()
    assert entries_batch(today, tree)[t8.pk] == 2 and winners_batch(today, tree)[montreuil.pk] == 1


def test_the_juror_finds_entries_to_score_in_their_space(reference):
    juror = JurorFactory(declared=True)
    EntryFactory(contest=juror.contest)
    EntryFactory(contest=juror.contest)
    EntryFactory(contest=juror.contest, withdrawn=True)
    request = RequestFactory().get("/")
    request.user = juror.user
    panel = panels.space_panel(request)
    assert [t.label for t in panel.todos] == [f"2 candidatures à noter ({juror.contest.title})"]
    undeclared = JurorFactory()
    request.user = undeclared.user
    assert "déclaration d'intérêts" in panels.space_panel(request).todos[0].label
    request.user = UserFactory()
    assert panels.space_panel(request) is None

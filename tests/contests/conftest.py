import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ..factories import (
    ContestFactory,
    EntryFactory,
    JurorFactory,
    MemberProfileFactory,
    MembershipFactory,
    ResourceFactory,
    SolutionFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="dossier.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def signed_member(name):
    """A digital actor that signed the charter in force, with one agent and one published solution."""
    profile = MemberProfileFactory(organisation__name=name)
    organisation = profile.organisation
    user = MembershipFactory(organisation=organisation).user
    return organisation, user, SolutionFactory(member=organisation, published=True)


@pytest.fixture
def arena(world):
    """The world plus: ``candidate`` (agent of a signed member), ``juror`` (declared, on the deliberating
    prize), ``other_juror`` (declared, on another prize); an open prize with the candidate's entry, a
    deliberating prize with the candidate's entry (with a document) and another member's, an open resource
    contest, a published resource contest with a winner, and a draft."""
    organisation, candidate, solution = signed_member("Membre candidat")
    world.add_user("candidate", candidate)
    open_prize = ContestFactory(open=True, slug="prix-ouvert")
    judging = ContestFactory(judging=True, slug="prix-en-deliberation")
    open_entry = EntryFactory(contest=open_prize, organisation=organisation, user=candidate, solution=solution)
    entry = EntryFactory(contest=judging, organisation=organisation, user=candidate, solution=solution, document=pdf())
    other_org, other_user, other_solution = signed_member("Autre membre")
    other_entry = EntryFactory(contest=judging, organisation=other_org, user=other_user, solution=other_solution)
    juror = JurorFactory(contest=judging, declared=True)
    world.add_user("juror", juror.user)
    other_juror = JurorFactory(contest=ContestFactory(judging=True), declared=True)
    world.add_user("other_juror", other_juror.user)
    resource_contest = ContestFactory(open=True, resources=True, slug="concours-ouvert")
    published = ContestFactory(published=True, resources=True, slug="concours-publie")
    resource = ResourceFactory(published=True)
    winner = EntryFactory(
        contest=published, organisation=None, user=resource.author, resource=resource, prize=published.prizes.first()
    )
    draft = ContestFactory(slug="prix-brouillon")
    world.extra.update(
        organisation=organisation,
        solution=solution,
        open_prize=open_prize,
        judging=judging,
        open_entry=open_entry,
        entry=entry,
        other_entry=other_entry,
        juror=juror,
        other_juror=other_juror,
        resource_contest=resource_contest,
        published=published,
        resource=resource,
        winner=winner,
        draft=draft,
    )
    return world

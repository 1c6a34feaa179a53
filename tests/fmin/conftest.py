from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from fmin import services
from fmin.models import Application, Call, FundingLine, Participant, WorkingGroup
from sman.models import Challenge, Membership, Organisation, Territory

from ..factories import MembershipFactory, UserFactory


def collectivity(code: str) -> Organisation:
    return Organisation.objects.get(kind=Organisation.Kind.COLLECTIVITY, territory__code=code)


def agent_of(organisation: Organisation, **traits):
    return MembershipFactory(organisation=organisation, role=Membership.Role.MEMBER, user=UserFactory(**traits)).user


def complete_fields() -> dict:
    today = timezone.localdate()
    return {
        "title": "Prise de rendez-vous en ligne mutualisée",
        "theme": "citizen_relations",
        "irritant": "Les usagers attendent au guichet pour prendre un rendez-vous.",
        "experiment": "Un service de prise de rendez-vous en ligne partagé entre services.",
        "method": "Six mois d'essai au service état civil, puis extension.",
        "starts_on": today + timedelta(days=60),
        "ends_on": today + timedelta(days=60 + 365),
        "evaluation_design": "Temps d'attente avant et après, enquête de satisfaction.",
        "indicators": "Délai moyen d'obtention d'un rendez-vous.",
        "sharing_plan": "Retour d'expérience publié au centre de ressources.",
        "internal_team": "Une cheffe de projet à mi-temps, la DSI.",
        "summary": "Rendez-vous en ligne pour l'état civil.",
        "commits_to_evaluate": True,
    }


def draft(
    *, cost: int, own: int, lead_request: int, co_applicants=(), lead_cost: int = 0, other_public: int = 0, **overrides
) -> services.Draft:
    """A draft with one budget line of ``cost`` cents (eligible), own funds ``own`` and the requests."""
    return services.Draft(
        fields={**complete_fields(), **overrides},
        challenges=list(Challenge.objects.filter(number=4)),
        territories=list(Territory.objects.filter(code="93048")),
        lead_cost_cents=lead_cost,
        lead_request_cents=lead_request,
        budget_lines=[
            {
                "expense_type": "service_development",
                "label": "Développement",
                "amount_ht_cents": cost,
                "amount_ttc_cents": cost * 12 // 10,
            }
        ],
        funding_lines=[{"source": FundingLine.Source.OWN_FUNDS, "funder": "Fonds propres", "amount_cents": own}]
        + (
            [{"source": FundingLine.Source.OTHER_PUBLIC, "funder": "Région", "amount_cents": other_public}]
            if other_public
            else []
        ),
        co_applicants=list(co_applicants),
    )


@dataclass
class Fmin:
    call: Call
    staff: object
    lead: Organisation  # Montreuil
    lead_agent: object
    co: Organisation  # Est Ensemble (T8)
    co_agent: object
    other: Organisation  # Pantin
    other_agent: object
    reviewer: object
    reviewer2: object
    group: WorkingGroup

    def application(self, *, cost=10_000_000, own=6_000_000, request=4_000_000, title="Projet d'essai") -> Application:
        """A complete single-collectivity draft of Montreuil: 100 k€, 60 k€ own funds, 40 k€ requested."""
        application = services.application_create(user=self.lead_agent, call=self.call, lead=self.lead, title=title)
        return services.application_save_draft(
            application=application,
            user=self.lead_agent,
            draft=draft(cost=cost, own=own, lead_request=request, title=title),
            version=None,
        )

    def joint_application(self, *, confirm=True) -> Application:
        """Montreuil (lead) with Est Ensemble: 200 k€ cost, 50/50, 60 k€ + 40 k€ requested, 100 k€ own funds."""
        application = services.application_create(
            user=self.lead_agent, call=self.call, lead=self.lead, title="Projet commun"
        )
        application = services.application_save_draft(
            application=application,
            user=self.lead_agent,
            draft=draft(
                cost=20_000_000,
                own=10_000_000,
                lead_cost=10_000_000,
                lead_request=6_000_000,
                title="Projet commun",
                co_applicants=[{"organisation": self.co, "cost_share_cents": 10_000_000, "request_cents": 4_000_000}],
            ),
            version=None,
        )
        if confirm:
            services.participation_confirm(application=application, organisation=self.co, user=self.co_agent)
        return application

    def submitted(self, **kwargs) -> Application:
        return services.application_submit(application=self.application(**kwargs), user=self.lead_agent)

    def eligible(self, **kwargs) -> Application:
        application = self.submitted(**kwargs)
        checklist = {code: True for code, _ in services.ELIGIBILITY_ITEMS}
        return services.eligibility_record(application=application, user=self.staff, checklist=checklist, note="")


def open_call(staff, **overrides) -> Call:
    today = timezone.localdate()
    fields = {
        "year": today.year,
        "title": "FMIN — session d'essai",
        "opens_on": today - timedelta(days=10),
        "closes_on": today + timedelta(days=30),
        "is_published": True,
        **overrides,
    }
    return services.call_create(user=staff, **fields)


@pytest.fixture
def fm(reference):
    staff = UserFactory(staff=True)
    lead, co, other = collectivity("93048"), collectivity("T8"), collectivity("93055")
    group = WorkingGroup.objects.create(
        name="Gestion de la relation citoyenne",
        slug="grc",
        theme="citizen_relations",
        description="Groupe.",
        charter="Convention.",
    )
    return Fmin(
        call=open_call(staff),
        staff=staff,
        lead=lead,
        lead_agent=agent_of(lead),
        co=co,
        co_agent=agent_of(co),
        other=other,
        other_agent=agent_of(other),
        reviewer=UserFactory(reviewer=True),
        reviewer2=UserFactory(reviewer=True),
        group=group,
    )


def lead_participant(application) -> Participant:
    return application.participants.get(is_lead=True)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and what it left for after the commit (e-mails, Celery tasks — eager here)."""

    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run

"""The FMIN's indicators for the COPIL, per commune and per EPT: the applications and projects a territory's
collectivities carry (lead or co-applicant), the grants committed counted for the lead's territory."""

from decimal import Decimal

import pytest
from django.utils import timezone

from fmin import selectors, services
from fmin.models import FollowUpReport
from sman.indicators import providers
from sman.models import Territory

from ..factories import ExplorerProjectFactory
from ..indicators import nonzero, values_by_code
from .conftest import agent_of, collectivity, draft

pytestmark = pytest.mark.django_db


def _carried(fm, lead: str, co=(), *, title: str, grant_cents: int = 0, explorateurs: bool = False):
    """An application led by the collectivity of ``lead`` with those of ``co``, submitted; funded when given a
    grant (in cents)."""
    lead_org, co_orgs = collectivity(lead), [collectivity(code) for code in co]
    agent = agent_of(lead_org)
    application = services.application_create(user=agent, call=fm.call, lead=lead_org, title=title)
    share = 10_000_000
    application = services.application_save_draft(
        application=application, user=agent, version=None,
        draft=draft(
            cost=share * (1 + len(co_orgs)), own=(share - 4_000_000) * (1 + len(co_orgs)), lead_cost=share if co else 0,
            lead_request=4_000_000, title=title,
            co_applicants=[{"organisation": o, "cost_share_cents": share, "request_cents": 4_000_000} for o in co_orgs],
        ),
    )  # fmt: skip
    if explorateurs:  # the file an explorer's project started (explorateurs.Project.fmin_application)
        ExplorerProjectFactory(collectivity=lead_org, fmin_application=application, status="fmin_application")
    for organisation in co_orgs:
        services.participation_confirm(application=application, organisation=organisation, user=agent_of(organisation))
    application = services.application_submit(application=application, user=agent)
    if grant_cents:
        checklist = {code: True for code, _ in services.ELIGIBILITY_ITEMS}
        application = services.eligibility_record(application=application, user=fm.staff, checklist=checklist, note="")
        services.decision_record(
            application=application, user=fm.staff, outcome="funded", amount_cents=grant_cents, reason="Retenu."
        )
    return application


@pytest.fixture
def projects(fm):
    """A: Montreuil alone, funded 25 k€, from the Explorateurs, evaluated. B: Saint-Denis (T6) with Montreuil
    (T8), funded 40 k€. C: Pantin with Montreuil (both T8), submitted only."""
    a = _carried(fm, "93048", title="A", grant_cents=2_500_000, explorateurs=True)
    a.reports.filter(kind=FollowUpReport.Kind.EVALUATION).update(submitted_at=timezone.now())
    _carried(fm, "93066", ["93048"], title="B", grant_cents=4_000_000)
    _carried(fm, "93055", ["93048"], title="C")
    return timezone.localdate()


def test_applications_and_projects_count_for_each_territory_that_carries_them(projects):
    applications = values_by_code("fmin.applications_received", projects)
    # C is carried by two communes of T8: once for T8 (and for the Métropole), not twice.
    assert nonzero(applications) == {"93048": 3, "93066": 1, "T6": 1, "93055": 1, "T8": 3, "MGP": 3}
    assert applications["MGP"] == selectors.totals(until=projects)["applications"]  # as before
    funded = values_by_code("fmin.projects_funded", projects)
    assert nonzero(funded) == {"93048": 2, "93066": 1, "T6": 1, "T8": 2, "MGP": 2}
    evaluated = values_by_code("fmin.evaluations_delivered", projects)
    assert nonzero(evaluated) == {"93048": 1, "T8": 1, "MGP": 1}


def test_the_grant_counts_in_full_for_the_leads_territory(projects):
    committed = values_by_code("fmin.amount_committed", projects)
    # B's 40 k€ go to Saint-Denis, its lead, none to Montreuil: the territories add up to the Métropole's.
    assert nonzero(committed) == {"93048": 25_000, "T8": 25_000, "93066": 40_000, "T6": 40_000, "MGP": 65_000}
    assert committed["MGP"] == committed["T6"] + committed["T8"] == selectors.totals(until=projects)[
        "committed_cents"] / 100  # fmt: skip


def test_the_share_from_the_explorateurs_is_computed_from_the_territorys_counts(projects):
    share = values_by_code("fmin.share_from_explorateurs", projects)
    # T8: 1 of its 2 funded projects; not the average of Montreuil's 50 % and Pantin's 0 % (nothing funded).
    assert nonzero(share) == {"93048": 50, "T8": 50, "MGP": 50}
    assert share["93055"] == share["93066"] == share["T6"] == 0
    files = values_by_code("fmin.share_applications_from_explorateurs", projects)
    # Montreuil carries A, B and C, one of them from an explorer's project; T8 the same three.
    assert nonzero(files) == {"93048": Decimal("33.3"), "T8": Decimal("33.3"), "MGP": Decimal("33.3")}


def test_the_envelope_rate_is_the_metropoles_only(projects):
    provider = providers["fmin.envelope_committed_rate"]
    assert not provider.territorial and "enveloppe" in provider.reason
    assert provider.value(projects) == Decimal("6.5")  # 65 k€ of the call's 1 M€
    with pytest.raises(ValueError, match="Métropole's value only"):
        provider.value(projects, Territory.objects.get(code="T8"))

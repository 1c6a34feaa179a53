import pytest
from django.db import connection

from actions.models import Action, Milestone, Roadmap, Workstream
from actions.reference import read_plan
from sman.reference import load_reference

pytestmark = pytest.mark.django_db

# GLOSSARY.md: Annex 2 numbers défis 1–3 differently from the roadmap table.
SHEET_OF_ACTION = {2: 1, 1: 2, 3: 4, 5: 6, 6: 7, 7: 8}


def _writes() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname LIKE 'actions\\_%' OR relname LIKE 'sman\\_%'"
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def test_seventeen_actions_with_their_challenge_and_numbers(reference):
    actions = Action.objects.filter(roadmap__code="2019-2020").select_related("challenge")
    assert sorted(a.number for a in actions) == list(range(1, 18))
    by_number = {a.number: a for a in actions}
    for number, sheet in SHEET_OF_ACTION.items():
        assert by_number[number].annex_sheet_number == sheet, number
    assert by_number[2].challenge.number == 1 and "FTTH" in by_number[2].title.upper()
    assert by_number[3].challenge.number == 2 and "Pass Numérique" in by_number[3].title
    assert by_number[10].challenge.number == 4 and "Fonds Métropolitain" in by_number[10].title
    assert by_number[17].challenge.number == 6
    assert by_number[2].module == "ftth" and by_number[3].module == "passnumerique"


def test_sheets_give_budget_milestones_and_fields(reference):
    ftth = Action.objects.get(roadmap__code="2019-2020", number=2)
    assert ftth.budget_estimate_cents == 20_000_000
    assert "200" in ftth.budget_label
    assert ftth.milestones.count() >= 3
    first = ftth.milestones.order_by("order").first()
    assert (first.planned_start.year, first.planned_start.month) == (2019, 2)
    assert ftth.project_owner and ftth.pain_point and ftth.concept
    # Actions without a sheet carry what the roadmap table says, and no invented figure.
    for action in Action.objects.filter(annex_sheet_number__isnull=True):
        assert action.budget_estimate_cents is None and not action.milestones.exists()


def test_roadmaps_and_workstreams(reference):
    assert list(Roadmap.objects.values_list("code", "status")) == [
        ("2019-2020", "current"),
        ("2021-2022", "to_define"),
        ("2023-2024", "to_define"),
    ]
    assert Workstream.objects.filter(challenge__number=1).count() == 4
    assert all(m.planned_start <= m.planned_end for m in Milestone.objects.all())


def test_the_data_file_round_trips(reference):
    plan = read_plan()
    assert len(plan["actions"]) == 17
    before = _writes()
    report = load_reference()
    assert not report.changed, (report.created, report.updated)
    assert _writes() == before


def test_reloading_keeps_what_owners_updated(reference, plan_action):
    milestone = plan_action.milestones.first()
    milestone.actual_date = milestone.planned_end
    milestone.save()
    Action.objects.filter(pk=plan_action.pk).update(progress=40, status="in_progress")
    load_reference()
    plan_action.refresh_from_db()
    milestone.refresh_from_db()
    assert (plan_action.progress, plan_action.status) == (40, "in_progress")
    assert milestone.actual_date == milestone.planned_end

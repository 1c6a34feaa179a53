"""Every role (plus an action's owner) against every page of the roadmap and the COPIL."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from actions import services
from actions.models import Action, BudgetLine, Indicator, IndicatorValue, Milestone, Report

from ..factories import UserFactory
from ..matrix import ROLES, Case, check, matrix_params

pytestmark = pytest.mark.django_db

ROLES_WITH_OWNER = ROLES + ("action_owner",)
PUBLIC = dict.fromkeys(ROLES_WITH_OWNER, 200)
COPIL = {"anonymous": 302, "copil": 200, "staff": 200}
OWNER = {"anonymous": 302, "action_owner": 200, "staff": 200}


@pytest.fixture
def actions_world(world):
    ftth = Action.objects.get(roadmap__code="2019-2020", number=2)
    owner = UserFactory()
    ftth.owners.add(owner)
    world.add_user("action_owner", owner)
    session = services.copil_session_create(user=world.users["staff"], year=2020, semester=2, on=date(2020, 12, 1))
    report = Report.objects.create(session=session, state=Report.State.FAILED, error="essai")
    other = Action.objects.get(roadmap__code="2019-2020", number=3)
    world.extra.update(
        session=session,
        review=session.reviews.get(action=ftth),
        other_review=session.reviews.get(action=other),
        report=report,
        indicator=_indicator(ftth, world.users["staff"]),
        other_indicator=_indicator(other, world.users["staff"]),
    )
    return world


def _indicator(action, user) -> Indicator:
    return services.indicator_save(
        indicator=Indicator(
            action=action, name=f"Indicateur de l'action {action.number}", definition="Définition.", kind="result",
            unit="%", target_value=Decimal(50), target_date=date(2026, 12, 31), source="Suivi interne",
        ),
        user=user,
    )  # fmt: skip


def indicator_url(action_url: str, key: str, suffix: str = ""):
    def url(w):
        return f"{action_url}indicateurs/{w.extra[key].pk}/{suffix}"

    url.covers = "actions:indicator_value_add" if suffix else "actions:indicator_edit"
    return url


ACTION = "/feuille-de-route/2019-2020/actions/2/"
OTHER_ACTION = "/feuille-de-route/2019-2020/actions/3/"

CASES = [
    Case("plan", "/feuille-de-route/", PUBLIC),
    Case("challenge", "/feuille-de-route/defis/1/", PUBLIC),
    Case("action", ACTION, PUBLIC),
    Case("follow-own-action", ACTION + "suivi/", OWNER, default=403),
    Case("follow-other-action", OTHER_ACTION + "suivi/", {"anonymous": 302, "staff": 200}, default=403),
    Case("indicator-create", ACTION + "indicateurs/nouveau/", OWNER, default=403),
    # Indicator ids: an owner's own, and another action's put under the owner's action in the URL.
    Case("indicator-edit", indicator_url(ACTION, "indicator"), OWNER, default=403),
    Case("indicator-values", indicator_url(ACTION, "indicator", "valeurs/"), OWNER, default=403),
    Case(
        "other-indicator-under-own-action",
        indicator_url(ACTION, "other_indicator"),
        {"anonymous": 302, "action_owner": 404, "staff": 404},
        default=403,
    ),
    Case(
        "other-indicator-values-under-own-action",
        indicator_url(ACTION, "other_indicator", "valeurs/"),
        {"anonymous": 302, "action_owner": 404, "staff": 404},
        default=403,
    ),
    Case(
        "other-indicator-values",
        indicator_url(OTHER_ACTION, "other_indicator", "valeurs/"),
        {"anonymous": 302, "staff": 200},
        default=403,
    ),
    Case("dashboard", "/copil/", COPIL, default=403),
    Case("export-reviews", "/copil/exports/revues.csv", COPIL, default=403),
    Case("export-values", "/copil/exports/valeurs.csv", COPIL, default=403),
    Case(
        "session-update",
        lambda w: reverse("actions:session_update", args=[w.extra["session"].pk]),
        {"anonymous": 302, "staff": 302},
        default=403,
        method="post",
        covers="actions:session_update",
    ),
    Case(
        "session-agenda-build",
        lambda w: reverse("actions:session_agenda_build", args=[w.extra["session"].pk]),
        {"anonymous": 302, "staff": 302},
        default=403,
        method="post",
        covers="actions:session_agenda_build",
    ),
    Case(
        "recommendation-add",
        lambda w: reverse("actions:recommendation_add", args=[w.extra["session"].pk]),
        {"anonymous": 302, "copil": 302, "staff": 302},
        default=403,
        method="post",
        covers="actions:recommendation_add",
    ),
    Case(
        "roadmap-draft",
        lambda w: reverse("actions:roadmap_draft", args=[w.extra["session"].pk]),
        {"anonymous": 302, "staff": 404},  # no target roadmap posted
        default=403,
        method="post",
        covers="actions:roadmap_draft",
    ),
    Case(
        "report-download",
        lambda w: reverse("actions:report_download", args=[w.extra["report"].pk]),
        {"anonymous": 302, "copil": 404, "staff": 404},  # served once the report is done
        default=403,
        covers="actions:report_download",
    ),
    Case(
        "api-indicator",
        lambda w: f"/api/indicators/{w.extra['indicator'].pk}/",
        {"anonymous": 401},
        default=200,
        covers="indicator-detail",
    ),
    Case("sessions", "/copil/seances/", COPIL, default=403),
    Case(
        "session", lambda w: w.extra["session"].get_absolute_url(), COPIL, default=403, covers="actions:session_detail"
    ),
    Case(
        "session-close-confirm",
        lambda w: reverse("actions:session_close", args=[w.extra["session"].pk]),
        {"anonymous": 302, "staff": 200},
        default=403,
        covers="actions:session_close",
    ),  # fmt: skip
    Case(
        "review-own-action",
        lambda w: reverse("actions:review_edit", args=[w.extra["review"].pk]),
        {"anonymous": 302, "copil": 200, "staff": 200, "action_owner": 200},
        default=403,
        covers="actions:review_edit",
    ),  # fmt: skip
    Case(
        "review-other-action",
        lambda w: reverse("actions:review_edit", args=[w.extra["other_review"].pk]),
        {"anonymous": 302, "copil": 200, "staff": 200},
        default=403,
        covers="actions:review_edit",
    ),  # fmt: skip
    Case("report", lambda w: w.extra["report"].get_absolute_url(), COPIL, default=403, covers="actions:report_detail"),
    Case(
        "report-request",
        lambda w: reverse("actions:report_request", args=[w.extra["session"].pk]),
        {"anonymous": 302, "copil": 302, "staff": 302},
        default=403,
        method="post",
        covers="actions:report_request",
    ),  # fmt: skip
    Case(
        "report-retry",
        lambda w: reverse("actions:report_retry", args=[w.extra["report"].pk]),
        {"anonymous": 302, "copil": 302, "staff": 302},
        default=403,
        method="post",
        covers="actions:report_retry",
    ),  # fmt: skip
    Case(
        "report-status",
        lambda w: reverse("actions:report_status", args=[w.extra["report"].pk]),
        COPIL,
        default=403,
        covers="actions:report_status",
    ),
    Case("api-actions", "/api/actions/", PUBLIC),
    Case("api-indicators", "/api/indicators/", {"anonymous": 401}, default=200),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, ROLES_WITH_OWNER))
def test_role_matrix(actions_world, case, role):
    check(actions_world, case, role)


@pytest.mark.parametrize("role", ROLES_WITH_OWNER)
def test_only_copil_members_post_opinions(actions_world, role):
    review = actions_world.extra["review"]
    response = actions_world.client_for(role).post(
        reverse("actions:review_edit", args=[review.pk]),
        {"opinion-submit": "1", "version": review.version, "progress": review.progress,
         "schedule_status": review.schedule_status, "budget_status": review.budget_status,
         "opinion": "keep", "reasons": "Conforme."},
    )  # fmt: skip
    review.refresh_from_db()
    if role == "copil":
        assert response.status_code == 302 and review.opinion == "keep"
    else:
        assert response.status_code in (302, 403) and review.opinion == ""
        if role != "anonymous":
            assert response.status_code == 403


def test_a_closed_session_is_read_only_in_the_pages(actions_world):
    session, copil = actions_world.extra["session"], actions_world.users["copil"]
    for review in session.reviews.all():
        services.review_record_opinion(review=review, user=copil, version=0, opinion="keep", reasons="ok")
    services.session_close(session=session, user=actions_world.users["staff"])
    review = actions_world.extra["review"]
    client = actions_world.client_for("copil")
    page = client.get(reverse("actions:review_edit", args=[review.pk])).content.decode()
    assert "opinion-submit" not in page and "correction-submit" in page
    owner_page = actions_world.client_for("action_owner").get(reverse("actions:review_edit", args=[review.pk]))
    assert "presentation-submit" not in owner_page.content.decode()
    response = client.post(reverse("actions:review_edit", args=[review.pk]),
                           {"opinion-submit": "1", "version": 1, "opinion": "abandon", "reasons": "x"})  # fmt: skip
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.opinion == "keep"
    detail = actions_world.client_for("staff").get(session.get_absolute_url()).content.decode()
    assert (
        "Clore la séance" not in detail
        and "recommendation" not in detail.lower().split("recommandations stratégiques")[1][:200]
    )


def test_an_owner_writes_nothing_on_another_action_through_ids(actions_world):
    """Indicator ids, a review id and the follow-up form's hidden line ids of another action."""
    owner = actions_world.client_for("action_owner")
    mine, theirs = actions_world.extra["indicator"], actions_world.extra["other_indicator"]
    value = {"date": "2026-03-01", "value": "12", "comment": "Saisie"}
    assert owner.post(f"{ACTION}indicateurs/{theirs.pk}/valeurs/", value).status_code == 404
    assert owner.post(f"{ACTION}indicateurs/{theirs.pk}/", {"name": "Renommé"}).status_code == 404
    assert owner.post(f"{OTHER_ACTION}indicateurs/{theirs.pk}/valeurs/", value).status_code == 403
    assert not IndicatorValue.objects.filter(indicator=theirs).exists()
    assert Indicator.objects.get(pk=theirs.pk).name == "Indicateur de l'action 3"
    assert owner.post(f"{ACTION}indicateurs/{mine.pk}/valeurs/", value).status_code == 302
    assert IndicatorValue.objects.filter(indicator=mine).count() == 1

    other_review = actions_world.extra["other_review"]
    presented = owner.post(
        reverse("actions:review_edit", args=[other_review.pk]),
        {"presentation-submit": "1", "owner_presentation": "Tout va bien."},
    )
    assert presented.status_code == 403
    other_review.refresh_from_db()
    assert other_review.owner_presentation == ""

    other = Action.objects.get(roadmap__code="2019-2020", number=3)
    milestone = Milestone.objects.create(
        action=other, title="Lancement", planned_start=date(2020, 1, 1), planned_end=date(2020, 6, 30)
    )
    line = BudgetLine.objects.create(
        action=other, year=2020, allocated_cents=100_000, committed_cents=0, spent_cents=10_000
    )
    page = owner.get(ACTION + "suivi/")
    data = {"status": page.context["form"]["status"].value(), "progress": "40", "notes": ""}
    for prefix, formset in (("jalons", page.context["milestones"]), ("budget", page.context["budget"])):
        data |= {f"{prefix}-{k}": v for k, v in formset.management_form.initial.items()}
        for i, form in enumerate(formset.forms):
            data[f"{prefix}-{i}-id"] = form.instance.pk or ""
    data |= {"jalons-0-id": milestone.pk, "jalons-0-actual_date": "2021-01-01"}
    data |= {"budget-0-id": line.pk, "budget-0-year": "2020", "budget-0-allocated_cents": "1",
             "budget-0-committed_cents": "1", "budget-0-spent_cents": "999999"}  # fmt: skip
    assert owner.post(ACTION + "suivi/", data).status_code == 302
    milestone.refresh_from_db()
    line.refresh_from_db()
    assert milestone.actual_date is None and (line.action_id, line.spent_cents) == (other.pk, 10_000)
    assert Action.objects.get(roadmap__code="2019-2020", number=2).progress == 40

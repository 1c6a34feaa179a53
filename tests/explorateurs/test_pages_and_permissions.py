"""Role × URL matrix of the Explorateurs du numérique: every page and API endpoint, each role."""

import pytest
from django.urls import reverse
from django.utils import timezone

from explorateurs import services
from explorateurs.models import ExplorerDocument
from sman import jobs

from ..matrix import Case, check, matrix_params, world_roles
from .conftest import EX_ROLES

pytestmark = pytest.mark.django_db

ROLES = world_roles(*EX_ROLES)
AGENTS = ("commune_agent", "ept_agent", "org_admin", "explorer", "alumnus", "candidate")
MONTREUIL = ("commune_agent", "org_admin", "explorer")
E = "explorateurs:"


def only(*allowed: str, status: int = 200, others: int = 403) -> dict:
    """``status`` for the given roles, a login redirect for the public, ``others`` for everyone else."""
    return {role: status if role in allowed else 302 if role == "anonymous" else others for role in ROLES}


OPEN = dict.fromkeys(ROLES, 200)


def done_document(explorer) -> ExplorerDocument:
    document = ExplorerDocument.objects.create(
        explorer=explorer, kind="welcome_kit", state=jobs.DONE, finished_at=timezone.now()
    )
    return jobs.job_result_write(job=document, content=b"%PDF-1.7 kit", filename="kit.pdf")


def url(name, *args):
    return lambda w: reverse(E + name, args=[a(w) if callable(a) else a for a in args])


def ex(attr):
    def get(w):
        value = w.extra["ex"]
        for part in attr.split("."):
            value = getattr(value, part)
        return value

    return get


CASES = [
    Case("home", "/explorateurs/", OPEN),
    Case("network", "/explorateurs/reseau/", OPEN),
    Case("projects", "/explorateurs/projets/", OPEN),
    Case("project", url("project_detail", ex("project.pk")), OPEN, covers=E + "project_detail"),
    Case("events", "/explorateurs/journees/", OPEN),
    Case("calendar", "/explorateurs/journees/agenda.ics", OPEN),
    Case("event", url("event_detail", ex("event.pk")), OPEN, covers=E + "event_detail"),
    Case("event-ics", url("event_ics", ex("event.pk")), OPEN, covers=E + "event_ics"),
    Case(
        "manager-confirm",
        lambda w: reverse(E + "manager_confirm", args=[services.manager_token(w.extra["ex"].candidacy)]),
        OPEN,
        covers=E + "manager_confirm",
    ),
    Case("manager-confirm-forged", "/explorateurs/confirmation/abc:def/", dict.fromkeys(ROLES, 404)),
    Case("my-path", "/explorateurs/mon-parcours/", only(*[r for r in ROLES if r != "anonymous"])),
    Case("apply", "/explorateurs/candidater/", only(*AGENTS)),
    Case("directory", "/explorateurs/annuaire/", only(*AGENTS, "staff")),
    Case("project-create", "/explorateurs/projets/nouveau/", only("explorer", "alumnus")),
    Case("project-edit", url("project_edit", ex("project.pk")), only(*MONTREUIL, "staff"), covers=E + "project_edit"),
    Case(
        "project-fmin",
        url("project_start_fmin", ex("project.pk")),
        only(*MONTREUIL, status=302),  # no FMIN call open: back to the project with the reason
        method="post",
        covers=E + "project_start_fmin",
    ),
    Case(
        "project-status",
        url("project_status", ex("project.pk")),
        only("staff", status=302),
        method="post",
        data={"status": "qualified"},
        covers=E + "project_status",
    ),
    Case(
        "project-note",
        url("project_note", ex("project.pk")),
        only("staff", status=302),
        method="post",
        data={"kind": "workshop", "body": "Atelier de qualification."},
        covers=E + "project_note",
    ),
    Case(
        "event-register",
        url("event_register", ex("event.pk")),
        only("explorer", status=302),
        method="post",
        covers=E + "event_register",
    ),
    Case(
        "registration-cancel",
        lambda w: reverse(E + "registration_cancel", args=[w.extra["ex"].held.registrations.get().pk]),
        only("explorer", "staff", status=302),
        method="post",
        covers=E + "registration_cancel",
    ),
    Case("attendance", url("attendance", ex("held.pk")), only("staff"), covers=E + "attendance"),
    Case(
        "attendance-post",
        url("attendance", ex("held.pk")),
        only("staff", status=302),
        method="post",
        covers=E + "attendance",
    ),
    Case(
        "candidacy-withdraw",
        url("candidacy_withdraw", ex("candidacy.pk")),
        only("candidate", status=302, others=404),
        method="post",
        covers=E + "candidacy_withdraw",
    ),
    Case(
        "visibility",
        url("visibility", ex("explorer.pk")),
        only("explorer", status=302, others=404),
        method="post",
        data={"in_directory": "on"},
        covers=E + "visibility",
    ),
    Case(
        "document-request",
        url("document_request", ex("explorer.pk"), "welcome_kit"),
        only("explorer", "staff", status=302),
        method="post",
        covers=E + "document_request",
    ),
    Case(
        "document-file",
        lambda w: reverse(E + "document_file", args=[done_document(w.extra["ex"].explorer).pk]),
        only("explorer", "staff"),
        covers=E + "document_file",
    ),
    Case(
        "document-status",
        lambda w: reverse(E + "document_status", args=[done_document(w.extra["ex"].explorer).pk]),
        only("explorer", "staff"),
        covers=E + "document_status",
    ),
    Case("candidacies", "/explorateurs/equipe/candidatures/", only("staff")),
    Case("candidacies-csv", "/explorateurs/equipe/candidatures/?export=csv", only("staff")),
    Case(
        "candidacy-select",
        url("candidacy_select", ex("candidacy.pk")),
        only("staff", status=302),
        method="post",
        covers=E + "candidacy_select",
    ),
    Case(
        "candidacy-reject",
        url("candidacy_reject", ex("candidacy.pk")),
        only("staff", status=302),
        method="post",
        covers=E + "candidacy_reject",
    ),
    Case(
        "explorer-withdraw",
        url("explorer_withdraw", ex("explorer.pk")),
        only("staff", status=302),
        method="post",
        covers=E + "explorer_withdraw",
    ),
    Case("api-projects", "/api/explorateurs/projects/", OPEN),
    Case(
        "api-project",
        lambda w: f"/api/explorateurs/projects/{w.extra['ex'].project.pk}/",
        OPEN,
        covers="explorateurs-project-detail",
    ),
    Case("api-events", "/api/explorateurs/events/", OPEN),
    Case(
        "api-event",
        lambda w: f"/api/explorateurs/events/{w.extra['ex'].event.pk}/",
        OPEN,
        covers="explorateurs-event-detail",
    ),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, ROLES))
def test_role_matrix(ex_world, case, role):
    check(ex_world, case, role)

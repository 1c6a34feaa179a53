"""Every page of prizes and contests against every role (candidate, juror, other juror, staff, anonymous,
citizen and the world's other roles), and what each page shows."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from contests.models import Contest

from ..matrix import ROLES, Case, check, matrix_params

pytestmark = pytest.mark.django_db

CONTEST_ROLES = (*ROLES, "candidate", "juror", "other_juror")
SIGNED_IN = tuple(r for r in CONTEST_ROLES if r != "anonymous")


def expect(ok: tuple, status=200, others=403, anonymous=302) -> dict:
    result = dict.fromkeys(CONTEST_ROLES, others)
    result.update(anonymous=anonymous, **dict.fromkeys(ok, status))
    return result


def url(name, key, attr="pk"):
    def url_of(w):
        return reverse(f"contests:{name}", args=[getattr(w.extra[key], attr)])

    url_of.covers = f"contests:{name}"
    return url_of


PUBLIC = dict.fromkeys(CONTEST_ROLES, 200)
CASES = [
    Case("list", "/prix-et-concours/", PUBLIC),
    Case("list-filtered", "/prix-et-concours/?module=resources&status=published&q=concours", PUBLIC),
    Case("detail-open", url("detail", "open_prize", "slug"), PUBLIC),
    Case("detail-published", url("detail", "published", "slug"), PUBLIC),
    Case("detail-draft", url("detail", "draft", "slug"), expect(("staff",), others=404, anonymous=404)),
    Case("my-entries", "/prix-et-concours/mes-candidatures/", expect(SIGNED_IN)),
    # A prize: agents of official members only (the world's digital actor has not signed the charter).
    Case("enter-prize", url("enter", "open_prize", "slug"), expect(("candidate",))),
    Case("enter-resource-contest", url("enter", "resource_contest", "slug"), expect(SIGNED_IN)),
    Case("enter-closed", url("enter", "judging", "slug"), expect(())),
    Case("entry", url("entry_detail", "entry"), expect(("candidate", "juror", "staff"))),
    Case("entry-document", url("entry_document", "entry"), expect(("candidate", "juror", "staff"))),
    Case("withdraw", url("withdraw", "open_entry"), expect(("candidate",))),
    Case("evaluate", url("evaluate", "entry"), expect(("juror",))),
    Case("evaluate-own-organisation", url("evaluate", "open_entry"), expect(())),
    Case("jury", url("jury", "judging", "slug"), expect(("juror", "staff"))),
    Case("declare", url("declare", "judging", "slug"), expect(("juror",))),
    Case(
        "transition",
        url("transition", "open_prize", "slug"),
        expect(("staff",), status=302),
        method="post",
        data={"to": "judging"},
    ),
    Case("publish", url("publish", "judging", "slug"), expect(("staff",))),
]


@pytest.mark.parametrize(("case", "role"), matrix_params(CASES, CONTEST_ROLES))
def test_matrix(arena, case, role):
    check(arena, case, role)


def test_the_transition_moves_the_call_to_deliberation(arena):
    client = arena.client_for("staff")
    client.post(reverse("contests:transition", args=["prix-ouvert"]), {"to": "judging"})
    assert Contest.objects.get(slug="prix-ouvert").status == Contest.Status.JUDGING


def test_the_list_shows_no_draft_and_filters_by_module(arena):
    client = arena.client_for("anonymous")
    page = client.get("/prix-et-concours/").content.decode()
    assert arena.extra["open_prize"].title in page
    assert arena.extra["draft"].title not in page
    page = client.get("/prix-et-concours/", {"module": "resources"}).content.decode()
    assert arena.extra["published"].title in page
    assert arena.extra["open_prize"].title not in page


def test_published_results_on_the_contest_and_the_resource_pages(arena):
    client = arena.client_for("citizen")
    page = client.get(arena.extra["published"].get_absolute_url()).content.decode()
    assert "Résultats" in page and arena.extra["winner"].title in page
    page = client.get(arena.extra["resource"].get_absolute_url()).content.decode()
    assert "Lauréat du Grand prix" in page
    # The deliberating prize shows no results yet.
    page = client.get(arena.extra["judging"].get_absolute_url()).content.decode()
    assert "results-title" not in page


def test_the_jury_page_ranks_and_marks_conflicts(arena):
    page = arena.client_for("juror").get(reverse("contests:jury", args=["prix-en-deliberation"])).content.decode()
    assert "Classement provisoire" in page
    assert page.count("Noter") == 2


def test_the_scoring_page_keeps_what_was_typed_and_summarises_errors(arena):
    entry = arena.extra["entry"]
    criteria = list(entry.contest.criteria.all())
    response = arena.client_for("juror").post(
        reverse("contests:evaluate", args=[entry.pk]),
        {f"criterion_{criteria[0].pk}": "11", f"criterion_{criteria[1].pk}": "7", "comment": "Solide"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in page and "La note va jusqu&#x27;à 10." in page
    assert 'value="7"' in page and "Solide" in page
    assert f'<label for="id_criterion_{criteria[0].pk}">' in page


def test_a_juror_scores_through_the_page(arena):
    entry = arena.extra["entry"]
    criteria = list(entry.contest.criteria.all())
    response = arena.client_for("juror").post(
        reverse("contests:evaluate", args=[entry.pk]),
        {f"criterion_{criteria[0].pk}": "8", f"criterion_{criteria[1].pk}": "5", "comment": ""},
    )
    assert response.status_code == 302
    assert entry.evaluations.get().total == 7  # (8×2 + 5×1) / 3


def test_a_candidate_enters_a_resource_contest_through_the_page(arena):
    resource = arena.extra["resource"]
    arena.add_user("author", resource.author)
    client = arena.client_for("author")
    url = reverse("contests:enter", args=["concours-ouvert"])
    page = client.get(url).content.decode()
    assert escape(resource.title) in page
    response = client.post(url, {"subject": resource.pk, "title": "Ma candidature", "pitch": "Pourquoi elle"})
    assert response.status_code == 302
    page = client.get(reverse("contests:my_entries")).content.decode()
    assert "Ma candidature" in page

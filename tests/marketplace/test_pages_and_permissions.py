"""Every marketplace page and API endpoint against every role, and what each role sees (equal treatment)."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from marketplace.models import Need, Question, Solution

from ..auth import login
from ..matrix import ROLES, Case, check

pytestmark = pytest.mark.django_db

MARKET_ROLES = (*ROLES, "member", "other_member", "other_commune_agent")
SIGNED_IN = tuple(r for r in MARKET_ROLES if r != "anonymous")
OWNERS = ("commune_agent", "org_admin")  # agents of Montreuil, the lead collectivity
BUYERS = (*OWNERS, "ept_agent", "other_commune_agent", "staff")  # staff act for the Métropole
MEMBER_AGENTS = ("digital_actor", "member", "other_member")  # the world's digital actor has not signed


def expect(ok: tuple, status=200, others=403, anonymous=302, **special) -> dict:
    result = dict.fromkeys(MARKET_ROLES, others)
    result.update(anonymous=anonymous, **dict.fromkeys(ok, status))
    result.update(special)
    return result


def url(name, key=None, attr="pk", query=""):
    def url_of(w):
        return reverse(f"marketplace:{name}", args=[getattr(w.extra[key], attr)] if key else []) + query

    url_of.covers = f"marketplace:{name}"
    return url_of


def nested(name, key, child):
    def url_of(w):
        parent = w.extra[key]
        owner = parent.solution if key == "document" else parent.response
        return reverse(f"marketplace:{name}", args=[owner.pk, parent.pk])

    url_of.covers = f"marketplace:{name}"
    return url_of


def experiment_unlink(w):
    """A link between a funded FMIN project of Montreuil and the published solution, made for the case (each case
    runs in a savepoint rolled back)."""
    from marketplace import services

    from ..factories import ApplicationFactory

    project = ApplicationFactory(funded=True)
    link = services.experiment_link(user=w.users["commune_agent"], application=project, solution=w.extra["solution"])
    return reverse("marketplace:experiment_unlink", args=[link.pk])


experiment_unlink.covers = "marketplace:experiment_unlink"

PUBLIC = dict.fromkeys(MARKET_ROLES, 200)
CASES = [
    Case("home", "/adopte-une-innovation/", PUBLIC),
    Case("charter", "/adopte-une-innovation/charte/", PUBLIC),
    Case("needs", "/adopte-une-innovation/besoins/", PUBLIC),
    Case("solutions", "/adopte-une-innovation/solutions/", PUBLIC),
    Case("directory", "/adopte-une-innovation/annuaire/", PUBLIC),
    Case("need-published", url("need_detail", "published"), PUBLIC),
    Case("need-adopted", url("need_detail", "adopted"), PUBLIC),
    Case("need-draft", url("need_detail", "draft"), expect(OWNERS, anonymous=403)),
    Case("member", url("member_detail", "member", "slug"), PUBLIC),
    Case("solution", url("solution_detail", "solution"), PUBLIC),
    Case(
        "solution-draft",
        url("solution_detail", "draft_solution"),
        expect(("member", "staff"), others=404, anonymous=404),
    ),
    Case("solution-document", nested("solution_document", "document", "solution"), PUBLIC),
    Case("need-create", "/adopte-une-innovation/besoins/nouveau/", expect(BUYERS)),
    Case("need-edit", url("need_edit", "draft"), expect(OWNERS)),
    Case("need-publish", url("need_publish", "draft"), expect(OWNERS, status=302), method="post"),
    Case("need-close", url("need_close", "published"), expect(OWNERS)),
    Case("need-decide", url("need_decide", "published"), expect(OWNERS)),
    Case("need-join-without-data", url("need_join", "published"), expect(BUYERS, status=302), method="post"),
    Case("need-responses", url("need_responses", "published"), expect(OWNERS)),
    Case(
        "respond",
        url("response_edit", "published"),
        expect(("member", "other_member"), digital_actor=302),  # not signed: sent to the charter
    ),
    Case(
        "ask-without-text",
        url("question_ask", "published"),
        expect(("member", "other_member"), status=302),
        method="post",
    ),
    Case("interest", url("interest", "published"), expect(("member", "other_member"), status=302), method="post"),
    Case("response", url("response_detail", "response"), expect(("member", *OWNERS, "staff"))),
    Case("response-shortlist", url("response_shortlist", "response"), expect(OWNERS, status=302), method="post"),
    Case(
        "response-document-add-without-file",
        url("response_document_add", "response"),
        expect(("member",), status=302),
        method="post",
    ),
    Case(
        "response-document",
        nested("response_document", "response_document", "response"),
        expect(("member", *OWNERS, "staff")),
    ),
    Case("answer-without-text", url("question_answer", "unanswered"), expect(OWNERS, status=302), method="post"),
    Case("follow-up", url("follow_up", "adoption"), expect(OWNERS)),
    Case(
        "adoption-case-study",
        url("adoption_case_study", "adoption"),
        expect(OWNERS, status=302, anonymous=302),
        method="post",
    ),
    Case("solution-create", "/adopte-une-innovation/solutions/nouvelle/", expect(MEMBER_AGENTS)),
    Case("solution-edit", url("solution_edit", "solution"), expect(("member",))),
    Case(
        "solution-archive",
        url("solution_status", "draft_solution"),
        expect(("member",), status=302),
        method="post",
        data={"status": "archived"},
    ),
    Case(
        "solution-document-add-without-file",
        url("solution_document_add", "solution"),
        expect(("member",), status=400),
        method="post",
    ),
    Case("member-space", "/adopte-une-innovation/espace-membre/", expect(MEMBER_AGENTS)),
    Case("profile", "/adopte-une-innovation/espace-membre/profil/", expect(MEMBER_AGENTS)),
    Case("charter-sign", "/adopte-une-innovation/charte/signer/", expect(MEMBER_AGENTS, status=302), method="post"),
    Case("buyer-space", "/adopte-une-innovation/espace-collectivite/", expect(BUYERS)),
    Case("experiments", "/adopte-une-innovation/espace-collectivite/projets-fmin/", expect(BUYERS)),
    Case("experiment-unlink-confirm", experiment_unlink, expect(OWNERS)),
    Case("experiment-unlink", experiment_unlink, expect(OWNERS, status=302), method="post"),
    Case("staff", "/adopte-une-innovation/equipe/", expect(("staff",))),
    Case("events", "/adopte-une-innovation/evenements/", PUBLIC),
    Case("event", url("event_detail", "event"), PUBLIC),
    Case("event-ical", url("event_ical", "event"), PUBLIC),
    Case("event-create", "/adopte-une-innovation/evenements/nouveau/", expect(("staff",))),
    Case("event-attendance", url("event_attendance", "event"), expect(("staff",))),
    Case(
        "event-register",
        url("event_register", "event"),
        expect((), anonymous=302),  # without a member the person acts for: refused
        method="post",
        data={"organisation": ""},
    ),
    Case("event-cancel-confirm", url("event_cancel", "event"), expect(SIGNED_IN)),
    Case("review-list", "/adopte-une-innovation/equipe/relecture/", expect(("staff",))),
    Case("need-review", url("need_review", "in_review"), expect(("staff",))),
    Case("need-review-publish", url("need_review_publish", "in_review"), expect(("staff",), status=302), method="post"),
    Case("need-in-review", url("need_detail", "in_review"), expect((*OWNERS, "staff"), anonymous=403)),
    Case("api-needs", "/api/marketplace/needs/", PUBLIC),
    Case(
        "api-need",
        lambda w: f"/api/marketplace/needs/{w.extra['published'].pk}/",
        PUBLIC,
        covers="marketplace-need-detail",
    ),
    Case(
        "api-need-draft",
        lambda w: f"/api/marketplace/needs/{w.extra['draft'].pk}/",
        dict.fromkeys(MARKET_ROLES, 404),
        covers="marketplace-need-detail",
    ),
    Case("api-solutions", "/api/marketplace/solutions/", PUBLIC),
    Case(
        "api-solution",
        lambda w: f"/api/marketplace/solutions/{w.extra['solution'].pk}/",
        PUBLIC,
        covers="marketplace-solution-detail",
    ),
]


class _Undo(Exception):
    pass


@pytest.mark.parametrize("role", MARKET_ROLES)
def test_role_url_matrix(market, role):
    """Every case for one role on one world (building it is the slow part): each request runs in a savepoint
    rolled back afterwards, so that a POST (a publication, a signature) changes nothing for the next case; the
    failure lists every case the role got wrong."""
    failures = []
    for case in CASES:
        try:
            with transaction.atomic():
                check(market, case, role)
                raise _Undo
        except _Undo:
            pass
        except AssertionError as exc:
            failures.append(f"{case.name}: {exc}")
    assert not failures, "\n".join(failures)


def _page(world, role, name, key):
    client = world.client_for(role)
    return client.get(reverse(f"marketplace:{name}", args=[world.extra[key].pk])).content.decode()


def test_a_respondent_never_sees_another_respondents_proposal(market):
    other_page = _page(market, "other_member", "need_detail", "published")
    assert "Offre B" not in other_page or "Notre offre A" not in other_page
    assert "Notre offre A" not in other_page
    assert (
        market.client_for("other_member")
        .get(reverse("marketplace:response_detail", args=[market.extra["response"].pk]))
        .status_code
        == 403
    )
    buyer_page = _page(market, "commune_agent", "need_responses", "published")
    assert "Membre signataire" in buyer_page and "Autre membre" in buyer_page
    api = Client().get(f"/api/marketplace/needs/{market.extra['published'].pk}/").json()
    assert "Notre offre A" not in str(api)


def test_everybody_sees_every_answered_question_without_who_asked(market):
    for role in ("anonymous", "member", "other_member", "citizen", "ept_agent"):
        page = _page(market, role, "need_detail", "published")
        assert "Combien de guichets ?" in page and "Trois guichets." in page, role
        assert "Autre membre" not in page.split('id="questions"')[1], role
    assert "Quel logiciel actuel ?" in _page(market, "member", "need_detail", "published")  # its own question
    assert "Quel logiciel actuel ?" not in _page(market, "other_member", "need_detail", "published")
    assert "Quel logiciel actuel ?" in _page(market, "commune_agent", "need_responses", "published")


def test_the_buyer_reads_the_funnel_and_the_ranking_with_reasons(market):
    page = _page(market, "commune_agent", "need_responses", "published")
    assert "Parcours des membres" in page and "A répondu" in page
    assert "thème commun : gestion de la relation citoyenne" in page
    need = market.extra["published"]
    assert need.responses.filter(read_at__isnull=False).count() == 2  # the buyer opened them


def test_a_need_is_drafted_published_and_answered_through_the_pages(market, django_capture_on_commit_callbacks):
    agent = login(Client(), market.users["commune_agent"])
    response = agent.post(
        "/adopte-une-innovation/besoins/nouveau/",
        {
            "buyer": market.commune_org.pk,
            "title": "Capteurs de bruit",
            "problem": "Mesurer le bruit près des écoles.",
            "expected_outcome": "Des mesures publiques.",
            "territory": market.commune.pk,
            "deadline": "2000-01-01",
            "contact_name": "Service",
            "contact_email": "s@exemple.fr",
            "procedure": "innovative",
            "quantity": "4",
        },
    )
    assert response.status_code == 200
    assert "La date limite des réponses doit être" in response.content.decode()
    assert 'value="Capteurs de bruit"' in response.content.decode()  # what was typed is kept
    data = {**response.context["form"].data.dict(), "deadline": "2099-01-01"}
    response = agent.post("/adopte-une-innovation/besoins/nouveau/", data)
    need = Need.objects.get(title="Capteurs de bruit")
    assert response.status_code == 302 and need.state == "draft" and need.participants.get().quantity == 4
    with django_capture_on_commit_callbacks(execute=True):
        agent.post(f"/adopte-une-innovation/besoins/{need.pk}/publier/")
    need.refresh_from_db()
    assert need.state == "published"
    member = login(Client(), market.users["other_member"])
    member.post(f"/adopte-une-innovation/besoins/{need.pk}/questions/", {"text": "Combien d'écoles ?"})
    question = Question.objects.get(need=need)
    agent.post(f"/adopte-une-innovation/questions/{question.pk}/repondre/", {"answer": "Quatre."})
    response = member.post(
        f"/adopte-une-innovation/besoins/{need.pk}/repondre/", {"proposal": "Nos capteurs", "price": "12 500,50"}
    )
    assert response.status_code == 302
    assert need.responses.get().price_cents == 1_250_050
    assert "Quatre." in Client().get(f"/adopte-une-innovation/besoins/{need.pk}/").content.decode()


def test_a_member_signs_publishes_and_is_listed(market):
    actor = login(Client(), market.users["digital_actor"])
    response = actor.post(
        "/adopte-une-innovation/solutions/nouvelle/",
        {
            "title": "Ma solution",
            "problem": "p",
            "audience": "a",
            "description": "d",
            "price_model": "free",
            "hosting": "eu",
            "accessibility": "not_assessed",
        },
    )
    solution = Solution.objects.get(title="Ma solution")
    actor.post(f"/adopte-une-innovation/solutions/{solution.pk}/etat/", {"status": "published"})
    solution.refresh_from_db()
    assert solution.status == "draft"  # the charter in force is not signed yet
    assert response.status_code == 302
    actor.post("/adopte-une-innovation/charte/signer/")
    actor.post(f"/adopte-une-innovation/solutions/{solution.pk}/etat/", {"status": "published"})
    solution.refresh_from_db()
    assert solution.status == "published"
    page = actor.post(
        "/adopte-une-innovation/espace-membre/profil/",
        {"category": "sme", "siren": "123456789", "activity": "Logiciels", "is_listed": "on"},
    )
    assert "clé de contrôle" in page.content.decode()
    actor.post(
        "/adopte-une-innovation/espace-membre/profil/",
        {"category": "sme", "siren": "732829320", "activity": "Logiciels libres", "is_listed": "on"},
    )
    directory = Client().get("/adopte-une-innovation/annuaire/", {"q": "logiciel"}).content.decode()
    assert "Startup d&#x27;essai" in directory or "Startup d'essai" in directory

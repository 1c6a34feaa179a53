"""Every page of the resource centre against every role (a draft or a refused contribution is never visible to
others: 404), and what each page shows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resources import services
from resources.models import AnnualReview, CallForContributions, Resource

from ..factories import ResourceFactory, UserFactory
from ..matrix import ROLES, Case, check

pytestmark = pytest.mark.django_db

RES_ROLES = (*ROLES, "moderator")
MODERATORS = ("staff", "moderator")
AUTHOR = "commune_agent"
CONTRIBUTORS = ("commune_agent", "ept_agent", "org_admin", "digital_actor", "staff")
COLLECTIVITY_AGENTS = ("commune_agent", "ept_agent", "org_admin")
SIGNED_IN = tuple(r for r in RES_ROLES if r != "anonymous")


def expect(ok: tuple, status=200, others=403, anonymous=302) -> dict:
    return {"anonymous": anonymous, **dict.fromkeys(ok, status)} | {
        r: others for r in RES_ROLES if r not in ok and r != "anonymous"
    }


@pytest.fixture
def res_world(world):
    """The world's commune agent wrote a draft, a submitted, a refused and a published resource (with an
    attachment published and one waiting); the citizen suggested an edit and saved a search."""
    world.add_user("moderator", UserFactory(roles=["resources.moderator"]))
    author = world.users[AUTHOR]
    make = lambda **traits: ResourceFactory(author=author, organisation=world.commune_org, **traits)  # noqa: E731
    published = make(published=True)
    draft = make()
    services.attachment_add(resource=draft, user=author, file=SimpleUploadedFile("brouillon.txt", b"texte"))
    public = services.attachment_add(resource=published, user=author, file=SimpleUploadedFile("a.txt", b"texte"))
    public.published = True
    public.save()
    Resource.objects.filter(pk=published.pk).update(state="published")
    world.extra.update(
        published=published,
        draft=draft,
        draft_attachment=draft.attachments.get(),
        public_attachment=public,
        submitted=make(submitted=True),
        refused=make(refused=True),
        suggestion=services.suggestion_create(
            resource=published, user=world.users["citizen"], field="summary", text="Mieux dit."
        ),
        search=services.saved_search_create(user=world.users["citizen"], name="Données", query="q=données"),
        call=CallForContributions.objects.create(
            title="Vos retours sur la GRC", theme="citizen_relations", description="d", deadline="2099-01-01"
        ),
        review=AnnualReview.objects.create(year=2020, introduction="Intro", requested_by=world.users["staff"]),
    )
    return world


def url(name, key=None, attr="slug", *more):
    def url_of(w):
        args = [getattr(w.extra[key], attr)] if key else []
        return reverse(f"resources:{name}", args=args + [m(w) for m in more])

    url_of.covers = f"resources:{name}"
    return url_of


PUBLIC = dict.fromkeys(RES_ROLES, 200)
HIDDEN = {AUTHOR: 302} | {r: 404 for r in RES_ROLES if r != AUTHOR}  # the author is sent to the review page
CASES = [
    Case("home", "/ressources/", PUBLIC),
    Case("home-search", "/ressources/?q=guichet&kind=feedback&theme=citizen_relations&territoire=T8", PUBLIC),
    Case("calls", "/ressources/appels/", PUBLIC),
    Case("detail", url("detail", "published"), PUBLIC),
    Case("version", url("version", "published", "slug", lambda w: 1), PUBLIC),
    Case("version-of-a-draft", url("version", "draft", "slug", lambda w: 1), {AUTHOR: 404}, default=404),
    Case("attachment", url("attachment", "published", "slug", lambda w: w.extra["public_attachment"].pk), PUBLIC),
    Case(
        "attachment-of-a-draft",
        url("attachment", "draft", "slug", lambda w: w.extra["draft_attachment"].pk),
        {AUTHOR: 200},
        default=404,
    ),
    Case(
        "attachment-waiting-on-a-published-resource",
        url("attachment", "published", "slug", lambda w: w.extra["draft_attachment"].pk),
        dict.fromkeys(RES_ROLES, 404),
    ),
    Case("draft", url("detail", "draft"), HIDDEN),
    Case("refused", url("detail", "refused"), {AUTHOR: 302, "staff": 302, "moderator": 302}, default=404),
    Case("submitted", url("detail", "submitted"), {AUTHOR: 302, "staff": 302, "moderator": 302}, default=404),
    Case("review-draft", url("review", "draft"), expect((AUTHOR,), others=404)),
    Case("review-submitted", url("review", "submitted"), expect((AUTHOR, *MODERATORS), others=404)),
    Case("review-published", url("review", "published"), expect((AUTHOR, *MODERATORS), others=404)),
    Case("edit-draft", url("edit", "draft"), expect((AUTHOR,), others=404)),
    Case(
        "edit-submitted",
        url("edit", "submitted"),
        expect((), others=404) | {AUTHOR: 403, **dict.fromkeys(MODERATORS, 403)},
    ),
    # The author (checked before staff) submits it: moderators then see it, and may not submit it (403).
    Case(
        "submit-draft",
        url("submit", "draft"),
        expect((AUTHOR,), status=302, others=404) | dict.fromkeys(MODERATORS, 403),
        method="post",
    ),
    Case("attach-to-draft", url("attachment_add", "draft"), expect((AUTHOR,), status=302, others=404), method="post"),
    Case("contribute", "/ressources/contribuer/", expect(CONTRIBUTORS)),
    Case("mine", "/ressources/mes-ressources/", expect(SIGNED_IN)),
    Case("saved-searches", "/ressources/recherches/", expect(SIGNED_IN)),
    Case(
        "saved-search-delete",
        url("saved_search_delete", "search", "pk"),
        expect(("citizen",), status=302, others=404),
        method="post",
    ),
    Case("suggest", url("suggest", "published"), expect(tuple(r for r in SIGNED_IN if r != AUTHOR))),
    Case("suggest-on-a-draft", url("suggest", "draft"), expect((), others=404) | {AUTHOR: 403}),
    Case("suggestions", url("suggestions", "published"), expect((AUTHOR, *MODERATORS))),
    Case(
        "suggestion-decide",
        url("suggestion_decide", "suggestion", "pk"),
        expect((AUTHOR, *MODERATORS), status=302),
        method="post",
        data={"decision": "decline"},
    ),
    Case("use-mark", url("use_mark", "published"), expect(COLLECTIVITY_AGENTS, status=302), method="post"),
    Case("use-mark-on-a-draft", url("use_mark", "draft"), expect((AUTHOR,), others=404, status=403), method="post"),
    Case("moderation", "/ressources/moderation/", expect(MODERATORS)),
    Case("take", url("take", "submitted"), expect(MODERATORS, status=302), method="post"),
    Case("take-a-draft", url("take", "draft"), expect((), others=403) | dict.fromkeys(MODERATORS, 404), method="post"),
    Case("publish", url("publish", "submitted"), expect(MODERATORS, status=302), method="post"),
    Case("publish-own", url("publish", "submitted"), expect(MODERATORS, status=302), method="post"),
    Case("refuse", url("refuse", "submitted"), expect(MODERATORS)),
    Case("statistics", "/ressources/statistiques/", expect(("staff",))),
    Case("reviews", "/ressources/bilans/", expect(("staff",))),
    Case("review-detail", url("review_detail", "review", "pk"), expect(("staff",))),
    Case("review-status", url("review_status", "review", "pk"), expect(("staff",))),
    Case("review-pdf-pending", url("review_pdf", "review", "pk"), expect(("staff",), status=404)),
    Case("review-retry-pending", url("review_retry", "review", "pk"), expect(("staff",), status=302), method="post"),
    Case("api-list", "/api/resources/", PUBLIC),
    Case("api-detail", lambda w: f"/api/resources/{w.extra['published'].slug}/", PUBLIC, covers="resource-detail"),
    Case(
        "api-draft",
        lambda w: f"/api/resources/{w.extra['draft'].slug}/",
        dict.fromkeys(RES_ROLES, 404),
        covers="resource-detail",
    ),  # fmt: skip
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_resources_permission_matrix(res_world, case):
    misses = []
    for role in RES_ROLES:
        try:
            check(res_world, case, role)
        except AssertionError as exc:
            misses.append(str(exc).splitlines()[0])
    assert not misses, "\n".join(misses)


def test_the_contribute_form_keeps_what_was_typed_and_says_what_is_missing(res_world):
    client = res_world.client_for(AUTHOR)
    response = client.post("/ressources/contribuer/", {"kind": "guide", "title": "", "summary": "Mon résumé"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Donnez un titre à la ressource." in page and "Mon résumé" in page and 'class="error-summary"' in page
    response = client.post(
        "/ressources/contribuer/",
        {"kind": "guide", "title": "Guide de la GRC", "summary": "Résumé", "body": "<p>x</p><script>y</script>",
         "themes": ["citizen_relations"], "licence": "cc-by-sa-4.0", "organisation": res_world.commune_org.pk},
    )  # fmt: skip
    resource = Resource.objects.get(title="Guide de la GRC")
    assert response.status_code == 302 and response["Location"] == f"/ressources/fiches/{resource.slug}/relecture/"
    assert resource.body == "<p>x</p>" and resource.licence == "cc-by-sa-4.0" and resource.state == "draft"


def test_the_resource_page_shows_history_uses_and_the_demo_mark(res_world):
    published = res_world.extra["published"]
    Resource.objects.filter(pk=published.pk).update(is_demo=True)
    services.use_mark(
        resource=published, user=res_world.users["ept_agent"], organisation=res_world.ept_org, note="Repris à T8."
    )
    page = res_world.client_for("citizen").get(published.get_absolute_url()).content.decode()
    assert "exemple de démonstration" in page and "Utilisée par 1 collectivité" in page and "Repris à T8." in page
    assert "Historique des versions" in page and "Licence Ouverte 2.0" in page
    assert "Suggérer une modification" in page


def test_a_collectivity_marks_a_resource_as_applied_from_its_page(res_world):
    published = res_world.extra["published"]
    client = res_world.client_for("ept_agent")
    client.post(
        reverse("resources:use_mark", args=[published.slug]), {"organisation": res_world.ept_org.pk, "note": "Oui"}
    )
    assert published.uses.get().organisation == res_world.ept_org

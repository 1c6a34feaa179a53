"""Rich text sanitised on save and on render, attachments checked and their text searched, the French search
with its weights, facets, sorts, similar resources, searches with no result and saved searches' alerts."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from resources import selectors, services
from resources.attachments import AttachmentValidator, extract_text
from resources.models import Resource, SearchMiss
from sman.documents import render_pdf
from sman.models import Notification

from ..factories import ResourceFactory, UserFactory, collectivity_of, territory

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<h2>Titre</h2><p onclick="steal()">Texte <a href="javascript:alert(1)">lien</a> '
    '<a href="https://exemple.fr/">bon lien</a></p><script>alert("x")</script>'
    '<img src="x" onerror="alert(2)" alt="Schéma">'
)


def _assert_safe(html: str):
    lowered = html.lower()
    assert "<script" not in lowered and "onerror" not in lowered and "onclick" not in lowered
    assert "javascript:" not in lowered


def test_rich_text_is_cleaned_on_save_and_when_rendered(centre):
    resource = centre.published(body=HOSTILE)
    _assert_safe(resource.body)
    _assert_safe(resource.current_version.body)
    assert '<a href="https://exemple.fr/" rel="noopener noreferrer nofollow">bon lien</a>' in resource.body
    # A body stored before the rules (written directly) is cleaned again by the filter.
    Resource.objects.filter(pk=resource.pk).update(body=HOSTILE)
    resource.current_version.__class__.objects.filter(pk=resource.current_version_id).update(body=HOSTILE)
    page = Client().get(resource.get_absolute_url()).content.decode()
    body = page.split('<div class="prose">', 1)[1].split("</div>", 1)[0]
    _assert_safe(body)
    assert "<h2>Titre</h2>" in body
    suggestion = services.suggestion_create(resource=resource, user=centre.citizen, field="body", text=HOSTILE)
    _assert_safe(suggestion.text)


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ODT = {"mimetype": "application/vnd.oasis.opendocument.text",
       "content.xml": "<office:text><text:p>Budget participatif &amp; numérique</text:p></office:text>"}  # fmt: skip
DOCX = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:body><w:t>Capteurs de stationnement</w:t></w:body>"}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ...", "Déposez un fichier"),
        ("faux.pdf", b"<html>pas un PDF</html>", "ne correspond pas"),
        ("faux.docx", b"PK\x03\x04 truncated", "ne correspond pas"),
        ("faux.odt", _zip({"content.xml": "<x/>"}), "ne correspond pas"),
        ("binaire.txt", b"abc\x00def", "ne correspond pas"),
        ("latin1.csv", "café".encode("latin-1"), "UTF-8"),
    ],
)
def test_attachments_are_checked(name, content, message):
    with pytest.raises(ValidationError, match=message):
        AttachmentValidator()(SimpleUploadedFile(name, content))


def test_an_attachment_too_large_is_refused():
    with pytest.raises(ValidationError, match="trop volumineux"):
        AttachmentValidator(max_mb=1)(SimpleUploadedFile("gros.txt", b"a" * (1024 * 1024 + 1)))


def test_the_text_of_pdf_odt_docx_and_text_files_is_extracted():
    pdf = render_pdf("resources/documents/annual_review.html", {"year": 2020, "introduction": "Médiation numérique"})
    assert "Médiation numérique" in extract_text("bilan.pdf", pdf)
    assert extract_text("note.odt", _zip(ODT)) == "Budget participatif & numérique"
    assert extract_text("note.docx", _zip(DOCX)) == "Capteurs de stationnement"
    assert extract_text("note.md", b"# Open data\n\ncommunal") == "# Open data communal"
    assert extract_text("abîmé.pdf", b"%PDF-1.4 garbage") == ""  # kept, not searchable


def test_an_attachment_is_public_and_searched_with_the_version_it_came_with(centre):
    resource = centre.published(title="Un guichet")
    payload = _zip(DOCX)  # once: a zip records the time it is written
    upload = SimpleUploadedFile("annexe.docx", payload)
    attachment = services.attachment_add(resource=resource, user=centre.author, file=upload)
    assert not attachment.published
    assert not selectors.search(selectors.SearchParams(q="stationnement")).exists()
    anonymous = Client().get(f"/ressources/fiches/{resource.slug}/pieces/{attachment.pk}/")
    assert anonymous.status_code == 404
    services.resource_submit(resource=resource, user=centre.author)
    services.resource_publish(resource=resource, user=centre.moderator)
    assert list(selectors.search(selectors.SearchParams(q="stationnement"))) == [resource]
    response = Client().get(f"/ressources/fiches/{resource.slug}/pieces/{attachment.pk}/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == payload


def test_french_search_ignores_accents_and_weighs_title_over_body(reference):
    in_body = ResourceFactory(published=True, title="Guide des achats", body="<p>La médiation numérique.</p>")
    in_title = ResourceFactory(published=True, title="Médiation numérique en bibliothèque", body="<p>Rien.</p>")
    ResourceFactory(title="Médiation numérique, brouillon")  # a draft: never found
    ResourceFactory(refused=True, title="Médiation numérique refusée")
    found = list(selectors.search(selectors.SearchParams(q="mediations numeriques")))
    assert found == [in_title, in_body]
    by_date = list(selectors.search(selectors.SearchParams(q="médiation", tri="date")))
    assert by_date == [in_title, in_body]  # the most recent first


def test_facets_count_what_matches_and_filters_narrow(reference):
    montreuil, pantin = collectivity_of("93048"), collectivity_of("93055")
    ResourceFactory(published=True, kind="guide", themes=["open_data"], organisation=montreuil)
    ResourceFactory(published=True, kind="guide", themes=["open_data", "green_it"], organisation=pantin,
                    territories=[territory("93055")])  # fmt: skip
    ResourceFactory(published=True, kind="watch", themes=["green_it"], organisation=pantin, territories=[])
    ResourceFactory(kind="watch")  # draft
    facets = selectors.facets(selectors.SearchParams())
    counts = {name: {f.value: f.count for f in values} for name, values in facets.items()}
    assert counts["kind"] == {"guide": 2, "watch": 1}
    assert counts["theme"] == {"open_data": 2, "green_it": 2}
    assert counts["territoire"] == {"93048": 1, "93055": 1}
    assert counts["organisation"] == {str(pantin.pk): 2, str(montreuil.pk): 1}
    assert counts["defi"] == {"4": 3}
    assert counts["annee"] == {str(timezone.localdate().year): 3}
    narrowed = selectors.SearchParams(theme="green_it", territoire="T8")
    assert selectors.search(narrowed).count() == 1  # Pantin is in T8 Est Ensemble
    narrowed_facets = selectors.facets(narrowed)
    assert {f.value: f.count for f in narrowed_facets["kind"]} == {"guide": 1}
    assert [f.selected for f in narrowed_facets["theme"] if f.value == "green_it"] == [True]


def test_query_parameters_that_cannot_be_values_are_dropped():
    params = selectors.SearchParams.from_query("kind=nope&defi=1;drop&territoire=../x&annee=2020&tri=autre&q=a")
    assert params == selectors.SearchParams(q="a", annee="2020")


def test_similar_resources_share_words_or_themes(reference):
    resource = ResourceFactory(published=True, title="Stationnement intelligent à Alfortville")
    close = ResourceFactory(published=True, title="Capteurs de stationnement à Saint-Ouen", themes=["mobility"])
    same_theme = ResourceFactory(published=True, title="Une autre chose")
    ResourceFactory(title="Stationnement en brouillon")
    similar = selectors.similar(resource)
    assert similar[0] == close and same_theme in similar and resource not in similar


def test_searches_with_no_result_are_counted_without_personal_data(reference):
    client = Client()
    client.get("/ressources/", {"q": "  Blockchain   Foncière "})
    client.get("/ressources/", {"q": "blockchain foncière"})
    miss = SearchMiss.objects.get()
    assert (miss.query, miss.count) == ("blockchain foncière", 2)
    assert not client.cookies.get("sessionid")


def test_saved_searches_send_new_matches_to_the_digest_once(reference):
    user = UserFactory()
    search = services.saved_search_create(user=user, name="Open data", query="q=données+ouvertes&kind=guide")
    search.checked_until = timezone.now() - timedelta(days=1)
    search.save()
    ResourceFactory(published=True, kind="guide", title="Publier des données ouvertes")
    ResourceFactory(published=True, kind="watch", title="Veille sur les données ouvertes")  # another kind
    assert services.saved_search_alerts() == 1
    notification = Notification.objects.get(user=user)
    assert notification.subject == "1 nouvelle ressource pour « Open data »"
    assert "Publier des données ouvertes" in notification.body
    assert services.saved_search_alerts() == 0  # nothing new since


# --- The search page's one statement: facets and first page from the matches read once ---------------------------
def _page_ids(params, *, computed: bool) -> list[int]:
    """The first page's ids as ``run_search`` gives them: from the facets' statement (facets not cached) or from
    the page's own query (facets cached)."""
    from django.core.cache import cache

    if computed:
        cache.clear()
    found = selectors.run_search(params, page_size=20)
    assert (found.results.first_page is not None) == computed
    return [r.pk for r in found.results[:20]]


def test_facet_counts_with_filters_combined_and_the_first_page_read_with_them(reference):
    montreuil, pantin = collectivity_of("93048"), collectivity_of("93055")
    guide = ResourceFactory(published=True, kind="guide", themes=["open_data"], organisation=montreuil,
                            title="Ouvrir les données du stationnement")  # fmt: skip
    ResourceFactory(published=True, kind="guide", themes=["open_data", "green_it"], organisation=pantin,
                    territories=[territory("93055")], title="Données ouvertes et sobriété")  # fmt: skip
    ResourceFactory(published=True, kind="watch", themes=["open_data"], organisation=montreuil,
                    title="Veille sur les données ouvertes")  # fmt: skip
    ResourceFactory(kind="guide", themes=["open_data"], title="Données ouvertes, brouillon")
    ResourceFactory(refused=True, kind="guide", themes=["open_data"], title="Données ouvertes refusées")
    params = selectors.SearchParams(q="données", kind="guide", theme="open_data", territoire="93048")
    found = selectors.run_search(params)
    counts = {name: {f.value: f.count for f in values} for name, values in found.facets.items()}
    assert found.count == 1 and counts["kind"] == {"guide": 1}
    assert counts["theme"] == {"open_data": 1} and counts["organisation"] == {str(montreuil.pk): 1}
    assert counts["territoire"] == {"93048": 1} and counts["defi"] == {"4": 1}
    assert found.results.first_page == [guide.pk] and list(found.results[:20]) == [guide]
    everything = selectors.run_search(selectors.SearchParams(q="données", theme="open_data"))
    assert everything.count == 3 and {f.value: f.count for f in everything.facets["kind"]} == {"guide": 2, "watch": 1}


def test_a_word_in_the_title_ranks_before_the_same_word_only_in_the_body_whichever_query_reads_the_page(reference):
    older_in_title = ResourceFactory(published=True, title="Capteurs de stationnement", body="<p>Rien.</p>")
    in_summary = ResourceFactory(published=True, title="Une rue", summary="Des capteurs de stationnement.")
    in_body = ResourceFactory(published=True, title="Guide", body="<p>Le stationnement " + "et le stationnement " * 5)
    ResourceFactory(title="Stationnement en brouillon")
    expected = [older_in_title.pk, in_summary.pk, in_body.pk]
    params = selectors.SearchParams(q="stationnement")
    assert _page_ids(params, computed=True) == expected
    assert _page_ids(params, computed=False) == expected
    assert [r.pk for r in selectors.search(params)] == expected
    by_date = selectors.SearchParams(q="stationnement", tri="date")  # the most recent first
    assert _page_ids(by_date, computed=True) == _page_ids(by_date, computed=False) == expected[::-1]


def test_the_first_page_of_many_results_is_the_same_from_both_queries(reference):
    for n in range(25):
        ResourceFactory(published=True, title=f"Médiation numérique {n}", body="<p>médiation</p>" * (n % 4))
    for params in (selectors.SearchParams(q="médiation"), selectors.SearchParams(), selectors.SearchParams(tri="date")):
        computed = _page_ids(params, computed=True)
        assert len(computed) == 20 and computed == _page_ids(params, computed=False)
    response = Client().get("/ressources/", {"q": "médiation", "page": "2"})
    assert response.status_code == 200 and len(response.context["page_obj"].object_list) == 5


def test_a_search_that_finds_nothing_has_no_facet_and_no_page(reference):
    ResourceFactory(published=True, title="Capteurs de stationnement")
    for params in (selectors.SearchParams(q="inexistantmot"), selectors.SearchParams(q="capteurs", annee="1999")):
        found = selectors.run_search(params)
        assert found.count == 0 and not any(found.facets.values())
        assert found.results.first_page == [] and list(found.results[:20]) == []
    response = Client().get("/ressources/", {"q": "inexistantmot"})
    assert response.status_code == 200 and "page_obj" in response.context


def test_filters_alone_page_by_date_from_the_matches_on_every_page(reference):
    """With filters and no text, a page is read from the matching rows (not by walking the date index): the same
    order on both queries, page 2 included, and only what the filters keep."""
    guides = [ResourceFactory(published=True, kind="guide", title=f"Guide {n}") for n in range(23)]
    ResourceFactory(published=True, kind="watch", title="Veille")
    params = selectors.SearchParams(kind="guide")
    newest_first = [r.pk for r in sorted(guides, key=lambda r: (r.published_at, r.pk), reverse=True)]
    assert _page_ids(params, computed=True) == _page_ids(params, computed=False) == newest_first[:20]
    found = selectors.run_search(params)
    assert found.count == 23 and found.results.ids(20, 40) == newest_first[20:]
    response = Client().get("/ressources/", {"kind": "guide", "page": "2"})
    assert [r.pk for r in response.context["page_obj"].object_list] == newest_first[20:]


def test_cached_facets_serve_both_orders_until_the_next_publication(reference):
    from django.core.cache import cache

    ResourceFactory(published=True, kind="guide", title="Le stationnement intelligent")
    params = selectors.SearchParams(q="stationnement")
    cache.clear()
    first = selectors.run_search(params)
    assert first.count == 1 and first.results.first_page is not None  # computed by the statement
    by_date = selectors.run_search(selectors.SearchParams(q="stationnement", tri="date"))
    assert by_date.count == 1 and by_date.results.first_page is None  # the same counts, from the cache
    ResourceFactory(published=True, kind="watch", title="Veille sur le stationnement")  # a publication
    again = selectors.run_search(params)
    assert again.count == 2 and again.results.first_page is not None
    assert {f.value: f.count for f in again.facets["kind"]} == {"guide": 1, "watch": 1}

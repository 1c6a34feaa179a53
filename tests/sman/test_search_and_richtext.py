"""French full-text search without accents (sman/search.py) and safe rich text (sman/richtext.py)."""

import pytest
from django.template import Context, Template

from sman.models import Challenge
from sman.richtext import clean_html, plain_text
from sman.search import rank_search, search_query, weighted_vector

pytestmark = pytest.mark.django_db


@pytest.fixture
def challenges():
    """Three défis whose words sit in different fields (number 90+ keeps them apart from the reference ones)."""
    rows = {
        "titre": ("Écoles numériques", "Des tablettes pour les classes"),
        "ambition": ("Mairie connectée", "Les écoles et la médiathèque partagent un réseau"),
        "ailleurs": ("Fibre optique", "Raccordement des immeubles"),
    }
    for number, (short, (title, ambition)) in enumerate(rows.items(), start=90):
        Challenge.objects.create(number=number, title=title, short_title=short, ambition=ambition)
    return Challenge.objects.filter(number__gte=90).annotate(
        search_vector=weighted_vector(("title", "A"), ("ambition", "C"))
    )


def found(queryset, text):
    return [c.short_title for c in rank_search(queryset, text)]


def test_accents_case_and_plurals_do_not_matter(challenges):
    assert found(challenges, "ECOLE") == ["titre", "ambition"], "title (A) ranks above ambition (C)"
    assert found(challenges, "numerique") == ["titre"]
    assert found(challenges, "médiathèques") == ["ambition"]
    assert found(challenges, "raccordements immeuble") == ["ailleurs"]


def test_web_search_syntax_and_a_word_being_typed(challenges):
    assert found(challenges, "écoles -tablettes") == ["ambition"]
    assert found(challenges, '"fibre optique"') == ["ailleurs"]
    assert found(challenges, "médiath") == ["ambition"], "the single word being typed matches as a prefix"
    assert found(challenges, "blockchain") == []


def test_an_empty_search_lists_everything_and_has_no_query(challenges):
    assert search_query("   ") is None
    assert rank_search(challenges, "").count() == 3


def test_weights_are_checked():
    with pytest.raises(ValueError):
        weighted_vector(("title", "E"))
    with pytest.raises(ValueError):
        weighted_vector()


@pytest.mark.parametrize(
    ("typed", "kept", "dropped"),
    [
        ("<p>Bonjour<script>alert(1)</script></p>", "<p>Bonjour</p>", "script"),
        ('<img src="x.png" onerror="alert(1)" alt="Plan">', 'alt="Plan"', "onerror"),
        ('<a href="javascript:alert(1)">lien</a>', ">lien</a>", "javascript"),
        ('<a href="https://www.metropolegrandparis.fr/">MGP</a>', 'rel="noopener noreferrer nofollow"', "target"),
        ('<h2 style="color:red" class="x">Titre</h2>', "<h2>Titre</h2>", "style"),
        ('<iframe src="https://exemple.fr"></iframe><p>ok</p>', "<p>ok</p>", "iframe"),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="x">', 'alt="x"', "data:"),
    ],
)
def test_rich_text_keeps_structure_and_drops_what_runs(typed, kept, dropped):
    cleaned = clean_html(typed)
    assert kept in cleaned
    assert dropped not in cleaned


def test_headings_lists_tables_survive_and_plain_text_has_no_tag():
    typed = "<h3>Étapes</h3><ul><li>un</li></ul><table><tr><th scope='col'>A</th></tr></table>"
    assert clean_html(typed).startswith("<h3>Étapes</h3><ul><li>un</li></ul><table>")
    assert plain_text("<p>Bonjour &amp; <b>bienvenue</b></p><script>x()</script>") == "Bonjour & bienvenue"
    assert clean_html(None) == "" and plain_text("") == ""


def test_the_filter_cleans_again_what_was_stored_before():
    rendered = Template("{% load richtext %}{{ body|richtext }}").render(
        Context({"body": '<p onclick="x()">Texte</p><script>alert(1)</script>'})
    )
    assert rendered == "<p>Texte</p>"

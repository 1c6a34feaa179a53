"""Attachments made by real office suites (Word, LibreOffice, a scanner-like image PDF; see
tests/fixtures/resources/SOURCES.md): accepted by the checks, their text extracted and found by the search;
a PDF without a text layer gives no text and no error."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from resources import selectors, services
from resources.attachments import AttachmentValidator, extract_text

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "resources"

EXPECTED = {
    "python-docx-par-hyperlinks.docx": ["One awesome hyperlink", "Three hyperlinks"],  # Word
    "python-docx-blk-paras-and-tables.docx": ["Lorem ipsum dolor sit amet", "Text before Table", "Donec semper"],
    "odfpy-contextualspacing.odt": ["test"],  # LibreOffice 5.1
    "odfpy-textWithImages.odt": ["Here is an image linked from the web"],  # LibreOffice 4.3
    "pypdf-hello-world.pdf": ["Hello World", "Привет, мир", "مرحبا بالعالم"],  # LibreOffice 6.4
}
WITHOUT_TEXT = ["pypdf-git.pdf", "pypdf-imagemagick-lzw.pdf"]  # Word picture-only page, ImageMagick image


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes())


@pytest.mark.parametrize("name", [*EXPECTED, *WITHOUT_TEXT])
def test_real_documents_pass_the_checks(name):
    AttachmentValidator()(upload(name))


@pytest.mark.parametrize("name", EXPECTED)
def test_the_text_of_real_documents_is_extracted(name):
    text = extract_text(name, (FIXTURES / name).read_bytes())
    for expected in EXPECTED[name]:
        assert expected in text


@pytest.mark.parametrize("name", WITHOUT_TEXT)
def test_a_pdf_without_a_text_layer_gives_no_text_and_no_error(name):
    assert extract_text(name, (FIXTURES / name).read_bytes()).strip() == ""


def test_attachments_from_office_suites_are_found_by_the_search(centre):
    resource = centre.draft(title="Documents de l'atelier", summary="Les supports distribués aux agents.")
    for name in ["python-docx-blk-paras-and-tables.docx", "pypdf-hello-world.pdf", "pypdf-imagemagick-lzw.pdf"]:
        services.attachment_add(resource=resource, user=centre.author, file=upload(name))
    scanned = resource.attachments.get(name="pypdf-imagemagick-lzw.pdf")
    assert scanned.text == "" and scanned.size == (FIXTURES / "pypdf-imagemagick-lzw.pdf").stat().st_size
    services.resource_submit(resource=resource, user=centre.author)
    services.resource_publish(resource=resource, user=centre.moderator)
    for text in ["facilisis", "Donec semper", "Hello World", "Привет"]:
        assert list(selectors.search(selectors.SearchParams(q=text))) == [resource], text
        facets = selectors.facets(selectors.SearchParams(q=text))
        assert sum(value.count for value in facets["kind"]) == 1
    assert not selectors.search(selectors.SearchParams(q="inexistantmot")).exists()

"""PDF rendering (sman/documents.py): the garbage collector is paused while WeasyPrint works, and always back after."""

import gc
import io
import threading

import pytest
from pypdf import PdfReader

from sman.documents import collector_paused, render_pdf

from ..pdfs import assert_tagged_pdf


class Probe:
    """Printed into the PDF: what the collector was doing while the template was rendered."""

    def __str__(self):
        return "collecteur actif" if gc.isenabled() else "collecteur en pause"


class Broken:
    def __str__(self):
        raise RuntimeError("gabarit cassé")


@pytest.fixture
def probe_template(tmp_path, settings):
    (tmp_path / "probe.html").write_text(
        '<!doctype html><html lang="fr"><head><title>Essai</title></head>'
        "<body><h1>Essai</h1><p>{{ probe }}</p></body></html>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    return "probe.html"


def test_the_collector_is_paused_while_a_pdf_is_rendered_and_on_again_after(probe_template):
    assert gc.isenabled()
    data = render_pdf(probe_template, {"probe": Probe()})
    assert_tagged_pdf(data, title="Essai")
    assert "collecteur en pause" in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_rendering_that_fails(probe_template):
    with pytest.raises(RuntimeError, match="gabarit cassé"):
        render_pdf(probe_template, {"probe": Broken()})
    assert gc.isenabled()


def test_two_renderings_in_two_threads_leave_the_collector_as_they_found_it():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first left": False}  # still paused: the second rendering is not over
    assert gc.isenabled()

    gc.disable()  # a process that had turned it off itself keeps it off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

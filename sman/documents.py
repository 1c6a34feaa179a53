"""PDF documents rendered by WeasyPrint from a template and the shared print stylesheet.

Every PDF of the portal is tagged (a structure tree of headings, paragraphs, lists, tables and figures,
the « marked » flag), carries its language from ``<html lang>`` and its title from ``<title>``, so screen
readers read it in order (RGAA 4.1, criterion 13.3; tests/pdfs.py ``assert_tagged_pdf``, called by each kind's test).

Python's cyclic garbage collector is paused while a PDF is laid out and written: WeasyPrint builds millions of
objects that all live until the document is written, so the collector's passes over them free nothing and took
about a fifth of the COPIL report's time (bench/copil_report.py: 10.5 s → 8.2 s CPU, +9 MB). The pause is counted,
so that two renderings in two threads of one process leave the collector as they found it.
"""

import gc
import threading
from contextlib import contextmanager

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML

_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collector_paused():
    """Pauses the cyclic garbage collector for the block (reference counting still frees what it can)."""
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def render_pdf(template: str, context: dict) -> bytes:
    stylesheet = finders.find("css/report.css")
    with collector_paused():
        return HTML(string=render_to_string(template, context), base_url=stylesheet).write_pdf(
            stylesheets=[CSS(filename=stylesheet)], pdf_tags=True
        )

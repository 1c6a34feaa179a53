"""PDF documents rendered by WeasyPrint from a template and the shared print stylesheet.

Every PDF of the portal is tagged (a structure tree of headings, paragraphs, lists, tables and figures,
the « marked » flag), carries its language from ``<html lang>`` and its title from ``<title>``, so screen
readers read it in order (RGAA 4.1, criterion 13.3; tests/pdfs.py ``assert_tagged_pdf``, called by each kind's test).
"""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML


def render_pdf(template: str, context: dict) -> bytes:
    stylesheet = finders.find("css/report.css")
    return HTML(string=render_to_string(template, context), base_url=stylesheet).write_pdf(
        stylesheets=[CSS(filename=stylesheet)], pdf_tags=True
    )

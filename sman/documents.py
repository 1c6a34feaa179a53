"""PDF documents rendered by WeasyPrint from a template and the shared print stylesheet."""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML


def render_pdf(template: str, context: dict) -> bytes:
    stylesheet = finders.find("css/report.css")
    return HTML(string=render_to_string(template, context), base_url=stylesheet).write_pdf(
        stylesheets=[CSS(filename=stylesheet)]
    )

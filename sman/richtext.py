"""Rich text typed by users (a resource's body, a proposal, a need): kept only as safe HTML.

``clean_html`` keeps headings, paragraphs, lists, links, emphasis, quotes, images with their text
alternative and simple tables; it drops scripts, styles, event handlers, ``javascript:`` and ``data:``
URLs and every attribute not listed. Apps clean on save (what is stored is safe) and render through the
``richtext`` filter (what was stored before a rule changed is cleaned again).
"""

import html

import nh3

TAGS = {
    "h2", "h3", "h4", "p", "br", "ul", "ol", "li", "a", "strong", "em", "b", "i", "blockquote", "code", "pre",
    "img", "figure", "figcaption", "table", "caption", "thead", "tbody", "tr", "th", "td", "abbr",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(text: str | None) -> str:
    """Safe HTML from what a user typed: only the listed tags and attributes, links open nothing else."""
    if not text:
        return ""
    return nh3.clean(
        text,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def plain_text(text: str | None) -> str:
    """The words of rich text without any tag (for search vectors, e-mails and exports)."""
    if not text:
        return ""
    return " ".join(html.unescape(nh3.clean(text, tags=set())).split())

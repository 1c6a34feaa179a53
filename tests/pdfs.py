"""What every generated PDF must be for a screen reader (RGAA 4.1 criterion 13.3, sman/documents.py)."""

import io

from pypdf import PdfReader


def assert_tagged_pdf(data: bytes, *, title: str, lang: str = "fr") -> PdfReader:
    """``data`` is a tagged PDF: a structure tree with headings, the « marked » flag, its language, its title."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "no structure tree: the PDF is not tagged"
    assert root["/MarkInfo"]["/Marked"], "the PDF is not marked as tagged"
    assert str(root.get("/Lang", "")).startswith(lang), f"language {root.get('/Lang')!r}, {lang!r} expected"
    assert reader.metadata and title in (reader.metadata.title or ""), f"title {reader.metadata.title!r}"
    kinds = _structure_kinds(root["/StructTreeRoot"])
    assert kinds & {"/H1", "/H2", "/H3"}, f"no heading in the structure tree ({sorted(kinds)})"
    return reader


def _structure_kinds(node, seen=None) -> set[str]:
    """Every structure type (``/H1``, ``/P``, ``/Table``…) under ``node``."""
    seen = seen if seen is not None else set()
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for child in node:
            _structure_kinds(child, seen)
        return seen
    if not hasattr(node, "get"):
        return seen
    if "/S" in node:
        seen.add(str(node["/S"]))
    kids = node.get("/K")
    if kids is not None:
        _structure_kinds(kids if isinstance(kids, list) else [kids], seen)
    return seen

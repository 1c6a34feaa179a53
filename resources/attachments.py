"""Attachments of resources: checked at upload (extension, size, content, in the style of sman/validators.py),
and their text extracted for the search (PDF with pypdf, OpenDocument and Office Open XML through their zipped
XML, plain text)."""

import html
import io
import logging
import re
import zipfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

logger = logging.getLogger(__name__)

MAX_MB = 20
# What the text extraction keeps: enough for the search, bounded whatever the file.
MAX_TEXT_CHARS = 200_000
MAX_PDF_PAGES = 300
MAX_XML_BYTES = 20 * 1024 * 1024  # read of one zipped XML member, against zip bombs

ODF = {".odt", ".ods", ".odp"}
OOXML = {".docx", ".xlsx", ".pptx"}
TEXT = {".txt", ".csv", ".md"}
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    **dict.fromkeys(ODF | OOXML, (b"PK\x03\x04",)),
}
ALLOWED = sorted(SIGNATURES.keys() | TEXT)
ALLOWED_LABEL = "PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, TXT, CSV, MD, PNG ou JPEG"
# Where each zipped format keeps its text.
TEXT_MEMBERS = {
    ".odt": ("content.xml",),
    ".ods": ("content.xml",),
    ".odp": ("content.xml",),
    ".docx": ("word/document.xml",),
    ".xlsx": ("xl/sharedStrings.xml",),
    ".pptx": ("ppt/slides/",),
}


def _read(file) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    content = file.read()
    file.seek(position)
    return content


def _zip_is(suffix: str, content: bytes) -> bool:
    """A real OpenDocument (its ``mimetype`` member) or Office Open XML document (``[Content_Types].xml``)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if suffix in ODF:
                return "mimetype" in names and archive.read("mimetype").startswith(b"application/vnd.oasis")
            return "[Content_Types].xml" in names
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return False


@deconstructible
class AttachmentValidator:
    """A document, spreadsheet, presentation, text or image of at most ``max_mb`` megabytes whose content
    matches its extension."""

    def __init__(self, max_mb: int = MAX_MB):
        self.max_mb = max_mb

    def __call__(self, file):
        suffix = Path(file.name).suffix.lower()
        if suffix not in ALLOWED:
            raise ValidationError(f"Déposez un fichier {ALLOWED_LABEL}.", code="extension")
        if file.size > self.max_mb * 1024 * 1024:
            raise ValidationError(f"Fichier trop volumineux ({self.max_mb} Mo au plus).", code="size")
        content = _read(file)
        if suffix in TEXT:
            if b"\x00" in content:
                raise ValidationError("Le contenu du fichier ne correspond pas à son extension.", code="content")
            try:
                content.decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError("Un fichier texte doit être encodé en UTF-8.", code="content") from None
            return
        if not content.startswith(SIGNATURES[suffix]):
            raise ValidationError("Le contenu du fichier ne correspond pas à son extension.", code="content")
        if suffix in ODF | OOXML and not _zip_is(suffix, content):
            raise ValidationError("Le contenu du fichier ne correspond pas à son extension.", code="content")

    def __eq__(self, other):
        return isinstance(other, AttachmentValidator) and other.max_mb == self.max_mb


TAG = re.compile(rb"<[^>]*>")
SPACES = re.compile(r"\s+")


def _xml_text(xml: bytes) -> str:
    """The text of an XML part, tags replaced by spaces (no parser: no entity expansion to fear)."""
    return html.unescape(TAG.sub(b" ", xml).decode("utf-8", "replace"))


def _zipped_text(suffix: str, content: bytes) -> str:
    parts = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for info in archive.infolist():
            if any(
                info.filename == m or (m.endswith("/") and info.filename.startswith(m)) for m in TEXT_MEMBERS[suffix]
            ):
                with archive.open(info) as member:
                    parts.append(_xml_text(member.read(MAX_XML_BYTES)))
    return " ".join(parts)


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    parts, length = [], 0
    for page in reader.pages[:MAX_PDF_PAGES]:
        text = page.extract_text() or ""
        parts.append(text)
        length += len(text)
        if length > MAX_TEXT_CHARS:
            break
    return " ".join(parts)


def _unreadable() -> tuple[type[BaseException], ...]:
    from pypdf.errors import PyPdfError

    # What a malformed PDF or zip makes the readers raise (pypdf trips on broken objects in many ways).
    return (PyPdfError, zipfile.BadZipFile, OSError, ValueError, KeyError, IndexError, TypeError, RecursionError)


UNREADABLE = _unreadable()


def extract_text(name: str, content: bytes) -> str:
    """The text of an attachment for the search ("" for an image, or when the file cannot be read: the upload is
    kept, it is only not searchable)."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix in TEXT:
            text = content.decode("utf-8", "replace")
        elif suffix == ".pdf":
            text = _pdf_text(content)
        elif suffix in TEXT_MEMBERS:
            text = _zipped_text(suffix, content)
        else:
            return ""
    except UNREADABLE:  # a malformed document stays downloadable, only unsearchable
        logger.warning("text of attachment %s not extracted", name, exc_info=True)
        return ""
    return SPACES.sub(" ", text).strip()[:MAX_TEXT_CHARS]

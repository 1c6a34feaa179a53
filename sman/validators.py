"""Checks on uploaded documents (extension, size and content), shared by every app."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# What a file of each kind starts with: a PDF, a zip container (ODF, OOXML), an OLE compound file (.doc).
SIGNATURES = {".pdf": (b"%PDF-",), ".odt": (b"PK\x03\x04",), ".docx": (b"PK\x03\x04",), ".doc": (b"\xd0\xcf\x11\xe0",)}


@deconstructible
class DocumentValidator:
    """A PDF or word-processing document of at most ``max_mb`` megabytes whose content matches its extension."""

    def __init__(self, max_mb: int = 10):
        self.max_mb = max_mb

    def __call__(self, file):
        suffix = Path(file.name).suffix.lower()
        if suffix not in SIGNATURES:
            raise ValidationError("Déposez un document PDF, ODT, DOCX ou DOC.", code="extension")
        if file.size > self.max_mb * 1024 * 1024:
            raise ValidationError(f"Document trop volumineux ({self.max_mb} Mo au plus).", code="size")
        position = file.tell() if hasattr(file, "tell") else 0
        file.seek(0)
        head = file.read(8)
        file.seek(position)
        if not head.startswith(SIGNATURES[suffix]):
            raise ValidationError("Le contenu du fichier ne correspond pas à son extension.", code="content")

    def __eq__(self, other):
        return isinstance(other, DocumentValidator) and other.max_mb == self.max_mb

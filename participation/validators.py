"""Checks on uploaded images (proposal images, space logos): extension, size, and a content Pillow can read as
the format its extension says."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
MAX_PIXELS = 40_000_000


@deconstructible
class ImageValidator:
    """A PNG, JPEG or WebP image of at most ``max_mb`` megabytes whose content matches its extension."""

    def __init__(self, max_mb: int = 5):
        self.max_mb = max_mb

    def __call__(self, file):
        from PIL import Image

        suffix = Path(file.name).suffix.lower()
        if suffix not in FORMATS:
            raise ValidationError("Déposez une image PNG, JPEG ou WebP.", code="extension")
        if file.size > self.max_mb * 1024 * 1024:
            raise ValidationError(f"Image trop volumineuse ({self.max_mb} Mo au plus).", code="size")
        position = file.tell() if hasattr(file, "tell") else 0
        file.seek(0)
        try:
            with Image.open(file) as image:
                image_format, (width, height) = image.format, image.size
                image.verify()
        except Exception:  # noqa: BLE001 — any decoding failure means the file is not the image it claims
            raise ValidationError("Ce fichier n'est pas une image lisible.", code="content") from None
        finally:
            file.seek(position)
        if image_format != FORMATS[suffix]:
            raise ValidationError("Le contenu du fichier ne correspond pas à son extension.", code="content")
        if width * height > MAX_PIXELS:
            raise ValidationError("Image trop grande (40 millions de pixels au plus).", code="pixels")

    def __eq__(self, other):
        return isinstance(other, ImageValidator) and other.max_mb == self.max_mb

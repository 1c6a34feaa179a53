"""Whatever file is sent to the FttH upload (API or staff page), the answer is a French reason (400, a
form error) or an import whose run says why it failed; never a server error. Only a bounded prefix of the
file is read to recognise it."""

import html
import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from rest_framework.test import APIClient

from ftth import uploads
from ftth.formats import SNIFF_BYTES
from ftth.models import Building, ImportRun

from ..auth import login, token_header
from ..factories import UserFactory
from .test_imports import IPE_HEADER, _ipe_row

pytestmark = pytest.mark.django_db


def _ipe_text(rows) -> str:
    return "\n".join([IPE_HEADER, *rows]) + "\n"


ROWS = [_ipe_row("F1", name="DE LA RÉPUBLIQUE"), _ipe_row("F2", number="3", name="DU CŒUR D’ÉLAN")]


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 4)
    header = struct.pack(">IIBBBBB", 4, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ipe.csv", _ipe_text(ROWS))
    return buffer.getvalue()


REFUSED = {
    "random-bytes": (lambda: random.Random(7).randbytes(4096), "fichier binaire"),
    "png": (_png, "image PNG"),
    "zip-renamed-csv": (_zip, "archive ZIP"),
    "empty": (lambda: b"", "est vide"),
    "blank-lines": (lambda: b"\n \r\n\n", "Le fichier est vide"),
    "header-only": (lambda: (IPE_HEADER + "\r\n").encode(), "ne contient que la ligne d'en-tête"),
    "20-mb-line-without-newline": (lambda: b"x" * (20 * 1024 * 1024), "Aucune fin de ligne"),
    "utf-16": (lambda: _ipe_text(ROWS).encode("utf-16"), "UTF-16"),
    "nul-bytes": (lambda: _ipe_text(ROWS).encode().replace(b"F2", b"F\x002"), "octets nuls"),
    "neither-utf8-nor-cp1252": (lambda: _ipe_text(ROWS).encode("cp1252").replace(b"F2", b"F\x81\x8d"),
                                "ni en UTF-8 ni en Windows-1252"),
}  # fmt: skip


def _stored() -> int:
    folder = Path(default_storage.path(uploads.UPLOAD_FOLDER))
    return len(list(folder.iterdir())) if folder.exists() else 0


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_api_refuses_with_a_french_reason(case):
    content, reason = REFUSED[case]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(UserFactory(staff=True), scopes=["ftth:import"]))
    stored = _stored()
    response = api.post("/api/ftth/imports/", {"file": SimpleUploadedFile("ipe.csv", content()), "operator": "OI-F"})
    assert response.status_code == 400
    assert reason in " ".join(response.json()["file"])
    assert not ImportRun.objects.exists() and _stored() == stored


@pytest.mark.parametrize("case", list(REFUSED))
def test_the_staff_page_shows_the_reason_and_keeps_what_was_typed(client, case):
    content, reason = REFUSED[case]
    login(client, UserFactory(staff=True))
    stored = _stored()
    data = {"file": SimpleUploadedFile("ipe.csv", content()), "operator_code": "OI-GARDE", "dry_run": "on"}
    response = client.post("/fibre/imports/", data)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert reason in page and "Le formulaire contient 1 erreur" in page
    assert 'value="OI-GARDE"' in page and 'name="dry_run" id="id_dry_run" checked' in page
    assert not ImportRun.objects.exists() and _stored() == stored


class _CountingFile(io.BytesIO):
    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_only_a_bounded_prefix_is_read_to_recognise_a_file():
    data = b"x" * (20 * 1024 * 1024)
    handle = _CountingFile(data)
    uploaded = InMemoryUploadedFile(handle, "file", "big.csv", "text/csv", len(data), None)
    with pytest.raises(ValidationError, match="Aucune fin de ligne"):
        uploads.import_upload(uploaded=uploaded, operator_code="OI-F", user=UserFactory(staff=True))
    assert handle.bytes_read <= SNIFF_BYTES + 1


@pytest.mark.parametrize(
    ("encoding", "surface"), [(e, s) for e in ("latin-1", "cp1252", "utf-8-sig") for s in ("api", "page")]
)
def test_latin1_and_windows_1252_files_are_imported_with_their_accents(
    client, encoding, surface, django_capture_on_commit_callbacks
):
    rows = ROWS if encoding != "latin-1" else [_ipe_row("F1", name="DE LA RÉPUBLIQUE"), _ipe_row("F2", number="3")]
    content = _ipe_text(rows).encode(encoding)
    staff = UserFactory(staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        if surface == "api":
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=token_header(staff, scopes=["ftth:import"]))
            api.post("/api/ftth/imports/", {"file": SimpleUploadedFile("ipe.csv", content), "operator": "OI-F"})
        else:
            login(client, staff).post(
                "/fibre/imports/", {"file": SimpleUploadedFile("ipe.csv", content), "operator_code": "OI-F"}
            )
    run = ImportRun.objects.get()
    assert (run.state, run.created) == ("done", 2), run.error
    assert Building.objects.get(building_id="F1").street_name == "DE LA RÉPUBLIQUE"
    if encoding != "latin-1":
        assert Building.objects.get(building_id="F2").street_name == "DU CŒUR D’ÉLAN"


def _big(last_row: bytes) -> bytes:
    """An IPE file of plain ASCII for more than the sniffed prefix, then ``last_row``."""
    rows = [_ipe_row(f"P{n}", number=str(n % 999 + 1)) for n in range(700)]
    content = _ipe_text(rows).encode() + last_row + b"\n"
    assert content.index(last_row) > SNIFF_BYTES
    return content


def test_the_whole_file_decides_its_encoding(django_capture_on_commit_callbacks):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(UserFactory(staff=True), scopes=["ftth:import"]))
    content = _big(_ipe_row("LAST", name="DE L’ÉGLISE").encode("cp1252"))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/ftth/imports/", {"file": SimpleUploadedFile("ipe.csv", content), "operator": "OI-F"})
    assert response.status_code == 202
    run = ImportRun.objects.get()
    assert (run.state, run.created) == ("done", 701), run.error
    assert Building.objects.get(building_id="LAST").street_name == "DE L’ÉGLISE"


@pytest.mark.parametrize("bad", [b"\x81", b"\x00"])
def test_an_unreadable_byte_after_the_prefix_fails_the_run_with_its_line(bad, django_capture_on_commit_callbacks):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=token_header(UserFactory(staff=True), scopes=["ftth:import"]))
    content = _big(_ipe_row("LAST", name="DE L’ÉGLISE").encode("cp1252").replace(b"LAST", b"LA" + bad))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/ftth/imports/", {"file": SimpleUploadedFile("ipe.csv", content), "operator": "OI-F"})
    assert response.status_code == 202
    run = ImportRun.objects.get()
    assert run.state == "failed" and run.error.startswith("Ligne 702 : octet illisible"), run.error
    assert not Building.objects.exists()

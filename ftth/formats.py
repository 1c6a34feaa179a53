"""The two file formats, recognised from their header and read by column label (any order, any case), never by
position. Only the ``required`` columns must be there: every other one may be absent, and reads as empty.

Published layouts, all read by this table:

- ARCEP « immeubles » (comma-separated, WGS-84): earlier files have 18 columns (x, y, imb_id, num_voie,
  cp_no_voie, type_voie, nom_voie, batiment, code_insee, code_poste, nom_com, catg_loc_imb, imb_etat, pm_ref,
  pm_etat, code_l331, geom_mod, type_imb); 2024 adds date_completude and date_completude_manquante; 2025 adds
  pm_date_mad after pm_etat and drops geom_mod.
- Interop'Fibre IPE v3.0 (semicolon-separated, its projection on each line), with or without its optional
  columns; some operators added Code_RNB and Date_RNB in 2025 (the building's id in the Référentiel national
  des bâtiments).
"""

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

# SQL-side mapping of raw states (upper case, without accents) to our statuses.
ARCEP_STATUSES = {
    "DEPLOYE": "connectable",
    "EN COURS DE DEPLOIEMENT": "in_progress",
    "CIBLE": "target",
    "SIGNE": "signed",
    "RACCORDABLE DEMANDE": "on_demand",
    "ABANDONNE": "abandoned",
}
IPE_STATUSES = {**ARCEP_STATUSES, "RAD EN COURS DE DEPLOIEMENT": "on_demand_in_progress"}
IPE_PROJECTIONS = {"RGF93": 2154, "LAMBERT93": 2154, "WGS84": 4326, "LAMB2E": 27572, "LAMBERT2E": 27572}

# Staging columns, in COPY order.
STAGING_COLUMNS = (
    "line", "operator_code", "building_id", "address_code", "number", "number_suffix", "street_type",
    "street_name", "building_name", "insee_code", "postcode", "premises", "status_raw", "building_type",
    "pm_reference", "pm_status", "pm_date", "service_date", "x", "y", "projection", "date_format", "rnb_id",
)  # fmt: skip


@dataclass(frozen=True)
class Format:
    name: str
    label: str  # for people: « un fichier {label} »
    delimiter: str
    required: tuple[str, ...]
    # staging column -> file column (absent columns read as empty)
    columns: dict[str, str]
    statuses: dict[str, str]
    date_format: str

    def position(self, header: list[str], name: str) -> int | None:
        """The position of the staging column ``name``'s file column in ``header``, None when the file has
        none (a repeated label: the last one, as csv.DictReader)."""
        source = self.columns.get(name)
        if source is None:
            return None
        labels = [label.lower() for label in header]
        return next((len(labels) - 1 - i for i, label in enumerate(reversed(labels)) if label == source.lower()), None)


ARCEP = Format(
    name="arcep",
    label="« immeubles » de l'ARCEP",
    delimiter=",",
    required=("x", "y", "imb_id", "code_insee", "imb_etat"),
    columns={
        "building_id": "imb_id", "number": "num_voie", "number_suffix": "cp_no_voie", "street_type": "type_voie",
        "street_name": "nom_voie", "building_name": "batiment", "insee_code": "code_insee", "postcode": "code_poste",
        "status_raw": "imb_etat", "building_type": "type_imb", "pm_reference": "pm_ref", "pm_status": "pm_etat",
        "pm_date": "pm_date_mad", "operator_code": "code_l331", "x": "x", "y": "y",
    },
    statuses=ARCEP_STATUSES,
    date_format="YYYY-MM-DD",
)  # fmt: skip

IPE = Format(
    name="ipe",
    label="IPE",
    delimiter=";",
    required=("IdentifiantImmeuble", "CodeInseeImmeuble", "EtatImmeuble", "CoordonneeImmeubleX",
              "CoordonneeImmeubleY", "TypeProjectionGeographique"),
    columns={
        "building_id": "IdentifiantImmeuble", "address_code": "CodeAdresseImmeuble", "insee_code": "CodeInseeImmeuble",
        "postcode": "CodePostalImmeuble", "street_type": "TypeVoieImmeuble", "street_name": "NomVoieImmeuble",
        "number": "NumeroVoieImmeuble", "number_suffix": "ComplementNumeroVoieImmeuble",
        "building_name": "BatimentImmeuble", "premises": "NombreLogementsAdresseIPE", "status_raw": "EtatImmeuble",
        "service_date": "DateMiseEnServiceCommercialeImmeuble", "pm_reference": "ReferencePM", "pm_status": "EtatPM",
        "pm_date": "DateInstallationPM", "building_type": "TypeImmeuble", "x": "CoordonneeImmeubleX",
        "y": "CoordonneeImmeubleY", "projection": "TypeProjectionGeographique", "rnb_id": "Code_RNB",
    },
    statuses=IPE_STATUSES,
    date_format="YYYYMMDD",
)  # fmt: skip


class FormatError(Exception):
    pass


# Format recognition reads this much of a file, never more (an IPE header is about 500 bytes).
SNIFF_BYTES = 64 * 1024
# Bytes that Windows-1252 leaves undefined (Python and PostgreSQL refuse them alike); every other byte is a
# character, and a Latin-1 file's accents are the same bytes as in Windows-1252.
CP1252_UNDEFINED = re.compile(rb"[\x00\x81\x8d\x8f\x90\x9d]")
LINE_END = re.compile(r"\r\n|\r|\n")
# What people send instead of a CSV file, recognised by its first bytes.
SIGNATURES = (
    (b"PK\x03\x04", "une archive ZIP ou un classeur (Excel, LibreOffice)"),
    (b"\xd0\xcf\x11\xe0", "un classeur Excel ancien (.xls)"),
    (b"\x1f\x8b", "un fichier compressé (gzip)"),
    (b"%PDF", "un document PDF"),
    (b"\x89PNG", "une image PNG"),
    (b"\xff\xd8\xff", "une image JPEG"),
)
UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
NOT_CSV = " Déposez le fichier « immeubles » de l'ARCEP ou un fichier IPE, au format CSV."


def sniff_head(head: bytes, *, whole: bool) -> tuple[Format, str, list[str]]:
    """(format, encoding, header) from the first bytes of a file (``whole``: they are the whole file), or a
    FormatError whose French message says what is wrong with it."""
    if whole and not head.strip():
        raise FormatError("Le fichier est vide." + NOT_CSV)
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            raise FormatError(f"Ce fichier est {what}, pas un fichier CSV." + NOT_CSV)
    if head.startswith(UTF16_BOMS):
        raise FormatError("Ce fichier est encodé en UTF-16 ou UTF-32 : enregistrez-le en CSV UTF-8 (ou Windows-1252).")
    if b"\x00" in head:
        raise FormatError("Ce fichier contient des octets nuls : c'est un fichier binaire, pas un CSV." + NOT_CSV)
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        # The head may end inside a character: only the whole file must end with a complete one.
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=whole)
    except UnicodeDecodeError:
        encoding = "cp1252"
        if undefined := CP1252_UNDEFINED.search(head):
            raise FormatError(
                "Ce fichier n'est lisible ni en UTF-8 ni en Windows-1252 "
                f"(octet illisible n° {undefined.start() + 1}) : ce n'est probablement pas un fichier CSV." + NOT_CSV
            ) from None
        text = head.decode(encoding)
    end = LINE_END.search(text)
    if end is None and not whole:
        raise FormatError(
            f"Aucune fin de ligne dans les {SNIFF_BYTES // 1024} premiers Kio du fichier : ce n'est pas un fichier "
            "CSV dont la première ligne est l'en-tête." + NOT_CSV
        )
    first, rest = (text[: end.start()], text[end.end() :]) if end else (text, "")
    fmt, header = _recognise(first)
    if whole and not rest.strip():
        raise FormatError("Le fichier ne contient que la ligne d'en-tête : aucun immeuble à importer.")
    return fmt, encoding, header


def _recognise(first_line: str) -> tuple[Format, list[str]]:
    """The format whose required columns the header has (labels in any case); else a FormatError that names
    the missing columns of the format the header looks like, or says that it looks like neither."""
    closest = None
    for fmt in (IPE, ARCEP):
        header = [h.strip().lstrip("\ufeff") for h in next(csv.reader([first_line], delimiter=fmt.delimiter), [])]
        labels = {label.lower() for label in header}
        missing = [column for column in fmt.required if column.lower() not in labels]
        if not missing:
            return fmt, header
        known = len(labels & {column.lower() for column in (*fmt.required, *fmt.columns.values())})
        if known >= 2 and (closest is None or known > closest[0]):
            closest = (known, fmt, missing)
    if closest is not None:
        _, fmt, missing = closest
        which = f"de colonne {missing[0]}" if len(missing) == 1 else f"les colonnes {', '.join(missing)}"
        raise FormatError(
            f"Le fichier n'a pas {which} : vérifiez qu'il s'agit bien d'un fichier « immeubles » de l'ARCEP ou "
            f"d'un fichier IPE, complet et avec sa ligne d'en-tête (un fichier {fmt.label} a au moins les "
            f"colonnes {', '.join(fmt.required)})."
        )
    raise FormatError(
        "Format non reconnu : l'en-tête ne correspond ni au fichier « immeubles » de l'ARCEP "
        "ni à un fichier IPE Interop'Fibre (colonnes attendues introuvables). Vérifiez que la première ligne du "
        "fichier est bien son en-tête : x, y, imb_id, code_insee, imb_etat… séparés par des virgules pour "
        "l'ARCEP ; IdentifiantImmeuble, CodeInseeImmeuble, EtatImmeuble… séparés par des points-virgules pour un "
        "fichier IPE."
    )


def operator_needed(fmt: Format, header: list[str]) -> str | None:
    """Why a file needs the operator's code given with it (None: each of its lines names its operator)."""
    if "operator_code" not in fmt.columns:
        return "Un fichier IPE demande le code de l'opérateur."
    if fmt.position(header, "operator_code") is None:
        return (
            f"Ce fichier {fmt.label} n'a pas de colonne {fmt.columns['operator_code']} (l'opérateur de chaque "
            "immeuble) : indiquez le code de l'opérateur de ses immeubles."
        )
    return None


def read_head(file) -> tuple[bytes, bool]:
    """The first SNIFF_BYTES of an open binary file (left where it was), and whether they are all of it."""
    position = file.tell()
    head = file.read(SNIFF_BYTES)
    whole = not file.read(1)
    file.seek(position)
    return head, whole


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252 when it does (the
    import reads the whole file anyway, and an accent can come after the sniffed head); else a FormatError
    that says on which line the first unreadable byte is."""
    with open(path, "rb") as f:
        encoding = "utf-8-sig" if f.read(3) == codecs.BOM_UTF8 else "utf-8"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        try:
            while chunk := f.read(1 << 20):
                if (nul := chunk.find(b"\x00")) >= 0:
                    _unreadable(path, offset + nul)
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            pass
        # Not UTF-8: every byte must be a Windows-1252 character, from the start.
        f.seek(0)
        offset = 0
        while chunk := f.read(1 << 20):
            if undefined := CP1252_UNDEFINED.search(chunk):
                _unreadable(path, offset + undefined.start())
            offset += len(chunk)
    return "cp1252"


def _unreadable(path: Path, offset: int):
    with open(path, "rb") as f:  # the line of the byte (rare: read again only to say where it is)
        lines, read = 1, 0
        while read < offset and (chunk := f.read(min(1 << 20, offset - read))):
            lines += chunk.count(b"\n")
            read += len(chunk)
    raise FormatError(
        f"Ligne {lines} : octet illisible (ni UTF-8 ni Windows-1252, ou un octet nul) ; le fichier n'est pas "
        "un fichier texte CSV lisible. Enregistrez-le en CSV UTF-8 et déposez-le de nouveau."
    )


def sniff(path: Path) -> tuple[Format, str, list[str]]:
    """(format, encoding, header) of a file to import: the format from its head, the encoding from all of it."""
    with open(path, "rb") as f:
        head, whole = read_head(f)
    fmt, _, _ = sniff_head(head, whole=whole)
    encoding = detect_encoding(path)
    # The header as the import's reader sees it, in the whole file's encoding.
    first = LINE_END.split(head.decode(encoding, errors="replace"), maxsplit=1)[0]
    return fmt, encoding, _recognise(first)[1]

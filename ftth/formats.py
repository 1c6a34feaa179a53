"""The two file formats, recognised from their header and read by column name, never by position."""

import codecs
import csv
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
    "pm_reference", "pm_status", "pm_date", "service_date", "x", "y", "projection", "date_format",
)  # fmt: skip


@dataclass(frozen=True)
class Format:
    name: str
    delimiter: str
    required: tuple[str, ...]
    # staging column -> file column (absent columns read as empty)
    columns: dict[str, str]
    statuses: dict[str, str]
    date_format: str


ARCEP = Format(
    name="arcep",
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
        "y": "CoordonneeImmeubleY", "projection": "TypeProjectionGeographique",
    },
    statuses=IPE_STATUSES,
    date_format="YYYYMMDD",
)  # fmt: skip


class FormatError(Exception):
    pass


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252."""
    with open(path, "rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def sniff(path: Path) -> tuple[Format, str, list[str]]:
    """(format, encoding, header) of a file, the header stripped as the reader sees it."""
    encoding = detect_encoding(path)
    with open(path, newline="", encoding=encoding) as handle:
        first = handle.readline()
    for fmt in (IPE, ARCEP):
        header = [h.strip().lstrip("\ufeff") for h in next(csv.reader([first], delimiter=fmt.delimiter))]
        if all(column in header for column in fmt.required):
            return fmt, encoding, header
    raise FormatError(
        "Format non reconnu : l'en-tête ne correspond ni au fichier « immeubles » de l'ARCEP "
        "ni à un fichier IPE Interop'Fibre (colonnes attendues introuvables)."
    )


def open_rows(path: Path):
    """(format, handle, reader) for a file; the reader yields dicts keyed by column name."""
    fmt, encoding, _ = sniff(path)
    handle = open(path, newline="", encoding=encoding)  # noqa: SIM115 — closed by the caller
    reader = csv.DictReader(handle, delimiter=fmt.delimiter)
    reader.fieldnames = [h.strip().lstrip("\ufeff") for h in reader.fieldnames]
    return fmt, handle, reader

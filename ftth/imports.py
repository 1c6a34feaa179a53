"""Import of an ARCEP « immeubles » file or an operator's IPE file: the bulk path.

1. Stream the file (the national ARCEP file has tens of millions of rows), keep the Métropole's
   communes (Paris arrondissements and Pierrefitte-sur-Seine included), and COPY the raw fields
   into a temporary staging table.
2. Validate in SQL: missing identifier, unknown status, bad date, bad or out-of-area coordinates,
   duplicate identifier; reproject (Lambert-93, Lambert II étendu or WGS-84) to WGS-84.
3. Refuse the whole file when the share of rejected lines passes the threshold.
4. Upsert by (operator, building id) with ``INSERT … ON CONFLICT`` where something changed, record
   every status change, retire (never delete) the operator's buildings missing from the file.
Everything but the run's own record happens in one transaction: a failed or killed import leaves the
previous data as it was.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sman.models import Territory

from . import tiles
from .formats import IPE_PROJECTIONS, IPE_STATUSES, STAGING_COLUMNS, FormatError, open_rows
from .models import ImportRejection, ImportRun

logger = logging.getLogger(__name__)
MAX_STORED_REJECTIONS = 10_000
TEMP_TABLES = (
    "ftth_staging", "ftth_rejected", "ftth_status_map", "ftth_srid_map", "ftth_valid", "ftth_area",
    "ftth_streetnames", "ftth_communenames",
)  # fmt: skip


class ImportRefused(Exception):
    pass


@dataclass
class Outcome:
    rows_read: int = 0
    rows_outside: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    file_format: str = ""


def metropole_insee_codes() -> dict[str, int]:
    """INSEE code → commune id, for the 130 communes, Paris's arrondissements and delegated communes."""
    communes = dict(Territory.objects.filter(kind=Territory.Kind.COMMUNE).values_list("code", "id"))
    for delegated, parent in Territory.objects.filter(kind=Territory.Kind.DELEGATED_COMMUNE).values_list(
        "code", "parent_id"
    ):
        communes[delegated] = parent
    paris = communes["75056"]
    communes.update({f"751{n:02d}": paris for n in range(1, 21)})
    return communes


def _stage(cursor, path: Path, operator_code: str, outcome: Outcome) -> None:
    fmt, handle, reader = open_rows(path)
    outcome.file_format = fmt.name
    codes = metropole_insee_codes()
    insee_column = fmt.columns["insee_code"]
    # ON COMMIT DROP cleans up in production; inside an outer transaction (tests, nested calls) a
    # previous import's tables may still exist.
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")
    cursor.execute(
        "CREATE TEMP TABLE ftth_staging (" + ", ".join(
            f"{c} {'integer' if c == 'line' else 'text'}" for c in STAGING_COLUMNS
        ) + ", commune_id bigint) ON COMMIT DROP"
    )  # fmt: skip
    columns = ", ".join((*STAGING_COLUMNS, "commune_id"))
    try:
        with cursor.copy(f"COPY ftth_staging ({columns}) FROM STDIN") as copy:
            for line, row in enumerate(reader, start=2):
                outcome.rows_read += 1
                insee = (row.get(insee_column) or "").strip()
                commune = codes.get(insee)
                if commune is None:
                    outcome.rows_outside += 1
                    continue
                values = [line]
                for column in STAGING_COLUMNS[1:]:
                    if column == "date_format":
                        values.append(fmt.date_format)
                    elif column == "operator_code":
                        source = fmt.columns.get("operator_code")
                        values.append(operator_code or (row.get(source) or "").strip() if source else operator_code)
                    elif column == "projection" and "projection" not in fmt.columns:
                        values.append("WGS84")
                    else:
                        source = fmt.columns.get(column)
                        values.append((row.get(source) or "").strip() if source else "")
                values.append(commune)
                copy.write_row(values)
    finally:
        handle.close()


VALIDATION_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.ftth_date(value text, fmt text) RETURNS date LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF value IS NULL OR value = '' THEN RETURN NULL; END IF;
  IF fmt = 'YYYYMMDD' AND value !~ '^[0-9]{8}$' THEN RAISE EXCEPTION 'format'; END IF;
  IF fmt = 'YYYY-MM-DD' AND value !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN RAISE EXCEPTION 'format'; END IF;
  RETURN to_date(left(value, length(fmt)), fmt);
EXCEPTION WHEN others THEN RETURN '0001-01-01'::date;
END $$;
CREATE OR REPLACE FUNCTION pg_temp.ftth_number(value text) RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN replace(value, ',', '.')::double precision;
EXCEPTION WHEN others THEN RETURN NULL;
END $$;
CREATE TEMP TABLE ftth_rejected (line integer, reason text) ON COMMIT DROP;
CREATE TEMP TABLE ftth_status_map (raw text PRIMARY KEY, status text) ON COMMIT DROP;
CREATE TEMP TABLE ftth_srid_map (raw text PRIMARY KEY, srid integer) ON COMMIT DROP;
"""

REJECT_SQL = [
    ("identifiant d'immeuble manquant", "building_id = ''"),
    ("code opérateur manquant", "operator_code = ''"),
    ("statut inconnu", "NOT EXISTS (SELECT 1 FROM ftth_status_map m WHERE m.raw = upper(unaccent(s.status_raw)))"),
    ("système de coordonnées inconnu", "NOT EXISTS (SELECT 1 FROM ftth_srid_map m WHERE m.raw = upper(s.projection))"),
    ("coordonnées illisibles", "pg_temp.ftth_number(x) IS NULL OR pg_temp.ftth_number(y) IS NULL"),
    ("date invalide", "pg_temp.ftth_date(pm_date, date_format) = '0001-01-01'"
                      " OR pg_temp.ftth_date(service_date, date_format) = '0001-01-01'"),
    ("nombre de logements invalide", "premises <> '' AND premises !~ '^[0-9]{1,6}$'"),
]  # fmt: skip


def _validate(cursor, fmt_statuses: dict, projections: dict) -> None:
    cursor.execute(VALIDATION_SQL)
    cursor.executemany("INSERT INTO ftth_status_map VALUES (%s, %s)", list(fmt_statuses.items()))
    cursor.executemany("INSERT INTO ftth_srid_map VALUES (%s, %s)", list(projections.items()))
    for reason, condition in REJECT_SQL:
        cursor.execute(
            f"INSERT INTO ftth_rejected SELECT line, %s FROM ftth_staging s WHERE {condition}",  # noqa: S608 — constants
            [reason],
        )
        cursor.execute("DELETE FROM ftth_staging s USING ftth_rejected r WHERE s.line = r.line")
    # Reprojection in SQL, then points outside the Métropole (by more than 2 km) are rejected.
    cursor.execute(
        """
        ALTER TABLE ftth_staging ADD COLUMN location geometry(Point, 4326);
        UPDATE ftth_staging s SET location = ST_Transform(
            ST_SetSRID(ST_MakePoint(pg_temp.ftth_number(x), pg_temp.ftth_number(y)), m.srid), 4326)
        FROM ftth_srid_map m WHERE m.raw = upper(s.projection);
        """
    )
    cursor.execute(
        """
        CREATE TEMP TABLE ftth_area ON COMMIT DROP AS
        SELECT ST_Buffer(geometry::geography, 2000)::geometry AS area FROM sman_territory WHERE kind = 'metropole';
        INSERT INTO ftth_rejected
        SELECT s.line, 'coordonnées hors de la Métropole' FROM ftth_staging s, ftth_area a
        WHERE s.location IS NULL OR NOT ST_Intersects(s.location, a.area);
        DELETE FROM ftth_staging s USING ftth_rejected r WHERE s.line = r.line;
        INSERT INTO ftth_rejected
        SELECT line, 'identifiant en double (première occurrence ligne ' || first_line || ')' FROM (
            SELECT line, min(line) OVER (PARTITION BY operator_code, building_id) AS first_line FROM ftth_staging
        ) d WHERE line <> first_line;
        DELETE FROM ftth_staging s USING ftth_rejected r WHERE s.line = r.line;
        """
    )


APPLY_SQL = """
CREATE TEMP TABLE ftth_streetnames ON COMMIT DROP AS
SELECT street_type, street_name, ftth_normalise(concat_ws(' ', street_type, street_name)) AS street_key,
       upper(unaccent(concat_ws(' ', nullif(street_type, ''), nullif(street_name, '')))) AS plain
FROM (SELECT DISTINCT street_type, street_name FROM ftth_staging) d;
CREATE TEMP TABLE ftth_communenames ON COMMIT DROP AS
SELECT id, upper(unaccent(name)) AS plain FROM sman_territory
WHERE id IN (SELECT DISTINCT commune_id FROM ftth_staging);
CREATE TEMP TABLE ftth_valid ON COMMIT DROP AS
SELECT s.operator_code, s.building_id, s.address_code, s.number, s.number_suffix, s.street_type, s.street_name,
       s.building_name, s.insee_code, s.postcode, nullif(s.premises, '')::integer AS premises,
       m.status, s.building_type, s.pm_reference, s.pm_status,
       pg_temp.ftth_date(s.pm_date, s.date_format) AS pm_installed_on,
       pg_temp.ftth_date(s.service_date, s.date_format) AS commercial_service_date,
       s.location, s.commune_id,
       concat_ws(' ', nullif(upper(s.number), ''), nullif(upper(unaccent(s.number_suffix)), ''), nullif(n.plain, ''),
                 nullif(s.postcode, ''), c.plain) AS label,
       n.street_key
FROM ftth_staging s
JOIN ftth_status_map m ON m.raw = upper(unaccent(s.status_raw))
JOIN ftth_streetnames n ON n.street_type = s.street_type AND n.street_name = s.street_name
JOIN ftth_communenames c ON c.id = s.commune_id;
CREATE UNIQUE INDEX ON ftth_valid (operator_code, building_id);
ANALYZE ftth_valid;
"""

STATUS_CHANGES_SQL = """
INSERT INTO ftth_buildingstatuschange (building_id, status_from, status_to, changed_at, run_id)
SELECT b.id, b.status, v.status, %(now)s, %(run)s
FROM ftth_valid v JOIN ftth_building b ON b.operator_code = v.operator_code AND b.building_id = v.building_id
WHERE b.status <> v.status
"""

UPSERT_SQL = """
WITH upserted AS (
  INSERT INTO ftth_building AS b (
    operator_code, building_id, address_code, number, number_suffix, street_type, street_name, building_name,
    insee_code, postcode, premises, status, building_type, pm_reference, pm_status, pm_installed_on,
    commercial_service_date, location, commune_id, label, street_key, first_run_id, last_run_id, retired_at,
    updated_at)
  SELECT operator_code, building_id, address_code, number, number_suffix, street_type, street_name, building_name,
    insee_code, postcode, premises, status, building_type, pm_reference, pm_status, pm_installed_on,
    commercial_service_date, location, commune_id, label, street_key, %(run)s, %(run)s, NULL, %(now)s
  FROM ftth_valid
  ON CONFLICT (operator_code, building_id) DO UPDATE SET
    address_code = EXCLUDED.address_code, number = EXCLUDED.number, number_suffix = EXCLUDED.number_suffix,
    street_type = EXCLUDED.street_type, street_name = EXCLUDED.street_name, building_name = EXCLUDED.building_name,
    insee_code = EXCLUDED.insee_code, postcode = EXCLUDED.postcode, premises = EXCLUDED.premises,
    status = EXCLUDED.status, building_type = EXCLUDED.building_type, pm_reference = EXCLUDED.pm_reference,
    pm_status = EXCLUDED.pm_status, pm_installed_on = EXCLUDED.pm_installed_on,
    commercial_service_date = EXCLUDED.commercial_service_date, location = EXCLUDED.location,
    commune_id = EXCLUDED.commune_id, label = EXCLUDED.label, street_key = EXCLUDED.street_key,
    last_run_id = EXCLUDED.last_run_id,
    retired_at = NULL, updated_at = EXCLUDED.updated_at
  WHERE (b.address_code, b.number, b.number_suffix, b.street_type, b.street_name, b.building_name, b.insee_code,
         b.postcode, b.premises, b.status, b.building_type, b.pm_reference, b.pm_status, b.pm_installed_on,
         b.commercial_service_date, b.commune_id, b.label, b.street_key, b.retired_at)
        IS DISTINCT FROM
        (EXCLUDED.address_code, EXCLUDED.number, EXCLUDED.number_suffix, EXCLUDED.street_type, EXCLUDED.street_name,
         EXCLUDED.building_name, EXCLUDED.insee_code, EXCLUDED.postcode, EXCLUDED.premises, EXCLUDED.status,
         EXCLUDED.building_type, EXCLUDED.pm_reference, EXCLUDED.pm_status, EXCLUDED.pm_installed_on,
         EXCLUDED.commercial_service_date, EXCLUDED.commune_id, EXCLUDED.label, EXCLUDED.street_key,
         NULL::timestamptz)
     OR NOT ST_Equals(b.location, EXCLUDED.location)
  RETURNING b.id, (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted;
"""

RETIRE_SQL = """
WITH retired AS (
  UPDATE ftth_building b SET retired_at = %(now)s, updated_at = %(now)s
  WHERE b.operator_code IN (SELECT DISTINCT operator_code FROM ftth_valid) AND b.retired_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM ftth_valid v WHERE v.operator_code = b.operator_code
                    AND v.building_id = b.building_id)
  RETURNING 1
) SELECT count(*) FROM retired;
"""


# The street index of the address search, rebuilt from the active buildings (about a second for 1M).
STREETS_SQL = """
DELETE FROM ftth_street;
INSERT INTO ftth_street (commune_id, key, label, search, buildings)
SELECT s.commune_id, s.street_key, s.label, s.street_key || ' ' || ftth_normalise(t.name), s.buildings
FROM (
  SELECT commune_id, street_key, min(concat_ws(' ', street_type, street_name)) AS label, count(*) AS buildings
  FROM ftth_building WHERE retired_at IS NULL AND street_key <> '' GROUP BY commune_id, street_key
) s JOIN sman_territory t ON t.id = s.commune_id;
"""


def _apply(cursor, run: ImportRun, now) -> dict:
    params = {"now": now, "run": run.pk}
    cursor.execute(APPLY_SQL)
    cursor.execute(STATUS_CHANGES_SQL, params)
    status_changes = cursor.rowcount
    cursor.execute(UPSERT_SQL, params)
    created, updated = cursor.fetchone()
    # New buildings' first status, so the history starts at their first appearance.
    cursor.execute(
        """
        INSERT INTO ftth_buildingstatuschange (building_id, status_from, status_to, changed_at, run_id)
        SELECT b.id, '', b.status, %(now)s, %(run)s FROM ftth_building b
        WHERE b.first_run_id = %(run)s
        """,
        params,
    )
    cursor.execute(RETIRE_SQL, params)
    (retired,) = cursor.fetchone()
    if created or updated or retired:
        cursor.execute(STREETS_SQL)
        cursor.execute(tiles.AGGREGATES_SQL)
        cursor.execute(tiles.COMMUNE_COVERAGE_SQL, params)
        # Fresh statistics, so that searches use the (commune, street, number) index right after a big import.
        cursor.execute("ANALYZE ftth_building; ANALYZE ftth_street")
    cursor.execute("SELECT count(*) FROM ftth_valid")
    (valid,) = cursor.fetchone()
    return {
        "created": created,
        "updated": updated,
        "unchanged": valid - created - updated,
        "retired": retired,
        "status_changes": status_changes,
    }


def run_import(*, run: ImportRun, path: Path, threshold: float | None = None) -> ImportRun:
    """Import ``path`` for ``run``; the run records the outcome whatever happens."""
    threshold = settings.FTTH_REJECTION_THRESHOLD if threshold is None else threshold
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING, started_at=timezone.now())
    outcome = Outcome()
    state, error = ImportRun.State.DONE, ""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _stage(cursor, path, run.operator_code, outcome)
            _validate(cursor, IPE_STATUSES, IPE_PROJECTIONS)
            cursor.execute("SELECT line, reason FROM ftth_rejected ORDER BY line")
            outcome.rejections = cursor.fetchall()
            considered = outcome.rows_read - outcome.rows_outside
            if considered and len(outcome.rejections) / considered > threshold:
                raise ImportRefused(
                    f"{len(outcome.rejections)} ligne(s) rejetée(s) sur {considered} : au-delà du seuil de "
                    f"{threshold:.0%}, le fichier est refusé en entier."
                )
            outcome.counts = _apply(cursor, run, timezone.now())
            if run.dry_run:
                transaction.set_rollback(True)
    except ImportRefused as exc:
        state, error = ImportRun.State.REFUSED, str(exc)
    except FormatError as exc:
        state, error = ImportRun.State.FAILED, str(exc)
    except Exception as exc:  # noqa: BLE001 — the run shows the failure; the data was rolled back
        logger.exception("FttH import %s failed", run.pk)
        state, error = ImportRun.State.FAILED, f"{type(exc).__name__} : {exc}"[:2000]
    with transaction.atomic():
        ImportRejection.objects.filter(run=run).delete()
        ImportRejection.objects.bulk_create(
            ImportRejection(run=run, line=line, reason=reason[:300])
            for line, reason in outcome.rejections[:MAX_STORED_REJECTIONS]
        )
        ImportRun.objects.filter(pk=run.pk).update(
            state=state, error=error, file_format=outcome.file_format, rows_read=outcome.rows_read,
            rows_outside=outcome.rows_outside, rows_rejected=len(outcome.rejections), finished_at=timezone.now(),
            **(outcome.counts if state == ImportRun.State.DONE else {}),
        )  # fmt: skip
    run.refresh_from_db()
    if state == ImportRun.State.DONE and not run.dry_run and (run.created or run.updated or run.retired):
        tiles.invalidate()
    return run

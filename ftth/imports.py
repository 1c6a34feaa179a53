"""Import of an ARCEP « immeubles » file or an operator's IPE file: the bulk path.

1. Recognise the format from the header (columns by their label, see formats.py: every layout the ARCEP
   and the operators publish), then let PostgreSQL read the file: COPY (CSV, the file's
   encoding) into an unlogged work table of raw text, skipping the lines of other départements, while
   Python checks, chunk by chunk, that PostgreSQL reads it as its csv module would. A file PostgreSQL
   would read differently (ragged lines, quotes inside unquoted fields) is read by Python instead.
2. Validate in SQL, in one pass that PostgreSQL's parallel workers share: the Métropole's communes
   (Paris arrondissements and Pierrefitte-sur-Seine included), missing identifier, unknown status, bad
   date, bad or out-of-area coordinates, bad RNB id (each rejected line gets the first reason that applies), then
   duplicate identifiers; reproject (Lambert-93, Lambert II étendu or WGS-84) to WGS-84. Values that
   repeat (statuses, dates…) are parsed once per distinct value.
3. Refuse the whole file when the share of rejected lines passes the one the run tolerates (chosen for each
   run, FTTH_REJECTION_THRESHOLD by default).
4. Retire (never delete) the operator's buildings missing from the file, update the buildings where
   something changed, insert the new ones, record every status change. A re-import writes nothing; an
   operator's first file is only inserted. A file that would retire more than FTTH_RETIREMENT_THRESHOLD
   of an operator's current buildings is rolled back and waits for staff to confirm it.
Everything but the run's own record happens in one transaction (the work tables included, dropped
before it commits): a failed or killed import leaves the previous data as it was. Imports run one at a
time (an advisory lock). A failure reads as a French sentence that says what to do (failure_reason); the
exception goes to the log and to the run's error_detail, for staff.
"""

import csv
import logging
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone
from psycopg import sql

from sman.models import Territory

from . import coverage, tiles
from .formats import IPE_PROJECTIONS, IPE_STATUSES, STAGING_COLUMNS, Format, FormatError, operator_needed, sniff
from .models import MAX_REJECTED_SHARE, ImportRejection, ImportRun

logger = logging.getLogger(__name__)
MAX_STORED_REJECTIONS = 10_000
ADVISORY_LOCK = 4_0004  # issue #4: one FttH import at a time
# Work tables: the ones the one-pass check reads are unlogged tables of the ftth_staging schema (migration
# 0009), which PostgreSQL's parallel workers can read (they cannot read a session's temporary tables);
# the import drops them before it commits. The others are temporary tables.
STAGING_SCHEMA = "ftth_staging"
STAGING_TABLES = (
    "ftth_raw",
    "ftth_communes",
    "ftth_codes",
    "ftth_dates",
    "ftth_streetnames",
    "ftth_area",
    "ftth_checked",
    "ftth_duplicates",
)
TEMP_TABLES = (
    "ftth_rejected",
    "ftth_status_map",
    "ftth_srid_map",
    "ftth_streets_now",
    "ftth_values",
    "ftth_aggregates",
)
# What Python's str.strip() removes, so that values read by PostgreSQL are trimmed as the csv path did.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
COPY_ENCODINGS = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "cp1252": "WIN1252"}
CHUNK = 1 << 20


class ImportRefused(Exception):
    pass


@dataclass
class Outcome:
    rows_read: int = 0
    rows_outside: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    file_format: str = ""
    retirement: "Retirement | None" = None


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


# --- 1. Staging ------------------------------------------------------------------------------------


@dataclass
class Staged:
    fmt: Format
    header: list[str]  # the file's column labels: its column i is c{i} in ftth_raw
    trim: str  # how SQL trims a value as str.strip() did, for this file (see _Scanner)

    def column(self, name: str) -> int | None:
        """Where the file has the staging column ``name`` (None: it has not, the value reads as empty)."""
        return self.fmt.position(self.header, name)


NO_TRIM, TRIM_SPACES = "{}", "btrim({})"
TRIM_ALL = "btrim({}, " + sql.quote(WHITESPACE) + ")"


def _lines(path: Path):
    """The file's bytes in chunks of whole lines (no character nor line cut between two chunks)."""
    with open(path, "rb") as f:
        rest = b""
        while data := f.read(CHUNK):
            data = rest + data
            end = data.rfind(b"\n") + 1
            rest = data[end:]
            if end:
                yield data[:end]
        if rest:
            yield rest


class _Scanner:
    """What PostgreSQL needs to know to read the file as Python's csv module and str.strip() did, learnt
    from the chunks as they are sent to COPY (one reading of the file):

    - whether its CSV reader reads it the same: it does when every quote belongs to a quoted field
      (RFC 4180); a stray quote (``12 "bis"`` unquoted) would be dropped by PostgreSQL, kept by Python;
    - how values must be trimmed: not at all when no field can start or end with a space (the usual
      case, and the fastest), of " " only, or of every kind of space (tab, no-break space…).
    """

    def __init__(self, delimiter: str, encoding: str):
        d = delimiter.encode()
        self.quoted = re.compile(rb"(?m)(?:^|(?<=" + re.escape(d) + rb'))"(?:[^"]|"")*"(?=' + re.escape(d) + rb"|\r?$)")
        self.edges = (b" " + d, d + b" ", b" \n", b" \r", b"\n ")
        self.others = _spaces(encoding)
        self.single = bytes(c[0] for c in self.others if len(c) == 1)  # looked for in one pass (bytes.translate)
        self.leads = {c[:1] for c in self.others if len(c) > 1}  # multi-byte ones only where their first byte is
        self.plain_quotes, self.trim = True, NO_TRIM

    def feed(self, chunk: bytes) -> None:
        others = self.others
        if self.trim != TRIM_ALL and (
            len(chunk.translate(None, self.single)) != len(chunk)
            or (b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"))
            or any(lead in chunk and any(c in chunk for c in others if c[:1] == lead) for lead in self.leads)
        ):
            self.trim = TRIM_ALL
        if self.trim == NO_TRIM and (any(e in chunk for e in self.edges) or chunk.endswith(b" ")):
            self.trim = TRIM_SPACES
        if b'"' in chunk:
            fields = self.quoted.findall(chunk)
            if b'"' in self.quoted.sub(b"", chunk):
                self.plain_quotes = False
            if any(b"\n" in f or b"\r" in f for f in fields):
                self.trim = TRIM_ALL
            elif self.trim == NO_TRIM and any(f.startswith(b'" ') or f.endswith(b' "') for f in fields):
                self.trim = TRIM_SPACES


def _spaces(encoding: str) -> list[bytes]:
    """The characters str.strip() removes besides " " and line ends, as the file's encoding writes them."""
    codec = "utf-8" if encoding.startswith("utf-8") else encoding
    spaces = []
    for c in WHITESPACE:
        if c not in " \r\n":
            try:
                spaces.append(c.encode(codec))
            except UnicodeEncodeError:
                continue
    return spaces


class _NotPlainCsv(Exception):
    pass


def _drop_work_tables(cursor) -> None:
    staging = ", ".join(f"{STAGING_SCHEMA}.{name}" for name in STAGING_TABLES)
    cursor.execute(f"DROP TABLE IF EXISTS {staging}, {', '.join(f'pg_temp.{n}' for n in TEMP_TABLES)} CASCADE")


def _stage(cursor, path: Path, outcome: Outcome, operator_code: str) -> Staged:
    """The file's lines, as raw text, into ftth_raw (line, c0, c1, …); rows_read counts them all, but
    lines outside the Métropole's départements are not kept (the national file has tens of millions)."""
    fmt, encoding, header = sniff(path)
    outcome.file_format = fmt.name
    if not operator_code and (reason := operator_needed(fmt, header)):
        raise FormatError(reason)
    staged = Staged(fmt=fmt, header=header, trim=TRIM_ALL)
    codes = metropole_insee_codes()
    _drop_work_tables(cursor)  # inside an outer transaction (tests), a previous import's may still exist
    # Unqualified names: the staging schema's tables first, then the usual ones.
    cursor.execute(
        "SELECT set_config('search_path', %s || ', ' || current_setting('search_path'), true)", [STAGING_SCHEMA]
    )
    columns = sql.SQL(", ").join(sql.Identifier(f"c{i}") for i in range(len(header)))
    cursor.execute(
        sql.SQL("CREATE UNLOGGED TABLE ftth_raw (line integer GENERATED BY DEFAULT AS IDENTITY (START 2), {})").format(
            sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(f"c{i}")) for i in range(len(header)))
        )
    )
    # Each code's commune, and its name as the addresses show it.
    cursor.execute("CREATE UNLOGGED TABLE ftth_communes (code text PRIMARY KEY, id bigint, plain text)")
    with cursor.copy("COPY ftth_communes (code, id) FROM STDIN") as copy:
        for code, commune in codes.items():
            copy.write_row((code, commune))
    cursor.execute(
        "UPDATE ftth_communes c SET plain = upper(unaccent(t.name)) FROM sman_territory t WHERE t.id = c.id;"
        "ANALYZE ftth_communes"
    )
    scanner = _Scanner(fmt.delimiter, encoding)
    try:
        with transaction.atomic():
            outcome.rows_read = _copy(cursor, path, staged, encoding, columns, codes, scanner)
            if not scanner.plain_quotes:
                raise _NotPlainCsv
        staged.trim = scanner.trim
        return staged
    except Exception as exc:  # noqa: BLE001 — e.g. a ragged line: Python reads the file as before
        logger.info("FttH import: COPY could not read %s (%r), reading it in Python", path.name, exc)
    outcome.rows_read = _copy_with_python(cursor, path, staged, encoding, len(header), codes)
    return staged


def _copy(cursor, path, staged: Staged, encoding, columns, codes, scanner: _Scanner) -> int:
    """PostgreSQL reads the file while Python scans it; the identity column numbers every line read,
    kept or not. Only lines whose INSEE code starts with a Métropole département are kept, or might
    once trimmed (they do not start with two digits): the validation decides for those."""
    insee = sql.Identifier(f"c{staged.column('insee_code')}")
    statement = sql.SQL(
        "COPY ftth_raw ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER {delimiter}, "
        "ENCODING {encoding}) WHERE left({insee}, 2) = ANY({departements}) OR left({insee}, 2) !~ '^[0-9]{{2}}$'"
    ).format(
        columns=columns,
        delimiter=sql.Literal(staged.fmt.delimiter),
        encoding=sql.Literal(COPY_ENCODINGS[encoding]),
        insee=insee,
        departements=sql.Literal(sorted({code[:2] for code in codes})),
    )
    with cursor.copy(statement) as copy:
        for chunk in _lines(path):
            scanner.feed(chunk)
            copy.write(chunk)
    cursor.execute("SELECT CASE WHEN is_called THEN last_value - 1 ELSE 0 END FROM ftth_raw_line_seq")
    return cursor.fetchone()[0]


def _copy_with_python(cursor, path, staged: Staged, encoding, width, codes) -> int:
    """The csv module's reading of the file: short lines padded, extra fields ignored, blank lines skipped."""
    insee = staged.column("insee_code")
    departements = {code[:2] for code in codes}
    read = 0
    with (
        open(path, newline="", encoding=encoding) as handle,
        cursor.copy("COPY ftth_raw FROM STDIN") as copy,
    ):
        rows = csv.reader(handle, delimiter=staged.fmt.delimiter)
        next(rows, None)
        for row in rows:
            if not row:
                continue
            read += 1
            row = (row + [""] * width)[:width]
            if row[insee].strip()[:2] in departements:
                copy.write_row([read + 1, *row])
    return read


# --- 2. Validation -----------------------------------------------------------------------------------

FUNCTIONS_SQL = """
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
-- The Métropole and 2 km around it, simplified to about 200 m: small enough to stay inline (not TOASTed),
-- which makes the point-in-polygon test of a million lines twice as fast.
CREATE UNLOGGED TABLE ftth_area AS
SELECT ST_Simplify(ST_Buffer(geometry::geography, 2000)::geometry, 0.002) AS area
FROM sman_territory WHERE kind = 'metropole';
"""

# Statuses, projections, numbers of premises, dates and streets take few distinct values: each is read
# once (the functions above catch errors, which costs a subtransaction per call). The distinct values
# are collected in one pass over the staged lines (grouping sets), not one pass per lookup. Each set
# that is read on its own carries a tag: the columns a file lacks are all the same constant (''), which
# PostgreSQL groups as one expression, so that GROUPING() of a missing column says nothing of its set.
LOOKUPS_SQL = """
CREATE TEMP TABLE ftth_values ON COMMIT DROP AS
SELECT GROUPING('#codes'::text) = 0 AS is_code, GROUPING('#streets'::text) = 0 AS is_street,
       {status_raw} AS status_raw, {projection} AS projection, {premises} AS premises, {pm_date} AS pm_date,
       {service_date} AS service_date, {street_type} AS street_type, {street_name} AS street_name
FROM ftth_raw
GROUP BY GROUPING SETS (({status_raw}, {projection}, {premises}, '#codes'::text), ({pm_date}), ({service_date}),
                        ({street_type}, {street_name}, '#streets'::text));
CREATE UNLOGGED TABLE ftth_codes AS
SELECT {codes_key} AS key, d.status_raw, d.projection, d.premises, st.status, sr.srid,
       d.premises <> '' AND d.premises !~ '^[0-9]{{1,6}}$' AS bad_premises
FROM ftth_values d
LEFT JOIN ftth_status_map st ON st.raw = upper(unaccent(d.status_raw))
LEFT JOIN ftth_srid_map sr ON sr.raw = upper(d.projection)
WHERE d.is_code;
CREATE UNLOGGED TABLE ftth_dates AS
SELECT raw, pg_temp.ftth_date(raw, {date_format}) AS value
FROM (SELECT pm_date FROM ftth_values WHERE pm_date IS NOT NULL
      UNION SELECT service_date FROM ftth_values WHERE service_date IS NOT NULL) d(raw);
CREATE UNLOGGED TABLE ftth_streetnames AS
SELECT {streets_key} AS key, d.street_type, d.street_name,
       ftth_normalise(concat_ws(' ', street_type, street_name)) AS street_key,
       upper(unaccent(concat_ws(' ', nullif(street_type, ''), nullif(street_name, '')))) AS plain
FROM ftth_values d WHERE is_street;
ANALYZE ftth_codes, ftth_dates, ftth_streetnames;
"""

# Coordinates take a million distinct values: cast directly, and only if one of them cannot be cast is
# the whole check run again with the careful (slower) reading.
FAST_NUMBER = "replace({}, ',', '.')::double precision"
CAREFUL_NUMBER = (
    "CASE WHEN {0} ~ '^-?[0-9]{{1,9}}([.,][0-9]{{1,12}})?$' THEN replace({0}, ',', '.')::double precision "
    "ELSE pg_temp.ftth_number({0}) END"
)

# One pass over the staged lines: each line's values as they will be stored, and the first reason (if
# any) to reject it. One level, so that PostgreSQL can share it between its parallel workers; the
# position is computed once per line (a function in FROM), and each lookup is joined on one key (the
# planner misjudges joins on several columns of these work tables).
REASON = """CASE
  WHEN f.building_id = '' THEN 'identifiant d''immeuble manquant'
  WHEN f.operator_code = '' THEN 'code opérateur manquant'
  WHEN k.status IS NULL THEN 'statut inconnu'
  WHEN k.srid IS NULL THEN 'système de coordonnées inconnu'
  WHEN {x} IS NULL OR {y} IS NULL THEN 'coordonnées illisibles'
  WHEN d1.value = '0001-01-01' OR d2.value = '0001-01-01' THEN 'date invalide'
  WHEN k.bad_premises THEN 'nombre de logements invalide'
  WHEN f.rnb_id <> '' AND upper(replace(f.rnb_id, '-', '')) !~ '^[0-9A-Z]{{12}}$' THEN 'identifiant RNB invalide'
END"""
CHECK_SQL = f"""
CREATE UNLOGGED TABLE ftth_checked AS
SELECT f.line, f.operator_code, f.building_id, f.address_code, f.number, f.number_suffix, f.street_type,
       f.street_name, f.building_name, f.insee_code, f.postcode,
       CASE WHEN NOT k.bad_premises THEN nullif(f.premises, '')::integer END AS premises,
       k.status, f.building_type, f.pm_reference, f.pm_status, d1.value AS pm_installed_on,
       d2.value AS commercial_service_date, p.location, f.commune_id,
       concat_ws(' ', nullif(upper(f.number), ''),
                 CASE WHEN f.number_suffix <> '' THEN nullif(upper(unaccent(f.number_suffix)), '') END,
                 nullif(n.plain, ''), nullif(f.postcode, ''), f.commune_plain) AS label,
       n.street_key, upper(replace(f.rnb_id, '-', '')) AS rnb_id,
       coalesce({REASON}, CASE WHEN p.location IS NULL OR NOT ST_Intersects(p.location, a.area)
                               THEN 'coordonnées hors de la Métropole' END) AS rejected_for
FROM (SELECT r.line, c.id AS commune_id, c.plain AS commune_plain, {{fields}}
      FROM ftth_raw r JOIN ftth_communes c ON c.code = {{insee}}) f
JOIN ftth_codes k ON k.key = {{codes_key}}
JOIN ftth_dates d1 ON d1.raw = f.pm_date
JOIN ftth_dates d2 ON d2.raw = f.service_date
JOIN ftth_streetnames n ON n.key = {{streets_key}}
CROSS JOIN ftth_area a
CROSS JOIN LATERAL ST_Transform(CASE WHEN {REASON} IS NULL THEN ST_SetSRID(ST_MakePoint({{x}}, {{y}}), k.srid) END,
                                4326) AS p(location);
INSERT INTO ftth_rejected SELECT line, rejected_for FROM ftth_checked WHERE rejected_for IS NOT NULL;
"""


def _key(*values: str) -> str:
    """One text for several, without ambiguity (each but the last prefixed with its length)."""
    return " || ".join([f"length({v}) || ':' || {v}" for v in values[:-1]] + [values[-1]])


# The first occurrence of an identifier is kept, the next ones are rejected.
DUPLICATES_SQL = """
CREATE UNLOGGED TABLE ftth_duplicates AS
SELECT c.line, d.first_line
FROM (
  SELECT operator_code, building_id, min(line) AS first_line FROM ftth_checked WHERE rejected_for IS NULL
  GROUP BY operator_code, building_id HAVING count(*) > 1
) d JOIN ftth_checked c USING (operator_code, building_id)
WHERE c.rejected_for IS NULL AND c.line <> d.first_line;
INSERT INTO ftth_rejected
SELECT line, 'identifiant en double (première occurrence ligne ' || first_line || ')' FROM ftth_duplicates;
UPDATE ftth_checked c SET rejected_for = r.reason FROM ftth_rejected r WHERE r.line = c.line AND c.rejected_for IS NULL;
"""
# Most files have no duplicate: a unique index (a sort) says so faster than grouping the lines.
NO_DUPLICATES_SQL = "CREATE UNIQUE INDEX ON ftth_checked (operator_code, building_id) WHERE rejected_for IS NULL"


def _field(staged: Staged, name: str, operator_code: str) -> sql.Composable:
    """A staging column's value: the file's field, trimmed, or a constant of the format."""
    fmt = staged.fmt
    if name == "projection" and "projection" not in fmt.columns:
        return sql.Literal("WGS84")
    if name == "operator_code" and (operator_code or "operator_code" not in fmt.columns):
        return sql.Literal(operator_code)
    position = staged.column(name)
    if position is None:  # not a column of the format, or not one of this file: every other layout lacks some
        return sql.Literal("")
    return sql.SQL(staged.trim.format(f"coalesce(c{position}, '')"))


def _validate(cursor, staged: Staged, operator_code: str, duplicates: bool = True) -> None:
    """ftth_rejected: (line, reason) of each rejected line; ftth_valid: the other lines, ready to store.
    Without ``duplicates``, identifiers found twice are left to the caller (see run_import)."""
    cursor.execute(FUNCTIONS_SQL)
    cursor.executemany("INSERT INTO ftth_status_map VALUES (%s, %s)", list(IPE_STATUSES.items()))
    cursor.executemany("INSERT INTO ftth_srid_map VALUES (%s, %s)", list(IPE_PROJECTIONS.items()))
    names = [c for c in STAGING_COLUMNS if c not in ("line", "date_format")]
    fields = {name: _field(staged, name, operator_code) for name in names}
    # As text casts: a format's constant (an absent column) cannot be a GROUP BY item as a bare literal.
    lookups = {name: sql.SQL("{}::text").format(value) for name, value in fields.items()}
    cursor.execute(
        sql.SQL(LOOKUPS_SQL).format(
            date_format=sql.Literal(staged.fmt.date_format),
            codes_key=sql.SQL(_key("d.status_raw", "d.projection", "d.premises")),
            streets_key=sql.SQL(_key("d.street_type", "d.street_name")),
            **lookups,
        )
    )
    # Coordinates as read are x_raw, y_raw; x, y are the numbers.
    fields["x_raw"], fields["y_raw"] = fields.pop("x"), fields.pop("y")
    insee = staged.trim.format(f"c{staged.column('insee_code')}")

    def check(number: str) -> sql.Composed:
        return sql.SQL(CHECK_SQL).format(
            fields=sql.SQL(", ").join(sql.SQL("{} AS {}").format(v, sql.Identifier(k)) for k, v in fields.items()),
            insee=sql.SQL(insee),
            x=sql.SQL(number.format("f.x_raw")),
            y=sql.SQL(number.format("f.y_raw")),
            codes_key=sql.SQL(_key("f.status_raw", "f.projection", "f.premises")),
            streets_key=sql.SQL(_key("f.street_type", "f.street_name")),
        )

    try:
        with transaction.atomic():
            cursor.execute(check(FAST_NUMBER))
    except DataError:
        cursor.execute(check(CAREFUL_NUMBER))
    if duplicates:
        try:
            with transaction.atomic():
                cursor.execute(NO_DUPLICATES_SQL)
        except IntegrityError:
            cursor.execute(DUPLICATES_SQL)
    cursor.execute("CREATE TEMP VIEW ftth_valid AS SELECT * FROM ftth_checked WHERE rejected_for IS NULL")


# --- 3. Applying the valid lines ---------------------------------------------------------------------

STATUS_CHANGES_SQL = """
INSERT INTO ftth_buildingstatuschange (building_id, status_from, status_to, changed_at, run_id)
SELECT b.id, b.status, v.status, %(now)s, %(run)s
FROM ftth_valid v JOIN ftth_building b ON b.operator_code = v.operator_code AND b.building_id = v.building_id
WHERE b.status <> v.status
"""

COLUMNS = (
    "address_code", "number", "number_suffix", "street_type", "street_name", "building_name", "insee_code",
    "postcode", "premises", "status", "building_type", "pm_reference", "pm_status", "pm_installed_on",
    "commercial_service_date", "commune_id", "label", "street_key", "rnb_id",
)  # fmt: skip

# Only the buildings where something changed are written (a re-import writes nothing).
UPDATE_SQL = f"""
WITH updated AS (
  UPDATE ftth_building b SET {", ".join(f"{c} = v.{c}" for c in COLUMNS)}, location = v.location,
    last_run_id = %(run)s, retired_at = NULL, updated_at = %(now)s
  FROM ftth_valid v
  WHERE b.operator_code = v.operator_code AND b.building_id = v.building_id
    AND (({", ".join(f"b.{c}" for c in COLUMNS)}, b.retired_at)
         IS DISTINCT FROM ({", ".join(f"v.{c}" for c in COLUMNS)}, NULL::timestamptz)
         OR NOT ST_Equals(b.location, v.location))
  RETURNING 1
) SELECT count(*) FROM updated
"""


def _insert_sql(where: str) -> str:
    """New buildings, with their first status (the start of their history) on the row itself."""
    return f"""
INSERT INTO ftth_building (operator_code, building_id, {", ".join(COLUMNS)}, location, first_status,
                           first_seen_at, first_run_id, last_run_id, retired_at, updated_at)
SELECT v.operator_code, v.building_id, {", ".join(f"v.{c}" for c in COLUMNS)}, v.location, v.status, %(now)s,
       %(run)s, %(run)s, NULL, %(now)s
FROM ftth_valid v {where}
"""


# The lines whose building is not known yet; on an operator's first file, every line.
INSERT_SQL = _insert_sql(
    "WHERE NOT EXISTS (SELECT 1 FROM ftth_building b "
    "WHERE b.operator_code = v.operator_code AND b.building_id = v.building_id)"
)
INSERT_FIRST_SQL = _insert_sql("")

# How many buildings each operator loses.
RETIRE_SQL = """
WITH retired AS (
  UPDATE ftth_building b SET retired_at = %(now)s, updated_at = %(now)s
  WHERE b.operator_code IN (SELECT DISTINCT operator_code FROM ftth_valid) AND b.retired_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM ftth_valid v WHERE v.operator_code = b.operator_code
                    AND v.building_id = b.building_id)
  RETURNING b.operator_code
) SELECT operator_code, count(*) FROM retired GROUP BY operator_code;
"""
# After the retirement: the current buildings each of these operators keeps (read only when some are retired).
KEPT_SQL = """
SELECT operator_code, count(*) FROM ftth_building
WHERE operator_code = ANY(%s) AND retired_at IS NULL GROUP BY operator_code
"""

# The street index of the address search, from the active buildings: only the streets that changed
# are written, so that a search right after an import finds no dead rows.
STREETS_SQL = """
CREATE TEMP TABLE ftth_streets_now ON COMMIT DROP AS
WITH communes AS MATERIALIZED (  -- each commune's name normalised once, not once per street
  SELECT id, ftth_normalise(name) AS name FROM sman_territory WHERE kind = 'commune'
)
SELECT s.commune_id, s.street_key AS key, s.label, s.street_key || ' ' || t.name AS search, s.buildings
FROM (
  SELECT commune_id, street_key, min(concat_ws(' ', street_type, street_name)) AS label, count(*) AS buildings
  FROM ftth_building WHERE retired_at IS NULL AND street_key <> '' GROUP BY commune_id, street_key
) s JOIN communes t ON t.id = s.commune_id;
DELETE FROM ftth_street s
WHERE NOT EXISTS (SELECT 1 FROM ftth_streets_now n WHERE n.commune_id = s.commune_id AND n.key = s.key);
INSERT INTO ftth_street AS s (commune_id, key, label, search, buildings)
SELECT commune_id, key, label, search, buildings FROM ftth_streets_now
ON CONFLICT (commune_id, key) DO UPDATE
SET label = EXCLUDED.label, search = EXCLUDED.search, buildings = EXCLUDED.buildings
WHERE (s.label, s.search, s.buildings) IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.search, EXCLUDED.buildings);
DROP TABLE ftth_streets_now;
"""


ANALYZED_COLUMNS = "operator_code, building_id, commune_id, street_key, number, status, tile, retired_at"


def _first_file(cursor, run: ImportRun) -> bool:
    """Whether the file is its operator's first (every line is the run's operator's): nothing to compare."""
    if not run.operator_code:
        return False
    cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM ftth_building WHERE operator_code = %s)", [run.operator_code])
    return cursor.fetchone()[0]


@dataclass(frozen=True)
class Retirement:
    """The operator of a file that loses the largest share of its current buildings."""

    operator_code: str
    buildings: int  # its current (not retired) buildings before the import
    retired: int

    @property
    def share(self) -> float:
        return self.retired / self.buildings


class RetirementNeedsConfirmation(Exception):
    def __init__(self, retirement: Retirement, threshold: float):
        self.retirement = retirement
        super().__init__(
            f"Ce fichier retirerait {retirement.retired} des {retirement.buildings} immeubles actuels de "
            f"l'opérateur {retirement.operator_code} ({_percent(retirement.share)}), au-delà du seuil de "
            f"{_percent(threshold)} : rien n'a été modifié, l'import attend la confirmation de l'équipe de la "
            "Métropole."
        )


def _percent(share: float) -> str:
    """0.3 → « 30 % », 1/3 → « 33,3 % »."""
    return f"{share:.1%}".replace(".0%", "%").replace(".", ",").replace("%", " %")


def _retirement(cursor, retired: dict[str, int]) -> Retirement:
    cursor.execute(KEPT_SQL, [list(retired)])
    kept = dict(cursor.fetchall())
    worst = max(sorted(retired), key=lambda code: retired[code] / (retired[code] + kept.get(code, 0)))
    return Retirement(worst, retired[worst] + kept.get(worst, 0), retired[worst])


def _apply(cursor, run: ImportRun, now, first_file: bool, outcome: Outcome, guard: float | None) -> dict:
    """Write the valid lines. With a ``guard``, a file that would retire a larger share of an operator's
    current buildings raises RetirementNeedsConfirmation before anything else is written."""
    params = {"now": now, "run": run.pk}
    status_changes = updated = retired = 0
    existing = not first_file
    if not run.operator_code:  # the operators are the file's: are any of them known?
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM ftth_building "
            "WHERE operator_code IN (SELECT DISTINCT operator_code FROM ftth_valid))"
        )
        existing = cursor.fetchone()[0]
    # An operator's first file only inserts: the passes comparing it with the operator's buildings are skipped.
    if existing:
        # Retired first: only buildings missing from the file, which the status changes and the update never
        # touch, so the guard can stop the import before anything else is written. Before the insertion:
        # the buildings it adds are in the file, never to retire, and need not be read.
        cursor.execute(RETIRE_SQL, params)
        retired_by_operator = dict(cursor.fetchall())
        retired = sum(retired_by_operator.values())
        if retired:
            outcome.retirement = _retirement(cursor, retired_by_operator)
            if guard is not None and outcome.retirement.share > guard:
                raise RetirementNeedsConfirmation(outcome.retirement, guard)
        cursor.execute(STATUS_CHANGES_SQL, params)
        status_changes = cursor.rowcount
        cursor.execute(UPDATE_SQL, params)
        (updated,) = cursor.fetchone()
    cursor.execute(INSERT_SQL if existing else INSERT_FIRST_SQL, params)
    created = cursor.rowcount
    if created or updated or retired:
        # Fresh statistics first: the aggregates below are planned for the table as it now is (in parallel
        # when it is large), and searches use the (commune, street) index right after a big import (only
        # the columns that queries filter or join on: the others cost time to sample, for nothing).
        cursor.execute(f"ANALYZE ftth_building ({ANALYZED_COLUMNS})")
        cursor.execute(STREETS_SQL)
        cursor.execute(tiles.AGGREGATES_SQL)
        cursor.execute(tiles.COMMUNE_COVERAGE_SQL, params)
        cursor.execute(coverage.SNAPSHOTS_SQL, params)  # the trend of each territory it touched
        cursor.execute("ANALYZE ftth_street")
    if existing:
        cursor.execute("SELECT count(*) FROM ftth_valid")
        (valid,) = cursor.fetchone()
    else:
        valid = created
    return {
        "created": created,
        "updated": updated,
        "unchanged": valid - created - updated,
        "retired": retired,
        "status_changes": status_changes,
    }


UNIQUE_BUILDING = "one_building_per_operator_id"


def _refuse_beyond_threshold(cursor, outcome: Outcome, threshold: float) -> None:
    cursor.execute("SELECT line, reason FROM ftth_rejected ORDER BY line")
    outcome.rejections = cursor.fetchall()
    cursor.execute("SELECT count(*) FROM ftth_checked")
    outcome.rows_outside = outcome.rows_read - cursor.fetchone()[0]
    considered = outcome.rows_read - outcome.rows_outside
    if considered and len(outcome.rejections) / considered > threshold:
        raise ImportRefused(
            f"{len(outcome.rejections)} ligne(s) rejetée(s) sur {considered} "
            f"({_percent(len(outcome.rejections) / considered)}) : au-delà de la part tolérée pour cet import "
            f"({_percent(threshold)}), le fichier est refusé en entier et rien n'a été modifié. Corrigez les lignes "
            "rejetées (leur motif est indiqué) et déposez le fichier de nouveau ; si ces rejets sont attendus, "
            f"déposez-le en tolérant plus de lignes rejetées ({_percent(MAX_REJECTED_SHARE)} au plus)."
        )


def run_import(
    *, run: ImportRun, path: Path, threshold: float | None = None, retirement_threshold: float | None = None
) -> ImportRun:
    """Import ``path`` for ``run``; the run records the outcome whatever happens, a failure as a French
    sentence that says what to do (see failure_reason). The file is refused when the share of rejected lines
    passes ``threshold``: the run's own choice unless given, else FTTH_REJECTION_THRESHOLD; the run records
    the share applied. A file that would retire more than ``retirement_threshold`` of an operator's current
    buildings is rolled back and waits for staff to confirm it (then it is applied without that check); a
    dry run only reports the figures."""
    if threshold is None:
        threshold = settings.FTTH_REJECTION_THRESHOLD if run.max_rejected_share is None else run.max_rejected_share
    if retirement_threshold is None:
        retirement_threshold = settings.FTTH_RETIREMENT_THRESHOLD
    guard = None if run.dry_run or run.confirmed_at else retirement_threshold
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.RUNNING, started_at=timezone.now(), error="", error_detail=""
    )
    outcome = Outcome()
    state, error, detail = ImportRun.State.DONE, "", ""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
            # This transaction's statements all read whole tables: sorts and hashes over a million lines
            # stay in memory, no nested loop (estimates for joins of temporary tables on several columns
            # can be wrong by orders of magnitude), no JIT compilation (seconds, for nothing here).
            cursor.execute(
                "SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '512MB'; "
                "SET LOCAL enable_nestloop = off; SET LOCAL jit = off"
            )
            # As many parallel workers as the server has cores to spare (more would share them).
            cursor.execute(
                "SELECT set_config('max_parallel_workers_per_gather', %s, true)",
                [str(settings.FTTH_IMPORT_PARALLEL_WORKERS)],
            )
            staged = _stage(cursor, path, outcome, run.operator_code)
            first_file = _first_file(cursor, run)
            # An operator's first file is inserted as it is: the unique constraint of the buildings says
            # whether an identifier came twice, and only then are the duplicates looked for.
            _validate(cursor, staged, run.operator_code, duplicates=not first_file)
            try:
                _refuse_beyond_threshold(cursor, outcome, threshold)
            except ImportRefused:
                if first_file:  # the refused file's report lists its duplicates too
                    cursor.execute(DUPLICATES_SQL)
                    _refuse_beyond_threshold(cursor, outcome, threshold)
                raise
            try:
                with transaction.atomic():
                    outcome.counts = _apply(cursor, run, timezone.now(), first_file, outcome, guard)
            except IntegrityError as exc:
                if not first_file or getattr(exc.__cause__.diag, "constraint_name", "") != UNIQUE_BUILDING:
                    raise
                cursor.execute(DUPLICATES_SQL)
                _refuse_beyond_threshold(cursor, outcome, threshold)
                outcome.counts = _apply(cursor, run, timezone.now(), first_file, outcome, guard)
            _drop_work_tables(cursor)
            if run.dry_run:
                transaction.set_rollback(True)
    except ImportRefused as exc:
        state, error = ImportRun.State.REFUSED, str(exc)
    except RetirementNeedsConfirmation as exc:
        state, error = ImportRun.State.AWAITING_CONFIRMATION, str(exc)
    except FormatError as exc:
        state, error = ImportRun.State.FAILED, str(exc)
    except Exception as exc:  # noqa: BLE001 — the run shows the failure; the data was rolled back
        logger.exception("FttH import %s failed", run.pk)
        state, error, detail = ImportRun.State.FAILED, failure_reason(exc, run.pk), technical_detail(exc)
    with transaction.atomic():
        ImportRejection.objects.filter(run=run).delete()
        ImportRejection.objects.bulk_create(
            ImportRejection(run=run, line=line, reason=reason[:300])
            for line, reason in outcome.rejections[:MAX_STORED_REJECTIONS]
        )
        ImportRun.objects.filter(pk=run.pk).update(
            state=state, error=error, error_detail=detail, max_rejected_share=threshold,
            file_format=outcome.file_format, rows_read=outcome.rows_read,
            rows_outside=outcome.rows_outside, rows_rejected=len(outcome.rejections), finished_at=timezone.now(),
            **(outcome.counts if state == ImportRun.State.DONE else {}), **_figures(outcome.retirement),
        )  # fmt: skip
    run.refresh_from_db()
    if state == ImportRun.State.DONE and not run.dry_run and (run.created or run.updated or run.retired):
        tiles.invalidate()
    return run


DETAIL_CHARS = 20_000


def technical_detail(exc: BaseException) -> str:
    """The exception and its traceback, for staff (the run's page, the admin): its end when it is long."""
    return "".join(traceback.format_exception(exc))[-DETAIL_CHARS:]


def failure_reason(exc: BaseException, run_id: int) -> str:
    """What people read when an import fails on an exception: a French sentence that says what happened and
    what to do, never the exception itself (logged, and kept on the run's error_detail for staff). The one
    place where an import's exceptions become sentences: run_import, and the task when what fails is the
    recording of the outcome itself (record_failure)."""
    if isinstance(exc, FormatError):
        return str(exc)
    if isinstance(exc, csv.Error):  # read by Python (see _stage): e.g. a line longer than the csv module accepts
        return (
            "Le fichier n'a pas pu être lu comme un fichier CSV (une ligne est mal formée ou beaucoup trop "
            "longue) : vérifiez qu'il s'agit bien d'un fichier « immeubles » de l'ARCEP ou d'un fichier IPE, "
            "enregistré au format CSV, puis déposez-le de nouveau. Rien n'a été modifié."
        )
    if isinstance(exc, FileNotFoundError):
        return (
            "Le fichier de cet import n'est plus sur le serveur (il a été supprimé ou déplacé) : déposez-le de "
            "nouveau. Rien n'a été modifié."
        )
    if isinstance(exc, OSError):
        return (
            "Le fichier n'a pas pu être lu sur le serveur (disque plein ou fichier inaccessible) : rien n'a été "
            "modifié. Relancez l'import ; si l'échec se répète, signalez-le à l'équipe technique "
            f"(import n° {run_id})."
        )
    if isinstance(exc, MemoryError):
        return (
            "Le serveur a manqué de mémoire pendant l'import : rien n'a été modifié. Relancez-le quand le serveur "
            f"est moins chargé ; si l'échec se répète, signalez-le à l'équipe technique (import n° {run_id})."
        )
    if _sqlstate(exc) in VALUE_TOO_LARGE:
        return (
            "Une valeur du fichier n'a pas pu être enregistrée (par exemple un identifiant ou un nom de voie "
            "beaucoup trop long) : rien n'a été modifié. Vérifiez que les colonnes du fichier sont bien celles "
            "d'un fichier « immeubles » de l'ARCEP ou d'un fichier IPE, puis déposez-le de nouveau ; si le fichier "
            f"est correct, signalez l'import n° {run_id} à l'équipe technique."
        )
    if isinstance(exc, OperationalError | InterfaceError | psycopg.OperationalError | psycopg.InterfaceError):
        return (
            "La base de données n'a pas répondu pendant l'import : rien n'a été modifié. Relancez l'import dans "
            f"quelques minutes ; si l'échec se répète, signalez-le à l'équipe technique (import n° {run_id})."
        )
    return (
        "L'import s'est arrêté sur une erreur inattendue : rien n'a été modifié. Relancez-le ; si l'échec se "
        f"répète, signalez l'import n° {run_id} à l'équipe technique, qui en trouvera le détail dans le journal."
    )


# String data right truncation (a value longer than its column), numeric value out of range.
VALUE_TOO_LARGE = {"22001", "22003"}


def _sqlstate(exc: BaseException) -> str:
    """PostgreSQL's code for the error (Django wraps psycopg's exceptions), "" for any other exception."""
    for error in (exc, exc.__cause__):
        if isinstance(error, psycopg.Error) and error.sqlstate:
            return error.sqlstate
    return ""


def record_failure(*, run_id: int, exc: BaseException) -> None:
    """When run_import itself raises (e.g. the database went away while it recorded the outcome): the run
    says why in French before the job machinery (sman/jobs.py) could record the exception's name, which it
    then leaves as it is (it only ends a run that is still running)."""
    logger.error("FttH import %s failed", run_id, exc_info=exc)
    try:
        ImportRun.objects.filter(pk=run_id, state=ImportRun.State.RUNNING).update(
            state=ImportRun.State.FAILED, error=failure_reason(exc, run_id), error_detail=technical_detail(exc),
            finished_at=timezone.now(),
        )  # fmt: skip
    except DatabaseError:
        logger.exception("FttH import %s: its failure could not be recorded", run_id)


def _figures(retirement: Retirement | None) -> dict:
    """The guard's figures, when the file retires buildings (kept as they were otherwise)."""
    if retirement is None:
        return {}
    return {
        "operator_buildings": retirement.buildings,
        "to_retire": retirement.retired,
        "retirement_share": retirement.share,
    }


def vacuum(run: ImportRun) -> None:
    """After an import has committed: clear the dead rows it left (updated streets and cells, and the
    buildings' old versions if it updated or retired some) and refresh the statistics, so that the
    first searches after an import are as fast as the next ones. VACUUM cannot run in a transaction:
    inside one (tests), nothing is done."""
    if connection.in_atomic_block or run.state != ImportRun.State.DONE or run.dry_run:
        return
    tables = ["ftth_street", "ftth_coveragecell"] + (["ftth_building"] if run.updated or run.retired else [])
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")

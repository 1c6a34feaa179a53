"""SQL shared by the import and the search: how an address is normalised (one definition, in the
database, so that indexed data and typed queries are normalised the same way)."""

ABBREVIATIONS = {
    "BD": "BOULEVARD", "BLD": "BOULEVARD", "BOUL": "BOULEVARD", "AV": "AVENUE", "AVE": "AVENUE", "R": "RUE",
    "PL": "PLACE", "CHE": "CHEMIN", "CHEM": "CHEMIN", "ALL": "ALLEE", "IMP": "IMPASSE", "SQ": "SQUARE",
    "QU": "QUAI", "RTE": "ROUTE", "FG": "FAUBOURG", "FBG": "FAUBOURG", "PASS": "PASSAGE", "CRS": "COURS",
    "ST": "SAINT", "STE": "SAINTE", "GAL": "GENERAL", "MAL": "MARECHAL", "PDT": "PRESIDENT", "PROM": "PROMENADE",
    "RPT": "ROND POINT", "VLA": "VILLA", "CITE": "CITE", "RES": "RESIDENCE", "SENT": "SENTIER",
}  # fmt: skip


# Upper case, no accents, punctuation and hyphens as spaces, single spaces, abbreviations expanded word by
# word (a lookup, not one regular expression per abbreviation: PostgreSQL caches 32 compiled expressions
# per connection, and a query using more than that compiled them all again at every call).
NORMALISE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ftth_normalise(value text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(coalesce(a.expanded, w.word), ' ' ORDER BY w.n), '')
  FROM regexp_split_to_table(trim(regexp_replace(upper(unaccent(coalesce(value, ''))), '[^A-Z0-9]+', ' ', 'g')), ' ')
       WITH ORDINALITY AS w(word, n)
  LEFT JOIN (VALUES {", ".join(f"('{short}', '{full}')" for short, full in ABBREVIATIONS.items())}) a(short, expanded)
       ON a.short = w.word
  WHERE w.word <> ''
$$;
"""

"""SQL shared by the import and the search: how an address is normalised (one definition, in the
database, so that indexed data and typed queries are normalised the same way)."""

ABBREVIATIONS = {
    "BD": "BOULEVARD", "BLD": "BOULEVARD", "BOUL": "BOULEVARD", "AV": "AVENUE", "AVE": "AVENUE", "R": "RUE",
    "PL": "PLACE", "CHE": "CHEMIN", "CHEM": "CHEMIN", "ALL": "ALLEE", "IMP": "IMPASSE", "SQ": "SQUARE",
    "QU": "QUAI", "RTE": "ROUTE", "FG": "FAUBOURG", "FBG": "FAUBOURG", "PASS": "PASSAGE", "CRS": "COURS",
    "ST": "SAINT", "STE": "SAINTE", "GAL": "GENERAL", "MAL": "MARECHAL", "PDT": "PRESIDENT", "PROM": "PROMENADE",
    "RPT": "ROND POINT", "VLA": "VILLA", "CITE": "CITE", "RES": "RESIDENCE", "SENT": "SENTIER",
}  # fmt: skip


def _expand(expression: str) -> str:
    for short, full in ABBREVIATIONS.items():
        if short != full:
            expression = f"regexp_replace({expression}, '\\m{short}\\M', '{full}', 'g')"
    return expression


# Upper case, no accents, punctuation and hyphens as spaces, abbreviations expanded, single spaces.
NORMALISE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ftth_normalise(value text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT trim(regexp_replace({_expand("regexp_replace(upper(unaccent(coalesce(value, ''))), '[^A-Z0-9]+', ' ', 'g')")},
                             ' +', ' ', 'g'))
$$;
"""

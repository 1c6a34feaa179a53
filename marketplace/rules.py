"""Pure rules of the marketplace, each pointing to what it applies.

- SIREN: 9 digits with the Luhn check digit (INSEE's rule for SIREN numbers); La Poste's SIREN 356000000
  is the one known exception (its digits sum to a multiple of 5, not 10).
- Follow-up of an adoption: six months after it (issue 16, « a follow-up question after 6 months »).
- Matching weights: a défi, a theme, the territory and the text each add to a solution's score; the reasons
  are shown next to the score, so that a buyer sees why a solution is proposed.
"""

from datetime import date

LA_POSTE_SIREN = "356000000"
FOLLOW_UP_MONTHS = 6

# Matching (SMAN §4.2.1.3 « J'adopte une innovation »: needs shared by the collectivities, answered by the
# community). Integer points: a défi in common counts most, then each theme, the territory, the text rank.
SCORE_CHALLENGE = 30
SCORE_THEME = 20
SCORE_TERRITORY = 15
SCORE_TEXT_MAX = 35  # the text rank (0..1, PostgreSQL ts_rank normalised) times this
MATCH_LIMIT = 20  # solutions and members proposed per need

# Public credit (« Ils ont relevé le défi »): a need poorly met elsewhere is one for which the first matching, at
# publication, found fewer than this many members; a member that answered it and was shortlisted or adopted is
# credited on its profile and on the marketplace's home.
POORLY_MET_MATCHES = 3


def luhn_ok(digits: str) -> bool:
    """The Luhn check on a string of digits (every second digit from the right doubled)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_ok(siren: str) -> bool:
    """A SIREN number: nine digits passing the Luhn check (La Poste's excepted)."""
    if len(siren) != 9 or not siren.isascii() or not siren.isdigit():
        return False
    if siren == LA_POSTE_SIREN:
        return True
    return luhn_ok(siren)


def follow_up_due(adopted_on: date) -> date:
    """Six months after an adoption (the last day of a shorter month when the day does not exist)."""
    month = adopted_on.month - 1 + FOLLOW_UP_MONTHS
    year, month = adopted_on.year + month // 12, month % 12 + 1
    for day in (adopted_on.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def semester_of(day: date) -> str:
    """« 2026-S1 » for January to June, « 2026-S2 » for July to December (the COPIL's semesters)."""
    return f"{day.year}-S{1 if day.month <= 6 else 2}"


def semester_label(semester: str) -> str:
    """« 1er semestre 2026 » for « 2026-S1 », « 2nd semestre 2026 » for « 2026-S2 »."""
    year, half = semester.split("-S")
    return f"{'1er' if half == '1' else '2nd'} semestre {year}"

"""The RGAA 4.1 audit of the portal, read from its one data file, and the compliance rate it gives.

The audit (``sman/data/rgaa/audit.yaml``) is reviewed like code: the sample of pages, the 106 criteria of
the RGAA 4.1 with, for each one, how it was checked and its result on every page of the sample. The
declaration of accessibility, the multi-year plan and the yearly action plan are generated from it
(``sman/views.py``), and the footer's « Accessibilité : … » mention follows the rate.

The RGAA's formula (« Méthode technique », « Calcul du taux de conformité »): a criterion is compliant
for the sample when it is compliant or not applicable on every page and compliant on at least one, not
compliant when it fails on at least one page, not applicable when it applies to no page; the rate is
C / (C + NC). The average rate is the mean, over the pages, of each page's own C / (C + NC).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml

AUDIT_FILE = Path(__file__).resolve().parent / "data" / "rgaa" / "audit.yaml"
CRITERIA_COUNT = 106  # RGAA 4.1: 13 themes, 106 criteria
THEME_SIZES = {1: 9, 2: 2, 3: 3, 4: 13, 5: 8, 6: 2, 7: 5, 8: 10, 9: 4, 10: 14, 11: 13, 12: 11, 13: 12}

C, NC, NA = "C", "NC", "NA"
AUTOMATIC, MANUAL = "automatic", "manual"


class AuditError(ValueError):
    """The audit file contradicts itself or the RGAA (a missing criterion, an unknown page…)."""


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class NonCompliance:
    criterion: str
    pages: tuple[str, ...]
    note: str
    fix_by: datetime.date
    fix: str = ""  # what will be done
    page_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    number: str
    theme: str
    title: str
    method: str  # AUTOMATIC or MANUAL
    checks: str  # what was looked at
    tests: tuple[str, ...]  # "tests/…py::test_name" for an automatic criterion
    checked_on: datetime.date | None  # a manual criterion: when, and by whom
    auditor: str
    results: dict[str, str]  # page id -> C, NC or NA, for every page of the sample
    non_compliances: tuple[NonCompliance, ...] = ()

    @property
    def status(self) -> str:
        """The criterion's result on the whole sample, by the RGAA's rule."""
        return combined_status(self.results.values())

    @property
    def theme_number(self) -> int:
        return int(self.number.split(".")[0])


@dataclass(frozen=True)
class Audit:
    date: datetime.date
    auditor: str
    reference: str
    pages: tuple[Page, ...]
    criteria: tuple[Criterion, ...]
    declaration: dict = field(default_factory=dict)
    plan: dict = field(default_factory=dict)

    @property
    def rate(self) -> Decimal:
        return compliance_rate(c.status for c in self.criteria)

    @property
    def average_rate(self) -> Decimal:
        return average_page_rate({c.number: c.results for c in self.criteria}, [p.id for p in self.pages])

    @property
    def compliance(self) -> str:
        return compliance_level(self.rate)

    def counts(self) -> dict[str, int]:
        statuses = [c.status for c in self.criteria]
        return {status: statuses.count(status) for status in (C, NC, NA)}

    def non_compliant(self) -> list[Criterion]:
        return [c for c in self.criteria if c.status == NC]

    def non_compliances(self) -> list[NonCompliance]:
        """Every recorded non-compliance, the soonest fix first."""
        return sorted(
            (nc for c in self.criteria for nc in c.non_compliances), key=lambda nc: (nc.fix_by, _key(nc.criterion))
        )

    def page(self, page_id: str) -> Page:
        return next(p for p in self.pages if p.id == page_id)


def combined_status(statuses) -> str:
    statuses = list(statuses)
    if NC in statuses:
        return NC
    if C in statuses:
        return C
    return NA


def compliance_rate(statuses) -> Decimal:
    """C / (C + NC) as a percentage with two decimals; 100 when nothing applies."""
    statuses = list(statuses)
    compliant, failing = statuses.count(C), statuses.count(NC)
    if compliant + failing == 0:
        return Decimal("100.00")
    return _percent(Decimal(compliant) / Decimal(compliant + failing))


def average_page_rate(results: dict[str, dict[str, str]], page_ids: list[str]) -> Decimal:
    """The mean of each page's rate (its C / (C + NC) over the criteria), two decimals."""
    rates = []
    for page_id in page_ids:
        statuses = [by_page[page_id] for by_page in results.values()]
        compliant, failing = statuses.count(C), statuses.count(NC)
        if compliant + failing:
            rates.append(Decimal(compliant) / Decimal(compliant + failing))
    if not rates:
        return Decimal("100.00")
    return _percent(sum(rates) / len(rates))


def compliance_level(rate: Decimal) -> str:
    """The wording of the 2019 decree's model: total at 100 %, partial from 50 %, none below."""
    if rate >= 100:
        return "totalement conforme"
    if rate >= 50:
        return "partiellement conforme"
    return "non conforme"


def _percent(ratio: Decimal) -> Decimal:
    return (ratio * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _key(number: str) -> tuple[int, int]:
    theme, criterion = number.split(".")
    return int(theme), int(criterion)


def _date(value, where: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise AuditError(f"{where} : date {value!r} invalide (AAAA-MM-JJ attendu)") from None


def parse_audit(data: dict) -> Audit:
    """Build and check the audit from the file's data; every contradiction raises AuditError."""
    pages = tuple(Page(**page) for page in data["pages"])
    page_ids = [p.id for p in pages]
    if len(set(page_ids)) != len(page_ids):
        raise AuditError("une page de l'échantillon est déclarée deux fois")
    criteria = []
    for entry in data["criteria"]:
        number = str(entry["number"])
        where = f"critère {number}"
        results = _results(entry.get("results", {}), page_ids, where)
        non_compliances = []
        for item in entry.get("non_compliances", ()):
            item_pages = tuple(item["pages"])
            unknown = set(item_pages) - set(page_ids)
            if unknown:
                raise AuditError(f"{where} : page(s) inconnue(s) {sorted(unknown)}")
            if not str(item.get("note", "")).strip() or not str(item.get("fix", "")).strip():
                raise AuditError(f"{where} : une non-conformité sans note ou sans correction prévue")
            for page_id in item_pages:
                if results[page_id] == NC:
                    raise AuditError(f"{where} : deux non-conformités sur la page {page_id}")
                results[page_id] = NC
            fix_by = _date(item.get("fix_by"), where)
            titles = tuple(next(p.title for p in pages if p.id == page_id) for page_id in item_pages)
            non_compliances.append(
                NonCompliance(number, item_pages, item["note"].strip(), fix_by, item["fix"].strip(), titles)
            )
        method = entry.get("method")
        tests = tuple(entry.get("tests", ()))
        if method == AUTOMATIC and not tests:
            raise AuditError(f"{where} : vérifié automatiquement, mais par quel test ?")
        if method == MANUAL and not (entry.get("checked_on") and entry.get("auditor")):
            raise AuditError(f"{where} : vérifié à la main, mais quand et par qui ?")
        if method not in (AUTOMATIC, MANUAL):
            raise AuditError(f"{where} : méthode {method!r} inconnue")
        criteria.append(
            Criterion(
                number=number,
                theme=entry["theme"],
                title=entry["title"],
                method=method,
                checks=str(entry.get("checks", "")).strip(),
                tests=tests,
                checked_on=_date(entry["checked_on"], where) if entry.get("checked_on") else None,
                auditor=entry.get("auditor", ""),
                results=results,
                non_compliances=tuple(non_compliances),
            )
        )
    numbers = [c.number for c in criteria]
    expected = [f"{theme}.{n}" for theme, size in THEME_SIZES.items() for n in range(1, size + 1)]
    if numbers != expected:
        missing, extra = sorted(set(expected) - set(numbers), key=_key), sorted(set(numbers) - set(expected))
        raise AuditError(
            f"les critères ne sont pas les 106 du RGAA 4.1 dans l'ordre (manquants {missing}, en trop {extra})"
        )
    audit = data["audit"]
    return Audit(
        date=_date(audit["date"], "audit"),
        auditor=audit["auditor"],
        reference=audit["reference"],
        pages=pages,
        criteria=tuple(criteria),
        declaration=data.get("declaration", {}),
        plan=data.get("plan", {}),
    )


def _results(raw: dict, page_ids: list[str], where: str) -> dict[str, str]:
    """``{"*": "C", "login": "NA"}``: a default for every page, then the pages that differ. NC is never
    written here: a non-compliance is recorded with its note and fix date (``non_compliances``)."""
    unknown = set(raw) - set(page_ids) - {"*"}
    if unknown:
        raise AuditError(f"{where} : page(s) inconnue(s) {sorted(unknown)}")
    for status in raw.values():
        if status not in (C, NA):
            raise AuditError(f"{where} : résultat {status!r} (C ou NA ; une NC s'écrit dans non_compliances)")
    if "*" not in raw and set(raw) != set(page_ids):
        raise AuditError(f"{where} : résultat manquant pour {sorted(set(page_ids) - set(raw))}")
    return {page_id: raw.get(page_id, raw.get("*")) for page_id in page_ids}


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Audit:
    with open(path, encoding="utf-8") as stream:
        return parse_audit(yaml.safe_load(stream))


def load_audit(path: Path | None = None) -> Audit:
    """The audit, parsed once per version of the file."""
    path = path or AUDIT_FILE
    return _load(str(path), path.stat().st_mtime)

"""Every URL pattern of the project's own apps is in some role × URL matrix case (tests/matrix.py).

The test walks ``get_resolver().url_patterns`` (include()s, the DRF router, allauth under /comptes/, the
admin under /admin/), imports every test module so that each ``Case`` registers itself in ``ALL_CASES``,
and fails naming each pattern that no case covers and that ``EXEMPT`` does not list with a reason.
"""

import importlib
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from .matrix import ALL_CASES

PROJECT_APPS = (
    "sman",
    "actions",
    "fmin",
    "ftth",
    "passnumerique",
    "marketplace",
    "resources",
    "participation",
    "engineering",
    "contests",
)
TESTS = Path(__file__).resolve().parent

# URL names no matrix case needs to cover, each with its reason. Patterns of other packages (allauth's own
# account and MFA pages, DRF's browsable root, drf-spectacular's schema views) are out of scope by module;
# the admin's pages are covered through admin:index and admin:app_list.
EXEMPT = {
    "healthz": "the load balancer's probe, no permission: tests/sman/test_health_and_celery.py",
    "accessibility": "generated from the audit file, identical for every role: tests/sman/test_accessibility_audit.py",
    "accessibility_audit": "generated from the audit file, identical for every role",
    "accessibility_plan": "generated from the audit file, identical for every role",
    "accessibility_actions": "generated from the audit file, identical for every role",
    "site_map": "public page listing the menu: tests/sman/test_accessibility_audit.py",
    "legal": "static page, identical for every role",
    "privacy": "static page, identical for every role",
    "ftth:alert_confirm": "reached with a signed token, not a role: tests/ftth/test_alerts.py",
    "ftth:alert_unsubscribe": "reached with a signed token, not a role: tests/ftth/test_alerts.py",
}
# Admin patterns: one page per app is enough (the site's own permission check is the same for every model).
ADMIN_COVERED_BY = ("admin:index", "admin:app_list")


def _module(pattern: URLPattern) -> str:
    callback = pattern.callback
    for attr in ("cls", "view_class"):
        owner = getattr(callback, attr, None)
        if owner is not None:
            return owner.__module__
    return callback.__module__


def walk(patterns, prefix="", namespaces=()):
    """(route, URL name, view module) of every pattern, through include()s."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            yield prefix + str(pattern.pattern), name, _module(pattern)


def project_patterns() -> dict[str, str]:
    """URL name → route, for the patterns of the project's own apps (and the admin's)."""
    found = {}
    for route, name, module in walk(get_resolver().url_patterns):
        if name and name.startswith("admin:"):
            if name in ADMIN_COVERED_BY or name in EXEMPT:
                found.setdefault(name, route)
            continue
        if module.split(".")[0] in PROJECT_APPS:
            assert name, f"URL pattern {route} ({module}) has no name: a matrix case cannot cover it"
            found.setdefault(name, route)
    return found


def _import_test_modules():
    """Imports the test modules that build matrix cases (others may do work at import, e.g. load a schema)."""
    for path in sorted(TESTS.rglob("test_*.py")):
        if "e2e" in path.parts or path == Path(__file__).resolve():
            continue
        if "matrix import" in path.read_text():
            importlib.import_module(".".join(("tests", *path.relative_to(TESTS).with_suffix("").parts)))


def covered_names() -> set[str]:
    _import_test_modules()
    return {case.url_name() for case in ALL_CASES}


def test_every_url_pattern_is_in_a_matrix_case():
    patterns = project_patterns()
    covered = covered_names()
    missing = sorted(f"{name} ({route})" for name, route in patterns.items() if name not in covered | EXEMPT.keys())
    assert not missing, "URL patterns in no matrix case (tests/matrix.py) nor EXEMPT:\n" + "\n".join(missing)


def test_exemptions_name_real_patterns_that_no_case_covers():
    patterns = project_patterns()
    covered = covered_names()
    assert not EXEMPT.keys() - patterns.keys(), "EXEMPT lists unknown URL names"
    assert not EXEMPT.keys() & covered, "EXEMPT lists URL names a matrix case covers"

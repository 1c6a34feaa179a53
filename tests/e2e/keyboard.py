"""Keyboard-only helpers for the browser tests: move with Tab / Shift+Tab, check that the focus is visible and
never lost, that an error summary is announced and links to existing fields. No ``click()`` in a journey."""

FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  return outline || Boolean(shadow);
}"""

MATCHES = """([tag, text, exact]) => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  if (tag && el.tagName.toLowerCase() !== tag) return false;
  if (text === null) return true;
  const label = (el.labels && el.labels.length ? el.labels[0].textContent : "") || "";
  const own = el.getAttribute("aria-label") || (el.type === "submit" && el.value) || "";
  const same = (t) => {
    const clean = t.replace(/\\s+/g, " ").trim();
    return exact ? clean === text : clean.includes(text);
  };
  return [el.textContent, label, own].some((t) => t && same(t));
}"""


def focus_is_visible(page) -> bool:
    """The focused element has a computed outline or box-shadow (the portal's :focus-visible ring)."""
    return page.evaluate(FOCUS_VISIBLE)


def focus_is_kept(page) -> bool:
    return page.evaluate("document.activeElement !== null && document.activeElement !== document.body")


def tab_to(page, tag: str | None, text: str | None, *, exact: bool = True, backwards: bool = False, limit: int = 250):
    """Presses Tab (or Shift+Tab) until the focused element is a ``tag`` whose text, label or aria-label is
    ``text`` (or contains it, ``exact=False``), one lap of the page at most; checks that the focus found is
    visible. Returns the focused element as a locator."""
    key = "Shift+Tab" if backwards else "Tab"
    wrapped = False
    for _ in range(limit):
        page.keyboard.press(key)
        if not focus_is_kept(page):
            # Past the last element the focus leaves the page for the browser's own controls, once per lap.
            assert not wrapped, f"{tag} « {text} » jamais atteint au clavier (un tour complet)"
            wrapped = True
            continue
        if page.evaluate(MATCHES, [tag, text, exact]):
            assert focus_is_visible(page), f"focus invisible sur {tag} « {text} »"
            return page.locator("*:focus")
    raise AssertionError(f"{tag} « {text} » jamais atteint au clavier")


def type_into(page, text: str) -> None:
    page.keyboard.type(text)


def assert_error_summary_announced(page) -> None:
    """The error summary is announced (role=alert or aria-live) and each of its links points to an existing
    field (href="#id")."""
    summary = page.locator(".error-summary")
    summary.wait_for()
    announced = summary.evaluate(
        "e => e.getAttribute('role') === 'alert' || e.hasAttribute('aria-live')"
        " || e.closest('[role=alert],[aria-live]') !== null"
    )
    assert announced, "le récapitulatif des erreurs n'est pas annoncé (role=alert ou aria-live)"
    hrefs = summary.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs, "le récapitulatif des erreurs ne renvoie à aucun champ"
    for href in hrefs:
        assert href.startswith("#"), href
        field = "id => { const f = document.getElementById(id); return f !== null && f.matches(FIELDS); }"
        assert page.evaluate(field.replace("FIELDS", "'input,select,textarea,fieldset,[tabindex]'"), href[1:]), (
            f"{href} ne désigne aucun champ"
        )

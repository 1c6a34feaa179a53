"""Accessible SVG charts rendered on the server, for the portal pages and the WeasyPrint PDF reports.

Plain string building, no JavaScript and no CSS: the Content-Security-Policy forbids inline styles, so only SVG
presentation attributes are used, and WeasyPrint draws the very same markup in the PDFs. Each chart is one ``<svg
role="img">`` labelled by its ``<title>`` and ``<desc>``, and whatever a colour tells is also written out in text.

French formatting: U+00A0 (no-break space) separates thousands and a number from its unit (``200 000 €``,
``45 j``, ``12,5 %``); dates read ``31/12/2024``.
"""

import hashlib
import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

NBSP = "\u00a0"
# Contrast against white: the four series colours and MUTED exceed 4.5:1, so they are also fit for text.
BLUE, ORANGE, GREEN, RED = "#15397a", "#a63a00", "#1e6b34", "#a4161a"
TEXT, MUTED, GRID = "#1b1b1b", "#4a5360", "#d0d5dc"
FONT = 11

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- Formatting -------------------------------------------------------------------------------------------------


def _esc(text) -> str:
    """Caller text may hold markup, quotes or control characters that XML 1.0 rejects outright.

    Apostrophes stay as they are: every attribute is double-quoted, and « Aujourd'hui » stays greppable.
    """
    return escape(_XML_INVALID.sub("", str(text)), {'"': "&quot;"})


def _num(value) -> Decimal:
    """Decimal keeps money exact; a float goes through repr so that 0.1 stays 0.1, not its binary expansion."""
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def fr_number(value, decimals: int = 2) -> str:
    """« 12 345,6 »: French separators, trailing zeros dropped (charts, their descriptions, the report's tables)."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = _num(value).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded) if rounded == 0 else rounded:,.{decimals}f}"  # abs: no « -0 »
    if decimals:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", NBSP).replace(".", ",")


def _with_unit(value, unit: str) -> str:
    return f"{fr_number(value)}{NBSP}{unit}" if unit else fr_number(value)


def euros_whole(value) -> str:
    """« 12 345 € »: an amount in euros, rounded to the euro."""
    return f"{fr_number(value, 0)}{NBSP}€"


def _days(count: int) -> str:
    return f"{count}{NBSP}j"


def _fr_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _plural(count: int, singular: str, plural: str) -> str:
    """French puts 0 and 1 in the singular."""
    return f"{count} {singular if count <= 1 else plural}"


def _truncate(text: str, max_chars: int) -> str:
    """SVG text never wraps: a long label would run over its neighbours."""
    max_chars = max(max_chars, 4)
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _text_width(text: str, size: int = FONT) -> float:
    """Rough width of sans-serif text: enough to size margins without font metrics on the server."""
    return len(text) * size * 0.6


# --- SVG building -----------------------------------------------------------------------------------------------


def _n(value: float) -> str:
    """One decimal is finer than a pixel, and keeps the output short and reproducible."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _el(tag: str, content: str | None = None, **attrs) -> str:
    """Keyword ``stroke_width`` becomes the ``stroke-width`` attribute; ``content`` must already be markup."""
    rendered = "".join(
        f' {name.replace("_", "-")}="{_esc(value) if isinstance(value, str) else _n(value)}"'
        for name, value in attrs.items()
    )
    return f"<{tag}{rendered}/>" if content is None else f"<{tag}{rendered}>{content}</{tag}>"


def _text(x: float, y: float, label: str, *, anchor: str = "start", fill: str = MUTED, size: int = FONT) -> str:
    return _el("text", _esc(label), x=x, y=y, fill=fill, font_size=size, text_anchor=anchor)


def _tooltip(label: str) -> str:
    """Hover help in browsers; assistive technologies read the root <desc> instead, as role="img" hides children."""
    return _el("title", _esc(label))


def _svg(kind: str, key, *, title: str, desc: str, width: float, height: float, body: list[str]) -> SafeString:
    """Ids come from a hash of the input: unique per chart, yet the same input renders byte for byte the same."""
    digest = hashlib.sha256(repr((kind, str(title), desc, width, height, key)).encode()).hexdigest()[:12]
    uid = f"{kind}-{digest}"
    size = f'width="{_n(width)}" height="{_n(height)}"'
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {_n(width)} {_n(height)}" {size} '
        f'aria-labelledby="{uid}-title {uid}-desc" font-family="sans-serif">'
        f'<title id="{uid}-title">{_esc(title)}</title><desc id="{uid}-desc">{_esc(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")


def _empty(kind: str, message: str, *, title: str, description: str | None, width: float, height: float):
    body = [_text(width / 2, height / 2, message, anchor="middle", size=14)]
    return _svg(kind, (), title=title, desc=description or f"{message}.", width=width, height=height, body=body)


# --- Charts -----------------------------------------------------------------------------------------------------


def line_chart(points, *, title, unit="", target=None, description=None, width=600, height=240) -> SafeString:
    """Evolution of one indicator over time, with its target as a dashed line."""
    points = sorted(((day, _num(value)) for day, value in points), key=lambda point: point[0])
    if not points:
        return _empty(
            "line-chart", "Aucune valeur enregistrée", title=title, description=description, width=width, height=height
        )
    values = [value for _, value in points]
    goal = None if target is None else _num(target)
    bounds = [*values, goal] if goal is not None else values
    low, high = min(bounds), max(bounds)
    first_day, last_day = points[0][0], points[-1][0]

    y_labels = {high: _with_unit(high, unit), low: _with_unit(low, unit)}  # one entry when all values are equal
    left = max(40, 10 + max(_text_width(label) for label in y_labels.values()))
    top, right, bottom = 20, 16, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    value_span, day_span = float(high - low), (last_day - first_day).days

    def x(day) -> float:
        return left + ((day - first_day).days / day_span * plot_w if day_span else plot_w / 2)

    def y(value) -> float:
        return top + (float(high - value) / value_span * plot_h if value_span else plot_h / 2)

    body = []
    for value, label in y_labels.items():
        body.append(_el("line", x1=left, y1=y(value), x2=left + plot_w, y2=y(value), stroke=GRID))
        body.append(_text(left - 6, y(value) + 4, label, anchor="end"))
    body.append(_el("line", x1=left, y1=top, x2=left, y2=top + plot_h, stroke=MUTED))
    body.append(_el("line", x1=left, y1=top + plot_h, x2=left + plot_w, y2=top + plot_h, stroke=MUTED))
    if goal is not None:
        dashed = {"stroke": ORANGE, "stroke_width": 1.5, "stroke_dasharray": "6 4"}
        body.append(_el("line", x1=left, y1=y(goal), x2=left + plot_w, y2=y(goal), **dashed))
        body.append(_text(left + plot_w, y(goal) - 5, f"Cible : {_with_unit(goal, unit)}", anchor="end", fill=ORANGE))
    if len(points) > 1:
        coords = " ".join(f"{_n(x(day))},{_n(y(value))}" for day, value in points)
        body.append(_el("polyline", points=coords, fill="none", stroke=BLUE, stroke_width=2))
    for day, value in points:
        tip = _tooltip(f"{_fr_date(day)} : {_with_unit(value, unit)}")
        body.append(_el("circle", tip, cx=x(day), cy=y(value), r=3.5, fill=BLUE, stroke="#ffffff", stroke_width=1))
    if day_span:
        body.append(_text(left, height - 8, _fr_date(first_day)))
        body.append(_text(left + plot_w, height - 8, _fr_date(last_day), anchor="end"))
    else:
        body.append(_text(left + plot_w / 2, height - 8, _fr_date(first_day), anchor="middle"))

    summary = line_summary(points, unit=unit, target=goal)
    key = (unit, goal, points)
    return _svg("line-chart", key, title=title, desc=description or summary, width=width, height=height, body=body)


def line_summary(points, *, unit="", target=None) -> str:
    """What a line chart shows, in words: its description, and the text alternative printed after it."""
    points = sorted(((day, _num(value)) for day, value in points), key=lambda point: point[0])
    if not points:
        return "Aucune valeur enregistrée."
    values = [value for _, value in points]
    (first_day, _), (last_day, _) = points[0], points[-1]
    first, last = _with_unit(values[0], unit), _with_unit(values[-1], unit)
    if len(points) == 1:
        summary = f"1 valeur : {first} le {_fr_date(first_day)}."
    else:
        summary = (
            f"{len(points)} valeurs du {_fr_date(first_day)} au {_fr_date(last_day)} : première valeur {first}, "
            f"dernière valeur {last}, minimum {_with_unit(min(values), unit)}, maximum {_with_unit(max(values), unit)}."
        )
    if target is not None:
        summary += f" Cible : {_with_unit(target, unit)}."
    return summary


BUDGET_SERIES = (("Alloué", BLUE), ("Engagé", ORANGE), ("Dépensé", GREEN))


def _nice_ceiling(value: float) -> float:
    """A round axis maximum, so that the tick labels (0, half, maximum) read as round amounts."""
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if step * magnitude >= value)


def budget_bars(rows, *, title, description=None, width=600, height=240) -> SafeString:
    """Allocated, committed and spent amounts side by side, always in that order, for each budget line."""
    rows = [(str(label), _num(allocated), _num(committed), _num(spent)) for label, allocated, committed, spent in rows]
    if not rows:
        return _empty(
            "budget-bars", "Aucun budget renseigné", title=title, description=description, width=width, height=height
        )
    peak = max(max(row[1:]) for row in rows)
    scale_max = _nice_ceiling(float(peak)) if peak > 0 else 0
    ticks = [0.0, scale_max / 2, scale_max] if scale_max else [0.0]
    left = max(40, 10 + max(_text_width(euros_whole(tick)) for tick in ticks))
    top, right, bottom = 30, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(value) -> float:
        return top + plot_h - (max(float(value), 0) / scale_max * plot_h if scale_max else 0)

    body = []
    cursor = left
    for name, colour in BUDGET_SERIES:
        body.append(_el("rect", x=cursor, y=6, width=10, height=10, fill=colour))
        body.append(_text(cursor + 14, 15, name, fill=TEXT))
        cursor += 14 + _text_width(name) + 16
    for tick in ticks:
        body.append(_el("line", x1=left, y1=y(tick), x2=left + plot_w, y2=y(tick), stroke=GRID))
        body.append(_text(left - 6, y(tick) + 4, euros_whole(tick), anchor="end"))
    body.append(_el("line", x1=left, y1=top + plot_h, x2=left + plot_w, y2=top + plot_h, stroke=MUTED))

    group_w = plot_w / len(rows)
    bar_w = group_w * 0.75 / 3
    for index, (label, *amounts) in enumerate(rows):
        start = left + index * group_w + group_w * 0.125
        bars = [_tooltip(label)]
        for offset, ((name, colour), amount) in enumerate(zip(BUDGET_SERIES, amounts, strict=True)):
            tip = _tooltip(f"{label} — {name.lower()} : {euros_whole(amount)}")
            bar_x, bar_y = start + offset * bar_w, y(amount)
            bars.append(_el("rect", tip, x=bar_x, y=bar_y, width=bar_w, height=top + plot_h - bar_y, fill=colour))
        short = _truncate(label, int(group_w / (FONT * 0.6)))
        bars.append(_text(start + 1.5 * bar_w, height - 8, short, anchor="middle", fill=TEXT))
        body.append(_el("g", "".join(bars)))

    totals = [sum(row[column] for row in rows) for column in (1, 2, 3)]
    summary = (
        f"{_plural(len(rows), 'ligne budgétaire', 'lignes budgétaires')}. Total alloué : {euros_whole(totals[0])}, "
        f"engagé : {euros_whole(totals[1])}, dépensé : {euros_whole(totals[2])}."
    )
    return _svg("budget-bars", rows, title=title, desc=description or summary, width=width, height=height, body=body)


MILESTONE_COLOURS = {"done": GREEN, "done_late": ORANGE, "late": RED, "upcoming": BLUE}


def _milestone_status(planned_end: date, actual: date | None, today: date) -> tuple[str, str]:
    if actual is not None:
        if actual > planned_end:
            return "done_late", f"réalisé avec {_days((actual - planned_end).days)} de retard"
        return "done", f"réalisé le {_fr_date(actual)}"
    if planned_end < today:
        return "late", f"en retard de {_days((today - planned_end).days)}"
    return "upcoming", "à venir"


def timeline(items, *, title, today, description=None, width=600, row_height=28) -> SafeString:
    """Planned milestone periods on one time axis, each row ending with its state in words."""
    top, side, bottom = 24, 12, 22
    rows = []
    for item in items:
        start, end = sorted((item["planned_start"], item["planned_end"]))
        actual = item.get("actual_date")
        rows.append((str(item["title"]), start, end, actual, *_milestone_status(end, actual, today)))
    if not rows:
        height = top + 2 * row_height + bottom
        return _empty("timeline", "Aucun jalon", title=title, description=description, width=width, height=height)
    height = top + len(rows) * row_height + bottom
    days = [today, *(row[1] for row in rows), *(row[2] for row in rows), *(row[3] for row in rows if row[3])]
    first_day, last_day = min(days), max(days)
    day_span, plot_w, rows_bottom = (last_day - first_day).days, width - 2 * side, top + len(rows) * row_height

    def x(day) -> float:
        return side + ((day - first_day).days / day_span * plot_w if day_span else plot_w / 2)

    bars, labels = [], []
    bar_h = max(4, row_height - 18)
    for index, (label, start, end, actual, state, status) in enumerate(rows):
        row_y, colour = top + index * row_height, MILESTONE_COLOURS[state]
        tip = _tooltip(f"Prévu du {_fr_date(start)} au {_fr_date(end)}")
        bar_width = max(x(end) - x(start), 2)
        bars.append(_el("rect", tip, x=x(start), y=row_y + 14, width=bar_width, height=bar_h, fill=colour))
        if actual:
            tip = _tooltip(f"Réalisé le {_fr_date(actual)}")
            ring = {"fill": TEXT, "stroke": "#ffffff", "stroke_width": 1.5}
            bars.append(_el("circle", tip, cx=x(actual), cy=row_y + 14 + bar_h / 2, r=4.5, **ring))
        short = _esc(_truncate(label, int(plot_w / (FONT * 0.6)) - len(status) - 3))
        status_span = _el("tspan", _esc(status), fill=colour, font_weight="bold")
        labels.append(_el("text", f"{short} — {status_span}", x=side, y=row_y + 11, fill=TEXT, font_size=FONT))

    today_x = x(today)
    anchor = "start" if today_x < side + 40 else "end" if today_x > width - side - 40 else "middle"
    body = [
        _el("line", x1=side, y1=rows_bottom + 2, x2=width - side, y2=rows_bottom + 2, stroke=MUTED),
        *bars,
        _el("line", x1=today_x, y1=top - 6, x2=today_x, y2=rows_bottom + 2, stroke=MUTED, stroke_dasharray="4 3"),
        _text(today_x, top - 10, "Aujourd'hui", anchor=anchor, fill=TEXT),
        *labels,
    ]
    if day_span:
        body.append(_text(side, height - 6, _fr_date(first_day)))
        body.append(_text(width - side, height - 6, _fr_date(last_day), anchor="end"))
    else:
        body.append(_text(width / 2, height - 6, _fr_date(first_day), anchor="middle"))

    counts = {state: sum(row[4] == state for row in rows) for state in MILESTONE_COLOURS}
    summary = (
        f"{_plural(len(rows), 'jalon', 'jalons')} au {_fr_date(today)} : "
        f"{_plural(counts['done'], 'réalisé', 'réalisés')} dans les délais, "
        f"{_plural(counts['done_late'], 'réalisé', 'réalisés')} avec retard, "
        f"{counts['late']} en retard, {counts['upcoming']} à venir."
    )
    key = (today, [row[:4] for row in rows], row_height)
    return _svg("timeline", key, title=title, desc=description or summary, width=width, height=height, body=body)

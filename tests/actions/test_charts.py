import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from django.utils.safestring import SafeString

from actions import charts
from actions.charts import budget_bars, line_chart, timeline

SVG = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"
TODAY = date(2024, 3, 15)
NASTY = 'Taux <b> & "test"'

POINTS = [(date(2024, 12, 31), 55), (date(2024, 1, 1), 40.5), (date(2024, 6, 1), Decimal("1234.5"))]
BUDGET = [("Fibre <FTTH>", 200000, Decimal("150000.4"), None), ("Wifi public", 50000, 20000, 10000)]
MILESTONES = [
    {
        "title": "Étude",
        "planned_start": date(2019, 1, 1),
        "planned_end": date(2019, 4, 1),
        "actual_date": date(2019, 3, 15),
    },
    {"title": "Travaux", "planned_start": date(2023, 1, 1), "planned_end": date(2024, 1, 30), "actual_date": None},
    {
        "title": "Recette",
        "planned_start": date(2022, 1, 1),
        "planned_end": date(2022, 3, 1),
        "actual_date": date(2022, 3, 13),
    },
    {
        "title": "Mise en service",
        "planned_start": date(2024, 6, 1),
        "planned_end": date(2025, 1, 1),
        "actual_date": None,
    },
]


def parse(svg: str) -> ET.Element:
    """Parsing proves the output is well-formed XML, whatever the caller's text contained."""
    return ET.fromstring(svg)


def all_text(svg: str) -> str:
    return "".join(parse(svg).itertext())


def samples() -> list[str]:
    return [
        line_chart(POINTS, title="Taux", unit="%", target=80),
        line_chart([(date(2024, 1, 1), 3)], title="Un point"),
        line_chart([(date(2024, 1, 1), 3), (date(2024, 5, 1), 3)], title="Égales"),
        line_chart([], title="Vide"),
        budget_bars(BUDGET, title="Budget"),
        budget_bars([("Rien", 0, None, 0)], title="Budget nul"),
        budget_bars([], title="Vide"),
        timeline(MILESTONES, title="Jalons", today=TODAY),
        timeline(MILESTONES[:1], title="Un jalon", today=date(2019, 1, 1)),
        timeline([], title="Vide", today=TODAY),
    ]


@pytest.mark.parametrize("svg", samples())
def test_every_chart_is_a_labelled_self_contained_svg_image(svg):
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert list(root)[:2] == [title, desc]
    assert "style=" not in svg
    assert "<style" not in svg
    assert "<script" not in svg.lower()
    assert "href" not in svg
    assert "url(" not in svg


@pytest.mark.parametrize(
    "render",
    [
        lambda title: line_chart(POINTS, title=title, unit="<%>", target=1),
        lambda title: budget_bars(BUDGET, title=title),
        lambda title: timeline(MILESTONES, title=title, today=TODAY),
        lambda title: line_chart([], title=title),
    ],
)
def test_caller_text_is_escaped(render):
    svg = render(NASTY)
    assert parse(svg).find(f"{SVG}title").text == NASTY
    assert "<b>" not in svg
    assert "&lt;b&gt; &amp; &quot;test&quot;" in svg


def test_labels_description_and_control_characters_are_escaped():
    svg = budget_bars([(NASTY, 1, 2, 3)], title="Budget", description="a < b\x0b & c")
    assert parse(svg).find(f"{SVG}desc").text == "a < b & c"
    assert NASTY in all_text(svg)
    items = [{**MILESTONES[0], "title": NASTY}]
    assert NASTY in all_text(timeline(items, title="Jalons", today=TODAY))


def test_ids_are_deterministic_and_differ_between_charts():
    assert samples() == samples()
    first = parse(line_chart(POINTS, title="A")).get("aria-labelledby")
    assert first == parse(line_chart(list(reversed(POINTS)), title="A")).get("aria-labelledby")
    assert first != parse(line_chart(POINTS, title="B")).get("aria-labelledby")
    assert first != parse(line_chart(POINTS[:2], title="A")).get("aria-labelledby")


def test_empty_inputs_say_so():
    assert "Aucune valeur enregistrée" in all_text(line_chart([], title="Vide"))
    assert "Aucun budget renseigné" in all_text(budget_bars([], title="Vide"))
    assert "Aucun jalon" in all_text(timeline([], title="Vide", today=TODAY))


def test_line_chart_sorts_points_and_formats_in_french():
    svg = line_chart(POINTS, title="Taux", unit="%", target=80)
    root = parse(svg)
    circles = root.findall(f"{SVG}circle")
    assert len(circles) == 3
    assert [float(circle.get("cx")) for circle in circles] == sorted(float(circle.get("cx")) for circle in circles)
    text = all_text(svg)
    assert "01/01/2024" in text and "31/12/2024" in text
    assert f"1{NBSP}234,5{NBSP}%" in text
    assert f"40,5{NBSP}%" in text
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith("3 valeurs du 01/01/2024 au 31/12/2024")
    assert f"première valeur 40,5{NBSP}%" in desc and f"dernière valeur 55{NBSP}%" in desc


def test_line_chart_draws_a_labelled_dashed_target():
    root = parse(line_chart(POINTS, title="Taux", unit="%", target=Decimal("80.0")))
    assert f"Cible : 80{NBSP}%" in [node.text for node in root.iter(f"{SVG}text")]
    assert any(line.get("stroke-dasharray") for line in root.iter(f"{SVG}line"))
    assert "Cible" not in all_text(line_chart(POINTS, title="Taux"))


def test_line_chart_with_one_point_or_equal_values_stays_finite():
    single = parse(line_chart([(date(2024, 1, 1), 3)], title="Un point"))
    assert len(single.findall(f"{SVG}circle")) == 1
    assert single.find(f"{SVG}polyline") is None
    assert "1 valeur : 3 le 01/01/2024." in single.find(f"{SVG}desc").text

    flat = line_chart([(date(2024, 1, 1), 3), (date(2024, 5, 1), 3.0)], title="Égales", target=3)
    numbers = re.findall(r' (?:x|y|x1|y1|x2|y2|cx|cy)="([^"]+)"', flat)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d)?", number) for number in numbers)
    assert all_text(flat).count("Cible : 3") == 2  # the visible label and the description


def test_budget_bars_formats_euros_and_treats_none_as_zero():
    svg = budget_bars(BUDGET, title="Budget")
    root = parse(svg)
    assert len(root.findall(f".//{SVG}g/{SVG}rect")) == 6
    text = all_text(svg)
    for label in ("Alloué", "Engagé", "Dépensé", "Fibre <FTTH>", "Wifi public"):
        assert label in text
    assert f"200{NBSP}000{NBSP}€" in text
    assert f"dépensé : 0{NBSP}€" in text
    assert root.find(f"{SVG}desc").text == (
        f"2 lignes budgétaires. Total alloué : 250{NBSP}000{NBSP}€, engagé : 170{NBSP}000{NBSP}€, "
        f"dépensé : 10{NBSP}000{NBSP}€."
    )


def test_french_numbers_round_without_minus_zero():
    assert charts.fr_number(Decimal("1234567.891"), 0) == f"1{NBSP}234{NBSP}568"
    assert charts.fr_number(0.1 + 0.2) == "0,3"
    assert charts.fr_number(Decimal("-0.001")) == "0"
    assert charts.fr_number(-1500.5) == f"-1{NBSP}500,5"
    assert charts.euros_whole(None) == f"0{NBSP}€"


def test_timeline_states_are_written_out():
    svg = timeline(MILESTONES, title="Jalons", today=TODAY)
    text = all_text(svg)
    assert "Étude — réalisé le 15/03/2019" in text
    assert f"Travaux — en retard de 45{NBSP}j" in text
    assert f"Recette — réalisé avec 12{NBSP}j de retard" in text
    assert "Mise en service — à venir" in text
    assert "Aujourd'hui" in text
    assert parse(svg).find(f"{SVG}desc").text == (
        "4 jalons au 15/03/2024 : 1 réalisé dans les délais, 1 réalisé avec retard, 1 en retard, 1 à venir."
    )


def test_timeline_marks_actual_dates_and_grows_with_rows():
    root = parse(timeline(MILESTONES, title="Jalons", today=TODAY))
    assert len(root.findall(f"{SVG}circle")) == 2
    assert len(root.findall(f"{SVG}rect")) == 4
    one = int(parse(timeline(MILESTONES[:1], title="Jalons", today=TODAY)).get("height"))
    four = int(root.get("height"))
    assert four - one == 3 * 28


def test_timeline_planned_end_on_today_is_not_late():
    item = {"title": "Jalon", "planned_start": TODAY, "planned_end": TODAY, "actual_date": None}
    svg = timeline([item], title="Jalons", today=TODAY)
    assert "Jalon — à venir" in all_text(svg)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("colour", [charts.BLUE, charts.ORANGE, charts.GREEN, charts.RED, charts.TEXT, charts.MUTED])
def test_palette_is_readable_as_text_on_white(colour):
    assert 1.05 / (_luminance(colour) + 0.05) >= 4.5

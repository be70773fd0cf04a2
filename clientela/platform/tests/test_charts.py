"""Server-drawn SVG charts: well-formed, scaled to a round axis, gaps left as gaps, and every
text escaped (a hostile label stays text)."""

from __future__ import annotations

from decimal import Decimal

from defusedxml import ElementTree

from clientela.platform.charts import Series, _scale, bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str):
    return ElementTree.fromstring(svg)


def test_bars_are_scaled_to_a_round_axis_and_labelled():
    svg = bar_chart(
        "Won by month",
        ["Jan", "Feb", "Mar"],
        [Series("Won", [Decimal(100), Decimal(50), None])],
        fmt=lambda v: f"R$ {v:,.0f}",
        description="Won revenue, last three months",
    )
    root = parse(svg)
    assert root.find(f"{NS}title").text == "Won by month"
    bars = root.findall(f".//{NS}rect[@class='bar']")
    assert len(bars) == 2  # March has no value: no bar
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == 2 * heights[1]
    assert [b.find(f"{NS}title").text for b in bars] == ["Jan: R$ 100", "Feb: R$ 50"]
    ticks = [t.text for t in root.findall(f"{NS}text")][:5]
    assert ticks == ["R$ 0", "R$ 25", "R$ 50", "R$ 75", "R$ 100"]


def test_lines_break_at_gaps_and_carry_a_legend_for_several_series():
    svg = line_chart(
        "Pipeline",
        ["W1", "W2", "W3", "W4"],
        [Series("Commit", [1, 2, None, 4]), Series("Best case", [2, 3, 4, 5])],
    )
    root = parse(svg)
    lines = root.findall(f".//{NS}polyline")
    assert len(lines) == 2  # Commit: one run of two points (W4 alone draws no line); best case
    assert len(root.findall(f".//{NS}circle")) == 7
    assert {"Commit", "Best case"} <= {t.text for t in root.findall(f"{NS}text")}


def test_hostile_text_stays_text():
    svg = bar_chart('<script>alert("x")</script>', ["</svg><img onerror=1>"], [Series("&", [1])])
    assert "<script>" not in svg and "<img" not in svg
    root = parse(svg)
    assert root.find(f"{NS}title").text == '<script>alert("x")</script>'


def test_the_axis_rounds_up_to_one_two_or_five_times_a_power_of_ten():
    assert [_scale([Series("s", [v])]) for v in (0, 0.4, 7, 13, 130, 480, 999, 1001)] == [
        1.0,
        1.0,
        10.0,
        20.0,
        200.0,
        500.0,
        1000.0,
        2000.0,
    ]

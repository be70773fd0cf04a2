"""Charts drawn on the server as SVG: no script, nothing for the CSP to allow, printable, and
readable by screen readers (each chart has a title, a description and a table fallback that
the page shows beside it).

Every text that reaches the SVG is escaped here; numbers are formatted by the caller's
``fmt`` (usually the user's locale), so a chart shows the same figures as the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

Number = int | float | Decimal
WIDTH = 640
HEIGHT = 260
LEFT = 56  # room for the value axis
BOTTOM = 40  # room for the labels
TOP = 16
PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]  # None: no value (a gap in a line, no bar)


def _scale(series: Sequence[Series]) -> float:
    """The axis maximum: the largest value rounded up to 1, 2 or 5 times a power of ten."""
    top = max((float(v) for s in series for v in s.values if v is not None), default=0.0)
    if top <= 0:
        return 1.0
    power = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if top <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _frame(title: str, description: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" class="chart" aria-labelledby="chart-title chart-desc">'
        f'<title id="chart-title">{escape(title)}</title>'
        f'<desc id="chart-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _axis(maximum: float, fmt: Callable[[Number], str]) -> list[str]:
    parts = []
    plot = HEIGHT - TOP - BOTTOM
    for tick in range(5):
        value = maximum * tick / 4
        y = TOP + plot - plot * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid" '
            f'stroke="#e5e7eb"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#6b7280">{escape(fmt(value))}</text>'
        )
    return parts


def _labels(labels: Sequence[str], slot: float) -> list[str]:
    every = max(1, len(labels) // 12)  # at most about twelve labels under the axis
    return [
        f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" '
        f'text-anchor="middle" font-size="11" fill="#374151">{escape(label[:18])}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], LEFT
    for index, item in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11" fill="#374151">'
            f"{escape(item.name[:30])}</text>"
        )
        x += 24 + 7 * min(len(item.name), 30)
    return parts


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[Number], str] = str,
    description: str = "",
) -> str:
    """Grouped bars: one group per label, one bar per series."""
    maximum = _scale(series)
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 8 - LEFT) / max(1, len(labels))
    width = slot * 0.8 / max(1, len(series))
    body = _axis(maximum, fmt)
    for s_index, item in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        for i, value in enumerate(item.values):
            if value is None or i >= len(labels):
                continue
            height = plot * max(0.0, float(value)) / maximum
            x = LEFT + slot * i + slot * 0.1 + width * s_index
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot - height:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{colour}" class="bar">'
                f"<title>{escape(labels[i])}: {escape(fmt(value))}</title></rect>"
            )
    body += _labels(labels, slot)
    if len(series) > 1:
        body += _legend(series)
    return _frame(title, description, body)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[Number], str] = str,
    description: str = "",
) -> str:
    """One line per series over the labels; ``None`` values break the line."""
    maximum = _scale(series)
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 8 - LEFT) / max(1, len(labels))
    body = _axis(maximum, fmt)
    for s_index, item in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(item.values):
            if value is None or i >= len(labels):
                runs.append([])
                continue
            x = LEFT + slot * (i + 0.5)
            y = TOP + plot - plot * max(0.0, float(value)) / maximum
            runs[-1].append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(labels[i])}: {escape(fmt(value))}</title></circle>"
            )
        for run in runs:
            if len(run) > 1:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2" class="line"/>'
                )
    body += _labels(labels, slot)
    if len(series) > 1:
        body += _legend(series)
    return _frame(title, description, body)

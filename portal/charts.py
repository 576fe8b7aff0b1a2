"""Small charts drawn on the server as inline SVG: they print, and need no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 18, 30
PALETTE = ["#1d6fd8", "#b3261e", "#1e7d32", "#a15c00"]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _scale(maximum: float) -> float:
    if maximum <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(maximum))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if maximum <= step * magnitude:
            return step * magnitude
    return maximum


def line_chart(labels: Sequence[str], series: Sequence[Series], *, unit: str, title: str) -> str:
    """A line chart with an accessible title and a table-like description."""
    points = [v for s in series for v in s.values if v is not None]
    top = _scale(max(points, default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(labels) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return LEFT + index * step, TOP + inner_h - (value / top) * inner_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-{id(series)}">',
        f'<title id="chart-{id(series)}">{escape(title)}</title>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + inner_h - fraction * inner_h
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8ef"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{fraction * top:g}{escape(unit)}</text>'
        )
    for index, label in enumerate(labels):
        if len(labels) <= 12 or index % 2 == 0:
            x = LEFT + index * step
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle">{escape(label)}</text>')
    for number, item in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        coords = [xy(i, v) for i, v in enumerate(item.values) if v is not None]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.2" points="{path}"/>')
        for x, y in coords:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        legend_x = LEFT + 8 + number * 120
        parts.append(f'<rect x="{legend_x}" y="2" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="11">{escape(item.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    unit: str,
    title: str,
    maximum: float | None = None,
) -> str:
    top = maximum or _scale(max((v for v in values if v is not None), default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(len(labels), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="bar-{id(values)}">',
        f'<title id="bar-{id(values)}">{escape(title)}</title>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + inner_h - fraction * inner_h
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8ef"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{fraction * top:g}{escape(unit)}</text>'
        )
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + index * slot + slot * 0.18
        if value is not None:
            height = (value / top) * inner_h if top else 0
            colour = "#1e7d32" if value >= 0.95 * top else ("#a15c00" if value >= 0.75 * top else "#b3261e")
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + inner_h - height:.1f}" width="{slot * 0.64:.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
            )
        else:
            parts.append(
                f'<text x="{x + slot * 0.32:.1f}" y="{TOP + inner_h - 4}" text-anchor="middle">–</text>'
            )
        if len(labels) <= 12 or index % 2 == 0:
            parts.append(
                f'<text x="{x + slot * 0.32:.1f}" y="{HEIGHT - 10}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)

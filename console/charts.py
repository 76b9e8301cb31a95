"""Charts as plain SVG geometry computed on the server (no chart library, no inline script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    y: float
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_height: int


@dataclass(frozen=True, slots=True)
class LineChart:
    points: str  # SVG polyline points
    width: int
    height: int
    first: str
    last: str
    peak: int


def bar_chart(
    items: Sequence[tuple[str, int]], width: int = 420, label_width: int = 140, bar_height: int = 18
) -> BarChart:
    peak = max((v for _, v in items), default=0) or 1
    room = width - label_width - 50
    bars = tuple(
        Bar(label, value, i * (bar_height + 6), room * value / peak)
        for i, (label, value) in enumerate(items)
    )
    return BarChart(bars, width, max(1, len(items)) * (bar_height + 6), label_width, bar_height)


def line_chart(series: Sequence[tuple[str, int]], width: int = 640, height: int = 160) -> LineChart:
    if not series:
        return LineChart("", width, height, "", "", 0)
    peak = max(v for _, v in series) or 1
    step = (width - 20) / max(1, len(series) - 1)
    points = " ".join(
        f"{10 + i * step:.1f},{height - 10 - (height - 20) * v / peak:.1f}"
        for i, (_, v) in enumerate(series)
    )
    return LineChart(points, width, height, series[0][0], series[-1][0], peak)

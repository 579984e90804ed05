"""Inline SVG line charts: a mean per interval, its confidence band and a target line."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 760
HEIGHT = 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 30, 46


@dataclass(frozen=True, slots=True)
class Series:
    """Values per interval: the mean and the band ``[low, high]`` (``None``: no value)."""

    mean: Sequence[float | None]
    low: Sequence[float | None]
    high: Sequence[float | None]


def nice_max(top: float) -> float:
    """A round axis maximum at or above ``top`` (1, 2, 2.5 or 5 times a power of ten)."""
    if top <= 0 or not math.isfinite(top):
        return 1.0
    power = 10.0 ** math.floor(math.log10(top))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if top <= step * power:
            return step * power
    return 10.0 * power


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Series,
    fmt: Callable[[float], str],
    target: float | None = None,
    target_label: str = "target",
    y_max: float | None = None,
) -> str:
    """An SVG chart of ``series`` over ``labels``, with ``target`` as a dashed line."""
    n = len(labels)
    values = [v for v in [*series.mean, *series.high] if v is not None]
    top = nice_max(y_max if y_max is not None else max([*values, target or 0.0, 0.0]) * 1.1)
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def x(i: int) -> float:
        return _LEFT + (plot_w * (i + 0.5) / n if n else 0.0)

    def y(v: float) -> float:
        return _TOP + plot_h * (1 - min(max(v / top, 0.0), 1.0))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<text x="{_LEFT}" y="18" class="title">{escape(title)}</text>',
    ]
    parts += _axes(top, fmt, y, labels, x)
    for run in _runs(series.low, series.high):
        upper = " ".join(f"{x(i):.1f},{y(hi):.1f}" for i, _lo, hi in run)
        lower = " ".join(f"{x(i):.1f},{y(lo):.1f}" for i, lo, _hi in reversed(run))
        parts.append(f'<polygon class="band" points="{upper} {lower}"/>')
    for run in _runs(series.mean, series.mean):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v, _ in run)
        parts.append(f'<polyline class="mean" points="{points}"/>')
        parts += [f'<circle class="dot" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5"/>'
                  for i, v, _ in run]
    if target is not None:
        ty = y(target)
        parts.append(f'<line class="target" x1="{_LEFT}" y1="{ty:.1f}" x2="{WIDTH - _RIGHT}" '
                     f'y2="{ty:.1f}"/>')
        parts.append(f'<text class="target-label" x="{WIDTH - _RIGHT}" y="{ty - 4:.1f}" '
                     f'text-anchor="end">{escape(target_label)} {escape(fmt(target))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _axes(
    top: float,
    fmt: Callable[[float], str],
    y: Callable[[float], float],
    labels: Sequence[str],
    x: Callable[[int], float],
) -> list[str]:
    out = []
    for j in range(5):
        v = top * j / 4
        out.append(f'<line class="grid" x1="{_LEFT}" y1="{y(v):.1f}" x2="{WIDTH - _RIGHT}" '
                   f'y2="{y(v):.1f}"/>')
        out.append(f'<text class="tick" x="{_LEFT - 6}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end">{escape(fmt(v))}</text>')
    every = max(1, math.ceil(len(labels) / 12))
    for i in range(0, len(labels), every):
        out.append(f'<text class="tick" x="{x(i):.1f}" y="{HEIGHT - _BOTTOM + 16}" '
                   f'text-anchor="middle">{escape(labels[i])}</text>')
    return out


def _runs(
    a: Sequence[float | None], b: Sequence[float | None]
) -> list[list[tuple[int, float, float]]]:
    """Stretches of consecutive intervals where both ``a`` and ``b`` have a value."""
    runs: list[list[tuple[int, float, float]]] = []
    current: list[tuple[int, float, float]] = []
    for i, (u, v) in enumerate(zip(a, b, strict=True)):
        if u is None or v is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((i, u, v))
    if current:
        runs.append(current)
    return runs


STYLE = """
svg .title { font: 600 14px sans-serif; fill: #222; }
svg .tick, svg .target-label { font: 11px sans-serif; fill: #555; }
svg .grid { stroke: #e3e3e3; stroke-width: 1; }
svg .band { fill: #4a7bd0; fill-opacity: 0.22; stroke: none; }
svg .mean { fill: none; stroke: #1f4e9c; stroke-width: 2; }
svg .dot { fill: #1f4e9c; }
svg .target { stroke: #c0392b; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .target-label { fill: #c0392b; }
"""
"""CSS for the charts (put it once in the page's ``<style>``)."""

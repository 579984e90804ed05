"""The HTML report of a simulation: KPI tables and per-interval charts against the targets.

One self-contained page (``index.html``): charts are inline SVG, no script, no external file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from queues.definitions import Comparison
from simulation import svg
from simulation.stats import Summary
from simulation.tables import LABELS, estimate, target_text, value

CHARTS = (
    ("sl_offered", "Service level: answered within the threshold ÷ offered"),
    ("asa_s", "Average wait of answered calls"),
    ("abandon_rate", "Abandon rate"),
    ("occupancy", "Agent occupancy"),
)


def write(
    directory: Path,
    result: Mapping[str, Any],
    targets: Mapping[str, tuple[float, Comparison]],
    occupancy_cap: float | None = None,
) -> Path:
    """Write ``directory/index.html`` for ``result`` (:func:`simulation.results.build`)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "index.html"
    path.write_text(page(result, targets, occupancy_cap), encoding="utf-8")
    return path


def page(
    result: Mapping[str, Any],
    targets: Mapping[str, tuple[float, Comparison]],
    occupancy_cap: float | None = None,
) -> str:
    """The report as one HTML string."""
    info = result.get("scenario", {})
    title = f"Simulation — {info.get('name') or info.get('file') or 'scenario'}"
    labels = [item["start"] for item in result["intervals"]]
    charts = []
    for name, chart_title in CHARTS:
        summaries = [item["kpis"][name] for item in result["intervals"]]
        target = targets.get(name)
        level = target[0] if target else (occupancy_cap if name == "occupancy" else None)
        charts.append(svg.line_chart(
            chart_title, labels, band(summaries), _formatter(name), level,
            "target" if target else "cap", 1.0 if name in ("sl_offered", "occupancy") else None,
        ))
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{_CSS}{svg.STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(_summary_line(result))}</p>",
        "<h2>Key figures (mean ± 95 % half-width)</h2>",
        _kpi_table(result, targets),
        "<h2>Per interval (shaded: 95 % confidence band; dashed: target)</h2>",
        *[f'<figure>{c}</figure>' for c in charts],
        "<h2>Per interval (means)</h2>",
        _interval_table(result),
        "</body></html>",
    ])


def band(summaries: Sequence[Summary]) -> svg.Series:
    """Mean and mean ± half-width per interval."""
    mean, low, high = [], [], []
    for s in summaries:
        m, hw = s["mean"], s["ci95_half_width"]
        mean.append(m)
        low.append(None if m is None else m - (hw or 0.0))
        high.append(None if m is None else m + (hw or 0.0))
    return svg.Series(mean, low, high)


def _formatter(name: str) -> Any:
    if name == "asa_s":
        return lambda v: f"{v:.0f} s"
    return lambda v: f"{100 * v:.0f} %"


def _summary_line(result: Mapping[str, Any]) -> str:
    info = result.get("scenario", {})
    parts = [f"{result['replications']} replications, seed {result['seed']}"]
    if "intervals" in info:
        parts.append(f"{info['intervals']} intervals of {info['interval_minutes']:g} min "
                     f"from {info['start']}")
    if info.get("warmup_hours"):
        parts.append(f"warm-up {info['warmup_hours']:g} h discarded")
    return "; ".join(parts)


def _kpi_table(result: Mapping[str, Any], targets: Mapping[str, tuple[float, Comparison]]) -> str:
    queues = list(result["queues"])
    head = "".join(f"<th>{escape(h)}</th>" for h in ["KPI", "overall", *queues, "target", ""])
    rows = []
    for name, overall in result["overall"].items():
        met = result["targets"].get(name)
        status = "" if met is None else ("met" if met["met"] else "missed")
        cells = [LABELS.get(name, name), estimate(name, overall)]
        cells += [estimate(name, result["queues"][q][name]) for q in queues]
        cells += [target_text(name, targets.get(name)), status]
        tds = "".join(f"<td>{escape(c)}</td>" for c in cells[:-1])
        rows.append(f'<tr>{tds}<td class="{status}">{escape(status)}</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _interval_table(result: Mapping[str, Any]) -> str:
    names = ("calls_offered", "sl_offered", "asa_s", "abandon_rate", "lost_rate", "occupancy")
    head = "".join(f"<th>{escape(h)}</th>" for h in
                   ["interval", *[LABELS.get(n, n) for n in names], ""])
    rows = []
    for item in result["intervals"]:
        cells = [item["start"], *[value(n, item["kpis"][n]["mean"]) for n in names]]
        status = "" if item["targets_met"] else "missed"
        tds = "".join(f"<td>{escape(c)}</td>" for c in cells)
        rows.append(f'<tr>{tds}<td class="{status}">{status}</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


_CSS = """
body { font: 14px/1.45 sans-serif; color: #222; max-width: 820px; margin: 2em auto; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.met { color: #1e7d32; } td.missed { color: #c0392b; font-weight: 600; }
figure { margin: 1.5em 0; }
"""

"""Plain-text tables for the terminal, and a tiny progress bar on stderr."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from queues.definitions import Comparison, definition
from simulation.stats import Summary

LABELS = {
    "sl_offered": "answered within threshold",
    "abandon_rate": "abandon rate",
    "answer_rate": "answer rate",
    "asa_s": "average wait (answered)",
    "p_wait": "probability of waiting",
    "occupancy": "occupancy",
    "lost_rate": "lost-call rate",
    "calls_offered": "calls offered",
}
_SYMBOL = {">=": "≥", "<=": "≤", "<": "<", ">": ">"}
MAX_INTERVAL_ROWS = 96


def value(name: str, x: float | None) -> str:
    """One figure in its unit: ``81.2 %``, ``23.4 s``, ``1,234``."""
    if x is None:
        return "—"
    unit = definition(name).unit
    if unit == "ratio":
        return f"{100 * x:.1f} %"
    if unit == "seconds":
        return f"{x:.1f} s"
    return f"{x:,.0f}"


def estimate(name: str, s: Summary) -> str:
    """Mean ± half-width in the figure's unit."""
    mean, hw = s["mean"], s["ci95_half_width"]
    if mean is None:
        return "—"
    text = value(name, mean)
    if hw is None:
        return text
    unit = definition(name).unit
    half = f"{100 * hw:.1f}" if unit == "ratio" else f"{hw:.1f}" if unit == "seconds" else (
        f"{hw:,.0f}")
    return f"{text} ± {half}"


def target_text(name: str, target: tuple[float, Comparison] | None) -> str:
    """``≥ 80.0 %`` or empty."""
    if target is None:
        return ""
    return f"{_SYMBOL[target[1]]} {value(name, target[0])}"


def grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for n, row in enumerate([header, *rows]):
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def kpi_table(result: Mapping[str, Any], targets: Mapping[str, tuple[float, Comparison]]) -> str:
    """Overall and per-queue KPIs, each target marked met or missed."""
    queues = list(result["queues"])
    header = ["KPI", "overall", *queues, "target", "status"] if len(queues) > 1 else [
        "KPI", "overall", "target", "status"]
    rows = []
    met = result["targets"]
    for name in result["overall"]:
        cells = [LABELS.get(name, name), estimate(name, result["overall"][name])]
        if len(queues) > 1:
            cells += [estimate(name, result["queues"][q][name]) for q in queues]
        status = "" if name not in met else ("met" if met[name]["met"] else "MISSED")
        rows.append([*cells, target_text(name, targets.get(name)), status])
    return grid(header, rows)


def interval_table(result: Mapping[str, Any], names: Sequence[str]) -> str:
    """Per-interval means of ``names``; a ``*`` marks an interval missing a target."""
    rows = []
    for item in result["intervals"][:MAX_INTERVAL_ROWS]:
        cells = [value(n, item["kpis"][n]["mean"]) for n in names]
        rows.append([item["start"], *cells, "" if item["targets_met"] else "* missed"])
    table = grid(["interval", *[LABELS.get(n, n) for n in names], ""], rows)
    extra = len(result["intervals"]) - MAX_INTERVAL_ROWS
    return table + (f"\n… {extra} more intervals in the JSON output" if extra > 0 else "")


class ProgressBar:
    """``[#####.....] 5/10`` on stderr, redrawn in place; silent when stderr is no terminal."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.enabled = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}{end}")
        self.stream.flush()

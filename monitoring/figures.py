"""The figures the API and the dashboard show, all read from the KPI engine and the store.

Besides the engine's indicators (``queues.definitions``), two indicators of the contract are
computed here, because they do not come from call records: GAP01 (availability: minutes in
which the engine wrote to its store) and GVS01 (file 0 activation delay).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ivr.file0 import Activation
from monitoring.engine import EngineView
from queues.definitions import COUNTS
from queues.kpi import Indicator, KpiReport
from queues.kpi_buckets import ALL
from store import state

GAP01_TARGET = 0.99
GVS01_TARGET_S = 900.0
MAX_INTERVALS = 2000


def local_midnight(now: float, zone: ZoneInfo) -> float:
    """Unix time of the last local midnight at or before ``now``."""
    day = datetime.fromtimestamp(now, zone).date()
    return datetime.combine(day, time(), zone).timestamp()


def _status(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "missed")


def indicator_out(ind: Indicator) -> dict[str, Any]:
    """An indicator as the API shows it."""
    out = ind.to_dict()
    out["status"] = _status(ind.met)
    return out


def report_out(report: KpiReport) -> dict[str, Any]:
    """A report as the API shows it."""
    return {
        "window": list(report.window),
        "queue": report.queue,
        "hours": report.hours,
        "counts": report.counts._asdict(),
        "indicators": [indicator_out(i) for i in report.indicators.values()],
    }


def agents_by_state(view: EngineView, queue: str | None) -> dict[str, int]:
    """Agents per state, for those who may take ``queue``'s calls (all if ``None``)."""
    out = dict.fromkeys(("logged_out", "available", "ringing", "on_call", "wrap_up", "paused"), 0)
    for agent in view.agents():
        if queue is None or queue in agent.queues:
            out[agent.state] = out.get(agent.state, 0) + 1
    return out


def queue_status(view: EngineView, queue: str, now: float, zone: ZoneInfo,
                 rolling_s: float) -> dict[str, Any]:
    """A queue now: live figures and KPIs since midnight and rolling."""
    midnight = local_midnight(now, zone)
    live = view.kpi.live(now, queue, since=midnight)
    return {
        "name": queue,
        "waiting": live.waiting,
        "longest_wait_s": live.longest_wait_s,
        "in_progress": live.in_progress,
        "agents": agents_by_state(view, queue),
        "since_midnight": report_out(view.kpi.since(midnight, now, queue)),
        "rolling": report_out(view.kpi.rolling(now, rolling_s, queue)),
    }


def _compact(report: KpiReport, ids: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kpi_id in ids:
        ind = report.indicators[kpi_id]
        out[kpi_id] = {"value": ind.value, "target": ind.target, "status": _status(ind.met),
                       "name": ind.name, "numerator": ind.numerator,
                       "denominator": ind.denominator}
    return out


def dashboard_state(view: EngineView, groups: Mapping[str, Sequence[str]], now: float,
                    zone: ZoneInfo) -> dict[str, Any]:
    """What the dashboard shows: every queue's live figures, file 0, the groups (no callers)."""
    midnight = local_midnight(now, zone)
    queues = {}
    for queue in view.queue_names():
        live = view.kpi.live(now, queue, since=midnight)
        report = view.kpi.since(midnight, now, queue)
        queues[queue] = {
            "waiting": live.waiting,
            "longest_wait_s": live.longest_wait_s,
            "in_progress": live.in_progress,
            "agents": agents_by_state(view, queue),
            "offered": report.counts.offered,
            "answered": report.counts.answered,
            "abandoned": report.counts.abandoned,
            "informed": report.counts.informed,
            "kpis": _compact(report, ("T2-IQ01", "T2-IQ02", "GAS01")),
        }
    active = [a.to_dict() for a in view.file0.active(now)]
    return {
        "now": now,
        "groups": dict(groups) or {"all": list(view.queue_names())},
        "queues": queues,
        "file0": active,
    }


# ---------------------------------------------------------------------- reports


def _extra_indicator(kpi_id: str, name: str, formula: str, num: float | None,
                     den: float | None, value: float | None, target: float, comparison: str,
                     unit: str, window: tuple[float, float], queue: str | None,
                     hours: str) -> dict[str, Any]:
    if value is None:
        met = None
    elif comparison == ">=":
        met = value >= target
    else:
        met = value <= target
    return {
        "id": kpi_id, "name": name, "formula": formula, "numerator": num,
        "numerator_terms": [], "denominator": den, "denominator_terms": [], "value": value,
        "target": target, "comparison": comparison, "met": met, "status": _status(met),
        "unit": unit, "threshold_s": 0.0, "window": list(window), "queue": queue, "hours": hours,
    }


async def availability_indicator(view: EngineView, start: float, end: float, now: float,
                                 queue: str | None, hours: str) -> dict[str, Any]:
    """GAP01: share of opening time (HO) in which the engine was up."""
    classify = view.classify
    wanted = "HO" if hours == ALL else hours
    counted: Callable[[float], bool] | None = None
    if classify is not None:
        counted = lambda t: classify(t) == wanted  # noqa: E731
    down, total = await state.availability(view.store.redis, start, min(end, now), counted)
    value = None if total == 0 else (total - down) / total
    return _extra_indicator(
        "GAP01", "availability of the service",
        "(opening time − downtime) ÷ opening time, by the minute: a minute is down when the "
        "engine wrote nothing to its store in it (it writes every few seconds while up); "
        f"minutes of hours class {wanted if classify is not None else 'all'}",
        (total - down) * 60.0, total * 60.0, value, GAP01_TARGET, ">=", "ratio",
        (start, end), queue, hours,
    )


async def file0_indicator(view: EngineView, start: float, end: float, queue: str | None,
                          hours: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """GVS01: worst delay from a file 0 request to the first call redirected to it."""
    first = await state.file0_first(view.store.redis)
    rows = []
    for a in view.file0.all():
        if start <= a.requested_at < end:
            t = first.get(a.id)
            rows.append(activation_row(a, t))
    delays = [r["delay_s"] for r in rows if r["delay_s"] is not None]
    worst = max(delays) if delays else None
    indicator = _extra_indicator(
        "GVS01", "file 0 activation delay",
        "time of the first call redirected to the file 0 message − time of the request, "
        "worst activation requested in the period",
        worst, None, worst, GVS01_TARGET_S, "<=", "seconds", (start, end), queue, hours,
    )
    return indicator, rows


def activation_row(a: Activation, first_call_at: float | None) -> dict[str, Any]:
    """One activation in a report (reason, start, end, first call, delay)."""
    return {
        "id": a.id, "mode": a.mode, "reason": a.reason, "requested_at": a.requested_at,
        "requested_by": a.requested_by, "ended_at": a.end(), "first_call_at": first_call_at,
        "delay_s": None if first_call_at is None else first_call_at - a.requested_at,
    }


async def kpi_report(view: EngineView, start: float, end: float, queue: str | None,
                     hours: str, interval_s: float | None) -> dict[str, Any]:
    """Every indicator of the requirements for ``[start, end)``, optionally per interval.

    Raises ``queues.kpi.KpiError`` for an impossible request, ``ValueError`` for too many
    intervals.
    """
    now = view.now()
    report = view.kpi.report(start, end, queue, hours, now=min(end, now))
    out = report_out(report)
    gap01 = await availability_indicator(view, start, end, now, queue, hours)
    gvs01, activations = await file0_indicator(view, start, end, queue, hours)
    out["indicators"] += [gap01, gvs01]
    out["definitions"] = dict(COUNTS)
    out["file0_activations"] = activations
    out["intervals"] = []
    if interval_s is not None:
        count = math.ceil((end - start) / interval_s)
        if count > MAX_INTERVALS:
            raise ValueError(f"{count} intervals: at most {MAX_INTERVALS}, widen the interval")
        a = start
        while a < end:
            b = min(end, a + interval_s)
            part = view.kpi.report(a, b, queue, hours, now=min(b, now))
            out["intervals"].append(report_out(part))
            a = b
    return out

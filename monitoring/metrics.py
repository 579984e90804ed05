"""Prometheus metrics in the text exposition format (no client library needed)."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from monitoring import figures
from monitoring.engine import EngineView
from monitoring.feed import Feed


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, help_text: str,
            samples: Iterable[tuple[dict[str, str], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{text}}} {value:g}" if text else f"{name} {value:g}")
    return lines


def render(engine: EngineView, feed: Feed, zone: ZoneInfo) -> str:
    """Every metric, as Prometheus scrapes it."""
    now = engine.now()
    midnight = figures.local_midnight(now, zone)
    queues = list(engine.queue_names())
    lives = {q: engine.kpi.live(now, q, since=now) for q in queues}
    reports = {q: engine.kpi.since(midnight, now, q) for q in queues}
    out: list[str] = []
    out += _family("accueil_queue_waiting_calls", "gauge", "Calls waiting in the queue",
                   (({"queue": q}, lives[q].waiting) for q in queues))
    out += _family("accueil_queue_longest_wait_seconds", "gauge", "Longest current wait",
                   (({"queue": q}, lives[q].longest_wait_s or 0.0) for q in queues))
    out += _family("accueil_queue_calls_in_progress", "gauge", "Calls answered, not ended",
                   (({"queue": q}, lives[q].in_progress) for q in queues))
    counts = ("offered", "answered", "abandoned", "rejected", "timed_out", "informed")
    out += _family("accueil_queue_calls_today", "gauge", "Calls since local midnight",
                   (({"queue": q, "outcome": c}, float(getattr(reports[q].counts, c)))
                    for q in queues for c in counts))
    out += _family(
        "accueil_queue_service_level_ratio", "gauge",
        "T2-IQ01 since midnight: answered within threshold / offered (absent: no call)",
        (({"queue": q}, v) for q in queues
         if (v := reports[q].value("T2-IQ01")) is not None))
    by_state = figures.agents_by_state(engine, None)
    out += _family("accueil_agents", "gauge", "Agents by state",
                   (({"state": s}, float(n)) for s, n in by_state.items()))
    store = engine.store
    out += _family("accueil_store_pending_records", "gauge", "Records not yet written",
                   [({}, float(store.pending))])
    out += _family("accueil_store_records_written_total", "counter", "Records written",
                   [({}, float(store.written))])
    out += _family("accueil_store_last_flush_seconds", "gauge", "Duration of the last write",
                   [({}, store.last_flush_s)])
    out += _family("accueil_feed_clients", "gauge", "Live feed clients",
                   [({}, float(feed.clients))])
    out += _family("accueil_file0_active", "gauge", "File 0 activations switched on",
                   [({}, float(len(engine.file0.active(now))))])
    return "\n".join(out) + "\n"

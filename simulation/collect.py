"""KPIs of one replication, computed by the one KPI engine (:mod:`queues.kpi`).

The core's records go straight into a :class:`~queues.kpi.KpiEngine`. Each interval of the
observed window is *harvested* — its counts taken from the engine, overall and per queue —
once every call that arrived up to its end has left (so its counts are final), then the
engine forgets it: a run of thousands of hours holds a day of calls in memory, not all of
them. Figures of longer periods are the engine's indicators evaluated on the sums of those
counts, exactly what the engine does for a report on aligned intervals. Nothing here
computes a KPI itself.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any, Final

import simpy

from queues.kpi import Counters, KpiEngine
from queues.kpi_report import build_report
from simulation.scenario import Plan

KPI_NAMES: Final = (
    "sl_offered",
    "abandon_rate",
    "answer_rate",
    "asa_s",
    "p_wait",
    "occupancy",
    "lost_rate",
    "calls_offered",
)
"""The figures the simulator reports, by the KPI engine's names (ids or aliases)."""

Figures = dict[str, float | None]
"""Indicator name -> value (``None`` when undefined, e.g. no call answered)."""


@dataclass(frozen=True, slots=True)
class Replication:
    """The figures of one replication: overall, per queue, and per interval."""

    overall: Figures
    queues: dict[str, Figures]
    intervals: list[Figures]
    interval_queues: list[dict[str, Figures]]
    calls: int
    """Calls received in the observed window."""


def _nothing() -> None:
    return None


class Collector:
    """Feeds the KPI engine, tracks which intervals are settled, harvests their counts."""

    def __init__(self, plan: Plan, engine: KpiEngine, lag_s: float = 0.0) -> None:
        self.plan = plan
        self.engine = engine
        self.lag_s = lag_s
        self.scopes: tuple[str | None, ...] = (None, *(q.name for q in plan.queues))
        self.counts: list[dict[str | None, Counters]] = []
        self._live: dict[int, int] = {}
        self._start, self._size = plan.start_s, plan.interval_s
        self.sync: Callable[[], None] = _nothing
        """Called before each harvest: hands the engine the records still held back."""

    def arrived(self, t: float) -> int:
        """A call arrived at ``t``; returns its interval index (-1 during warm-up)."""
        k = int((t - self._start) // self._size)
        if k < -1:
            k = -1
        live = self._live
        live[k] = live.get(k, 0) + 1
        return k

    def done(self, k: int) -> None:
        """A call of interval ``k`` left for good."""
        left = self._live[k] - 1
        if left:
            self._live[k] = left
        else:
            del self._live[k]

    def ticker(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        """SimPy process: harvest settled intervals at each interval boundary."""
        plan = self.plan
        for k in range(1, plan.n_intervals + 1):
            yield env.timeout(plan.start_s + k * plan.interval_s - env.now)
            self.harvest(env.now)

    def harvest(self, now: float, final: bool = False) -> None:
        """Take the counts of every interval now settled (all of them if ``final``)."""
        plan, n = self.plan, self.plan.n_intervals
        self.sync()
        start = len(self.counts)
        while len(self.counts) < n:
            k = len(self.counts)
            end = plan.start_s + (k + 1) * plan.interval_s
            if not final and (now < end + self.lag_s or (self._live and min(self._live) <= k)):
                break
            a = end - plan.interval_s
            self.counts.append({s: self.engine.counts(a, end, s, now=now) for s in self.scopes})
        if len(self.counts) > start and not final:
            self.engine.forget_before(plan.start_s + len(self.counts) * plan.interval_s)

    def result(self, names: Sequence[str] = KPI_NAMES) -> Replication:
        """The replication's figures (call after the final harvest)."""
        queues = [q.name for q in self.plan.queues]
        total = {s: reduce(Counters.plus, (c[s] for c in self.counts), Counters())
                 for s in self.scopes}
        return Replication(
            overall=self._figures(total[None], None, names),
            queues={q: self._figures(total[q], q, names) for q in queues},
            intervals=[self._figures(c[None], None, names) for c in self.counts],
            interval_queues=[{q: self._figures(c[q], q, names) for q in queues}
                             for c in self.counts],
            calls=total[None].received,
        )

    def _figures(self, counts: Counters, queue: str | None, names: Sequence[str]) -> Figures:
        plan = self.plan
        window = (plan.start_s, plan.end_s)
        report = build_report(counts, window, queue, "all", self.engine.sl_threshold_s)
        return {name: report.value(name) for name in names}

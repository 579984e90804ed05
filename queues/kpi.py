"""The one KPI engine: every figure accueil shows is computed here from the record stream.

Feed it records (:mod:`queues.records`) in time order; ask for live figures or for a report
on any period. Nothing here reads a clock: every query takes ``now`` or a period.

How counting works. Each call's records are folded into :class:`CallFacts`; the single
function :func:`contribution` turns facts into :class:`Counters`, overall and for each queue
the call reached. Buckets keyed by (interval, queue or overall, hours class) hold the sums of
contributions: when a call's facts change, its old contribution is taken out and its new one
put in (before the next query, so a burst of records costs one update). A call belongs to the
period of its reception (per queue: of its first arrival at that queue) and its counts follow
its records live: an answer counts at once, in the interval the call arrived in. A report on
aligned intervals sums buckets; on the edges of an unaligned period it applies
:func:`contribution` to the calls of those intervals directly, so both agree by construction.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from functools import partial, reduce
from operator import add, neg, sub
from typing import Final

from queues.definitions import DEFINITIONS, KpiDefinition
from queues.errors import QueuesError
from queues.kpi_agents import AGENT_STATES, AgentTime
from queues.kpi_buckets import ALL, BucketKey, Buckets, full_range, interval_index, partial_pieces
from queues.kpi_facts import (
    BUSY_INDEX,
    FIELDS,
    STAFFED_INDEX,
    CallFacts,
    Counters,
    QueueFacts,
    Row,
    contribution,
    contribution_row,
)
from queues.kpi_fold import CallLog
from queues.kpi_report import Indicator, KpiReport, LiveFigures, build_report
from queues.records import AgentStateChanged, Record

__all__ = [
    "AGENT_STATES",
    "DEFINITIONS",
    "CallFacts",
    "Counters",
    "Indicator",
    "KpiDefinition",
    "KpiEngine",
    "KpiError",
    "KpiReport",
    "LiveFigures",
    "QueueFacts",
    "contribution",
]

_FLOAT_FIELDS: Final = frozenset({"sum_wait_answered_s", "sum_talk_s", "busy_s", "staffed_s"})
_IS_INT: Final = tuple(name not in _FLOAT_FIELDS for name in FIELDS)
_Counted = tuple[tuple[BucketKey, Row], ...]
if sys.version_info >= (3, 12):  # sum() compensates rounding from 3.12: add in order
    _sum_in_order: Callable[[Iterable[float]], float] = partial(reduce, add)
else:  # up to 3.11, sum() adds floats left to right, as one add after another does
    _sum_in_order = sum


class KpiError(QueuesError):
    """An impossible KPI request (bad period, hours filter without a calendar...)."""


def _everything_all(_t: float) -> str:
    return ALL


class KpiEngine:
    """Folds records into call facts and agent time; answers live and period queries.

    ``interval_s``: bucket length (reports on multiples of it are sums of buckets).
    ``sl_threshold_s``: service-level threshold of T2-IQ01 (an answer at exactly it counts).
    ``redial_window_s``: a lost call is recovered if its caller's later call is answered
    within this many seconds after the loss. ``classify``: maps a time to its hours class
    (``"HO"``, ``"HNO"``, ``"closed"``); ``None`` puts everything in class ``"all"``.
    """

    def __init__(
        self,
        interval_s: float = 900.0,
        sl_threshold_s: float = 40.0,
        redial_window_s: float = 86400.0,
        classify: Callable[[float], str] | None = None,
    ) -> None:
        if not interval_s > 0 or not sl_threshold_s >= 0 or not redial_window_s >= 0:
            raise KpiError("interval_s must be > 0, sl_threshold_s and redial_window_s >= 0")
        self.interval_s = float(interval_s)
        self.sl_threshold_s = float(sl_threshold_s)
        self.redial_window_s = float(redial_window_s)
        self._has_classes = classify is not None
        self._classify = classify or _everything_all
        self._log = CallLog(self.redial_window_s)
        self._counted: dict[str, _Counted] = {}
        self._buckets = Buckets(len(FIELDS))
        self._members: dict[int, list[CallFacts]] = {}
        self._agents = AgentTime(self.interval_s, classify)
        self._first_at = math.inf
        self._last_at = -math.inf
        self._horizon = -(2**62)
        self._lingering: list[CallFacts] = []
        self._handlers = self._log.handlers()
        self._handlers[AgentStateChanged] = self._agents.change

    # ------------------------------------------------------------------ feeding

    def feed(self, record: Record) -> None:
        """Take one record (records should come in time order)."""
        handler = self._handlers.get(type(record))
        if handler is None:
            raise KpiError(f"not a record of queues.records: {type(record).__name__}")
        at = record.at
        if at > self._last_at:
            self._last_at = at
        if at < self._first_at:
            self._first_at = at
        handler(record)

    def feed_many(self, records: Iterable[Record]) -> None:
        """Take records in order (what :meth:`feed` does, one call for a whole batch)."""
        handlers = self._handlers
        first, last = self._first_at, self._last_at
        try:
            for record in records:
                handler = handlers.get(type(record))
                if handler is None:
                    raise KpiError(f"not a record of queues.records: {type(record).__name__}")
                at = record.at
                if at > last:
                    last = at
                if at < first:
                    first = at
                handler(record)
        finally:
            self._first_at, self._last_at = first, last

    def call(self, call_id: str) -> CallFacts | None:
        """The facts held about a call (read them, do not change them)."""
        return self._log.calls.get(call_id)

    def calls(self) -> Iterable[CallFacts]:
        """Every call held (read them, do not change them)."""
        return self._log.calls.values()

    # ------------------------------------------------------------------ buckets

    def _scopes(self, f: CallFacts) -> _Counted:
        """Bucket key and contribution of ``f`` overall, then for each queue it reached."""
        thr, size = self.sl_threshold_s, self.interval_s
        cls = self._classify if self._has_classes else None
        t = f.received_at
        first = ((int(t // size), None, cls(t) if cls else ALL), contribution_row(f, None, thr))
        queues = f.queues
        if len(queues) == 1:  # the usual case
            for queue, qf in queues.items():
                t = qf.arrived_at
                return (first, ((int(t // size), queue, cls(t) if cls else ALL),
                                contribution_row(f, queue, thr)))
        if not queues:
            return (first,)
        out: list[tuple[BucketKey, Row]] = [first]
        for queue, qf in queues.items():
            t = qf.arrived_at
            out.append(((int(t // size), queue, cls(t) if cls else ALL),
                        contribution_row(f, queue, thr)))
        return tuple(out)

    def _flush(self) -> None:
        """Bring the buckets up to date with every call whose facts changed.

        The changes are gathered per bucket, in order, then each bucket adds its rows in one
        pass: the same additions in the same order as one at a time, so the same sums.
        """
        dirty = self._log.dirty
        if not dirty:
            return
        rows: dict[BucketKey, list[Row]] = {}
        recount = self._recount
        for f in dirty.values():
            recount(f, rows)
        dirty.clear()
        buckets = self._buckets
        data = buckets.data
        for key, added in rows.items():
            vec = data.get(key) or buckets.new(key)
            vec[:] = map(_sum_in_order, zip(vec, *added, strict=True))

    def _recount(self, f: CallFacts, rows: dict[BucketKey, list[Row]]) -> None:
        """Replace the call's previous contribution in the buckets with its current one
        (the rows to add to each bucket go to ``rows``)."""
        new = self._scopes(f)
        old = self._counted.get(f.call_id)
        horizon = self._horizon
        if old is None:  # counted for the first time: the usual case
            for key, counts in new:
                if key[0] >= horizon:
                    pending = rows.get(key)
                    if pending is None:
                        rows[key] = [counts]
                    else:
                        pending.append(counts)
                self._remember(key[0], f)
            self._counted[f.call_id] = new
            return
        for i, (key, counts) in enumerate(new):
            if i < len(old):
                old_key, old_counts = old[i]
                if key == old_key:
                    if counts != old_counts and key[0] >= horizon:
                        # The difference keeps unchanged float sums exact.
                        rows.setdefault(key, []).append(tuple(map(sub, counts, old_counts)))
                    continue
                if old_key[0] >= horizon:  # x - y is exactly x + (-y)
                    rows.setdefault(old_key, []).append(tuple(map(neg, old_counts)))
            if key[0] >= horizon:
                rows.setdefault(key, []).append(counts)
            if i >= len(old) or old[i][0][0] != key[0]:
                self._remember(key[0], f)
        self._counted[f.call_id] = new

    def _remember(self, idx: int, f: CallFacts) -> None:
        """Note that ``f`` counts in interval ``idx`` (for unaligned reports)."""
        members = self._members.get(idx)
        if members is None:
            self._members[idx] = [f]
        elif members[-1] is not f:  # its other scopes often share the interval
            members.append(f)

    # ------------------------------------------------------------------ queries

    def counts(
        self,
        start: float,
        end: float,
        queue: str | None = None,
        hours: str = ALL,
        now: float | None = None,
    ) -> Counters:
        """Counts of the calls attributed to ``[start, end)`` and of agent time inside it.

        Open agent states count up to ``now`` (default: the latest record's time).
        """
        self._check(start, end, hours)
        self._flush()
        size = self.interval_s
        vec = self._buckets.total(*full_range(start, end, size), queue, hours)
        for idx, a, b in partial_pieces(start, end, size):
            for f in {id(f): f for f in self._members.get(idx, ())}.values():
                counts = self._partial(f, a, b, queue, hours)
                for i, v in enumerate(counts):
                    vec[i] += v
        clock = self._last_at if now is None else now
        vec[BUSY_INDEX], vec[STAFFED_INDEX] = self._agents.seconds(start, end, clock, queue, hours)
        return Counters._make(
            [round(v) if is_int else v for v, is_int in zip(vec, _IS_INT, strict=True)]
        )

    def _partial(
        self, f: CallFacts, a: float, b: float, queue: str | None, hours: str
    ) -> Counters:
        """Contribution of ``f`` if its attribution time for the scope lies in ``[a, b)``."""
        if queue is None:
            t = f.received_at
        else:
            qf = f.queues.get(queue)
            if qf is None:
                return Counters()
            t = qf.arrived_at
        if not a <= t < b or (hours != ALL and self._classify(t) != hours):
            return Counters()
        return contribution(f, queue, self.sl_threshold_s)

    def _check(self, start: float, end: float, hours: str) -> None:
        if not (math.isfinite(start) and math.isfinite(end)) or end < start:
            raise KpiError(f"bad period [{start}, {end}): need finite start <= end")
        if hours != ALL and not self._has_classes:
            raise KpiError(f"hours={hours!r} needs a classify function (engine has none)")

    def report(
        self,
        start: float,
        end: float,
        queue: str | None = None,
        hours: str = ALL,
        now: float | None = None,
    ) -> KpiReport:
        """Counts and every indicator for calls attributed to ``[start, end)``."""
        counts = self.counts(start, end, queue, hours, now)
        return build_report(counts, (start, end), queue, hours, self.sl_threshold_s)

    def since(
        self, start: float, now: float, queue: str | None = None, hours: str = ALL
    ) -> KpiReport:
        """Report on ``[start, now]`` ("since midnight": the caller passes midnight's time)."""
        counts = self.counts(start, math.nextafter(now, math.inf), queue, hours, now)
        return build_report(counts, (start, now), queue, hours, self.sl_threshold_s)

    def rolling(
        self, now: float, window_s: float = 900.0, queue: str | None = None, hours: str = ALL
    ) -> KpiReport:
        """Report on the last ``window_s`` seconds, ``(now - window_s, now]``."""
        start = math.nextafter(now - window_s, math.inf)
        counts = self.counts(start, math.nextafter(now, math.inf), queue, hours, now)
        return build_report(counts, (now - window_s, now), queue, hours, self.sl_threshold_s)

    def intervals(
        self,
        start: float,
        end: float,
        queue: str | None = None,
        hours: str = ALL,
        now: float | None = None,
    ) -> list[tuple[float, KpiReport]]:
        """One report per interval of ``[start, end)`` (the first and last ones clipped)."""
        self._check(start, end, hours)
        size = self.interval_s
        out = []
        idx = interval_index(start, size)
        while idx * size < end:
            a, b = max(start, idx * size), min(end, (idx + 1) * size)
            out.append((a, self.report(a, b, queue, hours, now)))
            idx += 1
        return out

    def live(self, now: float, queue: str | None = None, since: float | None = None) -> LiveFigures:
        """Figures of the moment; ``avg_talk_s`` over ``[since, now]`` (default: all held)."""
        log = self._log
        lines = [log.lines.get(queue, {})] if queue is not None else log.lines.values()
        waiting: dict[str, float] = {}
        for line in lines:
            waiting.update(line)
        longest = now - min(waiting.values()) if waiting else None
        in_progress = sum(1 for q in log.talking.values() if queue is None or q == queue)
        start = since if since is not None else min(self._first_at, now)
        talk = self.since(start, now, queue).indicator("avg_talk_s")
        return LiveFigures(
            now, queue, len(waiting), longest, in_progress, dict(self._agents.by_state), talk
        )

    # ------------------------------------------------------------------ memory

    def forget_before(self, ts: float) -> None:
        """Drop buckets of intervals ending at or before ``ts`` and the settled calls in them.

        Later records about a forgotten call are ignored (or, for a CallQueued, start a new
        call); keep at least ``redial_window_s`` of history so redials can recover lost calls.
        Calls still in progress are kept; their old buckets are gone, so they no longer count.
        """
        self._flush()
        cut = interval_index(ts, self.interval_s)
        self._horizon = max(self._horizon, cut)
        self._buckets.drop_before(cut)
        self._agents.forget_before(cut)
        candidates = self._lingering
        for idx in [i for i in self._members if i < cut]:
            candidates.extend(self._members.pop(idx))
        self._lingering = []
        held, all_before = self._log.calls, self._all_before
        for f in candidates:
            if held.get(f.call_id) is not f or not all_before(f, cut):
                continue
            if f.settled:
                self._log.forget(f)
                self._counted.pop(f.call_id, None)
            else:  # still in progress: looked at again by the next forget_before
                self._lingering.append(f)
        self._log.prune_redials(ts)
        self._first_at = max(self._first_at, cut * self.interval_s)

    def _all_before(self, f: CallFacts, cut: int) -> bool:
        size = self.interval_s
        if int(f.received_at // size) >= cut:
            return False
        return all(int(qf.arrived_at // size) < cut for qf in f.queues.values())

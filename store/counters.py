"""KPI counters per interval, kept in Redis: the KPI engine's buckets, written down.

The counts are never computed here: :class:`CounterTracker` notes which intervals a record can
have changed (the interval a call is attributed to, overall and per queue; the stretch an
agent's state covered; the calls of a caller whose redial recovers them), then asks the
:class:`~queues.kpi.KpiEngine` for those intervals' counts and hands them to the store to
``HSET`` (a value, not an increment: writing the same interval twice is harmless). They can be
rebuilt at any time by replaying the event stream into a fresh engine.

Layout: one hash per interval (``keys.counters``), one field per ``queue|hours`` (``*`` for
overall), the value the JSON list of :class:`~queues.kpi_facts.Counters` in field order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Final

import redis.asyncio as aioredis

from queues import records as rec
from queues.kpi import Counters, KpiEngine
from queues.kpi_buckets import ALL
from store import keys

OVERALL: Final = "*"
#: Longest stretch of agent time (in intervals) re-counted when an agent changes state.
MAX_SPAN: Final = 192


def field(queue: str | None, hours: str) -> str:
    """Hash field of a scope (queue or overall) and an hours class."""
    return f"{queue or OVERALL}|{hours}"


class CounterTracker:
    """Notes which intervals records touched and reads their counts from the engine.

    Call :meth:`note` after the engine was fed the record. ``hours_classes``: the classes the
    engine's ``classify`` returns (``()`` when it has none: everything is ``"all"``).
    """

    def __init__(self, kpi: KpiEngine, hours_classes: Sequence[str] = ()) -> None:
        self.kpi = kpi
        self.size = kpi.interval_s
        self.classes: tuple[str, ...] = tuple(hours_classes) or (ALL,)
        self.queues: set[str] = set()
        self._touched: set[int] = set()
        self._agent_since: dict[str, float] = {}
        self._caller_calls: dict[str, dict[str, None]] = {}
        self._last: int | None = None

    def _idx(self, t: float) -> int:
        return int(t // self.size)

    def observe(self, record: rec.Record) -> None:
        """Learn queues, agents and callers from a record without marking anything."""
        queue = getattr(record, "queue", "")
        if queue:
            self.queues.add(queue)
        if isinstance(record, rec.AgentStateChanged):
            self._agent_since[record.agent_id] = record.at
        caller = getattr(record, "caller", "")
        if caller:
            calls = self._caller_calls.setdefault(caller, {})
            calls[getattr(record, "call_id", "")] = None
            while len(calls) > 64:  # a caller's recent calls are enough for redials
                del calls[next(iter(calls))]

    def note(self, record: rec.Record) -> None:
        """Mark the intervals whose counts ``record`` may have changed."""
        if isinstance(record, rec.AgentStateChanged):
            # The closed stretch, and the intervals already written with it still open.
            since = self._agent_since.get(record.agent_id, record.at)
            hi = max(self._idx(record.at), self._last if self._last is not None else -(2**62))
            lo = max(self._idx(since), hi - MAX_SPAN)
            self._touched.update(range(lo, hi + 1))
            self.observe(record)
            return
        self.observe(record)
        self._touch_call(record.call_id)
        if isinstance(record, rec.CallAnswered):
            facts = self.kpi.call(record.call_id)
            if facts is not None and facts.caller:
                for other in self._caller_calls.get(facts.caller, {}):
                    self._touch_call(other)

    def _touch_call(self, call_id: str) -> None:
        facts = self.kpi.call(call_id)
        if facts is None:
            return
        self._touched.add(self._idx(facts.received_at))
        for qf in facts.queues.values():
            self._touched.add(self._idx(qf.arrived_at))

    def collect(self, now: float) -> dict[int, dict[str, str]]:
        """Fields of every touched interval and of the current and previous ones.

        An interval maps to ``{}`` when all its counts are zero (its hash is deleted).
        """
        current = self._idx(now)
        # Open agent stretches run on to ``now``: every interval since the last collect (or,
        # the first time, since the oldest agent state) has new agent time.
        if self._last is not None:
            first = self._last
        elif self._agent_since:
            first = self._idx(min(self._agent_since.values()))
        else:
            first = current - 1
        first = max(first, current - MAX_SPAN)
        self._last = current
        touched, self._touched = self._touched | set(range(first, current + 1)), set()
        scopes: list[str | None] = [None, *sorted(self.queues)]
        out: dict[int, dict[str, str]] = {}
        for idx in sorted(touched):
            start, end = idx * self.size, (idx + 1) * self.size
            values = {}
            for queue in scopes:
                for hours in self.classes:
                    counts = self.kpi.counts(start, end, queue, hours, now)
                    if any(counts):
                        values[field(queue, hours)] = json.dumps(list(counts))
            out[idx] = values
        return out


async def stored_counts(
    redis: aioredis.Redis,
    interval_s: float,
    start: float,
    end: float,
    queue: str | None = None,
    hours: str = ALL,
) -> tuple[Counters, tuple[float, float]]:
    """Sum of the stored counters of the intervals overlapping ``[start, end)``.

    Stored counters are per whole interval: the window actually covered is returned with
    the counts (``start`` rounded down, ``end`` rounded up to interval boundaries).
    """
    lo = math.floor(start / interval_s)
    hi = math.ceil(end / interval_s)
    found: list[bytes] = await redis.zrangebyscore(  # type: ignore[assignment]
        keys.counters_index(interval_s), lo, hi - 1
    )
    indexes = [int(i) for i in found]
    total = Counters()
    if not indexes:
        return total, (lo * interval_s, hi * interval_s)
    scope = queue or OVERALL
    pipe = redis.pipeline(transaction=False)
    for idx in indexes:
        pipe.hgetall(keys.counters(interval_s, idx))
    for mapping in await pipe.execute():
        total = total.plus(_sum_fields(mapping, scope, hours))
    return total, (lo * interval_s, hi * interval_s)


def _sum_fields(mapping: dict[bytes, bytes], scope: str, hours: str) -> Counters:
    total = Counters()
    for raw_field, raw_value in mapping.items():
        name, _, cls = raw_field.decode().partition("|")
        if name == scope and hours in (ALL, cls):
            total = total.plus(Counters._make(json.loads(raw_value)))
    return total

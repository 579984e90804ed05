"""Agent time: each agent's current state, and busy / staffed seconds per interval.

A state lasts from its AgentStateChanged to the agent's next one. Closed stretches are cut
exactly at interval boundaries into buckets (for aligned reports) and kept as pieces (for the
edges of unaligned reports); the open stretch of each agent counts up to the report's ``now``.
A piece takes the hours class of its start, so ``interval_s`` should divide the opening-hours
boundaries (900 s does for 7:00, 8:30, 17:30 and 19:00).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from queues.kpi_buckets import ALL, BucketKey, Buckets, full_range, partial_pieces, split
from queues.records import AgentState, AgentStateChanged

STAFFED: Final = frozenset({"available", "ringing", "on_call", "wrap_up"})
BUSY: Final = frozenset({"on_call", "wrap_up"})
AGENT_STATES: Final[tuple[AgentState, ...]] = (
    "logged_out", "available", "ringing", "on_call", "wrap_up", "paused",
)
_BUSY_I: Final = 0
_STAFFED_I: Final = 1


@dataclass(slots=True)
class AgentNow:
    """An agent's current state and since when."""

    state: AgentState
    since: float
    queue: str = ""
    call_id: str = ""


Piece = tuple[float, float, bool, str, str]
"""A stretch of staffed time inside one interval: start, end, busy, queue, hours class.

A plain tuple: the garbage collector stops tracking tuples of atoms, not tuple subclasses.
"""


class AgentTime:
    """Tracks agent states from the records and sums their time per bucket."""

    def __init__(self, interval_s: float, classify: Callable[[float], str] | None) -> None:
        self.interval_s = interval_s
        self.classify = classify or _all
        """Hours class of a time; ``None`` puts everything in class ``"all"``."""
        self._classes = classify is not None
        self.agents: dict[str, AgentNow] = {}
        self.by_state: dict[AgentState, int] = dict.fromkeys(AGENT_STATES, 0)
        self.buckets = Buckets(2)
        """``[busy_s, staffed_s]`` per bucket; a queue's bucket holds only its busy_s."""
        self.pieces: dict[int, list[Piece]] = {}

    def change(self, r: AgentStateChanged) -> None:
        """Apply one state change: close the previous stretch, open the new one."""
        prev = self.agents.get(r.agent_id)
        if prev is None:
            self.agents[r.agent_id] = AgentNow(r.state, r.at, r.queue, r.call_id)
            self.by_state[r.state] += 1
            return
        at = r.at
        state = prev.state
        if at > prev.since:
            if state in STAFFED:  # close the stretch (inline: one call per state change)
                start = prev.since
                size = self.interval_s
                idx = int(start // size)
                if at <= (idx + 1) * size:  # the usual case: within one interval
                    self._add(idx, start, at, state in BUSY, prev.queue)
                else:
                    for idx, a, b in split(start, at, size):
                        self._add(idx, a, b, state in BUSY, prev.queue)
            prev.since = at
        by_state = self.by_state
        by_state[state] -= 1
        by_state[r.state] += 1
        prev.state, prev.queue, prev.call_id = r.state, r.queue, r.call_id

    def _add(self, idx: int, a: float, b: float, busy: bool, queue: str) -> None:
        hours = self.classify(a) if self._classes else ALL
        d = b - a
        data = self.buckets.data
        key: BucketKey = (idx, None, hours)
        vec = data.get(key) or self.buckets.new(key)
        vec[_STAFFED_I] += d
        if busy:
            vec[_BUSY_I] += d
            if queue:
                key = (idx, queue, hours)
                (data.get(key) or self.buckets.new(key))[_BUSY_I] += d
        pieces = self.pieces.get(idx)
        if pieces is None:
            self.pieces[idx] = [(a, b, busy, queue, hours)]
        else:
            pieces.append((a, b, busy, queue, hours))

    def seconds(
        self, start: float, end: float, now: float, queue: str | None, hours: str
    ) -> tuple[float, float]:
        """``(busy_s, staffed_s)`` in ``[start, end)``, open stretches counted up to ``now``.

        For a queue, staffed_s is 0: records do not tie idle agents to queues.
        """
        lo, hi = full_range(start, end, self.interval_s)
        busy, staffed = self.buckets.total(lo, hi, queue, hours)
        for idx, a, b in partial_pieces(start, end, self.interval_s):
            for p_start, p_end, p_busy, p_queue, p_hours in self.pieces.get(idx, ()):
                d = min(b, p_end) - max(a, p_start)
                if d > 0 and _matches(p_busy, p_queue, p_hours, queue, hours):
                    busy += d if p_busy else 0.0
                    staffed += d if queue is None else 0.0
        open_busy, open_staffed = self._open(start, min(end, now), queue, hours)
        return busy + open_busy, staffed + open_staffed

    def _open(
        self, start: float, end: float, queue: str | None, hours: str
    ) -> tuple[float, float]:
        busy = staffed = 0.0
        for agent in self.agents.values():
            if agent.state not in STAFFED:
                continue
            is_busy = agent.state in BUSY
            for _idx, a, b in split(max(start, agent.since), end, self.interval_s):
                if _matches(is_busy, agent.queue, self.classify(a), queue, hours):
                    busy += (b - a) if is_busy else 0.0
                    staffed += (b - a) if queue is None else 0.0
        return busy, staffed

    def forget_before(self, index: int) -> None:
        """Drop buckets and pieces of intervals before ``index``."""
        self.buckets.drop_before(index)
        for idx in [i for i in self.pieces if i < index]:
            del self.pieces[idx]


def _all(_t: float) -> str:
    return ALL


def _matches(busy: bool, p_queue: str, p_hours: str, queue: str | None, hours: str) -> bool:
    if hours not in (ALL, p_hours):
        return False
    return queue is None or (busy and p_queue == queue)

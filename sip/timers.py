"""RFC 3261 timer values and the endpoint's deadline scheduler (time is always a parameter).

Nothing here reads a clock: every deadline is computed from the ``now`` the driver passes
in, and the driver re-arms one timer at :meth:`Scheduler.next_deadline`.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

__all__ = ["Scheduler", "Timed", "TimerConfig"]


@dataclass(frozen=True, slots=True)
class TimerConfig:
    """The base timers of RFC 3261 §17.1.1.1 and Table 4, in seconds."""

    t1: float = 0.5
    """Round-trip estimate: first retransmission interval (Timers A, E, G; 2xx resends)."""
    t2: float = 4.0
    """Cap on the retransmission interval of non-INVITE requests and INVITE responses."""
    t4: float = 5.0
    """How long a message may stay in the network (Timers I and K)."""

    def __post_init__(self) -> None:
        if not 0 < self.t1 <= self.t2:
            raise ValueError("timers need 0 < t1 <= t2")
        if self.t4 <= 0:
            raise ValueError("t4 must be positive")

    @property
    def timeout(self) -> float:
        """64*T1: Timers B, F, H, J, L and the 2xx-without-ACK limit."""
        return 64 * self.t1

    def backoff(self, interval: float) -> float:
        """The next retransmission interval: doubled, at most T2."""
        return min(2 * interval, self.t2)


class Timed(Protocol):
    """Something with timers: a transaction or a call."""

    def next_deadline(self) -> float | None:
        """The earliest pending deadline, or None."""
        ...


_T = TypeVar("_T", bound=Timed)


class Scheduler(Generic[_T]):
    """A heap of owners keyed by their next deadline, with lazy invalidation.

    Call :meth:`touch` whenever an owner's timers may have changed; :meth:`due` pops the
    owners whose deadline has passed.  Stale heap entries (the owner re-armed or finished)
    are skipped, so each touch costs O(log n) and no operation scans every owner.
    """

    __slots__ = ("_counter", "_heap", "_scheduled")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _T]] = []
        self._scheduled: dict[int, float] = {}
        self._counter = itertools.count()

    def touch(self, owner: _T) -> None:
        """Re-read ``owner.next_deadline()`` and schedule it."""
        when = owner.next_deadline()
        key = id(owner)
        if when is None:
            self._scheduled.pop(key, None)
            return
        if self._scheduled.get(key) == when:
            return
        self._scheduled[key] = when
        heapq.heappush(self._heap, (when, next(self._counter), owner))

    def next_deadline(self) -> float | None:
        """The earliest live deadline, or None."""
        heap = self._heap
        while heap:
            when, _, owner = heap[0]
            if self._scheduled.get(id(owner)) == when:
                return when
            heapq.heappop(heap)
        return None

    def due(self, now: float) -> list[_T]:
        """Pop and return every owner whose deadline is ``<= now`` (each once, in order)."""
        out: list[_T] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, _, owner = heapq.heappop(heap)
            if self._scheduled.get(id(owner)) == when:
                del self._scheduled[id(owner)]
                out.append(owner)
        return out

    def __len__(self) -> int:
        return len(self._scheduled)

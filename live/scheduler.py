"""Clocks for the live runtime: the asyncio loop, or a virtual clock for tests and replays.

The runtime only needs ``now()`` and ``call_at(when, callback)``; everything it does with
them is the same whichever clock runs it, which is what lets one scripted scenario run
through the live path on a virtual clock and give the same trace as the simulator.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol


class Handle(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """What the runtime needs from a clock."""

    def now(self) -> float: ...

    def call_at(self, when: float, callback: Callable[[], None]) -> Handle: ...


class AsyncioScheduler:
    """Unix time on the asyncio loop: ``loop.call_at`` with the loop's monotonic clock.

    ``now()`` is wall-clock Unix time taken once at start and advanced by the loop's
    monotonic clock, so timers never jump when the system clock is adjusted.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = loop or asyncio.get_running_loop()
        self._offset = time.time() - self.loop.time()

    def now(self) -> float:
        return self.loop.time() + self._offset

    def call_at(self, when: float, callback: Callable[[], None]) -> Handle:
        return self.loop.call_at(when - self._offset, callback)


class _VirtualHandle:
    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualScheduler:
    """A discrete-event clock: callbacks run in time order, instantly, with no sleeping."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._queue: list[tuple[float, int, _VirtualHandle, Callable[[], None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, callback: Callable[[], None]) -> Handle:
        handle = _VirtualHandle()
        heapq.heappush(self._queue, (max(when, self._now), next(self._seq), handle, callback))
        return handle

    def run(self, until: float | None = None) -> None:
        """Run callbacks in order until none is left (or the next is after ``until``)."""
        while self._queue:
            when, _, handle, callback = self._queue[0]
            if until is not None and when > until:
                break
            heapq.heappop(self._queue)
            if handle.cancelled:
                continue
            self._now = when
            callback()
        if until is not None:
            self._now = max(self._now, until)


class ScaledScheduler:
    """The asyncio loop with time running ``speed`` times faster, from Unix time ``start``.

    For demonstrations: a 10x clock shows ten minutes of contact-center life per minute.
    """

    def __init__(
        self, speed: float, start: float, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.loop = loop or asyncio.get_running_loop()
        self.speed = speed
        self.start = start
        self._t0 = self.loop.time()

    def now(self) -> float:
        return self.start + (self.loop.time() - self._t0) * self.speed

    def call_at(self, when: float, callback: Callable[[], None]) -> Handle:
        return self.loop.call_at(self._t0 + (when - self.start) / self.speed, callback)

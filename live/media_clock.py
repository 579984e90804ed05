"""The shared media clock: one 20 ms timer chain for every call leg, and its own lag.

There is no task or timer per call: one ``call_at`` chain ticks every 20 ms and the media
engine sends one frame for every playing leg on each tick. The deadlines are absolute
(``start + k × interval``), never "now + interval", so the clock does not drift however late
each callback runs.

When a callback runs late by more than one interval (the loop was blocked), the periods
missed are caught up in one burst, up to ``max_burst`` periods per tick, so a receiver's
jitter buffer sees a short burst instead of a gap. Beyond that the oldest periods are
skipped: their RTP timestamps are never used, which a receiver sees as a pause (the next
packet carries the marker bit), and prompts resume where they were instead of losing audio.
"""

from __future__ import annotations

import logging
import math
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from live.scheduler import Handle, Scheduler

__all__ = ["LagSummary", "MediaClock"]

log = logging.getLogger("accueil.media")

#: Callback of a tick: send the frames of periods ``first`` to ``end - 1``.
TickCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class LagSummary:
    """How late the clock's ticks ran (seconds), over the recent history."""

    p50: float
    """Median lateness."""
    p99: float
    """99th percentile of lateness."""
    max: float
    """Worst lateness."""
    ticks: int
    """Ticks run since the start."""
    skipped: int
    """Periods skipped because the loop was blocked for longer than a burst can catch up."""
    busy_p99: float
    """99th percentile of the time spent in one tick's callback."""


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class MediaClock:
    """One periodic timer on a :class:`~live.scheduler.Scheduler`, with lag measurement."""

    def __init__(self, scheduler: Scheduler, on_tick: TickCallback, interval: float = 0.02,
                 max_burst: int = 3, history: int = 15_000) -> None:
        if interval <= 0 or max_burst < 1:
            raise ValueError("interval and max_burst must be positive")
        self.scheduler = scheduler
        self.interval = interval
        self.max_burst = max_burst
        self._on_tick = on_tick
        self._history = history
        self._lags = array("d")
        self._busy = array("d")
        self._next_slot = 0
        self._start = 0.0
        self._period = 0
        self._handle: Handle | None = None
        self.ticks = 0
        self.skipped = 0

    @property
    def running(self) -> bool:
        """Whether the timer chain is armed."""
        return self._handle is not None

    @property
    def period(self) -> int:
        """The index of the next period to be sent (the RTP timestamp is derived from it)."""
        return self._period

    def start(self) -> None:
        """Arm the first tick one interval from now (no-op if already running)."""
        if self._handle is not None:
            return
        self._start = self.scheduler.now() + self.interval - self._period * self.interval
        self._arm()

    def stop(self) -> None:
        """Cancel the chain; :meth:`start` resumes it (period numbers keep increasing)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def deadline(self, period: int) -> float:
        """When a period is due, on the scheduler's clock."""
        return self._start + period * self.interval

    def _arm(self) -> None:
        self._handle = self.scheduler.call_at(self.deadline(self._period), self._fire)

    def _fire(self) -> None:
        now = self.scheduler.now()
        first = self._period
        lag = max(0.0, now - self.deadline(first))
        # every period whose deadline has passed is due (epsilon: float rounding of k × 20 ms)
        last = max(first, math.floor((now - self._start) / self.interval + 1e-6))
        if last - first + 1 > self.max_burst:
            self.skipped += last - first + 1 - self.max_burst
            first = last - self.max_burst + 1
        self._period = last + 1
        self.ticks += 1
        self._arm()  # re-armed before the callback, so an error there cannot stop the clock
        try:
            self._on_tick(first, last + 1)
        except Exception:
            log.exception("media tick failed")
        self._record(lag, self.scheduler.now() - now)

    def _record(self, lag: float, busy: float) -> None:
        if len(self._lags) < self._history:
            self._lags.append(lag)
            self._busy.append(busy)
        else:
            self._lags[self._next_slot] = lag
            self._busy[self._next_slot] = busy
            self._next_slot = (self._next_slot + 1) % self._history

    def reset_stats(self) -> None:
        """Forget the lag history (say, after a warm-up)."""
        self._lags = array("d")
        self._busy = array("d")
        self._next_slot = 0

    def lag_percentiles(self) -> tuple[float, float]:
        """(p50, p99) of the ticks' lateness in seconds, over the recent history."""
        lags = self._lags.tolist()
        return _percentile(lags, 0.50), _percentile(lags, 0.99)

    def summary(self) -> LagSummary:
        """Lag percentiles, worst case, tick and skip counts, callback time."""
        lags = self._lags.tolist()
        return LagSummary(_percentile(lags, 0.50), _percentile(lags, 0.99),
                          max(lags, default=0.0), self.ticks, self.skipped,
                          _percentile(self._busy.tolist(), 0.99))

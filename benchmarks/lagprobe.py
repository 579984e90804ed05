"""Event-loop lag probe shared by the benchmarks: a 10 ms ``call_at`` chain; how late each
link runs is how long the loop was busy with everything else."""

from __future__ import annotations

import asyncio


class Probe:
    """A 10 ms ``call_at`` chain on ``loop``; ``lags`` holds how late each link ran (s)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.lags: list[float] = []
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._due = self.loop.time() + 0.01
        self._handle = self.loop.call_at(self._due, self._fire)

    def _fire(self) -> None:
        now = self.loop.time()
        self.lags.append(now - self._due)
        self._due = max(self._due + 0.01, now)
        self._handle = self.loop.call_at(self._due, self._fire)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()

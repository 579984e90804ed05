"""What the benchmarks share: the event-loop lag probe (a 10 ms ``call_at`` chain; how late
each link runs is how long the loop was busy with everything else), percentiles, free ports,
and SIPp's final figures."""

from __future__ import annotations

import asyncio
import math
import re
import socket


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``; 0 when there are none."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def free_port(even: bool = False) -> int:
    """A UDP port free on 127.0.0.1 now (even, below 65000: SIPp's RTP echo takes port + 2)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if not even or (port % 2 == 0 and port < 65000):
            return port
    raise RuntimeError("no free port")


def failed_calls(output: str) -> int:
    """SIPp's final "Failed call" count (cumulative column); -1 if absent."""
    found = re.findall(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", output)
    return int(found[-1]) if found else -1


def successful_calls(output: str) -> int:
    """SIPp's final "Successful call" count (cumulative column); -1 if absent."""
    found = re.findall(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", output)
    return int(found[-1]) if found else -1


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

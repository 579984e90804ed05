"""An honest estimate of the remaining wait of a caller in line.

The estimate is built from the caller's position, the agents who can take calls of the
queue now, and the recent handle time (talk + wrap-up) — never from a plain average of
past waits, which lags behind every change of staffing or load.

Model: while every serving agent is busy, a place in line frees up every ``handle/agents``
seconds on average (exponential handle times are memoryless, so the time already spent by
calls in progress does not change the expectation). A caller at position ``k`` with ``a``
agents free waits about ``(k - a) * handle / agents``; nobody serving means no estimate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class HandleTime:
    """Exponentially weighted recent handle time of one queue, in seconds."""

    mean_s: float
    weight: float = 0.1
    """Weight of the newest call; 0.1 follows about the last twenty calls."""
    samples: int = 0

    def observe(self, handle_s: float) -> None:
        """Take one finished call's handle time into account."""
        if self.samples == 0:
            self.mean_s = handle_s
        else:
            self.mean_s += self.weight * (handle_s - self.mean_s)
        self.samples += 1


def estimated_wait(
    position: int, serving_agents: float, available_agents: int, handle_s: float
) -> float | None:
    """Expected seconds before the caller at ``position`` (1-based) reaches an agent.

    ``serving_agents`` is the number of staffed agents working for the queue (it may be
    fractional when agents share their time among several queues); ``None`` when no agent
    serves the queue, so no honest figure can be given.
    """
    if position <= available_agents:
        return 0.0
    if serving_agents <= 0:
        return None
    return (position - available_agents) * handle_s / serving_agents


def spoken_wait(seconds: float | None) -> str:
    """Round an estimate the way a caller understands it (English; the IVR localises)."""
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return "less than a minute"
    minutes = int(seconds // 60 + (1 if seconds % 60 >= 30 else 0))
    if minutes < 10:
        return f"about {minutes} minute{'s' if minutes > 1 else ''}"
    return f"about {5 * round(minutes / 5)} minutes"

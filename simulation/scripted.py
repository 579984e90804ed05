"""Scripted runs: an explicit list of timed happenings through the SimPy driver, traced.

This is the simulator's side of the golden test: the live driver's clock-independent path
fed the same script must produce the identical trace. A script holds

* :class:`ScriptedCall` — a caller arriving at a queue, with its patience, handle time and
  whether it asks for a callback when its patience runs out;
* :class:`ScriptedEvent` — any ACD event fed as is at a time (agents logging in, pausing,
  resuming, logging out, skills changes...).

Agents answer an offer after ``answer_delays[agent_id]`` seconds (default 0; ``inf``: never,
so the ring timeout fires). Items at the same time run in script order.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from acd import events as ev
from acd.engine import Acd, AcdConfig
from acd.strategies import RandomSource
from simulation.driver import Caller, Driver, Trace


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    """A caller arriving at ``at``."""

    at: float
    call_id: str
    queue: str
    handle_s: float
    patience_s: float = math.inf
    accepts_callback: bool = False
    caller: str = ""
    priority: int = 0
    points: int = 0


@dataclass(frozen=True, slots=True)
class ScriptedEvent:
    """An ACD event fed as is at ``at``."""

    at: float
    event: ev.Event


ScriptItem = ScriptedCall | ScriptedEvent


def run_script(
    config: AcdConfig,
    script: Sequence[ScriptItem],
    answer_delays: Mapping[str, float] | None = None,
    rng: RandomSource | None = None,
    until: float | None = None,
) -> Trace:
    """Run ``script`` through a fresh ACD under the SimPy driver; return the full trace.

    The trace lists ``(time, item)`` in order: each event fed, then the commands the core
    returned for it, then the records it emitted; ``TIMERS_DUE`` stands for a call of
    ``on_timer`` (followed by its commands and records). The run ends when nothing is left
    to happen, or at ``until``.
    """
    delays = dict(answer_delays or {})
    env = simpy.Environment()
    trace: Trace = []
    driver = Driver(env, Acd(config, rng), answer_delay=lambda a: delays.get(a, 0.0),
                    trace=trace)
    env.process(_play(env, driver, sorted(script, key=lambda item: item.at)))
    env.run(until=until)
    return trace


def _play(
    env: simpy.Environment, driver: Driver, script: list[ScriptItem]
) -> Generator[simpy.Event, Any, None]:
    for item in script:
        if item.at > env.now:
            yield env.timeout(item.at - env.now)
        if isinstance(item, ScriptedEvent):
            driver.feed(item.event)
        else:
            driver.arrive(Caller(item.call_id, item.queue, item.handle_s, item.patience_s,
                                 item.accepts_callback, item.caller, item.priority, item.points))

"""The random world of a scenario: arrivals, callers and agents as SimPy processes.

Every random stream is its own NumPy generator, derived from the replication's
``SeedSequence`` and the *name* of the queue or agent group it serves, so adding a queue or
changing one queue's traffic does not reshuffle the draws of the others. Per call, the
handle time, the patience and the callback choice are drawn on arrival, whatever happens
next: two staffing plans run on the same seed see the same callers (common random numbers).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Generator
from typing import Any, Final

import numpy as np
import simpy
from simpy.events import Timeout

from acd import events as ev
from simulation.distributions import Draw, batched, sampler, uniform
from simulation.driver import ABANDONED, REJECTED, TIMED_OUT, Caller, Driver, Outcome
from simulation.scenario import Group, Plan, QueueLoad

_STREAMS: Final = (
    "arrivals", "handle", "patience", "callback", "redial", "answer", "routing", "redial_delay",
)
_RETRY: Final = frozenset({ABANDONED, REJECTED, TIMED_OUT})


def stream(seed: np.random.SeedSequence, owner: str, kind: str) -> np.random.Generator:
    """The generator of stream ``kind`` of ``owner`` (a queue or ``group:<name>``)."""
    key = (*seed.spawn_key, zlib.crc32(owner.encode()), _STREAMS.index(kind))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed.entropy, spawn_key=key)))


class _Traffic:
    """The samplers of one queue."""

    def __init__(self, load: QueueLoad, seed: np.random.SeedSequence) -> None:
        def gen(kind: str) -> np.random.Generator:
            return stream(seed, load.queue, kind)

        self.load = load
        arrivals = gen("arrivals")
        self.gap = batched(lambda n: arrivals.exponential(1.0, n))
        self.handle = sampler(load.handle, gen("handle"))
        self.patience = sampler(load.patience, gen("patience"))
        self.callback = uniform(gen("callback"))
        self.redial = uniform(gen("redial"))
        self.redial_delay = None if load.redials is None else sampler(
            load.redials.delay, gen("redial_delay"))


class World:
    """Puts a plan's callers and agents around a driver; starts their processes."""

    def __init__(
        self,
        env: simpy.Environment,
        plan: Plan,
        seed: np.random.SeedSequence,
        on_arrival: Callable[[float], int],
    ) -> None:
        self.env = env
        self.plan = plan
        self._on_arrival = on_arrival
        self._traffic = {load.queue: _Traffic(load, seed) for load in plan.loads}
        self._answer: dict[str, Draw] = {}
        for group in plan.groups:
            draw = sampler(group.answer_delay, stream(seed, f"group:{group.name}", "answer"))
            self._answer.update(dict.fromkeys(group.agent_ids(), draw))
        self._count = 0
        self.driver: Driver | None = None

    def answer_delay(self, agent_id: str) -> float:
        """Seconds before ``agent_id`` picks up (drawn from its group's stream)."""
        return self._answer[agent_id]()

    def start(self, driver: Driver) -> None:
        """Start the arrival and staffing processes on ``driver``."""
        self.driver = driver
        for group in self.plan.groups:
            self.env.process(self._staffing(driver, group))
        for load in self.plan.loads:
            _Arrivals(self, driver, self._traffic[load.queue]).next()
        self.env.process(self._days(driver))

    def _days(self, driver: Driver) -> Generator[simpy.Event, Any, None]:
        """``DayStarted`` at each midnight of the window (per-day counters start again)."""
        midnight = (self.env.now // 86400 + 1) * 86400
        while midnight < self.plan.end_s:
            yield self.env.timeout(midnight - self.env.now)
            driver.feed(ev.DayStarted())
            midnight += 86400

    # ------------------------------------------------------------------ callers

    def _caller(self, traffic: _Traffic, call_id: str, number: str, attempt: int) -> Caller:
        load = traffic.load
        p = load.callback_probability
        return Caller(call_id, load.queue, traffic.handle(), traffic.patience(),
                      p > 0 and traffic.callback() < p, number, load.priority, 0, attempt,
                      self._on_arrival(self.env.now))

    def done(self, caller: Caller, outcome: Outcome) -> None:
        """A call left: an unanswered caller may call again (a redial)."""
        traffic = self._traffic.get(caller.queue)
        if outcome not in _RETRY or traffic is None or traffic.redial_delay is None:
            return
        redials = traffic.load.redials
        assert redials is not None
        if caller.attempt >= redials.max_attempts or traffic.redial() >= redials.probability:
            return
        delay = traffic.redial_delay()
        self._count += 1
        call_id = f"c{self._count}"
        driver = self.driver
        assert driver is not None

        def again(_arg: None) -> None:
            driver.arrive(self._caller(traffic, call_id, caller.caller, caller.attempt + 1))

        driver.at(delay, again, None)

    # ------------------------------------------------------------------ agents

    def _staffing(self, driver: Driver, group: Group) -> Generator[simpy.Event, Any, None]:
        plan, env = self.plan, self.env
        ids = group.agent_ids()
        logged = 0
        paused: set[int] = set()
        for k, heads in enumerate(group.staffed):
            if k > 0:
                yield env.timeout(plan.start_s + k * plan.interval_s - env.now)
            for i in range(logged, heads):
                driver.feed(ev.AgentLoggedIn(ids[i]))
            for i in range(logged - 1, heads - 1, -1):
                driver.feed(ev.AgentLoggedOut(ids[i]))
            paused -= set(range(heads, logged))
            logged = heads
            away = _on_break(heads, group.shrinkage, k)
            for i in sorted(paused - away):
                driver.feed(ev.AgentResumed(ids[i]))
            for i in sorted(away - paused):
                driver.feed(ev.AgentPaused(ids[i], "break"))
            paused = away


class _Arrivals:
    """The first calls of one queue: a Poisson stream, one SimPy timeout per arrival (a
    timeout with a callback, not a process: a generator per stream costs more)."""

    __slots__ = ("callback", "driver", "end", "env", "gap", "handle", "load", "on_arrival",
                 "patience", "rates", "redials", "size", "start", "t", "world")

    def __init__(self, world: World, driver: Driver, traffic: _Traffic) -> None:
        plan = world.plan
        self.world, self.driver, self.env = world, driver, world.env
        self.on_arrival = world._on_arrival
        self.start, self.size, self.end = plan.start_s, plan.interval_s, plan.end_s
        self.load, self.rates = traffic.load, traffic.load.rates_per_s
        self.redials = traffic.load.redials
        self.gap, self.handle, self.patience = traffic.gap, traffic.handle, traffic.patience
        self.callback = traffic.callback
        self.t = self.env.now

    def next(self) -> None:
        """Draw the next arrival and wait for it (none past the window)."""
        self.t = t = _next_arrival(self.t, self.gap(), self.rates, self.start, self.size, self.end)
        if t < self.end:
            Timeout(self.env, t - self.env.now).callbacks.append(self.arrive)

    def arrive(self, _event: simpy.Event) -> None:
        """A first call arrives (what ``World._caller`` builds, inline), then the next one is
        drawn."""
        world, load = self.world, self.load
        world._count = count = world._count + 1
        number = "" if self.redials is None else f"tel:{count}"
        p = load.callback_probability
        self.driver.arrive(Caller(f"c{count}", load.queue, self.handle(), self.patience(),
                                  p > 0 and self.callback() < p, number, load.priority, 0, 1,
                                  self.on_arrival(self.env.now)))
        self.next()


def _on_break(heads: int, shrinkage: float, k: int) -> set[int]:
    """Agents paused in interval ``k``: ``round(heads × shrinkage)`` of them, in rotation."""
    away = round(heads * shrinkage)
    if away == 0 or heads == 0:
        return set()
    offset = (k * away) % heads
    return {(offset + j) % heads for j in range(away)}


def _next_arrival(
    t: float, work: float, rates: tuple[float, ...], start: float, size: float, end: float
) -> float:
    """Next arrival after ``t`` of a Poisson process with one rate per interval (of ``size``
    seconds from ``start`` to ``end``, the plan's window).

    ``work`` is an Exp(1) draw spent against the integrated rate (exact inversion); the
    warm-up runs at the first interval's rate. Returns ``inf`` past the window.
    """
    while t < end:
        if t < start:
            k, boundary = 0, start
        else:
            k = int((t - start) // size)
            boundary = start + (k + 1) * size
        rate = rates[min(k, len(rates) - 1)]
        if rate > 0 and work <= rate * (boundary - t):
            return t + work / rate
        work -= rate * (boundary - t)
        t = boundary
    return math.inf

"""Synthetic callers and agents for the live runtime: the demo's load, and scripted replays.

It plays the telephony side of the runtime without any SIP: callers arrive (Poisson, or from
a script), wait with a patience, hang up if nobody answers in time; agents answer an offer
after a delay and talk for a handle time. Everything is scheduled on the runtime's clock, so
on a :class:`~live.scheduler.VirtualScheduler` a script replays instantly and exactly, and
on the asyncio clock the same code is a live demo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from acd import events as ev
from acd.commands import (
    CancelOffer,
    Command,
    OfferCall,
    OverflowCall,
    PlayAnnouncement,
    RejectCall,
    RouteToFallback,
)
from live.runtime import Runtime
from live.scheduler import Handle, Scheduler


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    """One caller of a script: when, where, and how they behave."""

    at: float
    call_id: str
    queue: str
    patience_s: float | None
    """Seconds the caller waits before hanging up; ``None``: waits forever."""
    handle_s: float
    """Talk time once answered."""
    priority: int = 0
    caller: str = ""


@dataclass
class _Caller:
    spec: ScriptedCall
    patience: Handle | None = None
    answered: bool = False


@dataclass
class SyntheticTelephony:
    """Carries out the core's commands with simulated people, on the runtime's clock."""

    scheduler: Scheduler
    answer_delay_s: Callable[[str], float] = lambda agent_id: 0.0
    """Seconds an agent takes to pick up an offered call (per agent)."""
    runtime: Runtime | None = None
    callers: dict[str, _Caller] = field(default_factory=dict)
    ringing: set[tuple[str, str]] = field(default_factory=set)
    executed: list[tuple[float, Command]] = field(default_factory=list)

    def attach(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def arrive(self, spec: ScriptedCall) -> None:
        """A caller arrives now: queue them and start their patience."""
        rt = self._rt()
        caller = _Caller(spec)
        self.callers[spec.call_id] = caller
        if spec.patience_s is not None:
            caller.patience = self.scheduler.call_at(
                self.scheduler.now() + spec.patience_s, lambda: self._give_up(spec.call_id))
        rt.submit(ev.CallQueued(spec.call_id, spec.queue, priority=spec.priority,
                                caller=spec.caller))

    def schedule(self, calls: Iterable[ScriptedCall]) -> None:
        """Arrange for every scripted caller to arrive at its time."""
        for spec in calls:
            self.scheduler.call_at(spec.at, partial(self.arrive, spec))

    def execute(self, command: Command, now: float) -> None:
        self.executed.append((now, command))
        if isinstance(command, OfferCall):
            self.ringing.add((command.call_id, command.agent_id))
            delay = self.answer_delay_s(command.agent_id)
            if delay <= 0:
                self._pick_up(command)  # picked up at once: applied right after this batch
            elif delay < command.ring_timeout_s:
                self.scheduler.call_at(now + delay, partial(self._pick_up, command))
            # else the agent never picks up: the core's ring timer sends CancelOffer
        elif isinstance(command, CancelOffer):
            self.ringing.discard((command.call_id, command.agent_id))
        elif isinstance(command, (RouteToFallback, RejectCall)):
            self._forget(command.call_id)
        elif isinstance(command, (OverflowCall, PlayAnnouncement)):
            pass  # the caller hears a message: nothing to simulate

    def _pick_up(self, offer: OfferCall) -> None:
        rt = self._rt()
        if (offer.call_id, offer.agent_id) not in self.ringing:
            return  # cancelled meanwhile (caller left, ring timeout)
        self.ringing.discard((offer.call_id, offer.agent_id))
        caller = self.callers[offer.call_id]
        caller.answered = True
        if caller.patience is not None:
            caller.patience.cancel()
        rt.submit(ev.AgentAnswered(offer.call_id, offer.agent_id))
        if offer.callback:  # a synthetic caller answers the callback at once
            rt.submit(ev.CallbackReached(offer.call_id))
        self.scheduler.call_at(self.scheduler.now() + caller.spec.handle_s,
                               lambda: self._hang_up(offer.call_id))

    def _hang_up(self, call_id: str) -> None:
        self._forget(call_id)
        self._rt().submit(ev.AgentHungUp(call_id))

    def _give_up(self, call_id: str) -> None:
        caller = self.callers.get(call_id)
        if caller is None or caller.answered:
            return
        self._forget(call_id)
        self._rt().submit(ev.CallerHungUp(call_id))

    def _forget(self, call_id: str) -> None:
        caller = self.callers.pop(call_id, None)
        if caller is not None and caller.patience is not None:
            caller.patience.cancel()

    def _rt(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("attach a runtime first")
        return self.runtime


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """Poisson arrivals to one queue with exponential patience and handle time."""

    queue: str
    calls_per_hour: float
    handle_mean_s: float
    patience_mean_s: float | None


def poisson_calls(
    loads: Iterable[QueueLoad],
    start: float,
    duration_s: float,
    rng: np.random.Generator,
    prefix: str = "",
) -> list[ScriptedCall]:
    """Draw the callers of ``duration_s`` seconds of traffic, in arrival order.

    Call ids are ``{prefix}-{queue}-{n}`` (``{queue}-{n}`` without a prefix).
    """
    calls: list[ScriptedCall] = []
    for load in loads:
        if load.calls_per_hour <= 0:
            continue
        mean_gap = 3600.0 / load.calls_per_hour
        t = start + float(rng.exponential(mean_gap))
        n = 0
        while t < start + duration_s:
            n += 1
            patience = (None if load.patience_mean_s is None
                        else float(rng.exponential(load.patience_mean_s)))
            call_id = f"{prefix}-{load.queue}-{n}" if prefix else f"{load.queue}-{n}"
            calls.append(ScriptedCall(t, call_id, load.queue, patience,
                                      float(rng.exponential(load.handle_mean_s)),
                                      caller=f"+3361{int(rng.integers(0, 10**7)):07d}"))
            t += float(rng.exponential(mean_gap))
    calls.sort(key=lambda c: c.at)
    return calls

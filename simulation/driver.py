"""The SimPy driver of the ACD core: feeds it events at simulated time, carries out commands.

The core is the one the live engine runs (:class:`acd.engine.Acd`); nothing here decides a
route. The driver plays the world around it:

* callers: a :class:`Caller` arrives (``CallQueued``), hangs up when its patience runs out
  (``CallerHungUp``) or asks for a callback instead (``CallbackRequested``);
* agents: on ``OfferCall`` the agent answers after its answer delay (``AgentAnswered``),
  unless the ring timeout comes first; the call ends after its handle time (``AgentHungUp``);
* the core's timers: one SimPy timeout is armed at ``acd.next_deadline()`` and calls
  ``acd.on_timer(now)`` when due.

Events caused by a command at the same instant (an answer with no delay) are fed after the
current batch, in order (a FIFO), so a run is one deterministic sequence. Per-call happenings
are SimPy timeouts with a callback rather than processes: a generator per call costs more
than the routing itself. With ``trace`` set, every event fed, command returned and record
popped is appended as ``(time, item)``; :data:`TIMERS_DUE` marks a call of ``on_timer``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, cast

import simpy
from simpy.events import Timeout

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
from acd.engine import Acd
from queues.records import Record


@dataclass(frozen=True, slots=True)
class TimersDue:
    """Trace marker: the driver called ``acd.on_timer(now)``."""


TIMERS_DUE: Final = TimersDue()

TraceItem = ev.Event | Command | Record | TimersDue
Trace = list[tuple[float, TraceItem]]

#: Final outcomes the driver reports for a call (``answered`` once the call has ended).
Outcome = str
ANSWERED: Final = "answered"
ABANDONED: Final = "abandoned"
REJECTED: Final = "rejected"
TIMED_OUT: Final = "timed_out"

_WAITING: Final = 0
_RINGING: Final = 1
_TALKING: Final = 2
_GONE: Final = 3


@dataclass(slots=True)
class Caller:
    """One call as the world sees it: who calls, where, and how the caller behaves."""

    call_id: str
    queue: str
    handle_s: float
    """Talk time once answered (wrap-up is the queue's ``wrapup_s``, run by the core)."""
    patience_s: float = math.inf
    """Seconds the caller waits before hanging up (``inf``: never)."""
    accepts_callback: bool = False
    """When patience runs out, ask to be called back (keeping the place) instead."""
    caller: str = ""
    """Calling number (redials of one caller share it; the KPI engine matches them)."""
    priority: int = 0
    points: int = 0
    attempt: int = 1
    """1 for a first call, 2 for the first redial..."""
    tag: int = 0
    """Free for the world (the simulator keeps the arrival interval here)."""

    def __init__(
        self,
        call_id: str,
        queue: str,
        handle_s: float,
        patience_s: float = math.inf,
        accepts_callback: bool = False,
        caller: str = "",
        priority: int = 0,
        points: int = 0,
        attempt: int = 1,
        tag: int = 0,
    ) -> None:
        self.call_id = call_id
        self.queue = queue
        self.handle_s = handle_s
        self.patience_s = patience_s
        self.accepts_callback = accepts_callback
        self.caller = caller
        self.priority = priority
        self.points = points
        self.attempt = attempt
        self.tag = tag


class _Live:
    __slots__ = ("callback", "caller", "offer", "state", "wants_callback")

    def __init__(self, caller: Caller) -> None:
        self.caller = caller
        self.state = _WAITING
        self.offer = 0
        self.callback = False
        self.wants_callback = False
        """Patience ran out while the phone rang: ask for the callback once back in line."""


_Job = tuple[Callable[[Any], None], Any]


def _call(event: simpy.Event) -> None:
    fn, arg = cast(_Job, event.value)  # the alias is built once, not per timeout
    fn(arg)


def _no_delay(_agent_id: str) -> float:
    return 0.0


def _ignore(_item: Any) -> None:
    return None


class Driver:
    """Runs the ACD core inside a SimPy environment.

    ``answer_delay(agent_id)``: seconds before the agent picks up an offered call (``inf``:
    never, the ring timeout brings the call back). ``on_records``: receives each batch of
    records (the KPI engine); with ``defer_records``, only when :meth:`flush_records` is
    called (the records wait in the core, in order: a reader that looks only at given
    moments gets them in a few large batches). ``on_done(caller, outcome)``: a call left
    for good.
    """

    def __init__(
        self,
        env: simpy.Environment,
        acd: Acd,
        *,
        answer_delay: Callable[[str], float] = _no_delay,
        on_records: Callable[[list[Record]], None] = _ignore,
        on_done: Callable[[Caller, Outcome], None] | None = None,
        trace: Trace | None = None,
        defer_records: bool = False,
    ) -> None:
        self.env = env
        self.acd = acd
        self.trace = trace
        self._answer_delay = answer_delay
        self._instant = answer_delay is _no_delay
        """Every agent answers at once: an offer is answered in the same batch."""
        self._on_records = on_records
        self._pass_records = trace is None and not defer_records
        """Pass the records on after each batch (a trace passes them on per event)."""
        self._on_done = on_done
        self._calls: dict[str, _Live] = {}
        self._pending: deque[ev.Event] = deque()
        self._busy = False
        self._armed: float | None = None
        self._execute: dict[type, Callable[[Any], None]] = {
            OfferCall: self._offer,
            CancelOffer: self._cancel,
            RouteToFallback: self._fallback,
            RejectCall: self._reject,
            OverflowCall: _ignore,
            PlayAnnouncement: _ignore,
        }
        self._after: dict[type, Callable[[Any], None]] = {
            ev.AgentAnswered: self._answered,
            ev.AgentHungUp: self._ended,
            ev.CallerHungUp: self._hung_up,
            ev.CallbackRequested: self._callback,
        }

    # ------------------------------------------------------------------ world API

    def arrive(self, caller: Caller) -> None:
        """A caller reaches the queue now."""
        live = _Live(caller)
        self._calls[caller.call_id] = live
        queued = ev.CallQueued(caller.call_id, caller.queue, caller.priority, caller.points,
                               caller.caller)
        if self._busy:  # what feed() does
            self._pending.append(queued)
        else:
            self._run(queued, None)
        if live.state < _TALKING and caller.patience_s < math.inf:
            self.at(caller.patience_s, self._patience_over, live)

    def feed(self, event: ev.Event) -> None:
        """Feed one event now (after the current batch, if called while one runs)."""
        if self._busy:
            self._pending.append(event)
            return
        self._run(event, None)

    def at(self, delay: float, fn: Callable[[Any], None], arg: Any) -> None:
        """Call ``fn(arg)`` in ``delay`` seconds of simulated time."""
        Timeout(self.env, delay, (fn, arg)).callbacks.append(_call)

    @property
    def calls_in_progress(self) -> int:
        """Calls the world still follows (waiting, ringing or talking)."""
        return len(self._calls)

    # ------------------------------------------------------------------ the loop

    def _run(self, event: ev.Event | None, commands: list[Command] | None) -> None:
        """Handle ``event`` (or carry out the timers' ``commands``), then every event it
        caused; pass the records on and re-arm the timer."""
        acd, pending, now = self.acd, self._pending, self.env.now
        handle, after, execute = acd.handle, self._after, self._execute
        traced = self.trace is not None
        self._busy = True
        try:
            item: ev.Event | TimersDue
            if event is None:
                item, commands = TIMERS_DUE, commands or []
            else:
                item, commands = event, handle(event, now)
            while True:  # one pass per event: what it calls for, then its commands
                if traced:
                    self._trace(item, commands)
                then = after.get(type(item))
                if then is not None:
                    then(item)
                for command in commands:
                    execute[type(command)](command)
                if not pending:
                    break
                item = pending.popleft()
                commands = handle(item, now)
        except BaseException:
            pending.clear()  # the run is over: nothing left half-fed for the next one
            raise
        finally:
            self._busy = False
        if self._pass_records:
            records = acd.pop_records()
            if records:
                self._on_records(records)
        self._rearm()

    def flush_records(self) -> None:
        """Pass on the records the core holds (the deferred ones, with ``defer_records``)."""
        records = self.acd.pop_records()
        if records:
            self._on_records(records)

    def _trace(self, item: ev.Event | TimersDue, commands: list[Command]) -> None:
        assert self.trace is not None
        now = self.env.now
        records = self.acd.pop_records()
        self.trace.append((now, item))
        self.trace.extend((now, c) for c in commands)
        self.trace.extend((now, r) for r in records)
        if records:
            self._on_records(records)

    def _rearm(self) -> None:
        deadline = self.acd.next_deadline()
        if deadline is None or (self._armed is not None and self._armed <= deadline):
            return
        self._armed = deadline
        self.at(max(0.0, deadline - self.env.now), self._timers, deadline)

    def _timers(self, deadline: float) -> None:
        if self._armed == deadline:
            self._armed = None
        due = self.acd.next_deadline()
        if due is not None and due <= self.env.now:
            self._run(None, self.acd.on_timer(self.env.now))
        else:
            self._rearm()

    # ------------------------------------------------------------------ commands

    def _offer(self, c: OfferCall) -> None:
        live = self._calls[c.call_id]
        live.state = _RINGING
        live.offer += 1
        if self._instant:
            self._pending.append(ev.AgentAnswered(c.call_id, c.agent_id))
            return
        delay = self._answer_delay(c.agent_id)
        if delay <= 0.0:
            self._pending.append(ev.AgentAnswered(c.call_id, c.agent_id))
        elif delay < c.ring_timeout_s:
            self.at(delay, self._pick_up, (live, c.agent_id, live.offer))
        # else the agent never answers: the core's ring timer sends CancelOffer

    def _pick_up(self, offer: tuple[_Live, str, int]) -> None:
        live, agent_id, token = offer
        if live.state == _RINGING and live.offer == token:
            self.feed(ev.AgentAnswered(live.caller.call_id, agent_id))

    def _cancel(self, c: CancelOffer) -> None:
        live = self._calls.get(c.call_id)
        if live is not None:
            live.state = _WAITING
            live.offer += 1
            if live.wants_callback:
                self.at(0.0, self._ask_callback, live)

    def _fallback(self, c: RouteToFallback) -> None:
        self._finish(c.call_id, TIMED_OUT)

    def _reject(self, c: RejectCall) -> None:
        self._finish(c.call_id, REJECTED)

    # ------------------------------------------------------------------ after events

    def _answered(self, e: ev.AgentAnswered) -> None:
        live = self._calls[e.call_id]
        live.state = _TALKING
        if live.callback:  # the simulated caller always answers the callback at once
            self.feed(ev.CallbackReached(e.call_id))
        Timeout(self.env, live.caller.handle_s, e.call_id).callbacks.append(self._hang_up)

    def _hang_up(self, event: simpy.Event) -> None:
        self.feed(ev.AgentHungUp(cast(str, event.value)))

    def _ended(self, e: ev.AgentHungUp) -> None:
        self._finish(e.call_id, ANSWERED)

    def _hung_up(self, e: ev.CallerHungUp) -> None:
        live = self._calls.get(e.call_id)
        if live is not None:
            self._finish(e.call_id, ANSWERED if live.state == _TALKING else ABANDONED)

    def _callback(self, e: ev.CallbackRequested) -> None:
        self._calls[e.call_id].callback = True

    def _patience_over(self, live: _Live) -> None:
        caller = live.caller
        if live.state >= _TALKING or live.callback:
            return
        if not caller.accepts_callback:
            self.feed(ev.CallerHungUp(caller.call_id))
        elif live.state == _RINGING:
            live.wants_callback = True  # the core takes the request only in line
        else:
            self.feed(ev.CallbackRequested(caller.call_id))

    def _ask_callback(self, live: _Live) -> None:
        if live.state == _WAITING and not live.callback:
            self.feed(ev.CallbackRequested(live.caller.call_id))

    def _finish(self, call_id: str, outcome: Outcome) -> None:
        live = self._calls.pop(call_id, None)
        if live is None:
            return
        live.state = _GONE
        if self._on_done is not None:
            self._on_done(live.caller, outcome)

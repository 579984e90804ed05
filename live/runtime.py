"""The live runtime: drives the pure ACD core on a clock and hands its commands on.

One runtime owns one :class:`~acd.engine.Acd`. Whoever sees something happen (the SIP
endpoint, a supervisor's API call, a synthetic load) calls :meth:`Runtime.submit`; the
runtime feeds the core at the clock's ``now``, passes the commands to the telephony
adapter, the records to every sink (KPI engine, store, log), and keeps exactly one timer
armed at the core's next deadline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from acd import events as ev
from acd.commands import Command
from acd.engine import Acd
from acd.errors import AcdError
from live.scheduler import Handle, Scheduler
from queues import records as rec

log = logging.getLogger("accueil.runtime")

RecordSink = Callable[[rec.Record], None]

#: Trace marker: the runtime ran the core's due timers (``acd.on_timer``).
TIMERS_DUE = "timers due"


class Telephony(Protocol):
    """Carries out the core's commands (rings agents, plays messages, hangs up...)."""

    def execute(self, command: Command, now: float) -> None: ...


class Runtime:
    """The ACD core on a clock, with its commands executed and its records published."""

    def __init__(
        self,
        acd: Acd,
        scheduler: Scheduler,
        telephony: Telephony,
        sinks: Iterable[RecordSink] = (),
        trace: Callable[[float, object], None] | None = None,
    ) -> None:
        self.acd = acd
        self.scheduler = scheduler
        self.telephony = telephony
        self.sinks = list(sinks)
        self._trace = trace
        self._timer: Handle | None = None
        self._timer_at: float | None = None
        self._busy = False
        self._pending: list[tuple[ev.Event | None, float]] = []

    def record(self, record: rec.Record) -> None:
        """Publish a record that happened outside the core (the IVR's, a recovery...)."""
        if self._trace is not None:
            self._trace(record.at, record)
        for sink in self.sinks:
            sink(record)

    def submit(self, event: ev.Event) -> bool:
        """Apply an event now; ``False`` if the core refused it (logged, nothing changed).

        Events submitted while a command is being executed are applied right after it,
        in order, so the core never re-enters itself.
        """
        now = self.scheduler.now()
        if self._busy:
            self._pending.append((event, now))
            return True
        return self._run(event, now)

    def _run(self, event: ev.Event | None, now: float) -> bool:
        self._busy = True
        ok = True
        try:
            ok = self._step(event, now)
            while self._pending:
                queued, at = self._pending.pop(0)
                self._step(queued, at)
        finally:
            self._busy = False
            self._rearm()
        return ok

    def _step(self, event: ev.Event | None, now: float) -> bool:
        trace = self._trace
        if event is None:
            commands = self.acd.on_timer(now)
            if trace is not None:
                trace(now, TIMERS_DUE)
        else:
            try:
                commands = self.acd.handle(event, now)
            except AcdError as exc:
                log.warning("event refused: %s (%s)", event, exc)
                if trace is not None:
                    trace(now, event)
                    trace(now, f"refused: {exc}")
                return False
            if trace is not None:
                trace(now, event)
        records = self.acd.pop_records()
        if trace is not None:
            for command in commands:
                trace(now, command)
        for record in records:
            self.record(record)
        for command in commands:
            self.telephony.execute(command, now)
        return True

    def _rearm(self) -> None:
        deadline = self.acd.next_deadline()
        if deadline == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = None if deadline is None else self.scheduler.call_at(deadline, self._fire)

    def _fire(self) -> None:
        # A loop may wake a hair before the deadline; the core must see the deadline reached.
        now = max(self.scheduler.now(), self._timer_at or float("-inf"))
        self._timer = None
        self._timer_at = None
        if self._busy:
            self._pending.append((None, now))
            return
        self._run(None, now)

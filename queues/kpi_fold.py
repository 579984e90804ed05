"""Folding call records into :class:`CallFacts`, and the live state that goes with them.

Rules (the decided definitions; ``definitions.COUNTS`` says what each count means):

- A call is created by its first record (a CallEnded, CallOfferFailed or CallRecovered for an
  unknown call is ignored). Its reception time is its CallReceived's, else its first record's
  (the simulator emits no CallReceived: its first record is the first CallQueued).
- Exactly one final outcome overall, the first one recorded: ``answered``, ``abandoned``,
  ``timed_out`` (CallOverflowed without ``to_queue``), ``rejected``, ``dissuaded``, or an IVR
  end (``ivr_hangup``, ``ivr_message``, ``ivr_transfer``, ``closed``, ``ivr_error``).
  A CallOverflowed to another queue and a CallbackRequested are not final overall.
- Per queue, one outcome too: ``answered``, ``abandoned``, ``overflowed``, ``timed_out`` or
  ``rejected`` (at the door: the call never entered). A call back in a queue it overflowed
  from is judged there by its last visit: waiting again, or rejected at the door. A record
  naming a queue the call never joined (offer, answer, abandon, overflow, callback) counts
  as joining it then: a stream missing its CallQueued still balances.
- Redials: a lost call (abandoned, rejected, dissuaded) is recovered when a CallRecovered names
  it, or when another call from the same non-empty caller number is answered within
  ``redial_window_s`` after the loss (checked over everything seen, so a recovery may come
  after the end of the period the lost call belongs to).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from queues.kpi_facts import (
    ABANDONED,
    ANSWERED,
    DISSUADED,
    IVR_OUTCOMES,
    LOST,
    OVERFLOWED,
    REJECTED,
    TIMED_OUT,
    CallFacts,
    QueueFacts,
)
from queues.records import (
    CallAbandoned,
    CallAnswered,
    CallbackRequested,
    CallDissuaded,
    CallEnded,
    CallInformed,
    CallLeftIvr,
    CallOffered,
    CallOfferFailed,
    CallOverflowed,
    CallQueued,
    CallReceived,
    CallRecovered,
    CallRejected,
)


class CallLog:
    """Call facts by id, the calls changed since the last count, waiting lines and talks."""

    def __init__(self, redial_window_s: float) -> None:
        self.redial_window_s = redial_window_s
        self.calls: dict[str, CallFacts] = {}
        self.dirty: dict[str, CallFacts] = {}
        """Calls whose facts changed since the engine last counted them."""
        self.lines: dict[str, dict[str, float]] = {}
        """Per queue, the calls in its waiting line now and their first queue entry."""
        self.talking: dict[str, str] = {}
        """Calls answered and not ended, with their answer queue."""
        self._pending: dict[str, deque[CallFacts]] = {}
        """Per caller, lost calls not yet matched with a later answer (oldest first)."""
        self._last_answer: dict[str, CallFacts] = {}

    def handlers(self) -> dict[type, Callable[[Any], None]]:
        """The handler of each call record type."""
        return {
            CallReceived: self._on_received,
            CallInformed: self._on_informed,
            CallDissuaded: self._on_dissuaded,
            CallLeftIvr: self._on_left_ivr,
            CallQueued: self._on_queued,
            CallRejected: self._on_rejected,
            CallOffered: self._on_offered,
            CallOfferFailed: _ignore,
            CallAnswered: self._on_answered,
            CallAbandoned: self._on_abandoned,
            CallOverflowed: self._on_overflowed,
            CallbackRequested: self._on_callback,
            CallRecovered: self._on_recovered,
            CallEnded: self._on_ended,
        }

    def forget(self, f: CallFacts) -> None:
        """Drop a settled call's facts."""
        del self.calls[f.call_id]
        self.dirty.pop(f.call_id, None)

    def prune_redials(self, before: float) -> None:
        """Forget lost calls whose redial window closed before ``before``."""
        window = self.redial_window_s
        for caller in list(self._pending):
            pending = self._pending[caller]
            while pending and _final(pending[0]) + window < before:
                pending.popleft()
            if not pending:
                del self._pending[caller]
        for caller in [c for c, g in self._last_answer.items() if _answer(g) + window < before]:
            del self._last_answer[caller]

    # ------------------------------------------------------------------ shared steps

    def _call(self, call_id: str, at: float) -> CallFacts:
        f = self.calls.get(call_id)
        if f is None:
            f = self.calls[call_id] = CallFacts(call_id, at)
        self.dirty[call_id] = f
        return f

    def _enter(self, f: CallFacts, queue: str, at: float) -> QueueFacts:
        """The call's facts for ``queue``; a record naming a queue implies the call joined it."""
        qf = f.queues.get(queue)
        if qf is None:
            qf = f.queues[queue] = QueueFacts(queue, at, entered=True)
            if f.queued_at is None:
                f.queued_at = at
        return qf

    def _leave_line(self, queue: str, call_id: str) -> None:
        line = self.lines.get(queue)
        if line is not None:
            line.pop(call_id, None)

    def _finish(self, f: CallFacts, outcome: str, at: float) -> None:
        """Set the final outcome overall (the first one recorded wins)."""
        if f.outcome is not None:
            return
        f.outcome, f.final_at = outcome, at
        lines = self.lines
        for queue in f.queues:
            line = lines.get(queue)
            if line:
                line.pop(f.call_id, None)
        if f.caller:
            self._match_redials(f)

    def _set_caller(self, f: CallFacts, caller: str) -> None:
        if caller and not f.caller:
            f.caller = caller
            self._match_redials(f)

    def _match_redials(self, f: CallFacts) -> None:
        """Pair lost calls with a later answered call of the same caller, within the window."""
        if not f.caller:
            return
        if f.outcome == ANSWERED:
            self._recover_pending(f)
        elif f.outcome in LOST and not f.recovered_by:
            # An answer already seen at or after the loss (records slightly out of order).
            g = self._last_answer.get(f.caller)
            if g is not None and _final(f) <= _answer(g) <= _final(f) + self.redial_window_s:
                f.recovered_by = f"redial:{g.call_id}"
            else:
                self._pending.setdefault(f.caller, deque()).append(f)

    def _recover_pending(self, f: CallFacts) -> None:
        t = _answer(f)
        last = self._last_answer.get(f.caller)
        if last is None or _answer(last) <= t:
            self._last_answer[f.caller] = f
        pending = self._pending.get(f.caller)
        while pending and _final(pending[0]) <= t:
            g = pending.popleft()
            if g.recovered_by or self.calls.get(g.call_id) is not g:  # done, or forgotten
                continue
            if t <= _final(g) + self.redial_window_s:
                g.recovered_by = f"redial:{f.call_id}"
                self.dirty[g.call_id] = g
        if pending is not None and not pending:
            del self._pending[f.caller]

    # ------------------------------------------------------------------ handlers

    def _on_received(self, r: CallReceived) -> None:
        f = self._call(r.call_id, r.at)
        if not f.received_seen:
            f.received_seen, f.received_at = True, r.at
            f.entry = f.entry or r.entry
        self._set_caller(f, r.caller)

    def _on_informed(self, r: CallInformed) -> None:
        self._call(r.call_id, r.at).informed = True

    def _on_dissuaded(self, r: CallDissuaded) -> None:
        self._finish(self._call(r.call_id, r.at), DISSUADED, r.at)

    def _on_left_ivr(self, r: CallLeftIvr) -> None:
        self._finish(self._call(r.call_id, r.at), IVR_OUTCOMES[r.outcome], r.at)

    def _on_queued(self, r: CallQueued) -> None:
        call_id = r.call_id
        f = self.calls.get(call_id)
        if f is None:  # a new call (the usual case): what _call does, inline
            f = self.calls[call_id] = CallFacts(call_id, r.at)
        self.dirty[call_id] = f
        qf = f.queues.get(r.queue)
        if qf is None:
            qf = f.queues[r.queue] = QueueFacts(r.queue, r.at, True)
        else:
            qf.entered = True
            if qf.outcome == OVERFLOWED:  # back in a queue it overflowed from
                qf.outcome = None
        if f.queued_at is None:
            f.queued_at = r.at
        if qf.outcome is None and f.outcome in (None, ANSWERED):  # answered: a transfer
            line = self.lines.get(r.queue)
            if line is None:
                line = self.lines[r.queue] = {}
            # an overflow carries on its wait; a transfer waits anew
            line[r.call_id] = r.at if f.outcome == ANSWERED else f.queued_at
        if r.caller:
            self._set_caller(f, r.caller)

    def _on_rejected(self, r: CallRejected) -> None:
        f = self._call(r.call_id, r.at)
        qf = f.queues.get(r.queue)
        if qf is None:
            qf = f.queues[r.queue] = QueueFacts(r.queue, r.at)
        if qf.outcome in (None, OVERFLOWED):  # refused on coming back: judged by this visit
            qf.outcome = REJECTED
        self._leave_line(r.queue, r.call_id)
        self._finish(f, REJECTED, r.at)

    def _on_offered(self, r: CallOffered) -> None:
        f = self._call(r.call_id, r.at)
        qf = f.queues.get(r.queue) or self._enter(f, r.queue, r.at)
        if qf.first_offer_at is None:
            qf.first_offer_at = r.at
        if f.first_offer_at is None:
            f.first_offer_at = r.at

    def _on_answered(self, r: CallAnswered) -> None:
        f = self._call(r.call_id, r.at)
        qf = f.queues.get(r.queue) or self._enter(f, r.queue, r.at)
        line = self.lines.get(r.queue)
        if line is not None:
            line.pop(r.call_id, None)
        if qf.outcome is None:
            qf.outcome = ANSWERED
            qf.wait_s = r.wait_s
        if f.answered_at is None:
            f.answered_at, f.answer_queue, f.agent_id = r.at, r.queue, r.agent_id
            f.wait_s = r.wait_s
        f.talk_from = r.at
        if r.callback:
            f.callback = qf.callback = True
        self.talking[r.call_id] = r.queue
        self._finish(f, ANSWERED, r.at)

    def _on_abandoned(self, r: CallAbandoned) -> None:
        f = self._call(r.call_id, r.at)
        qf = self._enter(f, r.queue, r.at)
        self._leave_line(r.queue, r.call_id)
        if qf.outcome is None:
            qf.outcome = ABANDONED
        self._finish(f, ABANDONED, r.at)

    def _on_overflowed(self, r: CallOverflowed) -> None:
        f = self._call(r.call_id, r.at)
        qf = self._enter(f, r.queue, r.at)
        self._leave_line(r.queue, r.call_id)
        if qf.outcome is None:
            qf.outcome = OVERFLOWED if r.to_queue is not None else TIMED_OUT
        if r.to_queue is None:
            self._finish(f, TIMED_OUT, r.at)

    def _on_callback(self, r: CallbackRequested) -> None:
        f = self._call(r.call_id, r.at)
        self._enter(f, r.queue, r.at).callback = True
        f.callback = True

    def _on_recovered(self, r: CallRecovered) -> None:
        f = self.calls.get(r.call_id)
        if f is not None and not f.recovered_by:
            f.recovered_by = r.how
            self.dirty[r.call_id] = f

    def _on_ended(self, r: CallEnded) -> None:
        self.talking.pop(r.call_id, None)
        f = self.calls.get(r.call_id)
        if f is not None:
            f.ended_at = r.at
            if f.talk_from is not None:  # this agent's talk, credited to its queue
                talk = r.at - f.talk_from
                f.talk_s += talk
                f.talk_from = None
                qf = f.queues.get(r.queue)
                if qf is not None:
                    qf.talk_s += talk
                    qf.talked = True
            self.dirty[r.call_id] = f


def _ignore(_record: object) -> None:
    """Records that change no count (a failed offer: the call keeps its place)."""


def _final(f: CallFacts) -> float:
    return f.final_at if f.final_at is not None else f.received_at


def _answer(f: CallFacts) -> float:
    return f.answered_at if f.answered_at is not None else f.received_at

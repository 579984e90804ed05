"""Call detail records: one per call, with one leg per agent the call was offered to.

:func:`apply` folds a record into a call's CDR. It is idempotent (applying a record twice
changes nothing: first times are kept, legs are keyed by agent and offer time), so a batch
written twice, or a call's records replayed, give the same CDR. Outcomes follow the KPI
engine's rules (:mod:`queues.kpi_facts`): the first final outcome recorded wins.

A CDR is *closed* when nothing more will happen to the call: it has a final outcome and, if
answered, has ended. The store writes it in the same transaction as the records that close
it, so a call never counts as closed without its CDR on disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from queues import records as rec
from queues.kpi_facts import ABANDONED, ANSWERED, DISSUADED, IVR_OUTCOMES, REJECTED, TIMED_OUT


@dataclass(slots=True)
class Leg:
    """One offer of the call to an agent."""

    agent_id: str
    queue: str
    offered_at: float
    answered_at: float | None = None
    failed_at: float | None = None
    fail_reason: str = ""
    ended_at: float | None = None
    ended_by: str = ""


@dataclass(slots=True)
class Cdr:
    """Everything recorded about one call, every timestamp in seconds (Unix time live)."""

    call_id: str
    caller: str = ""
    entry: str = ""
    received_at: float | None = None
    """Arrival at the engine (CallReceived, or the call's first record)."""
    ivr_exit_at: float | None = None
    """The call left the IVR: first queue entry, IVR end, or dissuasion."""
    informed_at: float | None = None
    """Heard the file 0 message."""
    file0_id: str = ""
    queued_at: float | None = None
    """First queue entry: waits run from here."""
    queue: str = ""
    """First queue reached."""
    last_queue: str = ""
    """Queue it was answered in or left from (differs from ``queue`` after an overflow)."""
    offered_at: float | None = None
    """First offer to an agent."""
    answered_at: float | None = None
    agent_id: str = ""
    wait_s: float | None = None
    ended_at: float | None = None
    ended_by: str = ""
    talk_s: float | None = None
    outcome: str = ""
    """``answered``, ``abandoned``, ``rejected``, ``dissuaded``, ``timed_out``, ``ivr_*``,
    ``closed``; empty while the call is in progress."""
    outcome_at: float | None = None
    reason: str = ""
    """Why a queue rejected or moved the call (``queue_full``, ``max_wait``...)."""
    queues: list[str] = field(default_factory=list)
    """Every queue the call reached, in order (more than one: it overflowed)."""
    callback: bool = False
    recovered: str = ""
    """``callback`` or ``redial`` once a lost call was renewed."""
    closed: bool = False
    legs: list[Leg] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cdr:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names and k != "legs"}
        legs = [Leg(**leg) for leg in data.get("legs", [])]
        return cls(**values, legs=legs)


def _first(current: float | None, at: float) -> float:
    return at if current is None else min(current, at)


def _finish(cdr: Cdr, outcome: str, at: float) -> None:
    if not cdr.outcome:
        cdr.outcome, cdr.outcome_at = outcome, at
    cdr.closed = cdr.answered_at is None or cdr.ended_at is not None


def _leg(cdr: Cdr, agent_id: str, queue: str, at: float) -> Leg:
    """The agent's latest open leg, else its latest leg, else a new one offered at ``at``."""
    mine = [leg for leg in cdr.legs if leg.agent_id == agent_id]
    for leg in reversed(mine):
        if leg.failed_at is None and leg.ended_at is None:
            return leg
    if mine:
        return mine[-1]
    new = Leg(agent_id, queue, at)
    cdr.legs.append(new)
    return new


def _queue_entry(cdr: Cdr, queue: str, at: float) -> None:
    if queue not in cdr.queues:
        cdr.queues.append(queue)
    cdr.queue = cdr.queue or queue
    cdr.last_queue = queue
    cdr.queued_at = _first(cdr.queued_at, at)
    cdr.ivr_exit_at = _first(cdr.ivr_exit_at, at)


def apply(cdr: Cdr | None, record: rec.Record) -> Cdr | None:
    """Fold ``record`` into ``cdr`` (a new CDR when ``None``); ``None`` for agent records."""
    if isinstance(record, rec.AgentStateChanged):
        return cdr
    out = cdr if cdr is not None else Cdr(record.call_id)
    out.received_at = _first(out.received_at, record.at)
    _APPLY[type(record)](out, record)
    return out


def _received(c: Cdr, r: rec.CallReceived) -> None:
    c.caller = c.caller or r.caller
    c.entry = c.entry or r.entry


def _informed(c: Cdr, r: rec.CallInformed) -> None:
    c.informed_at = _first(c.informed_at, r.at)
    c.file0_id = c.file0_id or r.message_id


def _dissuaded(c: Cdr, r: rec.CallDissuaded) -> None:
    c.file0_id = c.file0_id or r.message_id
    c.ivr_exit_at = _first(c.ivr_exit_at, r.at)
    _finish(c, DISSUADED, r.at)


def _left_ivr(c: Cdr, r: rec.CallLeftIvr) -> None:
    c.ivr_exit_at = _first(c.ivr_exit_at, r.at)
    _finish(c, IVR_OUTCOMES[r.outcome], r.at)


def _queued(c: Cdr, r: rec.CallQueued) -> None:
    c.caller = c.caller or r.caller
    _queue_entry(c, r.queue, r.at)


def _rejected(c: Cdr, r: rec.CallRejected) -> None:
    c.queue = c.queue or r.queue
    c.last_queue = r.queue
    if r.queue not in c.queues:
        c.queues.append(r.queue)
    c.ivr_exit_at = _first(c.ivr_exit_at, r.at)
    c.reason = c.reason or r.reason
    _finish(c, REJECTED, r.at)


def _offered(c: Cdr, r: rec.CallOffered) -> None:
    c.offered_at = _first(c.offered_at, r.at)
    if not any(leg.agent_id == r.agent_id and leg.offered_at == r.at for leg in c.legs):
        c.legs.append(Leg(r.agent_id, r.queue, r.at))


def _offer_failed(c: Cdr, r: rec.CallOfferFailed) -> None:
    leg = _leg(c, r.agent_id, r.queue, r.at)
    if leg.failed_at is None:
        leg.failed_at, leg.fail_reason = r.at, r.reason


def _answered(c: Cdr, r: rec.CallAnswered) -> None:
    _queue_entry(c, r.queue, r.at - r.wait_s)
    c.last_queue = r.queue
    leg = _leg(c, r.agent_id, r.queue, r.at)
    leg.answered_at = _first(leg.answered_at, r.at)
    if c.answered_at is None:
        c.answered_at, c.agent_id, c.wait_s = r.at, r.agent_id, r.wait_s
    c.callback = c.callback or r.callback
    _finish(c, ANSWERED, r.at)


def _abandoned(c: Cdr, r: rec.CallAbandoned) -> None:
    _queue_entry(c, r.queue, r.at - r.wait_s)
    c.last_queue = r.queue
    if c.wait_s is None:
        c.wait_s = r.wait_s
    _finish(c, ABANDONED, r.at)


def _overflowed(c: Cdr, r: rec.CallOverflowed) -> None:
    c.reason = r.reason
    if r.to_queue is None:
        c.last_queue = r.queue
        if c.wait_s is None:
            c.wait_s = r.wait_s
        _finish(c, TIMED_OUT, r.at)


def _callback(c: Cdr, r: rec.CallbackRequested) -> None:
    c.callback = True


def _recovered(c: Cdr, r: rec.CallRecovered) -> None:
    c.recovered = c.recovered or r.how


def _ended(c: Cdr, r: rec.CallEnded) -> None:
    if c.ended_at is None:
        c.ended_at, c.ended_by = r.at, r.by
        if c.answered_at is not None:
            c.talk_s = r.at - c.answered_at
    leg = _leg(c, r.agent_id, r.queue, r.at)
    if leg.ended_at is None:
        leg.ended_at, leg.ended_by = r.at, r.by
    if c.outcome:
        c.closed = True


_APPLY: dict[type, Any] = {
    rec.CallReceived: _received,
    rec.CallInformed: _informed,
    rec.CallDissuaded: _dissuaded,
    rec.CallLeftIvr: _left_ivr,
    rec.CallQueued: _queued,
    rec.CallRejected: _rejected,
    rec.CallOffered: _offered,
    rec.CallOfferFailed: _offer_failed,
    rec.CallAnswered: _answered,
    rec.CallAbandoned: _abandoned,
    rec.CallOverflowed: _overflowed,
    rec.CallbackRequested: _callback,
    rec.CallRecovered: _recovered,
    rec.CallEnded: _ended,
}

#: Columns of the flat export: one row per call (``leg`` 0) and one per agent leg (1, 2...).
CALL_COLUMNS: tuple[str, ...] = (
    "call_id", "leg", "caller", "entry", "received_at", "ivr_exit_at", "informed_at",
    "file0_id", "queued_at", "queue", "last_queue", "offered_at", "answered_at", "agent_id",
    "wait_s", "ended_at", "ended_by", "talk_s", "outcome", "outcome_at", "reason", "queues",
    "overflows",
    "callback", "recovered", "closed", "failed_at", "fail_reason",
)
#: Columns that hold times or durations (floats, empty when unknown).
FLOAT_COLUMNS = frozenset({
    "received_at", "ivr_exit_at", "informed_at", "queued_at", "offered_at", "answered_at",
    "wait_s", "ended_at", "talk_s", "outcome_at", "failed_at",
})
INT_COLUMNS = frozenset({"leg", "overflows"})
BOOL_COLUMNS = frozenset({"callback", "closed"})


def rows(cdr: Cdr, with_caller: bool = True) -> Iterator[dict[str, Any]]:
    """The export rows of one CDR: the call, then each agent leg."""
    base = cdr.to_dict()
    del base["legs"]
    base["queues"] = ">".join(cdr.queues)
    base["overflows"] = max(0, len(cdr.queues) - 1)
    if not with_caller:
        base["caller"] = ""
    yield {col: base.get(col) for col in CALL_COLUMNS} | {"leg": 0, "failed_at": None,
                                                         "fail_reason": ""}
    for i, leg in enumerate(cdr.legs, start=1):
        row: dict[str, Any] = dict.fromkeys(CALL_COLUMNS)
        row.update(
            call_id=cdr.call_id, leg=i, caller=base["caller"], entry=cdr.entry,
            received_at=cdr.received_at, queue=leg.queue, last_queue=leg.queue,
            offered_at=leg.offered_at, answered_at=leg.answered_at, agent_id=leg.agent_id,
            ended_at=leg.ended_at, ended_by=leg.ended_by, failed_at=leg.failed_at,
            fail_reason=leg.fail_reason, closed=cdr.closed, callback=cdr.callback,
            queues=leg.queue, overflows=0, outcome="answered" if leg.answered_at is not None else (
                "failed" if leg.failed_at is not None else ""),
            talk_s=(leg.ended_at - leg.answered_at)
            if leg.ended_at is not None and leg.answered_at is not None else None,
        )
        yield row

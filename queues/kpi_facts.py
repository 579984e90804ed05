"""What the engine knows of each call, and the one function that counts a call.

:func:`contribution` is the single definition of counting: the engine keeps per-interval
buckets by subtracting a call's previous contribution and adding its new one whenever the
call's facts change, and reports on unaligned periods call it directly on the facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, NamedTuple

#: Final outcomes of a call overall (exactly one per call, the first one recorded wins).
ANSWERED: Final = "answered"
ABANDONED: Final = "abandoned"
TIMED_OUT: Final = "timed_out"
REJECTED: Final = "rejected"
DISSUADED: Final = "dissuaded"
IVR_OUTCOMES: Final = {
    "hangup": "ivr_hangup",
    "abandoned": ABANDONED,
    "message": "ivr_message",
    "transfer": "ivr_transfer",
    "closed": "closed",
    "error": "ivr_error",
}
#: Final for one queue only: the call left it for another queue.
OVERFLOWED: Final = "overflowed"
LOST: Final = frozenset({ABANDONED, REJECTED, DISSUADED})
#: IVR endings counted in ``left_ivr``; a hang-up after the menu is an abandon instead.
_LEFT_IVR: Final = frozenset(IVR_OUTCOMES.values()) - {ABANDONED}


class Counters(NamedTuple):
    """Counts for a set of calls and agents; fields are described in ``definitions.COUNTS``.

    Combine with :meth:`plus` / :meth:`minus` (``+`` would concatenate the tuples).
    """

    received: int = 0
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    timed_out: int = 0
    overflowed: int = 0
    rejected: int = 0
    dissuaded: int = 0
    left_ivr: int = 0
    lost: int = 0
    answered_within: int = 0
    informed: int = 0
    waiting: int = 0
    in_ivr: int = 0
    callbacks: int = 0
    waited: int = 0
    recovered: int = 0
    sum_wait_answered_s: float = 0.0
    sum_talk_s: float = 0.0
    talk_count: int = 0
    busy_s: float = 0.0
    staffed_s: float = 0.0

    def plus(self, other: Counters) -> Counters:
        """Field-by-field sum."""
        return Counters._make([a + b for a, b in zip(self, other, strict=True)])

    def minus(self, other: Counters) -> Counters:
        """Field-by-field difference."""
        return Counters._make([a - b for a, b in zip(self, other, strict=True)])


ZERO: Final = Counters()
FIELDS: Final = Counters._fields
Row = tuple[float, ...]
ZERO_ROW: Final[Row] = tuple(ZERO)
_new = tuple.__new__
_OUTCOME_FIELDS: Final = FIELDS[FIELDS.index("answered") : FIELDS.index("lost") + 1]


def _outcome_row(outcome: str | None) -> tuple[int, ...]:
    """The outcome fields (answered .. lost) of a call with this outcome."""
    hits = {outcome, "lost" if outcome in LOST else None}
    if outcome in _LEFT_IVR:
        hits.add("left_ivr")
    return tuple(1 if name in hits else 0 for name in _OUTCOME_FIELDS)


_OUTCOME_ROWS: Final = {
    o: _outcome_row(o)
    for o in (None, ANSWERED, ABANDONED, TIMED_OUT, OVERFLOWED, REJECTED, DISSUADED,
              *IVR_OUTCOMES.values())
}
BUSY_INDEX: Final = FIELDS.index("busy_s")
STAFFED_INDEX: Final = FIELDS.index("staffed_s")


@dataclass(slots=True, eq=False)
class QueueFacts:
    """What happened to a call in one queue."""

    queue: str
    arrived_at: float
    """First CallQueued for this queue, or its CallRejected: the per-queue attribution time."""
    entered: bool = False
    """The call joined this queue's line (a CallQueued, or a record naming the queue)."""
    first_offer_at: float | None = None
    outcome: str | None = None
    """``answered``, ``abandoned``, ``overflowed``, ``timed_out``, ``rejected`` or ``None``."""
    callback: bool = False
    wait_s: float = 0.0
    """Wait of the answer in this queue (a call transferred here waits anew)."""
    talk_s: float = 0.0
    """Talk with this queue's agents (ended talks only)."""
    talked: bool = False

    def __init__(
        self,
        queue: str,
        arrived_at: float,
        entered: bool = False,
        first_offer_at: float | None = None,
        outcome: str | None = None,
        callback: bool = False,
        wait_s: float = 0.0,
        talk_s: float = 0.0,
        talked: bool = False,
    ) -> None:
        self.queue = queue
        self.arrived_at = arrived_at
        self.entered = entered
        self.first_offer_at = first_offer_at
        self.outcome = outcome
        self.callback = callback
        self.wait_s = wait_s
        self.talk_s = talk_s
        self.talked = talked


@dataclass(slots=True, eq=False)
class CallFacts:
    """Everything the KPIs need about one call, folded from its records."""

    call_id: str
    received_at: float
    """CallReceived time, or the time of the call's first record until one arrives."""
    received_seen: bool = False
    caller: str = ""
    entry: str = ""
    informed: bool = False
    queued_at: float | None = None
    """First queue entry (waits are measured from it)."""
    first_offer_at: float | None = None
    answered_at: float | None = None
    answer_queue: str = ""
    agent_id: str = ""
    wait_s: float = 0.0
    ended_at: float | None = None
    outcome: str | None = None
    """Final outcome overall, ``None`` while the call is in progress."""
    final_at: float | None = None
    callback: bool = False
    talk_s: float = 0.0
    """Talk time of the ended talks: an agent's pickup to that talk's end, summed over the
    agents a transfer took the call to (the waits between are not talk)."""
    talk_from: float | None = None
    """Pickup of the talk in progress."""
    recovered_by: str = ""
    """``callback`` (a CallRecovered) or ``redial:<call_id>``; empty if not renewed."""
    queues: dict[str, QueueFacts] = field(default_factory=dict)

    @property
    def lost(self) -> bool:
        """Abandoned, rejected or dissuaded."""
        return self.outcome in LOST

    @property
    def settled(self) -> bool:
        """Nothing more will change its counts except a recovery."""
        return self.outcome is not None and (self.answered_at is None or self.ended_at is not None)


def contribution(
    call: CallFacts, queue: str | None = None, sl_threshold_s: float = 40.0
) -> Counters:
    """What ``call`` adds to the counts overall (``queue=None``) or for ``queue``.

    This is the only definition of counting (the engine uses its plain-tuple form,
    :func:`contribution_row`). Agent time is not a call's: its fields stay 0 here.
    """
    return _new(Counters, contribution_row(call, queue, sl_threshold_s))


def contribution_row(call: CallFacts, queue: str | None, sl_threshold_s: float) -> Row:
    """:func:`contribution` as a plain tuple in field order.

    The engine caches one per call and scope: plain tuples of numbers are untracked by the
    garbage collector, which keeps collections cheap when millions of calls are held.
    """
    if queue is None:
        offered = call.queued_at is not None
        outcome = call.outcome
        first_offer = call.first_offer_at
        entered_at = call.queued_at
        callback = call.callback
        wait_s = call.wait_s
        answered = outcome == ANSWERED
        talked = 1 if answered and call.ended_at is not None and call.answered_at is not None else 0
        talk_s = call.talk_s if talked else 0.0
    else:
        qf = call.queues.get(queue)
        if qf is None:
            return ZERO_ROW
        outcome = qf.outcome
        offered = qf.entered and outcome != REJECTED
        first_offer = qf.first_offer_at
        entered_at = qf.arrived_at
        callback = qf.callback
        wait_s = qf.wait_s
        answered = outcome == ANSWERED
        talked = 1 if answered and qf.talked else 0
        talk_s = qf.talk_s if talked else 0.0
    lost = outcome in LOST
    open_ = outcome is None
    # Built positionally, in field order: this function is the engine's hot spot.
    return (
        (1, 1 if offered else 0)  # received, offered
        + _OUTCOME_ROWS[outcome]  # answered .. lost
        + (
            1 if answered and wait_s <= sl_threshold_s else 0,  # answered_within
            1 if call.informed else 0,
            1 if offered and open_ else 0,  # waiting
            1 if open_ and not offered else 0,  # in_ivr
            1 if callback else 0,
            1 if offered and (first_offer is None or first_offer != entered_at) else 0,
            1 if lost and call.recovered_by else 0,  # recovered
            wait_s if answered else 0.0,  # sum_wait_answered_s
            talk_s,
            talked,  # talk_count
            0.0,  # busy_s
            0.0,  # staffed_s
        )
    )


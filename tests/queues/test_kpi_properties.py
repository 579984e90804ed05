"""Properties on random call lives: counts reconcile, buckets agree with call-by-call sums."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from queues.kpi import Counters, KpiEngine, contribution
from queues.records import (
    AgentState,
    AgentStateChanged,
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
    IvrOutcome,
    Record,
)

QUEUES = ("A", "B", "C")
IVR_ENDS: tuple[IvrOutcome, ...] = ("hangup", "message", "transfer", "closed", "error")
CALLERS = ("", "0601", "0602", "0603")
INTERVAL = 300.0
steps = st.integers(0, 90).map(float)


@st.composite
def queue_path(draw: st.DrawFn, cid: str, t: float, caller: str) -> list[Record]:
    """A call's life from its first queue: offers, overflows, and how it leaves (or not)."""
    out: list[Record] = []
    queue, came_from, first_entry = draw(st.sampled_from(QUEUES)), None, None
    for _hop in range(3):
        t += draw(steps)
        if draw(st.integers(0, 9)) == 0:
            out.append(CallRejected(t, cid, queue, "queue_full"))
            return out
        out.append(CallQueued(t, cid, queue, caller=caller, overflow_from=came_from))
        first_entry = t if first_entry is None else first_entry
        for _ in range(draw(st.integers(0, 2))):
            t += draw(steps)
            out.append(CallOffered(t, cid, queue, "ag"))
            if draw(st.booleans()):
                out.append(CallOfferFailed(t + 5, cid, queue, "ag", "no_answer"))
                t += 5
        callback = draw(st.integers(0, 4)) == 0
        if callback:
            out.append(CallbackRequested(t, cid, queue, caller))
        end = draw(st.sampled_from(["answered", "abandoned", "overflow", "timeout", "waiting"]))
        t += draw(steps)
        if end == "overflow":
            to = draw(st.sampled_from([q for q in QUEUES if q != queue]))
            out.append(CallOverflowed(t, cid, queue, "max_wait", to, wait_s=t - first_entry))
            queue, came_from = to, queue
            continue
        if end == "answered":
            out.append(CallAnswered(t, cid, queue, "ag", t - first_entry, callback))
            if draw(st.booleans()):
                out.append(CallEnded(t + draw(steps), cid, queue, "ag", "caller"))
        elif end == "abandoned":
            out.append(CallAbandoned(t, cid, queue, t - first_entry))
        elif end == "timeout":
            out.append(CallOverflowed(t, cid, queue, "max_wait", None, "hangup", t - first_entry))
        return out
    return out


@st.composite
def call_life(draw: st.DrawFn, cid: str) -> list[Record]:
    """One call: maybe received and informed, then the IVR, dissuasion, or queues."""
    t = float(draw(st.integers(0, 3600)))
    caller = draw(st.sampled_from(CALLERS))
    out: list[Record] = []
    if draw(st.integers(0, 3)) > 0:  # the simulator emits no CallReceived
        out.append(CallReceived(t, cid, caller))
    if draw(st.integers(0, 3)) == 0:
        t += draw(steps)
        out.append(CallInformed(t, cid))
    path = draw(st.sampled_from(["queue", "queue", "queue", "ivr", "dissuaded", "in_ivr"]))
    t += draw(steps)
    if path == "ivr":
        outcome = draw(st.sampled_from(IVR_ENDS))
        out.append(CallLeftIvr(t, cid, outcome))
    elif path == "dissuaded":
        out.append(CallDissuaded(t, cid))
    elif path == "queue":
        out += draw(queue_path(cid, t, caller))
    if out and draw(st.integers(0, 5)) == 0:
        out.append(CallRecovered(out[-1].at + draw(steps), cid))
    return out


@st.composite
def streams(draw: st.DrawFn) -> list[Record]:
    n = draw(st.integers(0, 25))
    records = [r for i in range(n) for r in draw(call_life(f"c{i}"))]
    return sorted(records, key=lambda r: r.at)  # stable: each call keeps its order


def direct(e: KpiEngine, queue: str | None, start: float = -1e18, end: float = 1e18) -> Counters:
    total = Counters()
    for f in e.calls():
        if queue is not None and queue not in f.queues:
            continue
        t = f.received_at if queue is None else f.queues[queue].arrived_at
        if start <= t < end:
            total = total.plus(contribution(f, queue, e.sl_threshold_s))
    return total


WHOLE = (-INTERVAL, 20 * 3600.0)


@settings(max_examples=150, deadline=None)
@given(streams())
def test_counts_reconcile_per_queue_and_overall(records: list[Record]) -> None:
    e = KpiEngine(interval_s=INTERVAL)
    e.feed_many(records)
    for q in QUEUES:
        c = e.counts(*WHOLE, queue=q)
        assert c.offered == c.answered + c.abandoned + c.overflowed + c.timed_out + c.waiting
        assert c.received == c.offered + c.rejected  # rejected calls reached, not offered
        assert c.dissuaded == c.in_ivr == c.left_ivr == 0
    c = e.counts(*WHOLE)
    per_queue = [e.counts(*WHOLE, queue=q) for q in QUEUES]
    # Each call leaves the ACD from one queue: the queues' final outcomes add up to overall.
    for name in ("answered", "abandoned", "timed_out", "rejected", "answered_within"):
        assert sum(getattr(pq, name) for pq in per_queue) == getattr(c, name), name
    assert sum(pq.offered for pq in per_queue) >= c.offered
    finals = c.answered + c.abandoned + c.timed_out + c.rejected + c.dissuaded + c.left_ivr
    assert c.received == finals + c.waiting + c.in_ivr
    assert c.overflowed == 0
    assert c.lost == c.abandoned + c.rejected + c.dissuaded >= c.recovered
    assert c.answered_within <= c.answered and c.talk_count <= c.answered
    for f in e.calls():  # at most one final outcome per call
        one = contribution(f)
        outcomes = (one.answered, one.abandoned, one.timed_out, one.rejected, one.dissuaded,
                    one.left_ivr, one.waiting, one.in_ivr)
        assert sum(outcomes) == 1, f


@settings(max_examples=150, deadline=None)
@given(streams(), st.lists(st.integers(0, 200), max_size=6), st.data())
def test_buckets_agree_with_the_call_by_call_computation(
    records: list[Record], query_points: list[int], data: st.DataObject
) -> None:
    """Queries between records (each one recounting the changed calls) change nothing."""
    e = KpiEngine(interval_s=INTERVAL)
    cuts = sorted({min(p, len(records)) for p in query_points})
    done = 0
    for cut in cuts:
        e.feed_many(records[done:cut])
        e.counts(*WHOLE)
        done = cut
    e.feed_many(records[done:])
    horizon = 2 * 3600.0
    for q in (None, *QUEUES):
        assert e.counts(*WHOLE, queue=q) == direct(e, q)
        total = Counters()
        for i in range(int(horizon // INTERVAL)):
            total = total.plus(e.counts(i * INTERVAL, (i + 1) * INTERVAL, queue=q))
        assert total == direct(e, q, 0, horizon)
    start = data.draw(st.integers(0, 4000).map(float))
    end = start + data.draw(st.integers(0, 4000).map(float))
    for q in (None, "A"):
        assert e.counts(start, end, queue=q) == direct(e, q, start, end)


AGENT_STATES: tuple[AgentState, ...] = (
    "logged_out", "available", "ringing", "on_call", "wrap_up", "paused",
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 600), st.sampled_from(AGENT_STATES),
                          st.sampled_from(QUEUES)), max_size=40))
def test_agent_time_adds_up_over_intervals(changes: list[tuple[int, int, AgentState, str]]) -> None:
    e = KpiEngine(interval_s=INTERVAL)
    t = 0.0
    for agent, step, state, queue in changes:
        t += step
        e.feed(AgentStateChanged(t, f"a{agent}", state, queue=queue))
    end = t + 1000
    whole = e.counts(0, end, now=end)
    assert 0 <= whole.busy_s <= whole.staffed_s + 1e-6
    busy = staffed = 0.0
    for _, r in e.intervals(0, end, now=end):
        busy += r.counts.busy_s
        staffed += r.counts.staffed_s
    assert abs(busy - whole.busy_s) < 1e-6 and abs(staffed - whole.staffed_s) < 1e-6
    per_queue = sum(e.counts(0, end, queue=q, now=end).busy_s for q in QUEUES)
    assert abs(per_queue - whole.busy_s) < 1e-6

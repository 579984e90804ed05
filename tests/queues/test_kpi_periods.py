"""Periods: intervals, unaligned reports, rolling windows, since midnight, HO / HNO, forgetting."""

from __future__ import annotations

import pytest

from queues.kpi import Counters, KpiEngine, KpiError, contribution
from queues.records import (
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallQueued,
    CallReceived,
    CallRejected,
    Record,
)

HOUR = 3600.0
DAY = 24 * HOUR
MIDNIGHT = 10 * DAY  # a day boundary, in epoch seconds (a UTC midnight)


def office_hours(t: float) -> str:
    """A fake calendar: HO from 7:00 to 19:00 every day, HNO otherwise."""
    return "HO" if 7 * HOUR <= t % DAY < 19 * HOUR else "HNO"


def answered(cid: str, t: float, wait: float, talk: float = 60.0) -> list[Record]:
    return [
        CallReceived(t, cid), CallQueued(t, cid, "A"),
        CallAnswered(t + wait, cid, "A", "ag", wait),
        CallEnded(t + wait + talk, cid, "A", "ag", "caller"),
    ]


def abandoned(cid: str, t: float, wait: float) -> list[Record]:
    return [CallReceived(t, cid), CallQueued(t, cid, "A"), CallAbandoned(t + wait, cid, "A", wait)]


def feed(e: KpiEngine, *streams: list[Record]) -> KpiEngine:
    e.feed_many(sorted((r for s in streams for r in s), key=lambda r: r.at))
    return e


def test_an_answer_counts_in_the_interval_the_call_arrived_in() -> None:
    # Arrives at 890 (interval [0, 900)), answered at 950: the answer belongs to [0, 900).
    e = feed(KpiEngine(), answered("c1", 890, 60.0))
    (_, first), (_, second) = e.intervals(0, 1800)
    assert (first.counts.received, first.counts.answered) == (1, 1)
    assert (second.counts.received, second.counts.answered) == (0, 0)


def test_a_queue_counts_a_call_in_the_period_of_its_arrival_at_that_queue() -> None:
    e = feed(KpiEngine(), [
        CallReceived(800, "c1"), CallQueued(850, "c1", "A"),
        CallRejected(950, "c1", "B", "queue_full"),
    ])
    assert e.report(0, 900, queue="A").counts.offered == 1
    assert e.report(0, 900, queue="B").counts.rejected == 0
    assert e.report(900, 1800, queue="B").counts.rejected == 1
    assert e.report(900, 1800).counts.rejected == 0  # overall: received at 800


def test_ho_and_hno_are_reported_apart_with_their_targets() -> None:
    e = feed(
        KpiEngine(classify=office_hours),
        # HNO: 6:00, one abandoned of two (GAP02 = 1/2).
        abandoned("n1", MIDNIGHT + 6 * HOUR, 30.0), answered("n2", MIDNIGHT + 6 * HOUR, 10.0),
        # HO: 8:00 and 8:10, both answered.
        answered("d1", MIDNIGHT + 8 * HOUR, 10.0), answered("d2", MIDNIGHT + 8 * HOUR + 600, 5.0),
    )
    ho = e.since(MIDNIGHT, MIDNIGHT + 12 * HOUR, hours="HO")
    hno = e.since(MIDNIGHT, MIDNIGHT + 12 * HOUR, hours="HNO")
    both = e.since(MIDNIGHT, MIDNIGHT + 12 * HOUR)
    assert (ho.counts.received, hno.counts.received, both.counts.received) == (2, 2, 4)
    assert ho.value("GAP02") == 0.0 and ho.indicator("GAP02").target == 0.05
    assert hno.value("GAP02") == 0.5 and hno.indicator("GAP02").target == 0.10
    assert both.indicator("GAP02").target == 0.05
    assert ho.value("GAS01") == 7.5 and hno.value("GAS01") == 10.0  # (10 + 5) / 2 and 10 / 1


def test_an_hours_filter_needs_a_calendar() -> None:
    with pytest.raises(KpiError):
        KpiEngine().report(0, 900, hours="HO")


def test_a_bad_period_is_refused() -> None:
    with pytest.raises(KpiError):
        KpiEngine().report(900, 0)
    with pytest.raises(KpiError):
        KpiEngine(interval_s=0)


def test_rolling_window_is_the_last_n_seconds() -> None:
    e = feed(
        KpiEngine(),
        answered("old", 100, 5.0),
        answered("edge", 700, 5.0),  # exactly now - 900: out of (700, 1600]
        answered("c1", 1000, 5.0),
        [CallReceived(1600, "c2"), CallQueued(1600, "c2", "A")],  # exactly now: in
    )
    r = e.rolling(now=1600, window_s=900)
    assert r.window == (700, 1600)
    assert (r.counts.received, r.counts.answered, r.counts.waiting) == (2, 1, 1)


def test_since_midnight_includes_midnight_and_now() -> None:
    e = feed(
        KpiEngine(),
        answered("yesterday", MIDNIGHT - 100, 5.0),
        answered("c1", MIDNIGHT, 5.0),
        answered("c2", MIDNIGHT + 5000, 5.0),
    )
    r = e.since(MIDNIGHT, now=MIDNIGHT + 5000)
    assert r.counts.received == 2 and r.window == (MIDNIGHT, MIDNIGHT + 5000)


def direct(e: KpiEngine, start: float, end: float, queue: str | None = None) -> Counters:
    """Counts of ``[start, end)`` computed call by call, without buckets."""
    total = Counters()
    for f in e.calls():
        t = f.received_at if queue is None else f.queues[queue].arrived_at
        if queue is not None and queue not in f.queues:
            continue
        if start <= t < end:
            total = total.plus(contribution(f, queue, e.sl_threshold_s))
    return total


def calls_every_100s(n: int) -> list[list[Record]]:
    """Call i arrives at 100 i + 7: every third abandons, the others wait (i % 70) s."""
    return [
        abandoned(f"c{i}", 100 * i + 7, 15.0) if i % 3 == 0
        else answered(f"c{i}", 100 * i + 7, float(i % 70))
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 900), (0, 5400), (250, 3333), (1000, 1100), (899, 901), (850, 2750), (3000, 3000)],
)
def test_any_period_equals_the_call_by_call_computation(start: float, end: float) -> None:
    e = feed(KpiEngine(), *calls_every_100s(60))
    assert e.counts(start, end) == direct(e, start, end)
    assert e.counts(start, end, queue="A") == direct(e, start, end, queue="A")


def test_intervals_add_up_to_the_whole_period() -> None:
    e = feed(KpiEngine(), *calls_every_100s(60))
    parts = e.intervals(450, 5000)
    assert [start for start, _ in parts][:3] == [450, 900, 1800]
    assert parts[0][1].window == (450, 900) and parts[-1][1].window == (4500, 5000)
    total = Counters()
    for _, r in parts:
        total = total.plus(r.counts)
    assert total == e.counts(450, 5000) == direct(e, 450, 5000)


def test_forgetting_old_intervals_keeps_the_recent_ones_exact() -> None:
    e = feed(KpiEngine(), *calls_every_100s(60))
    before = e.counts(1800, 6000)
    e.forget_before(1800)
    assert e.counts(1800, 6000) == before
    assert e.counts(0, 1800) == Counters()
    assert all(f.received_at >= 1800 for f in e.calls())
    # A call still waiting is kept even when its interval is forgotten.
    e.feed(CallQueued(6100, "w", "A"))
    e.forget_before(7200)
    assert e.call("w") is not None and e.call("c59") is None
    e.feed(CallAbandoned(7300, "w", "A", 1200.0))
    assert e.counts(0, 10000).abandoned == 0  # its interval is gone: it counts nowhere
    e.forget_before(7200)  # now settled, it goes at the next forget
    assert e.call("w") is None

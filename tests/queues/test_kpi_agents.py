"""Agent time: occupancy with wrap-up and pauses, split exactly across intervals."""

from __future__ import annotations

import pytest

from queues.kpi import KpiEngine
from queues.records import AgentState, AgentStateChanged, CallAnswered, CallEnded, CallQueued


def changes(agent: str, *steps: tuple[float, AgentState, str]) -> list[AgentStateChanged]:
    return [AgentStateChanged(at, agent, state, queue=queue) for at, state, queue in steps]


def test_occupancy_counts_wrap_up_as_busy_and_leaves_pauses_out() -> None:
    e = KpiEngine(interval_s=900)
    e.feed_many(changes(
        "a1",
        (0, "available", ""),  # 100 s available
        (100, "ringing", "A"),  # 10 s ringing
        (110, "on_call", "A"),  # 290 s on call
        (400, "wrap_up", "A"),  # 60 s wrap-up
        (460, "available", ""),  # 140 s available
        (600, "paused", ""),  # 300 s paused: neither busy nor staffed
        (900, "available", ""),  # 100 s available, in the next interval
        (1000, "logged_out", ""),
    ))
    first = e.report(0, 900)
    # busy = 290 + 60 = 350; staffed = 100 + 10 + 290 + 60 + 140 = 600.
    assert (first.counts.busy_s, first.counts.staffed_s) == (350, 600)
    assert first.value("occupancy") == pytest.approx(350 / 600)
    second = e.report(900, 1800)
    assert (second.counts.busy_s, second.counts.staffed_s, second.value("occupancy")) == (
        0, 100, 0.0,
    )
    assert e.report(0, 1800).value("occupancy") == pytest.approx(350 / 700)


def test_agent_time_is_split_exactly_at_interval_boundaries() -> None:
    e = KpiEngine(interval_s=900)
    e.feed_many(changes("a1", (800, "on_call", "A"), (1000, "available", ""),
                        (1100, "logged_out", "")))
    # On call 800-1000: 100 s in each interval; available 1000-1100 in the second.
    assert e.report(0, 900).counts.busy_s == 100
    assert (e.report(900, 1800).counts.busy_s, e.report(900, 1800).counts.staffed_s) == (100, 200)
    # An unaligned period cuts the stretches too: [850, 950) holds 100 s on call.
    assert e.report(850, 950).counts.busy_s == pytest.approx(100)
    assert e.report(950, 1050).counts.staffed_s == pytest.approx(100)


def test_a_state_still_open_counts_up_to_now() -> None:
    e = KpiEngine()
    e.feed_many(changes("a1", (100, "on_call", "A")))
    assert e.report(0, 900, now=500).counts.busy_s == 400
    assert e.report(0, 900, now=2000).counts.busy_s == 800  # clipped at the period's end
    assert e.report(0, 900).counts.busy_s == 0  # default now: the latest record, 100
    assert e.rolling(now=1000, window_s=300).counts.busy_s == pytest.approx(300)


def test_per_queue_reports_give_busy_time_but_no_occupancy() -> None:
    e = KpiEngine()
    e.feed_many(changes(
        "a1", (0, "on_call", "A"), (100, "wrap_up", "A"), (120, "on_call", "B"),
        (170, "available", ""), (200, "logged_out", ""),
    ))
    a = e.report(0, 900, queue="A")
    assert a.counts.busy_s == 120  # 100 s on call + 20 s wrap-up on A's calls
    assert a.counts.staffed_s == 0
    occ = a.indicator("occupancy")
    assert (occ.value, occ.denominator, occ.numerator) == (None, None, 120)
    assert e.report(0, 900, queue="B").counts.busy_s == 50
    overall = e.report(0, 900)
    assert (overall.counts.busy_s, overall.counts.staffed_s) == (170, 200)


def test_live_agents_by_state_calls_waiting_and_in_progress() -> None:
    e = KpiEngine()
    e.feed_many([
        *changes("a1", (0, "available", "")),
        *changes("a2", (0, "available", ""), (50, "paused", "")),
        *changes("a3", (0, "available", ""), (10, "on_call", "A")),
        CallQueued(5, "c1", "A"), CallAnswered(10, "c1", "A", "a3", 5.0),
        CallQueued(20, "c2", "A"), CallQueued(40, "c3", "B"), CallQueued(60, "c4", "A"),
    ])
    live = e.live(now=100)
    assert dict(live.agents) == {
        "logged_out": 0, "available": 1, "ringing": 0, "on_call": 1, "wrap_up": 0, "paused": 1,
    }
    assert (live.waiting, live.longest_wait_s, live.in_progress) == (3, 80, 1)
    a = e.live(now=100, queue="A")
    assert (a.waiting, a.longest_wait_s, a.in_progress) == (2, 80, 1)
    b = e.live(now=100, queue="B")
    assert (b.waiting, b.longest_wait_s, b.in_progress) == (1, 60, 0)
    e.feed(CallEnded(130, "c1", "A", "a3", "caller"))  # talked 120 s
    live = e.live(now=200)
    assert live.in_progress == 0 and live.avg_talk_s.value == 120
    assert e.live(now=200, queue="C").longest_wait_s is None
    assert live.to_dict()["agents"]["paused"] == 1

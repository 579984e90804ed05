"""The KPI engine on hand-built call streams: every indicator, worked out by hand."""

from __future__ import annotations

import json

import pytest

from queues import _native
from queues.kpi import CallFacts, KpiEngine, KpiError
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
    Record,
)

DAY = 86400.0


def answered(
    cid: str, t: float, wait: float, talk: float | None = None, queue: str = "A",
    caller: str = "",
) -> list[Record]:
    """Received and queued at ``t``, offered and answered after ``wait``, ended after ``talk``."""
    out: list[Record] = [
        CallReceived(t, cid, caller),
        CallQueued(t, cid, queue),
        CallOffered(t + wait, cid, queue, "ag"),
        CallAnswered(t + wait, cid, queue, "ag", wait_s=wait),
    ]
    if talk is not None:
        out.append(CallEnded(t + wait + talk, cid, queue, "ag", "caller"))
    return out


def abandoned(cid: str, t: float, wait: float, queue: str = "A", caller: str = "") -> list[Record]:
    """Received and queued at ``t``, hung up in the queue after ``wait``."""
    return [
        CallReceived(t, cid, caller),
        CallQueued(t, cid, queue),
        CallAbandoned(t + wait, cid, queue, wait_s=wait),
    ]


def engine(
    *streams: list[Record], sl_threshold_s: float = 40.0, redial_window_s: float = DAY
) -> KpiEngine:
    """An engine fed the merged streams in time order."""
    e = KpiEngine(sl_threshold_s=sl_threshold_s, redial_window_s=redial_window_s)
    e.feed_many(sorted((r for s in streams for r in s), key=lambda r: r.at))
    return e


def facts(e: KpiEngine, call_id: str) -> CallFacts:
    f = e.call(call_id)
    assert f is not None
    return f


def test_an_answer_counts_at_pickup_before_the_call_ends() -> None:
    e = engine(answered("c1", 100.0, wait=10.0))  # no CallEnded yet
    r = e.report(0, 900)
    assert (r.counts.offered, r.counts.answered, r.counts.waiting) == (1, 1, 0)
    assert r.counts.talk_count == 0 and r.value("avg_talk_s") is None
    e.feed(CallEnded(410.0, "c1", "A", "ag", "agent"))  # talk 410 - 110 = 300 s
    r = e.report(0, 900)
    assert r.counts.answered == 1 and r.value("avg_talk_s") == 300.0


def test_answered_within_threshold_is_inclusive_t2_iq01() -> None:
    # Waits 40.0 (exactly the threshold: within), 40.5 (not) and 12 (within): 2 of 3 offered.
    e = engine(answered("c1", 0, 40.0), answered("c2", 10, 40.5), answered("c3", 20, 12.0))
    ind = e.report(0, 900).indicator("T2-IQ01")
    assert (ind.numerator, ind.denominator) == (2, 3)
    assert ind.value == pytest.approx(2 / 3)
    assert ind.target == 0.80 and ind.met is False
    assert ind.name == "answered within 40 s" and ind.threshold_s == 40.0


def test_threshold_is_configurable() -> None:
    e = engine(answered("c1", 0, 20.0), answered("c2", 10, 25.0), sl_threshold_s=20.0)
    ind = e.report(0, 900).indicator("sl_offered")
    assert (ind.numerator, ind.denominator, ind.name) == (1, 2, "answered within 20 s")


def test_abandons_and_waiting_calls_fail_the_service_level() -> None:
    # Offered 4: answered in 10 s (within), answered in 50 s, abandoned, still waiting.
    e = engine(
        answered("c1", 0, 10.0), answered("c2", 5, 50.0), abandoned("c3", 8, 20.0),
        [CallReceived(30, "c4"), CallQueued(30, "c4", "A")],
    )
    r = e.report(0, 900)
    assert r.counts.offered == 4 and r.counts.waiting == 1
    assert r.value("T2-IQ01") == 1 / 4
    # T2-IQ02 abandon rate: 1 abandoned / 4 offered = 0.25 > 0.10.
    ab = r.indicator("abandon_rate")
    assert (ab.id, ab.value, ab.met) == ("T2-IQ02", 0.25, False)
    assert r.value("answer_rate") == 2 / 4


def test_global_answer_rate_counts_calls_that_never_reached_a_queue_t2_iq03() -> None:
    # Received 5: one hangs up in the menu, one hears the closed message, three are queued:
    # two answered, one abandoned. T2-IQ03 = 2 answered / 5 received = 0.4.
    e = engine(
        [CallReceived(1, "ivr1"), CallLeftIvr(5, "ivr1", "hangup")],
        [CallReceived(2, "ivr2"), CallLeftIvr(3, "ivr2", "closed")],
        answered("c1", 10, 5.0), answered("c2", 20, 5.0), abandoned("c3", 30, 60.0),
    )
    r = e.report(0, 900)
    assert (r.counts.received, r.counts.offered, r.counts.left_ivr) == (5, 3, 2)
    assert r.value("T2-IQ03") == 2 / 5
    assert r.indicator("T2-IQ03").met is False
    assert facts(e, "ivr1").outcome == "ivr_hangup"
    assert facts(e, "ivr2").outcome == "closed"


def test_average_wait_gas01_is_strictly_below_90() -> None:
    # Waits 10, 30, 50: (10 + 30 + 50) / 3 = 30 s < 90.
    r = engine(answered("c1", 0, 10), answered("c2", 1, 30), answered("c3", 2, 50)).report(0, 900)
    g = r.indicator("asa_s")
    assert (g.id, g.numerator, g.denominator, g.value, g.met) == ("GAS01", 90, 3, 30, True)
    # An average of exactly 90 s misses a "< 90 s" target; abandons do not enter it.
    r = engine(answered("c1", 0, 60), answered("c2", 1, 120), abandoned("c3", 2, 500)).report(
        0, 900
    )
    assert r.value("GAS01") == 90.0 and r.indicator("GAS01").met is False


def test_daily_answer_rate_gas02_takes_informed_calls_out() -> None:
    # Received 6; informed 3 (c1 then dissuaded, c2 then the message and hang-up, c3 then
    # queued and answered); c4, c5 answered; c6 abandoned.
    # GAS02 = answered 3 / (received 6 - informed 3) = 1.0; T2-IQ03 = 3 / 6 = 0.5.
    e = engine(
        [CallReceived(0, "c1"), CallInformed(1, "c1"), CallDissuaded(20, "c1")],
        [CallReceived(0, "c2"), CallInformed(1, "c2"), CallLeftIvr(20, "c2", "message")],
        [CallInformed(3, "c3"), *answered("c3", 2, 5.0)],
        answered("c4", 10, 5.0), answered("c5", 11, 5.0), abandoned("c6", 12, 70.0),
    )
    r = e.report(0, 900)
    assert (r.counts.received, r.counts.informed, r.counts.answered) == (6, 3, 3)
    gas02 = r.indicator("GAS02")
    assert (gas02.numerator, gas02.denominator, gas02.value, gas02.met) == (3, 3, 1.0, True)
    assert r.value("T2-IQ03") == 0.5


def test_timed_out_rejected_dissuaded_and_informed_are_kept_apart_gap02() -> None:
    # c1 abandoned; c2 rejected at the door (queue full); c3 dissuaded; c4 timed out (left the
    # queue for a fallback action); c5 answered; c6 informed then answered.
    e = engine(
        abandoned("c1", 0, 30.0),
        [CallReceived(1, "c2"), CallRejected(2, "c2", "A", "queue_full")],
        [CallReceived(3, "c3"), CallInformed(4, "c3"), CallDissuaded(30, "c3")],
        [CallReceived(5, "c4"), CallQueued(6, "c4", "A"),
         CallOverflowed(306, "c4", "A", "max_wait", None, "voicemail", 300.0)],
        answered("c5", 7, 5.0),
        [CallReceived(8, "c6"), CallInformed(9, "c6"), CallQueued(20, "c6", "A"),
         CallAnswered(30, "c6", "A", "ag", 10.0)],
    )
    c = e.report(0, 900).counts
    assert (c.received, c.offered) == (6, 4)  # c2 never entered, c3 never reached a queue
    assert (c.abandoned, c.rejected, c.dissuaded, c.timed_out, c.informed) == (1, 1, 1, 1, 2)
    assert (c.answered, c.overflowed, c.lost) == (2, 0, 3)
    gap = e.report(0, 900).indicator("lost_rate")
    # GAP02 = (abandoned 1 + rejected 1 + dissuaded 1) / received 6 = 0.5.
    assert (gap.id, gap.numerator, gap.denominator, gap.value) == ("GAP02", 3, 6, 0.5)
    assert facts(e, "c4").outcome == "timed_out"


def test_overflow_is_final_for_the_queue_left_not_overall() -> None:
    # Queued in A at 0, overflows to B at 60, answered in B at 70 (wait 70 s from the first
    # queue entry, so outside 40 s in B too).
    e = engine([
        CallReceived(0, "c1"), CallQueued(0, "c1", "A"),
        CallOverflowed(60, "c1", "A", "max_wait", "B", wait_s=60.0),
        CallQueued(60, "c1", "B", overflow_from="A"),
        CallAnswered(70, "c1", "B", "ag", wait_s=70.0),
    ])
    overall, a, b = (e.report(0, 900, queue=q).counts for q in (None, "A", "B"))
    assert (overall.offered, overall.answered, overall.overflowed, overall.answered_within) == (
        1, 1, 0, 0,
    )
    assert (a.offered, a.overflowed, a.answered, a.waiting) == (1, 1, 0, 0)
    assert (b.offered, b.answered, b.answered_within, b.sum_wait_answered_s) == (1, 1, 0, 70.0)
    assert e.report(0, 900, queue="A").value("T2-IQ01") == 0.0


def test_a_rejected_call_reached_the_queue_but_was_not_offered_to_it() -> None:
    e = engine(
        [CallReceived(0, "c1"), CallRejected(0, "c1", "A", "no_agents")],
        answered("c2", 1, 5.0),
    )
    a = e.report(0, 900, queue="A")
    # Per queue, received = offered 1 + rejected 1: GAP02 stays a share of what arrived.
    assert (a.counts.received, a.counts.offered, a.counts.rejected) == (2, 1, 1)
    assert a.value("GAP02") == 1 / 2 and a.value("T2-IQ01") == 1.0


def test_recovered_by_a_callback_t2_iq04() -> None:
    e = engine(abandoned("c1", 0, 30.0), abandoned("c2", 5, 30.0))
    assert e.report(0, 900).value("T2-IQ04") == 0.0  # 0 recovered / 2 lost
    e.feed(CallRecovered(3000, "c1", "callback"))
    ind = e.report(0, 900).indicator("T2-IQ04")
    # The recovery came after the period's end: it still counts for the lost call's period.
    assert (ind.numerator, ind.denominator, ind.value, ind.met) == (1, 2, 0.5, False)
    assert facts(e, "c1").recovered_by == "callback"


def test_recovered_by_a_redial_inside_the_window_only() -> None:
    e = engine(
        # 0601: lost at 30, redial answered at 30 + 3600: recovered.
        abandoned("c1", 0, 30.0, caller="0601"), answered("c2", 3620, 10.0, caller="0601"),
        # 0602: lost at 130, next answer at 130 + 86400 + 10: outside the 24 h window.
        abandoned("c3", 100, 30.0, caller="0602"),
        answered("c4", 130 + DAY, 10.0, caller="0602"),
        # No number: never matched.
        abandoned("c5", 200, 30.0), answered("c6", 300, 10.0),
        # 0603: rejected at 400, redial answered exactly at the window's end: recovered.
        [CallReceived(400, "c7", "0603"), CallRejected(400, "c7", "A", "queue_full")],
        answered("c8", 400 + DAY - 10, 10.0, caller="0603"),
    )
    r = e.report(0, 900)
    assert (r.counts.lost, r.counts.recovered) == (4, 2)
    assert r.value("T2-IQ04") == 0.5
    assert facts(e, "c1").recovered_by == "redial:c2"
    assert facts(e, "c7").recovered_by == "redial:c8"


def test_an_earlier_answer_does_not_recover_a_later_loss() -> None:
    e = engine(answered("c1", 0, 5.0, caller="0601"), abandoned("c2", 100, 30.0, caller="0601"))
    assert e.report(0, 900).counts.recovered == 0


def test_an_answer_recorded_just_before_the_loss_it_renews_still_recovers_it() -> None:
    # Same instant: c2 answered at 100 is fed before c1's abandon at 100.
    e = KpiEngine()
    e.feed_many([
        CallReceived(0, "c1", "0601"), CallQueued(0, "c1", "A"),
        CallReceived(50, "c2", "0601"), CallQueued(50, "c2", "B"),
        CallAnswered(100, "c2", "B", "ag", 50.0), CallAbandoned(100, "c1", "A", 100.0),
    ])
    assert facts(e, "c1").recovered_by == "redial:c2"
    assert e.report(0, 900).value("T2-IQ04") == 1.0


def test_redial_window_is_configurable() -> None:
    e = engine(
        abandoned("c1", 0, 30.0, caller="0601"), answered("c2", 200, 10.0, caller="0601"),
        redial_window_s=60.0,
    )
    assert e.report(0, 900).counts.recovered == 0  # answered at 210 > 30 + 60


def test_a_callback_request_keeps_the_call_waiting() -> None:
    e = engine([
        CallReceived(0, "c1", "0601"), CallQueued(0, "c1", "A"),
        CallbackRequested(30, "c1", "A", "0601"),
    ])
    r = e.report(0, 900)
    assert (r.counts.waiting, r.counts.callbacks, r.counts.lost) == (1, 1, 0)
    e.feed(CallAnswered(600, "c1", "A", "ag", wait_s=600.0, callback=True))
    r = e.report(0, 900)
    assert (r.counts.waiting, r.counts.answered, r.counts.callbacks) == (0, 1, 1)


def test_p_wait_counts_calls_that_were_not_offered_at_once() -> None:
    # c1 offered at its queue entry: no wait. c2 offered 20 s later. c3 abandoned, never
    # offered. c4 offered at once, the agent does not answer, answered by another later.
    e = engine(
        answered("c1", 0, 0.0), answered("c2", 1, 20.0), abandoned("c3", 2, 10.0),
        [CallQueued(3, "c4", "A"), CallOffered(3, "c4", "A", "a1"),
         CallOfferFailed(18, "c4", "A", "a1", "no_answer"), CallOffered(20, "c4", "A", "a2"),
         CallAnswered(22, "c4", "A", "a2", 19.0)],
    )
    r = e.report(0, 900)
    assert r.counts.waited == 2 and r.value("p_wait") == 2 / 4


def test_a_stream_without_call_received_is_received_at_its_first_queue_entry() -> None:
    # The simulator emits no CallReceived.
    e = engine([CallQueued(950, "c1", "A"), CallAnswered(960, "c1", "A", "ag", 10.0)])
    assert facts(e, "c1").received_at == 950
    assert e.report(0, 900).counts.received == 0
    assert e.report(900, 1800).counts.received == 1


def test_records_about_unknown_calls_change_nothing() -> None:
    e = engine([
        CallEnded(10, "ghost", "A", "ag", "caller"),
        CallRecovered(10, "ghost2"),
        CallOfferFailed(10, "ghost3", "A", "ag", "busy"),
    ])
    assert e.report(0, 900).counts.received == 0 and list(e.calls()) == []


def test_the_first_final_outcome_wins() -> None:
    e = engine([
        CallQueued(0, "c1", "A"), CallAnswered(5, "c1", "A", "ag", 5.0),
        CallAbandoned(6, "c1", "A", 6.0),
    ])
    c = e.report(0, 900).counts
    assert (c.answered, c.abandoned) == (1, 0)


def test_report_carries_its_definitions_and_is_json_able() -> None:
    e = engine(answered("c1", 0, 5.0, talk=60.0))
    data = json.loads(json.dumps(e.report(0, 900).to_dict()))
    iq01 = data["indicators"]["T2-IQ01"]
    assert iq01["numerator_terms"] == ["answered_within"]
    assert iq01["denominator_terms"] == ["offered"]
    assert iq01["comparison"] == ">=" and iq01["window"] == [0, 900]
    assert "offered" in iq01["formula"]
    assert data["counts"]["answered"] == 1
    assert data["indicators"]["calls_offered"]["value"] == 1
    assert data["indicators"]["calls_offered"]["denominator"] is None


def test_empty_denominators_give_no_value_and_no_verdict() -> None:
    r = KpiEngine().report(0, 900)
    for ind in r.indicators.values():
        if ind.id != "calls_offered":
            assert ind.value is None and ind.met is None, ind.id


def test_feeding_something_else_than_a_record_is_refused() -> None:
    # compiled by mypyc, the argument's declared type is checked at the call: a TypeError
    expected = TypeError if _native.compiled() else KpiError
    with pytest.raises(expected, match=r"not a record|object expected"):
        KpiEngine().feed("CallQueued")  # type: ignore[arg-type]


def test_an_ivr_abandon_after_the_menu_is_abandoned_and_lost_not_left_ivr() -> None:
    from queues.kpi import KpiEngine
    from queues.records import CallLeftIvr, CallReceived

    kpi = KpiEngine(interval_s=900)
    kpi.feed(CallReceived(10.0, "a", "+331", "100"))
    kpi.feed(CallLeftIvr(30.0, "a", "abandoned"))
    kpi.feed(CallReceived(11.0, "b", "+332", "100"))
    kpi.feed(CallLeftIvr(20.0, "b", "hangup"))
    counts = kpi.counts(0, 900)
    # a: abandoned and lost (1 of 2 received: GAP02 = 0.5); b: a plain IVR hang-up
    assert (counts.received, counts.abandoned, counts.lost, counts.left_ivr) == (2, 1, 1, 1)
    assert kpi.report(0, 900).value("GAP02") == 0.5


def test_a_call_transferred_by_its_agent_counts_each_queues_own_wait_and_talk() -> None:
    """support answers after 10 s and talks 60 s, then its agent transfers the caller to
    sales, who waits 5 s there and talks 100 s: one call overall, answered once."""
    e = engine([
        CallReceived(0, "t1", ""),
        CallQueued(0, "t1", "support"),
        CallOffered(10, "t1", "support", "a1"),
        CallAnswered(10, "t1", "support", "a1", wait_s=10),
        CallEnded(70, "t1", "support", "a1", "agent"),
        CallQueued(70, "t1", "sales"),
        CallOffered(75, "t1", "sales", "s1"),
        CallAnswered(75, "t1", "sales", "s1", wait_s=5),
        CallEnded(175, "t1", "sales", "s1", "caller"),
    ])
    overall = e.counts(0, DAY)
    assert (overall.received, overall.answered, overall.sum_wait_answered_s) == (1, 1, 10)
    assert (overall.sum_talk_s, overall.talk_count) == (160, 1)  # 60 + 100, not 10..175
    support, sales = e.counts(0, DAY, "support"), e.counts(0, DAY, "sales")
    assert (support.answered, support.sum_wait_answered_s, support.sum_talk_s) == (1, 10, 60)
    assert (sales.offered, sales.answered, sales.sum_wait_answered_s) == (1, 1, 5)
    assert (sales.sum_talk_s, sales.talk_count, sales.waited) == (100, 1, 1)
    assert support.waited == 1  # offered 10 s after its entry, not at once
    assert sales.answered_within == 1


def test_a_transferred_call_waits_anew_in_the_live_view() -> None:
    e = engine([
        CallReceived(0, "t1", ""),
        CallQueued(0, "t1", "support"),
        CallOffered(10, "t1", "support", "a1"),
        CallAnswered(10, "t1", "support", "a1", wait_s=10),
        CallEnded(70, "t1", "support", "a1", "agent"),
        CallQueued(70, "t1", "sales"),
    ])
    live = e.live(100, "sales")
    assert live.waiting == 1 and live.longest_wait_s == 30

"""Callbacks in the ACD core: attempts, retries with spacing, lost calls called back."""

from __future__ import annotations

import pytest

from acd import events as ev
from acd.commands import OfferCall
from acd.errors import InvalidEvent
from acd.snapshot import restore, snapshot
from queues import records as rec
from queues.config import QueueConfig
from queues.kpi import KpiEngine
from tests.acd.harness import Harness, make

CB = QueueConfig("support", "support", callback_attempts=3, callback_retry_s=300)
LOST = QueueConfig("support", "support", callback_lost=True, callback_lost_after_s=10,
                   ring_timeout_s=15)


def _requested(h: Harness, call_id: str = "c1", at: float = 0) -> None:
    h.do(ev.CallQueued(call_id, "support", caller="+33100000001"), at=at)
    h.do(ev.CallbackRequested(call_id, "+33611111111"), at=at + 5)


def test_the_agent_is_connected_first_then_the_caller_is_dialled() -> None:
    h = make([CB], {"a": {"support": 1}}, login=False)
    _requested(h)
    out = h.do(ev.AgentLoggedIn("a"), at=100)
    assert out == [OfferCall("c1", "a", "support", 15.0, callback=True, number="+33611111111")]
    h.do(ev.AgentAnswered("c1", "a"), at=103)
    assert h.acd.calls["c1"].state == "calling_back"
    assert h.acd.agents["a"].state == "on_call"
    with pytest.raises(InvalidEvent):
        h.do(ev.AgentHungUp("c1"), at=104)  # not talking yet
    h.do(ev.CallbackReached("c1"), at=110)
    (answered,) = h.of(rec.CallAnswered)
    assert answered == rec.CallAnswered(110, "c1", "support", "a", 110, True)
    h.do(ev.AgentHungUp("c1"), at=200)
    assert h.of(rec.CallEnded)
    assert h.acd.agents["a"].state == "available"


def test_an_unreached_callback_frees_the_agent_and_retries_after_the_spacing() -> None:
    h = make([CB], {"a": {"support": 1}}, login=False)
    _requested(h)
    h.do(ev.AgentLoggedIn("a"), at=100)
    h.do(ev.AgentAnswered("c1", "a"), at=101)
    out = h.do(ev.CallbackUnreached("c1", "no_answer"), at=130)
    assert out == []  # nobody else waits; the callback is out of line until its retry
    assert h.acd.agents["a"].state == "available"
    assert h.acd.calls["c1"].state == "retry"
    assert not list(h.acd.lines["support"])
    (failed,) = h.of(rec.CallOfferFailed)
    assert failed == rec.CallOfferFailed(130, "c1", "support", "a", "callback_no_answer")
    assert h.acd.next_deadline() == 430
    out = h.advance(430)
    assert out == [OfferCall("c1", "a", "support", 15.0, callback=True, number="+33611111111")]


def test_a_retried_callback_keeps_its_place_ahead_of_later_callers() -> None:
    h = make([CB], {"a": {"support": 1}}, login=False)
    _requested(h)
    h.do(ev.AgentLoggedIn("a"), at=100)
    h.do(ev.AgentAnswered("c1", "a"), at=101)
    h.do(ev.CallbackUnreached("c1"), at=120)
    h.do(ev.AgentPaused("a"), at=121)
    h.do(ev.CallQueued("c2", "support"), at=200)
    h.advance(420)  # c1 is back in line, at its first place
    assert [e.call_id for e in h.acd.lines["support"]] == ["c1", "c2"]


def test_a_callback_gives_up_after_its_attempts_and_counts_as_lost() -> None:
    h = make([CB], {"a": {"support": 1}}, login=False)
    _requested(h)
    h.do(ev.AgentLoggedIn("a"), at=100)
    at = 100.0
    for _attempt in range(3):
        assert h.acd.calls["c1"].state == "offered"
        h.do(ev.AgentAnswered("c1", "a"), at=at + 1)
        h.do(ev.CallbackUnreached("c1"), at=at + 20)
        at += 20 + 300  # the retry offers it again
        h.advance(at)
    assert "c1" not in h.acd.calls
    (abandoned,) = h.of(rec.CallAbandoned)
    assert abandoned.call_id == "c1"  # type: ignore[attr-defined]
    assert h.acd.next_deadline() is None
    kpi = KpiEngine()
    kpi.feed_many(h.records)
    facts = kpi.call("c1")
    assert facts is not None and facts.outcome == "abandoned" and facts.callback


def test_callback_events_for_calls_not_being_called_back_are_refused() -> None:
    h = make([CB], {"a": {"support": 1}})
    h.do(ev.CallQueued("c1", "support"), at=0)
    with pytest.raises(InvalidEvent):
        h.do(ev.CallbackReached("c1"), at=1)
    with pytest.raises(InvalidEvent):
        h.do(ev.CallbackUnreached("c1"), at=1)


def test_a_lost_call_is_called_back_without_counting_as_a_call_and_is_recovered() -> None:
    h = make([LOST], {"a": {"support": 1}}, login=False)
    h.do(ev.CallQueued("c1", "support", caller="+33100000001"), at=0)
    h.do(ev.CallerHungUp("c1"), at=30)  # lost after 30 s
    (abandoned,) = h.of(rec.CallAbandoned)
    assert abandoned.call_id == "c1"  # type: ignore[attr-defined]
    entry = "c1~callback"
    assert h.acd.calls[entry].recovers == "c1"
    out = h.do(ev.AgentLoggedIn("a"), at=60)
    assert out == [OfferCall(entry, "a", "support", 15.0, callback=True,
                             number="+33100000001")]
    h.do(ev.AgentAnswered(entry, "a"), at=62)
    h.do(ev.CallbackReached(entry), at=70)
    h.do(ev.AgentHungUp(entry), at=200)
    call_records = [r for r in h.records if not isinstance(r, rec.AgentStateChanged)]
    assert all(getattr(r, "call_id", None) == "c1" for r in call_records)
    assert rec.CallRecovered(70, "c1", "callback") in h.records
    kpi = KpiEngine()
    kpi.feed_many(h.records)
    overall = kpi.counts(0, 86400)
    assert overall.received == 1 and overall.abandoned == 1 and overall.recovered == 1
    busy = [r for r in h.records if isinstance(r, rec.AgentStateChanged)
            and r.state == "on_call"]
    assert busy  # the agent's time on the callback is real work (occupancy)


def test_live_callers_go_before_lost_call_callbacks() -> None:
    h = make([LOST], {"a": {"support": 1}}, login=False)
    h.do(ev.CallQueued("c1", "support", caller="+33100000001"), at=0)
    h.do(ev.CallerHungUp("c1"), at=30)
    h.do(ev.CallQueued("c2", "support", caller="+33100000002"), at=40)
    out = h.do(ev.AgentLoggedIn("a"), at=50)
    assert [c.call_id for c in out if isinstance(c, OfferCall)] == ["c2"]


def test_short_abandons_and_callers_who_call_again_are_not_called_back() -> None:
    h = make([LOST], {"a": {"support": 1}}, login=False)
    h.do(ev.CallQueued("c1", "support", caller="+33100000001"), at=0)
    h.do(ev.CallerHungUp("c1"), at=5)  # under callback_lost_after_s
    assert "c1~callback" not in h.acd.calls
    h.do(ev.CallQueued("c2", "support", caller="+33100000002"), at=10)
    h.do(ev.CallerHungUp("c2"), at=40)
    assert "c2~callback" in h.acd.calls
    h.do(ev.CallQueued("c3", "support", caller="+33100000002"), at=50)  # called again
    assert "c2~callback" not in h.acd.calls
    assert [e.call_id for e in h.acd.lines["support"]] == ["c3"]


def test_a_lost_call_callback_survives_a_snapshot() -> None:
    h = make([LOST], {"a": {"support": 1}}, login=False)
    h.do(ev.CallQueued("c1", "support", caller="+33100000001"), at=0)
    h.do(ev.CallerHungUp("c1"), at=30)
    h.records.clear()
    acd = restore(h.acd.config, snapshot(h.acd))
    h2 = Harness(acd, now=30)
    h2.do(ev.AgentLoggedIn("a"), at=40)
    h2.do(ev.AgentAnswered("c1~callback", "a"), at=41)
    h2.do(ev.CallbackReached("c1~callback"), at=45)
    assert [r for r in h2.records if not isinstance(r, rec.AgentStateChanged)] == [
        rec.CallRecovered(45, "c1", "callback")]


def test_queue_callback_settings_are_checked() -> None:
    from queues.errors import ConfigError

    with pytest.raises(ConfigError, match="callback_attempts"):
        QueueConfig("q", "s", callback_attempts=0)
    with pytest.raises(ConfigError, match="callback_retry_s"):
        QueueConfig("q", "s", callback_retry_s=-1)
    assert QueueConfig.from_mapping({"name": "q", "skill": "s", "callback_lost": True}
                                    ).callback_lost

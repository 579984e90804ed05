"""The SimPy driver on scripted runs: every event, command and record, in order."""

from __future__ import annotations

import math
from typing import TypeVar

from acd import events as ev
from acd.commands import CancelOffer, OfferCall, OverflowCall, RouteToFallback
from acd.engine import AcdConfig
from acd.model import AgentConfig
from queues import records as rec
from queues.config import QueueConfig
from simulation.driver import TIMERS_DUE, Trace
from simulation.scripted import ScriptedCall, ScriptedEvent, ScriptItem, run_script

T = TypeVar("T")


def _config(*queues: QueueConfig, agents: int = 1) -> AcdConfig:
    qs = queues or (QueueConfig("q", "s"),)
    return AcdConfig(qs, tuple(AgentConfig(f"a{i}", {"s": 1}) for i in range(1, agents + 1)))


def _login(*agents: str) -> list[ScriptedEvent]:
    return [ScriptedEvent(0.0, ev.AgentLoggedIn(a)) for a in agents]


def _of(trace: Trace, kind: type[T]) -> list[tuple[float, T]]:
    return [(t, item) for t, item in trace if isinstance(item, kind)]


def test_one_call_answered_at_once_is_traced_in_order() -> None:
    trace = run_script(_config(), [*_login("a1"), ScriptedCall(5.0, "c1", "q", handle_s=60)])
    kinds = [type(item).__name__ for _, item in trace]
    assert kinds == [
        "AgentLoggedIn", "AgentStateChanged",
        "CallQueued", "OfferCall", "CallQueued", "CallOffered", "AgentStateChanged",
        "AgentAnswered", "CallAnswered", "AgentStateChanged",
        "AgentHungUp", "CallEnded", "AgentStateChanged",
    ]
    assert trace[2] == (5.0, ev.CallQueued("c1", "q"))
    assert trace[3] == (5.0, OfferCall("c1", "a1", "q", 15.0))
    assert trace[8] == (5.0, rec.CallAnswered(5.0, "c1", "q", "a1", 0.0))
    assert trace[-2] == (65.0, rec.CallEnded(65.0, "c1", "q", "a1", "agent"))


def test_the_same_script_gives_the_same_trace() -> None:
    script: list[ScriptItem] = [
        *_login("a1", "a2"),
        *[ScriptedCall(float(i), f"c{i}", "q", 30 + i, patience_s=20) for i in range(8)],
    ]
    assert run_script(_config(agents=2), script) == run_script(_config(agents=2), script)


def test_an_agent_who_never_answers_is_timed_out_by_the_core() -> None:
    trace = run_script(_config(agents=2), [*_login("a1"), ScriptedCall(1.0, "c1", "q", 10),
                                           ScriptedEvent(30.0, ev.AgentLoggedIn("a2"))],
                       answer_delays={"a1": math.inf})
    assert (16.0, TIMERS_DUE) in trace
    assert (16.0, CancelOffer("c1", "a1", "no_answer")) in trace
    assert (16.0, rec.AgentStateChanged(16.0, "a1", "paused", "no answer")) in trace
    (answered,) = _of(trace, rec.CallAnswered)
    assert answered == (30.0, rec.CallAnswered(30.0, "c1", "q", "a2", 29.0))


def test_an_answer_delay_counts_in_the_wait() -> None:
    trace = run_script(_config(), [*_login("a1"), ScriptedCall(1.0, "c1", "q", 10)],
                       answer_delays={"a1": 4.0})
    assert (5.0, ev.AgentAnswered("c1", "a1")) in trace
    assert _of(trace, rec.CallAnswered)[0][1] == rec.CallAnswered(5.0, "c1", "q", "a1", 4.0)


def test_patience_runs_out_in_line_and_while_ringing() -> None:
    trace = run_script(_config(), [
        *_login("a1"),
        ScriptedCall(0.0, "c1", "q", handle_s=100),
        ScriptedCall(1.0, "c2", "q", handle_s=10, patience_s=30),
        ScriptedCall(2.0, "c3", "q", handle_s=10, patience_s=50),
    ], answer_delays={"a1": 10.0})
    abandoned = [r for _, r in _of(trace, rec.CallAbandoned)]
    assert abandoned == [rec.CallAbandoned(31.0, "c2", "q", 30.0),
                         rec.CallAbandoned(52.0, "c3", "q", 50.0)]
    assert (52.0, CancelOffer("c3", "a1", "caller_hung_up")) not in trace  # a1 still talking


def test_a_callback_keeps_the_place_and_is_answered_later() -> None:
    trace = run_script(_config(), [
        *_login("a1"),
        ScriptedCall(0.0, "c1", "q", handle_s=100),
        ScriptedCall(1.0, "c2", "q", handle_s=10, patience_s=30, accepts_callback=True,
                     caller="+33100000002"),
    ])
    assert (31.0, ev.CallbackRequested("c2")) in trace
    assert (31.0, rec.CallbackRequested(31.0, "c2", "q", "+33100000002")) in trace
    assert (100.0, OfferCall("c2", "a1", "q", 15.0, callback=True, number="+33100000002")) in trace
    assert (100.0, ev.CallbackReached("c2")) in trace
    assert _of(trace, rec.CallAnswered)[-1][1] == rec.CallAnswered(
        100.0, "c2", "q", "a1", 99.0, callback=True)
    assert not _of(trace, rec.CallAbandoned)


def test_a_callback_asked_while_ringing_waits_for_the_caller_to_be_back_in_line() -> None:
    trace = run_script(_config(agents=2), [
        *_login("a1"),
        ScriptedCall(0.0, "c1", "q", handle_s=10, patience_s=5, accepts_callback=True),
        ScriptedEvent(40.0, ev.AgentLoggedIn("a2")),
    ], answer_delays={"a1": math.inf})
    requested = _of(trace, ev.CallbackRequested)
    assert requested == [(15.0, ev.CallbackRequested("c1"))]  # after the ring timeout
    assert _of(trace, rec.CallAnswered)[0][1].callback


def test_wrap_up_and_a_pause_asked_during_a_call() -> None:
    config = _config(QueueConfig("q", "s", wrapup_s=20))
    trace = run_script(config, [
        *_login("a1"),
        ScriptedCall(0.0, "c1", "q", handle_s=30),
        ScriptedEvent(10.0, ev.AgentPaused("a1", "lunch")),
        ScriptedCall(11.0, "c2", "q", handle_s=30, patience_s=100),
        ScriptedEvent(70.0, ev.AgentResumed("a1")),
    ])
    states = [(t, r.state) for t, r in _of(trace, rec.AgentStateChanged)]
    assert states == [(0.0, "available"), (0.0, "ringing"), (0.0, "on_call"),
                      (30.0, "wrap_up"), (50.0, "paused"), (70.0, "available"),
                      (70.0, "ringing"), (70.0, "on_call"), (100.0, "wrap_up"),
                      (120.0, "available")]


def test_queue_timeouts_overflow_then_leave_for_the_fallback() -> None:
    config = _config(QueueConfig("q", "s", max_wait_s=30, overflow_to="r"),
                     QueueConfig("r", "t", max_wait_s=60, fallback="voicemail"))
    trace = run_script(config, [*_login("a1"), ScriptedEvent(0.0, ev.AgentPaused("a1")),
                                ScriptedCall(0.0, "c1", "q", handle_s=10)])
    assert (30.0, OverflowCall("c1", "q", "r", "max_wait")) in trace
    assert (90.0, RouteToFallback("c1", "r", "voicemail", "max_wait")) in trace
    assert trace[-1][0] == 90.0


def test_until_stops_a_run() -> None:
    trace = run_script(_config(), [*_login("a1"), ScriptedCall(0.0, "c1", "q", 500)], until=100)
    assert not _of(trace, rec.CallEnded)

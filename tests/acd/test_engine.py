"""Scenario tests of the ACD core, on a fake clock."""

from __future__ import annotations

import pytest

from acd import events as ev
from acd.commands import (
    CancelOffer,
    OfferCall,
    OverflowCall,
    PlayAnnouncement,
    RejectCall,
    RouteToFallback,
)
from acd.errors import AcdError, ConfigError, InvalidEvent, UnknownAgent, UnknownCall
from queues import records as rec
from queues.config import EscalationStep, QueueConfig
from tests.acd.harness import make

SUPPORT = QueueConfig("support", "support", ring_timeout_s=15)


def answer_all(h, at=None):  # type: ignore[no-untyped-def]
    """Answer every offer still ringing."""
    for call_id, agent_id in h.offers():
        call = h.acd.calls.get(call_id)
        if call is not None and call.state == "offered" and call.agent_id == agent_id:
            h.do(ev.AgentAnswered(call_id, agent_id), at)


# ---------------------------------------------------------------- strategies


def test_longest_idle_picks_the_agent_free_the_longest() -> None:
    h = make([SUPPORT], {"a": {"support": 1}, "b": {"support": 1}, "c": {"support": 1}},
             login=False)
    h.do(ev.AgentLoggedIn("b"), at=1)
    h.do(ev.AgentLoggedIn("c"), at=2)
    h.do(ev.AgentLoggedIn("a"), at=3)
    h.do(ev.CallQueued("c1", "support"), at=10)
    h.do(ev.CallQueued("c2", "support"), at=10)
    assert h.offers() == [("c1", "b"), ("c2", "c")]


def test_highest_level_first_then_longest_idle() -> None:
    q = QueueConfig("support", "support", strategy="highest_level")
    h = make([q], {"a": {"support": 3}, "b": {"support": 9}, "c": {"support": 9}}, login=False)
    h.do(ev.AgentLoggedIn("c"), at=1)
    h.do(ev.AgentLoggedIn("b"), at=2)
    h.do(ev.AgentLoggedIn("a"), at=0 + 3)
    for i in range(3):
        h.do(ev.CallQueued(f"c{i}", "support"), at=10)
    # level 9 before level 3; between the two level-9 agents, c has been idle longest
    assert h.offers() == [("c0", "c"), ("c1", "b"), ("c2", "a")]


def test_fewest_calls_today_and_day_reset() -> None:
    q = QueueConfig("support", "support", strategy="fewest_calls")
    h = make([q], {"a": {"support": 1}, "b": {"support": 1}})
    # a takes two calls, b one
    for i, agent in enumerate(["a", "b", "a"]):
        h.do(ev.CallQueued(f"x{i}", "support"), at=10 + i)
        call_id, offered = h.offers()[-1]
        if offered != agent:
            # make the expected agent the only free one by pausing the other briefly
            pytest.fail(f"unexpected offer {call_id} -> {offered}")
        h.do(ev.AgentAnswered(call_id, offered))
        h.do(ev.AgentHungUp(call_id))
    assert h.acd.agents["a"].calls_today == 2 and h.acd.agents["b"].calls_today == 1
    h.do(ev.CallQueued("y", "support"), at=30)
    assert h.offers()[-1] == ("y", "b")  # fewest calls, although a was idle longer
    h.do(ev.OfferFailed("y", "b", "busy"))
    h.do(ev.AgentResumed("b"))  # ring-no-answer paused b; resume at t=30
    h.do(ev.DayStarted(), at=31)
    assert all(a.calls_today == 0 for a in h.acd.agents.values())


def test_fewest_calls_sequence() -> None:
    # The test above steers each call; this one checks the choice itself each time.
    q = QueueConfig("support", "support", strategy="fewest_calls")
    h = make([q], {"a": {"support": 1}, "b": {"support": 1}, "c": {"support": 1}})
    chosen = []
    for i in range(6):
        h.do(ev.CallQueued(f"c{i}", "support"), at=10 * (i + 1))
        call_id, agent = h.offers()[-1]
        chosen.append(agent)
        h.do(ev.AgentAnswered(call_id, agent))
        h.do(ev.AgentHungUp(call_id), at=10 * (i + 1) + 1)
    # all start at 0 calls; ties broken by longest idle: a, b, c, then again a, b, c
    assert chosen == ["a", "b", "c", "a", "b", "c"]


def test_round_robin_follows_registration_order_and_wraps() -> None:
    q = QueueConfig("support", "support", strategy="round_robin")
    h = make([q], {"a": {"support": 1}, "b": {"support": 1}, "c": {"support": 1}})
    chosen = []
    for i in range(5):
        h.do(ev.CallQueued(f"c{i}", "support"), at=10 + i)
        call_id, agent = h.offers()[-1]
        chosen.append(agent)
        h.do(ev.AgentAnswered(call_id, agent))
        h.do(ev.AgentHungUp(call_id))
    assert chosen == ["a", "b", "c", "a", "b"]


def test_random_strategy_is_reproducible_with_the_injected_generator() -> None:
    q = QueueConfig("support", "support", strategy="random")
    agents = {f"a{i}": {"support": 1} for i in range(10)}

    def run(seed: int) -> list[str]:
        h = make([q], agents, seed=seed)
        out = []
        for i in range(20):
            h.do(ev.CallQueued(f"c{i}", "support"), at=10 + i)
            call_id, agent = h.offers()[-1]
            out.append(agent)
            h.do(ev.AgentAnswered(call_id, agent))
            h.do(ev.AgentHungUp(call_id))
        return out

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert len(set(run(3))) > 3


def test_random_strategy_needs_a_generator() -> None:
    with pytest.raises(ConfigError):
        make([QueueConfig("q", "s", strategy="random")], {})


# ---------------------------------------------------------------- priorities


def test_priority_class_first_then_fifo() -> None:
    h = make([SUPPORT], {"a": {"support": 1}}, login=False)
    h.do(ev.CallQueued("low1", "support"), at=1)
    h.do(ev.CallQueued("high", "support", priority=5), at=2)
    h.do(ev.CallQueued("low2", "support"), at=3)
    assert [e.call_id for e in h.acd.lines["support"]] == ["high", "low1", "low2"]
    assert h.acd.estimate("low2").position == 3
    h.do(ev.AgentLoggedIn("a"), at=4)
    assert h.offers() == [("high", "a")]


def test_relative_points_jump_ahead_as_if_waited_longer() -> None:
    q = QueueConfig("support", "support", aging_s_per_point=60)
    h = make([q], {"a": {"support": 1}}, login=False)
    h.do(ev.CallQueued("c1", "support"), at=0)
    h.do(ev.CallQueued("c2", "support"), at=100)
    h.do(ev.CallQueued("xfer", "support", points=2), at=130)  # as if it arrived at 10
    h.do(ev.CallQueued("c3", "support", points=1), at=200)  # as if at 140
    assert [e.call_id for e in h.acd.lines["support"]] == ["c1", "xfer", "c2", "c3"]


def test_transfer_keeps_its_wait() -> None:
    h = make([SUPPORT], {"a": {"support": 1}})
    h.do(ev.CallQueued("t", "support", since=50.0), at=100)
    h.do(ev.AgentAnswered("t", "a"), at=104)
    (answered,) = h.of(rec.CallAnswered)
    assert answered.wait_s == pytest.approx(54.0)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- fairness across queues


def test_agent_serving_two_queues_takes_the_longest_waiting_caller() -> None:
    qa = QueueConfig("a", "skill_a")
    qb = QueueConfig("b", "skill_b")
    h = make([qa, qb], {"x": {"skill_a": 1, "skill_b": 1}}, login=False)
    h.do(ev.CallQueued("a1", "a"), at=5)
    h.do(ev.CallQueued("b1", "b"), at=3)
    h.do(ev.CallQueued("b2", "b", priority=9), at=6)
    # heads: a1 (since 5) and b2 (priority 9, since 6): longest wait wins -> a1
    h.do(ev.AgentLoggedIn("x"), at=10)
    assert h.offers() == [("a1", "x")]


def test_fairness_by_priority_when_configured() -> None:
    qa = QueueConfig("a", "skill_a")
    qb = QueueConfig("b", "skill_b")
    h = make([qa, qb], {"x": {"skill_a": 1, "skill_b": 1}}, login=False, fairness="priority")
    h.do(ev.CallQueued("a1", "a"), at=5)
    h.do(ev.CallQueued("b2", "b", priority=9), at=6)
    h.do(ev.AgentLoggedIn("x"), at=10)
    assert h.offers() == [("b2", "x")]


def test_agent_without_the_skill_or_level_is_never_offered() -> None:
    q = QueueConfig("expert", "tax", min_level=7)
    h = make([q], {"junior": {"tax": 3}, "other": {"billing": 10}})
    h.do(ev.CallQueued("c", "expert"), at=1)
    assert h.offers() == []
    h.do(ev.AgentLoggedIn("senior", {"tax": 8}), at=2)
    assert h.offers() == [("c", "senior")]


# ---------------------------------------------------------------- escalation


def test_escalation_widens_to_lower_levels_then_other_skills() -> None:
    q = QueueConfig(
        "expert", "tax", min_level=7,
        escalation=(EscalationStep(30, min_level=4), EscalationStep(60, skills=(("general", 1),))),
    )
    h = make([q], {"mid": {"tax": 5}, "gen": {"general": 2}}, login=False)
    h.do(ev.AgentLoggedIn("gen"), at=0)
    h.do(ev.CallQueued("c1", "expert"), at=0)
    h.do(ev.CallQueued("c2", "expert"), at=1)
    assert h.offers() == []
    h.do(ev.AgentLoggedIn("mid"), at=10)
    assert h.offers() == []  # level 5 < 7 before 30 s
    h.advance(30)
    assert h.offers() == [("c1", "mid")]  # at 30 s level 4 is enough
    h.do(ev.AgentAnswered("c1", "mid"), at=31)
    h.advance(60.5)
    assert h.offers() == [("c1", "mid")]  # c2 escalated at 31 s but mid is on a call
    h.advance(61)
    assert h.offers() == [("c1", "mid"), ("c2", "gen")]  # 60 s after c2 joined


def test_escalated_agent_does_not_take_a_call_still_at_an_earlier_stage() -> None:
    q = QueueConfig("expert", "tax", min_level=7, escalation=(EscalationStep(30, min_level=4),))
    h = make([q], {"mid": {"tax": 5}}, login=False)
    h.do(ev.CallQueued("old", "expert"), at=0)
    h.do(ev.CallQueued("new", "expert"), at=20)
    h.do(ev.AgentLoggedIn("mid"), at=35)  # old is escalated, new is not
    assert h.offers() == [("old", "mid")]


# ---------------------------------------------------------------- ring-no-answer


def test_ring_no_answer_returns_the_call_to_its_place_and_pauses_the_agent() -> None:
    h = make([SUPPORT], {"a": {"support": 1}}, login=False)
    for i, t in enumerate([0, 1, 2]):
        h.do(ev.CallQueued(f"c{i}", "support"), at=t)
    h.do(ev.AgentLoggedIn("a"), at=5)
    assert h.offers() == [("c0", "a")]
    out = h.advance(20)  # ring timeout 15 s
    assert CancelOffer("c0", "a", "no_answer") in out
    assert [e.call_id for e in h.acd.lines["support"]] == ["c0", "c1", "c2"]
    agent = h.acd.agents["a"]
    assert (agent.state, agent.reason) == ("paused", "no answer")
    (failed,) = h.of(rec.CallOfferFailed)
    assert failed.reason == "no_answer"  # type: ignore[attr-defined]
    h.do(ev.AgentResumed("a"), at=21)
    assert h.offers()[-1] == ("c0", "a")


def test_busy_agent_leg_is_a_ring_no_answer_too() -> None:
    h = make([SUPPORT], {"a": {"support": 1}, "b": {"support": 1}})
    h.do(ev.CallQueued("c", "support"), at=1)
    h.do(ev.OfferFailed("c", "a", "busy"), at=2)
    assert h.offers() == [("c", "a"), ("c", "b")]
    assert h.acd.agents["a"].state == "paused"


def test_caller_hangs_up_while_agent_rings() -> None:
    h = make([SUPPORT], {"a": {"support": 1}, "b": {"support": 1}}, login=False)
    h.do(ev.AgentLoggedIn("a"), at=0)
    h.do(ev.AgentLoggedIn("b"), at=1)
    h.do(ev.CallQueued("c", "support"), at=10)
    out = h.do(ev.CallerHungUp("c"), at=12)
    assert CancelOffer("c", "a", "caller_hung_up") in out
    assert h.acd.agents["a"].state == "available"
    (ab,) = h.of(rec.CallAbandoned)
    assert ab.wait_s == 2  # type: ignore[attr-defined]
    # a keeps its longest-idle rank: next call goes to a again, not b
    h.do(ev.CallQueued("d", "support"), at=13)
    assert h.offers()[-1] == ("d", "a")


# ---------------------------------------------------------------- wrap-up and pauses


def test_wrap_up_then_available_and_extension() -> None:
    q = QueueConfig("support", "support", wrapup_s=30)
    h = make([q], {"a": {"support": 1}})
    h.do(ev.CallQueued("c1", "support"), at=0)
    h.do(ev.AgentAnswered("c1", "a"), at=1)
    h.do(ev.CallQueued("c2", "support"), at=2)
    h.do(ev.CallerHungUp("c1"), at=100)
    assert h.acd.agents["a"].state == "wrap_up"
    h.do(ev.WrapUpExtended("a", 20), at=120)
    h.advance(129)
    assert h.acd.agents["a"].state == "wrap_up"
    h.advance(150)
    assert h.offers()[-1] == ("c2", "a")
    states = [r.state for r in h.of(rec.AgentStateChanged)]  # type: ignore[attr-defined]
    assert states == ["available", "ringing", "on_call", "wrap_up", "available", "ringing"]


def test_pause_asked_during_a_call_applies_after_wrap_up() -> None:
    q = QueueConfig("support", "support", wrapup_s=10)
    h = make([q], {"a": {"support": 1}})
    h.do(ev.CallQueued("c1", "support"), at=0)
    h.do(ev.AgentAnswered("c1", "a"), at=1)
    h.do(ev.AgentPaused("a", "lunch"), at=5)
    assert h.acd.agents["a"].state == "on_call"
    h.do(ev.AgentHungUp("c1"), at=50)
    h.do(ev.CallQueued("c2", "support"), at=55)
    h.advance(61)
    agent = h.acd.agents["a"]
    assert (agent.state, agent.reason) == ("paused", "lunch")
    assert h.offers() == [("c1", "a")]


def test_resume_ends_wrap_up_early() -> None:
    q = QueueConfig("support", "support", wrapup_s=60)
    h = make([q], {"a": {"support": 1}})
    h.do(ev.CallQueued("c1", "support"), at=0)
    h.do(ev.AgentAnswered("c1", "a"), at=1)
    h.do(ev.AgentHungUp("c1"), at=10)
    h.do(ev.CallQueued("c2", "support"), at=11)
    h.do(ev.AgentResumed("a"), at=12)
    assert h.offers()[-1] == ("c2", "a")


def test_pausing_a_ringing_agent_puts_the_call_back() -> None:
    h = make([SUPPORT], {"a": {"support": 1}})
    h.do(ev.CallQueued("c", "support"), at=0)
    out = h.do(ev.AgentPaused("a", "break"), at=3)
    assert CancelOffer("c", "a", "agent_paused") in out
    assert "c" in h.acd.lines["support"]


def test_logout_during_call_applies_after_and_login_cancels_it() -> None:
    h = make([SUPPORT], {"a": {"support": 1}})
    h.do(ev.CallQueued("c", "support"), at=0)
    h.do(ev.AgentAnswered("c", "a"), at=1)
    h.do(ev.AgentLoggedOut("a"), at=2)
    h.do(ev.AgentLoggedIn("a"), at=3)
    h.do(ev.AgentHungUp("c"), at=4)
    assert h.acd.agents["a"].state == "available"
    h.do(ev.AgentLoggedOut("a"), at=5)
    assert h.acd.agents["a"].state == "logged_out"


# ---------------------------------------------------------------- queue rules


def test_max_wait_overflows_to_another_queue_keeping_the_wait() -> None:
    first = QueueConfig("first", "s1", max_wait_s=60, overflow_to="second")
    second = QueueConfig("second", "s2")
    h = make([first, second], {"b": {"s2": 1}}, login=False)
    h.do(ev.CallQueued("c", "first"), at=0)
    out = h.advance(60)
    assert OverflowCall("c", "first", "second", "max_wait") in out
    h.do(ev.AgentLoggedIn("b"), at=70)
    h.do(ev.AgentAnswered("c", "b"), at=71)
    (over,) = h.of(rec.CallOverflowed)
    assert over.to_queue == "second"  # type: ignore[attr-defined]
    (answered,) = h.of(rec.CallAnswered)
    assert (answered.queue, answered.wait_s) == ("second", 71)  # type: ignore[attr-defined]


def test_max_wait_without_overflow_queue_runs_the_fallback() -> None:
    q = QueueConfig("support", "support", max_wait_s=120, fallback="voicemail")
    h = make([q], {})
    h.do(ev.CallQueued("c", "support"), at=0)
    out = h.advance(200)
    assert out == [RouteToFallback("c", "support", "voicemail", "max_wait")]
    assert "c" not in h.acd.calls
    (over,) = h.of(rec.CallOverflowed)
    assert over.to_queue is None and over.wait_s == 120  # type: ignore[attr-defined]


def test_max_wait_reached_while_ringing_applies_when_the_call_comes_back() -> None:
    q = QueueConfig("support", "support", max_wait_s=10, ring_timeout_s=15, fallback="bye")
    h = make([q], {"a": {"support": 1}})
    h.do(ev.CallQueued("c", "support"), at=0)
    out = h.advance(15)
    assert CancelOffer("c", "a", "no_answer") in out
    assert RouteToFallback("c", "support", "bye", "max_wait") in out


def test_full_queue_rejects_at_the_door() -> None:
    q = QueueConfig("support", "support", max_length=2, fallback="busy_message")
    h = make([q], {})
    h.do(ev.CallQueued("c1", "support"), at=0)
    h.do(ev.CallQueued("c2", "support"), at=0)
    out = h.do(ev.CallQueued("c3", "support"), at=0)
    assert out == [RejectCall("c3", "support", "busy_message", "queue_full")]
    assert len(h.acd.lines["support"]) == 2


@pytest.mark.parametrize(
    ("rule", "login", "paused", "joins"),
    [
        ("always", False, False, True),
        ("logged_in", False, False, False),
        ("logged_in", True, True, True),
        ("staffed", True, True, False),
        ("staffed", True, False, True),
    ],
)
def test_join_empty_rules(rule: str, login: bool, paused: bool, joins: bool) -> None:
    q = QueueConfig("support", "support", join_empty=rule)  # type: ignore[arg-type]
    h = make([q], {"a": {"support": 1}}, login=login)
    if paused:
        h.do(ev.AgentPaused("a", "x"))
    h.do(ev.CallQueued("busy", "support"), at=1)  # keeps a busy if staffed
    out = h.do(ev.CallQueued("c", "support"), at=2)
    assert (RejectCall("c", "support", "hangup", "no_agents") not in out) == joins


def test_leave_empty_sends_waiting_callers_away_when_the_last_agent_leaves() -> None:
    q = QueueConfig("support", "support", leave_empty="staffed", overflow_to="backup")
    backup = QueueConfig("backup", "backup")
    h = make([q, backup], {"a": {"support": 1}})
    h.do(ev.CallQueued("c1", "support"), at=0)
    h.do(ev.AgentAnswered("c1", "a"), at=1)
    h.do(ev.CallQueued("c2", "support"), at=2)
    h.do(ev.CallbackRequested("c2"), at=3)
    h.do(ev.CallQueued("c3", "support"), at=4)
    h.do(ev.AgentPaused("a", "end of shift"), at=5)  # pending: still on call
    assert "c3" in h.acd.lines["support"]
    out = h.do(ev.AgentHungUp("c1"), at=6)
    assert OverflowCall("c3", "support", "backup", "no_agents") in out
    assert "c2" in h.acd.lines["support"]  # callbacks keep their place


# ---------------------------------------------------------------- callbacks and announcements


def test_callback_keeps_its_place_and_is_offered_as_a_callback() -> None:
    q = QueueConfig("support", "support", max_wait_s=60, fallback="bye")
    h = make([q], {"a": {"support": 1}}, login=False)
    h.do(ev.CallQueued("c1", "support", caller="+33100000001"), at=0)
    h.do(ev.CallQueued("c2", "support"), at=1)
    h.do(ev.CallbackRequested("c1"), at=10)
    h.advance(100)  # no max wait for the virtual entry; c2 timed out
    assert [e.call_id for e in h.acd.lines["support"]] == ["c1"]
    out = h.do(ev.AgentLoggedIn("a"), at=200)
    assert out == [OfferCall("c1", "a", "support", 15, callback=True, number="+33100000001")]
    (req,) = h.of(rec.CallbackRequested)
    assert req.number == "+33100000001"  # type: ignore[attr-defined]
    h.do(ev.AgentAnswered("c1", "a"), at=205)
    assert not h.of(rec.CallAnswered)  # the agent is ready; the caller is being dialled
    assert h.acd.agents["a"].state == "on_call"
    h.do(ev.CallbackReached("c1"), at=212)
    (answered,) = h.of(rec.CallAnswered)
    assert answered.callback and answered.wait_s == 212  # type: ignore[attr-defined]


def test_announcements_give_position_and_estimate() -> None:
    q = QueueConfig("support", "support", announce_every_s=30, default_handle_s=300)
    h = make([q], {"a": {"support": 1}, "b": {"support": 1}})
    h.do(ev.CallQueued("c1", "support"), at=0)
    h.do(ev.CallQueued("c2", "support"), at=0)
    answer_all(h, at=1)
    out = h.do(ev.CallQueued("c3", "support"), at=2)
    out += h.do(ev.CallQueued("c4", "support"), at=3)
    # two agents busy, handle 300 s: position 1 waits ~150 s, position 2 ~300 s
    assert out == [PlayAnnouncement("c3", "support", 1, 150.0),
                   PlayAnnouncement("c4", "support", 2, 300.0)]
    out = h.advance(33)
    assert out == [PlayAnnouncement("c3", "support", 1, 150.0),
                   PlayAnnouncement("c4", "support", 2, 300.0)]
    assert h.acd.estimate("c4").position == 2


def test_estimate_follows_recent_handle_time_and_staffing() -> None:
    q = QueueConfig("support", "support", default_handle_s=300)
    h = make([q], {"a": {"support": 1}})
    h.do(ev.CallQueued("c1", "support"), at=0)
    h.do(ev.AgentAnswered("c1", "a"), at=0)
    h.do(ev.AgentHungUp("c1"), at=120)  # first observed handle time replaces the default
    h.do(ev.CallQueued("c2", "support"), at=121)
    h.do(ev.AgentAnswered("c2", "a"), at=121)
    h.do(ev.CallQueued("c3", "support"), at=122)
    assert h.acd.estimate("c3").wait_s == pytest.approx(120.0)
    h.do(ev.AgentLoggedIn("b", {"support": 2}), at=123)  # b takes c3 at once
    h.do(ev.CallQueued("c4", "support"), at=124)
    h.do(ev.CallQueued("c5", "support"), at=124)
    assert h.acd.estimate("c5").wait_s == pytest.approx(2 * 120.0 / 2)
    h.do(ev.AgentPaused("b", "x"), at=125)  # b was ringing: c3 goes back to the head
    assert h.acd.estimate("c5").position == 3
    assert h.acd.estimate("c5").wait_s == pytest.approx(3 * 120.0 / 1)


# ---------------------------------------------------------------- errors leave state unchanged


def test_bad_events_raise_and_change_nothing() -> None:
    from acd.snapshot import snapshot

    h = make([SUPPORT], {"a": {"support": 1}})
    h.do(ev.CallQueued("c", "support"), at=1)
    before = snapshot(h.acd)
    bad: list[tuple[ev.Event, type[AcdError]]] = [
        (ev.CallerHungUp("nope"), UnknownCall),
        (ev.AgentAnswered("c", "zz"), UnknownAgent),
        (ev.CallQueued("c", "support"), InvalidEvent),
        (ev.CallQueued("d", "no-such-queue"), InvalidEvent),
        (ev.AgentHungUp("c"), InvalidEvent),
        (ev.WrapUpExtended("a", 10), InvalidEvent),
        (ev.AgentLoggedIn("new"), UnknownAgent),
        (ev.AgentLoggedIn("new", {"support": 11}), ConfigError),
    ]
    for event, error in bad:
        with pytest.raises(error):
            h.acd.handle(event, 2)
        assert snapshot(h.acd) | {"now": None} == before | {"now": None}
    with pytest.raises(AcdError, match="backwards"):
        h.acd.handle(ev.CallerHungUp("c"), 0)


def test_ring_no_answer_pausing_the_last_agent_applies_the_leave_rule() -> None:
    q = QueueConfig("support", "support", leave_empty="staffed", fallback="sorry")
    h = make([q], {"a": {"support": 1}})
    h.do(ev.CallQueued("c", "support"), at=0)
    out = h.advance(15)  # a never answers: paused "no answer", nobody staffed any more
    assert CancelOffer("c", "a", "no_answer") in out
    assert RouteToFallback("c", "support", "sorry", "no_agents") in out
    assert "c" not in h.acd.calls

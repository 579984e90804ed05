"""Property tests: random event sequences against the routing invariants.

Each step draws an action that is usually valid for the current state (answer a ringing
offer, hang up a waiting caller, pause an agent...) and sometimes not; invalid events must
raise ``AcdError`` and change nothing. At every offer the test checks, from the agent's own
skills and the queue's configuration (not from the core's derived tables), that the agent
may take the call, is free, and that the call is the best one of its line for that agent.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acd import events as ev
from acd.engine import Acd, AcdConfig
from acd.errors import AcdError
from acd.model import Agent, AgentConfig, Call
from acd.snapshot import restore, snapshot
from queues import _native
from queues import records as rec
from queues.config import EscalationStep, QueueConfig

QUEUES = (
    QueueConfig("sales", "sales", strategy="longest_idle", max_wait_s=120, overflow_to="general",
                wrapup_s=5, announce_every_s=45),
    QueueConfig("tax", "tax", min_level=6, strategy="highest_level", max_length=6,
                escalation=(EscalationStep(20, min_level=3), EscalationStep(50, skills=(
                    ("general", 5),)))),
    QueueConfig("general", "general", strategy="round_robin", leave_empty="logged_in",
                max_wait_s=300, fallback="voicemail"),
    QueueConfig("vip", "sales", min_level=8, strategy="fewest_calls", join_empty="staffed"),
)
AGENTS = (
    AgentConfig("a1", {"sales": 9, "general": 3}),
    AgentConfig("a2", {"tax": 7}),
    AgentConfig("a3", {"tax": 4, "general": 6}),
    AgentConfig("a4", {"general": 2}),
    AgentConfig("a5", {"sales": 5, "tax": 2}),
)


def eligible_by_config(acd: Acd, agent: Agent, call: Call) -> bool:
    """Independent re-statement of the skill rule, straight from the configuration."""
    queue = acd.queues[call.queue]
    for req in queue.stage_requirements()[: call.entry.stage + 1]:
        if agent.skills.get(queue.skill, 0) >= req.primary_min_level:
            return True
        if any(agent.skills.get(s, 0) >= lvl for s, lvl in req.extra_skills):
            return True
    return False


def instrument(acd: Acd, offers: list[tuple[str, str]]) -> None:
    original = acd._offer

    def checked_offer(call: Call, agent: Agent, now: float) -> None:
        assert agent.state == "available", f"{agent.agent_id} offered a call while {agent.state}"
        assert eligible_by_config(acd, agent, call), f"{agent.agent_id} lacks skill for {call}"
        # the call is the best of its line among those this agent may take
        for entry in acd.lines[call.queue]:
            other = acd.calls[entry.call_id]
            if entry.key < call.entry.key:
                assert not eligible_by_config(acd, agent, other), (
                    f"{call.call_id} offered to {agent.agent_id} before {other.call_id}")
        offers.append((call.call_id, agent.agent_id))
        original(call, agent, now)

    try:
        acd._offer = checked_offer  # type: ignore[method-assign]
    except AttributeError:  # compiled by mypyc: .ci/run checks offers in its pure-Python pass
        assert _native.compiled()


class Driver:
    def __init__(self, data: st.DataObject, fairness: str) -> None:
        self.data = data
        self.acd = Acd(AcdConfig(QUEUES, AGENTS, fairness=fairness))  # type: ignore[arg-type]
        self.offers: list[tuple[str, str]] = []
        instrument(self.acd, self.offers)
        self.now = 0.0
        self.records: list[rec.Record] = []
        self.next_call = 0
        self.finished: set[str] = set()

    def pick(self, items: list[Any]) -> Any:
        return self.data.draw(st.sampled_from(items)) if items else None

    def step(self) -> None:
        dt = self.data.draw(st.sampled_from([0.0, 0.5, 3.0, 10.0, 40.0]))
        target = self.now + dt
        while (d := self.acd.next_deadline()) is not None and d <= target:
            self.now = d
            self.acd.on_timer(d)
            self.records += self.acd.pop_records()
        self.now = target
        event = self.draw_event()
        if event is None:
            return
        self.acd.on_timer(self.now)  # moves the core's clock; nothing is due
        before = json.dumps(snapshot(self.acd), sort_keys=True)
        try:
            self.acd.handle(event, self.now)
        except AcdError:
            after = json.dumps(snapshot(self.acd), sort_keys=True)
            assert before == after, f"{event} raised but changed the state"
        self.records += self.acd.pop_records()

    def draw_event(self) -> ev.Event | None:  # noqa: C901 - one branch per action
        acd = self.acd
        kind = self.data.draw(st.sampled_from(
            ["call", "call", "call", "hangup", "answer", "answer", "fail", "agent_hangup",
             "login", "logout", "pause", "resume", "extend", "skills", "callback", "bogus"]))
        calls = sorted(acd.calls)
        ringing = sorted((c.call_id, c.agent_id) for c in acd.calls.values()
                         if c.state == "offered")
        connected = sorted(c.call_id for c in acd.calls.values() if c.state == "connected")
        agent_id = self.pick(sorted(acd.agents))
        if kind == "call":
            self.next_call += 1
            return ev.CallQueued(f"c{self.next_call}", self.pick([q.name for q in QUEUES]),
                                 priority=self.pick([0, 0, 1]), points=self.pick([0, 0, 2]),
                                 caller=f"+33{self.next_call % 7}")
        if kind == "hangup" and calls:
            return ev.CallerHungUp(self.pick(calls))
        if kind == "answer" and ringing:
            return ev.AgentAnswered(*self.pick(ringing))
        if kind == "fail" and ringing:
            call_id, agent = self.pick(ringing)
            return ev.OfferFailed(call_id, agent, self.pick(["busy", "error"]))
        if kind == "agent_hangup" and connected:
            return ev.AgentHungUp(self.pick(connected))
        if kind == "login":
            return ev.AgentLoggedIn(agent_id)
        if kind == "logout":
            return ev.AgentLoggedOut(agent_id)
        if kind == "pause":
            return ev.AgentPaused(agent_id, "break")
        if kind == "resume":
            return ev.AgentResumed(agent_id)
        if kind == "extend":
            return ev.WrapUpExtended(agent_id, 5.0)
        if kind == "skills":
            return ev.AgentSkillsChanged(agent_id, {self.pick(["sales", "tax", "general"]):
                                                    self.pick([2, 5, 9])})
        if kind == "callback" and calls:
            return ev.CallbackRequested(self.pick(calls))
        if kind == "bogus":
            return self.pick([ev.CallerHungUp("ghost"), ev.AgentAnswered("ghost", "a1"),
                              ev.CallQueued("x", "nowhere"), ev.AgentHungUp("ghost")])
        return None


def check_records(driver: Driver) -> None:
    acd = driver.acd
    finals: Counter[str] = Counter()
    offered: Counter[str] = Counter()
    outcome: Counter[str] = Counter()
    for r in driver.records:
        if isinstance(r, (rec.CallAnswered, rec.CallAbandoned, rec.CallRejected)) or (
            isinstance(r, rec.CallOverflowed) and r.to_queue is None
        ):
            finals[r.call_id] += 1
        if isinstance(r, rec.CallQueued):
            offered[r.queue] += 1
        if isinstance(r, rec.CallAnswered):
            outcome[r.queue + ":answered"] += 1
        elif isinstance(r, rec.CallAbandoned):
            outcome[r.queue + ":abandoned"] += 1
        elif isinstance(r, rec.CallOverflowed):
            outcome[r.queue + ":overflowed"] += 1
    for call_id, n in finals.items():
        assert n == 1, f"{call_id} reached {n} final states"
    pending = {c for c, call in acd.calls.items() if call.state != "connected"}
    assert not (pending & set(finals)), "a call still waiting already has a final state"
    for q in acd.queues:
        waiting = sum(1 for c in acd.calls.values() if c.queue == q and c.state != "connected")
        assert offered[q] == (outcome[q + ":answered"] + outcome[q + ":abandoned"]
                              + outcome[q + ":overflowed"] + waiting), q


def check_invariants(acd: Acd) -> None:
    # no waiting caller and free agent that may take it are left unmatched
    for agent in acd.agents.values():
        if agent.state != "available":
            continue
        for call in acd.calls.values():
            if call.state == "waiting":
                assert not eligible_by_config(acd, agent, call), (
                    f"{call.call_id} waits while {agent.agent_id} is free")
    # an agent holds at most one call, and the call points back at it
    busy = Counter(c.agent_id for c in acd.calls.values() if c.agent_id)
    assert all(n == 1 for n in busy.values())
    for call in acd.calls.values():
        if call.agent_id:
            assert acd.agents[call.agent_id].call_id == call.call_id


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(["longest_wait", "priority"]))
def test_random_event_sequences_keep_every_invariant(data: st.DataObject, fairness: str) -> None:
    driver = Driver(data, fairness)
    for _ in range(data.draw(st.integers(10, 80))):
        driver.step()
        check_invariants(driver.acd)
    check_records(driver)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_snapshot_restore_then_identical_future(data: st.DataObject) -> None:
    driver = Driver(data, "longest_wait")
    for _ in range(data.draw(st.integers(5, 40))):
        driver.step()
    saved = json.loads(json.dumps(snapshot(driver.acd)))
    twin = restore(driver.acd.config, saved)
    assert snapshot(twin) == saved
    # the same future on both: replay a scripted tail of events and compare everything
    rng = random.Random(data.draw(st.integers(0, 10**6)))
    now = driver.now
    for i in range(40):
        now += rng.choice([0.0, 1.0, 7.0, 30.0])
        outs = []
        for acd in (driver.acd, twin):
            out: list[object] = []
            while (d := acd.next_deadline()) is not None and d <= now:
                out += acd.on_timer(d)
            ids = sorted(acd.calls)
            agents = sorted(acd.agents)
            pick = rng.getstate()
            event: ev.Event = rng.choice([
                ev.CallQueued(f"t{i}", rng.choice([q.name for q in QUEUES])),
                ev.AgentLoggedIn(rng.choice(agents)),
                ev.AgentPaused(rng.choice(agents)),
                ev.CallerHungUp(rng.choice(ids)) if ids else ev.DayStarted(),
            ])
            rng.setstate(pick) if acd is driver.acd else None
            try:
                out += acd.handle(event, now)
            except AcdError as exc:
                out.append(type(exc).__name__)
            out.append(acd.pop_records())
            outs.append(out)
        assert outs[0] == outs[1]
    assert snapshot(twin) == snapshot(driver.acd)

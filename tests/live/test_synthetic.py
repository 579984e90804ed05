"""Synthetic callers and agents on the virtual clock: a script replays exactly."""

from __future__ import annotations

import itertools

import numpy as np

from acd import events as ev
from acd.engine import Acd, AcdConfig
from acd.model import AgentConfig
from live.runtime import Runtime
from live.scheduler import VirtualScheduler
from live.synthetic import QueueLoad, ScriptedCall, SyntheticTelephony, poisson_calls
from queues import records as rec
from queues.config import QueueConfig

CONFIG = AcdConfig((QueueConfig("q", "s", ring_timeout_s=10),),
                   (AgentConfig("a", {"s": 1}), AgentConfig("b", {"s": 1})))


def run(calls: list[ScriptedCall], answer_delay: float = 1.0) -> list[rec.Record]:
    clock = VirtualScheduler()
    phones = SyntheticTelephony(clock, answer_delay_s=lambda agent: answer_delay)
    records: list[rec.Record] = []
    runtime = Runtime(Acd(CONFIG), clock, phones, sinks=[records.append])
    phones.attach(runtime)
    runtime.submit(ev.AgentLoggedIn("a"))
    runtime.submit(ev.AgentLoggedIn("b"))
    phones.schedule(calls)
    clock.run()
    return records


def test_script_outcomes_are_exact() -> None:
    calls = [
        ScriptedCall(10, "c1", "q", patience_s=None, handle_s=100),
        ScriptedCall(11, "c2", "q", patience_s=None, handle_s=50),
        ScriptedCall(12, "c3", "q", patience_s=30, handle_s=10),  # both busy until 61: gives up
        ScriptedCall(20, "c4", "q", patience_s=None, handle_s=10),
    ]
    records = run(calls)
    answered = {r.call_id: (r.at, r.agent_id, r.wait_s) for r in records
                if isinstance(r, rec.CallAnswered)}
    # c1 -> a at 11, c2 -> b at 12, b is free at 62 and takes c4 (c3 left at 42), answers at 63
    assert answered == {"c1": (11, "a", 1), "c2": (12, "b", 1), "c4": (63, "b", 43)}
    (abandoned,) = [r for r in records if isinstance(r, rec.CallAbandoned)]
    assert (abandoned.call_id, abandoned.at, abandoned.wait_s) == ("c3", 42, 30)


def test_slow_agents_ring_out_and_the_call_keeps_waiting() -> None:
    records = run([ScriptedCall(5, "c", "q", patience_s=None, handle_s=5)], answer_delay=12)
    # a rings from 5 and times out at 15 (12 s > 10 s ring); b rings from 15, out at 25;
    # both end paused ("no answer"), the call stays in line and nobody answers it
    failed = [(r.agent_id, r.at) for r in records if isinstance(r, rec.CallOfferFailed)]
    assert failed == [("a", 15), ("b", 25)]
    assert not [r for r in records if isinstance(r, rec.CallAnswered)]
    paused = [(r.agent_id, r.reason) for r in records
              if isinstance(r, rec.AgentStateChanged) and r.state == "paused"]
    assert paused == [("a", "no answer"), ("b", "no answer")]


def test_poisson_calls_are_reproducible() -> None:
    load = [QueueLoad("q", 120, 60, 30)]
    one = poisson_calls(load, 0, 3600, np.random.default_rng(1))
    two = poisson_calls(load, 0, 3600, np.random.default_rng(1))
    assert one == two and 80 < len(one) < 170
    assert all(a.at <= b.at for a, b in itertools.pairwise(one))

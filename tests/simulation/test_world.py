"""The random world: distributions, arrivals, patience, redials, callbacks, staffing."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict

import numpy as np
import pytest

from queues import records as rec
from queues.kpi import KpiEngine
from simulation.distributions import Constant, Empirical, Exponential, Lognormal, sampler
from simulation.runner import run_replication
from simulation.scenario import Plan, parse
from simulation.world import stream


def _records(text: str, seed: int = 1) -> tuple[Plan, list[rec.Record]]:
    plan = parse(text)
    records: list[rec.Record] = []
    run_replication(plan, np.random.SeedSequence(seed), records=records)
    return plan, records


@pytest.mark.parametrize(
    ("spec", "mean", "sd"),
    [
        (Exponential(distribution="exponential", mean_s=300), 300, 300),
        (Lognormal(distribution="lognormal", mean_s=300, sd_s=150), 300, 150),
        (Empirical(distribution="empirical", values_s=[10, 20, 60]), 30, math.sqrt(1400 / 3)),
        (Constant(distribution="constant", value_s=42), 42, 0),
    ],
)
def test_each_distribution_has_its_mean_and_spread(
    spec: Exponential | Lognormal | Empirical | Constant, mean: float, sd: float
) -> None:
    draw = sampler(spec, np.random.default_rng(3))
    xs = [draw() for _ in range(40_000)]
    assert spec.mean == pytest.approx(mean)
    assert statistics.fmean(xs) == pytest.approx(mean, rel=0.02)
    assert statistics.pstdev(xs) == pytest.approx(sd, rel=0.03, abs=1e-9)
    if isinstance(spec, Empirical):
        assert set(xs) == {10, 20, 60}


def test_samplers_are_reproducible() -> None:
    spec = Exponential(distribution="exponential", mean_s=1)
    a, b = sampler(spec, np.random.default_rng(9)), sampler(spec, np.random.default_rng(9))
    assert [a() for _ in range(2000)] == [b() for _ in range(2000)]


BASE = """\
interval_minutes: 15
queues: [{name: q, skill: s}]
handle_time: {distribution: exponential, mean_s: 60}
"""


def test_arrivals_follow_the_rate_of_each_interval() -> None:
    plan, records = _records(BASE + """\
arrivals: [{queue: q, calls_per_hour: [0, 3600, 360, 0]}]
agents: [{count: 200, skills: {s: 1}}]
""")
    per: dict[int, int] = defaultdict(int)
    for r in records:
        if isinstance(r, rec.CallQueued):
            per[int(r.at // plan.interval_s)] += 1
    assert per[0] == 0 and per[3] == 0
    assert abs(per[1] - 900) < 4 * 30 and abs(per[2] - 90) < 4 * 10


def test_patience_none_exponential_and_empirical() -> None:
    nobody = "agents: [{count: 0, skills: {s: 1}}]\n"
    arrivals = "arrivals: [{queue: q, calls_per_hour: 600}]\nhorizon_hours: 1\n"
    _, records = _records(BASE + arrivals + nobody
                          + "patience: {distribution: exponential, mean_s: 90}\n")
    waits = [r.wait_s for r in records if isinstance(r, rec.CallAbandoned)]
    assert len(waits) > 450 and statistics.fmean(waits) == pytest.approx(90, rel=0.15)
    _, records = _records(BASE + arrivals + nobody
                          + "patience: {distribution: empirical, values_s: [5, 50]}\n")
    assert {round(r.wait_s, 6) for r in records if isinstance(r, rec.CallAbandoned)} == {5, 50}
    _, records = _records(BASE + arrivals + nobody)
    assert not [r for r in records if isinstance(r, rec.CallAbandoned)]


def test_redials_come_back_with_the_same_number_after_the_delay() -> None:
    _, records = _records(BASE + """\
horizon_hours: 0.25
arrivals: [{queue: q, calls_per_hour: 120}]
patience: {distribution: constant, value_s: 10}
redials: {probability: 1, delay: {distribution: constant, value_s: 60}, max_attempts: 3}
agents: [{count: 0, skills: {s: 1}}]
""")
    by_caller: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if isinstance(r, rec.CallQueued):
            by_caller[r.caller].append(r.at)
    assert len(by_caller) > 10 and "" not in by_caller
    for times in by_caller.values():
        assert len(times) == 3
        assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([70, 70])


def test_a_redial_answered_recovers_the_lost_call() -> None:
    plan, records = _records(BASE + """\
horizon_hours: 1
arrivals: [{queue: q, calls_per_hour: 200}]
patience: {distribution: exponential, mean_s: 20}
redials: {probability: 1, delay: {distribution: constant, value_s: 120}}
agents: [{count: 3, skills: {s: 1}}]
""")
    engine = KpiEngine(plan.interval_s)
    engine.feed_many(records)
    counts = engine.counts(0, 3600)
    assert counts.lost > 20 and counts.recovered > 0


def test_callers_who_accept_a_callback_never_abandon() -> None:
    _, records = _records(BASE + """\
horizon_hours: 1
arrivals: [{queue: q, calls_per_hour: 100}]
patience: {distribution: constant, value_s: 30}
callbacks: {probability: 1}
agents: [{count: 1, skills: {s: 1}}]
""")
    assert not [r for r in records if isinstance(r, rec.CallAbandoned)]
    callbacks = [r for r in records if isinstance(r, rec.CallAnswered) and r.callback]
    assert len(callbacks) > 20 and all(r.wait_s > 30 for r in callbacks)


def _logged_in_at(records: list[rec.Record], times: list[float]) -> list[int]:
    state: dict[str, str] = {}
    out = []
    ordered = iter(records)
    pending = next(ordered, None)
    for t in times:
        while pending is not None and pending.at <= t:
            if isinstance(pending, rec.AgentStateChanged):
                state[pending.agent_id] = pending.state
            pending = next(ordered, None)
        out.append(sum(1 for s in state.values() if s != "logged_out"))
    return out


def test_staffing_follows_the_count_of_each_interval() -> None:
    _plan, records = _records(BASE + """\
arrivals: [{queue: q, calls_per_hour: 0}]
agents: [{count: [1, 3, 0, 2], skills: {s: 1}}]
""")
    assert _logged_in_at(records, [100, 1000, 2000, 3000]) == [1, 3, 0, 2]


def test_shrinkage_pauses_agents_in_rotation() -> None:
    _, records = _records(BASE + """\
horizon_hours: 1
arrivals: [{queue: q, calls_per_hour: 0}]
agents: [{count: 4, skills: {s: 1}, shrinkage: 0.5}]
""")
    paused = defaultdict(set)
    for r in records:
        if isinstance(r, rec.AgentStateChanged) and r.state == "paused":
            paused[r.at].add(r.agent_id)
    assert all(len(v) == 2 and all(r.reason == "break" for r in records
                                   if isinstance(r, rec.AgentStateChanged)
                                   and r.state == "paused") for v in paused.values())
    assert len(paused) == 4  # a new pair goes on break each interval


def test_queues_draw_from_their_own_streams() -> None:
    two = BASE.replace("queues: [{name: q, skill: s}]",
                       "queues: [{name: q, skill: s}, {name: r, skill: t}]") + """\
horizon_hours: 1
agents: [{count: 50, skills: {s: 1}}, {count: 50, skills: {t: 1}}]
arrivals: [{queue: q, calls_per_hour: 300}, {queue: r, calls_per_hour: RATE}]
"""

    def calls_of_q(rate: int) -> list[tuple[float, float]]:
        _, records = _records(two.replace("RATE", str(rate)))
        answered = {r.call_id: r.at for r in records
                    if isinstance(r, rec.CallAnswered) and r.queue == "q"}
        return sorted((answered[r.call_id], r.at - answered[r.call_id]) for r in records
                      if isinstance(r, rec.CallEnded) and r.call_id in answered)

    assert calls_of_q(100) == calls_of_q(400)


def test_every_stream_is_its_own() -> None:
    seed = np.random.SeedSequence(5).spawn(2)[1]
    firsts = {(owner, kind): stream(seed, owner, kind).random()
              for owner in ("q", "r", "group:a")
              for kind in ("arrivals", "handle", "patience", "redial", "redial_delay")}
    assert len(set(firsts.values())) == len(firsts)
    assert stream(seed, "q", "handle").random() == firsts[("q", "handle")]

"""Replications, their statistics, and the result's shape: reproducible bit for bit."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from queues import records as rec
from queues.kpi import KpiEngine
from simulation import results
from simulation.collect import KPI_NAMES
from simulation.runner import run_replication, run_replications
from simulation.scenario import parse
from simulation.stats import Summary, summarize, t975

DAY = """\
name: small day
start: "08:00"
interval_minutes: 30
queues: [{name: a, skill: a}, {name: b, skill: b, wrapup_s: 10}]
arrivals:
  - {queue: a, calls_per_hour: [60, 120, 90, 30]}
  - {queue: b, calls_per_hour: 40, handle_time: {distribution: constant, value_s: 200}}
handle_time: {distribution: exponential, mean_s: 240}
patience: {distribution: exponential, mean_s: 120}
redials: {probability: 0.5, delay: {distribution: exponential, mean_s: 300}}
agents:
  - {name: team, count: [4, 6, 5, 3], skills: {a: 5, b: 2}}
  - {name: solo, count: 2, skills: {b: 5}, answer_delay: {distribution: constant, value_s: 3}}
"""


def _run(seed: int, workers: int, n: int = 4) -> str:
    plan = parse(DAY, "day.yaml")
    reps = run_replications(plan, n, seed, workers)
    return json.dumps(results.build(plan, reps, seed, results.scenario_info(plan, "day.yaml")))


def test_same_seed_same_json_whatever_the_workers() -> None:
    one = _run(11, workers=1)
    assert one == _run(11, workers=2) == _run(11, workers=1)
    assert one != _run(12, workers=1)


def test_the_shape_and_key_names() -> None:
    out = json.loads(_run(3, workers=1))
    assert set(out) == {"scenario", "seed", "replications", "targets", "overall", "queues",
                        "intervals"}
    assert out["seed"] == 3 and out["replications"] == 4
    assert out["scenario"]["file"] == "day.yaml" and out["scenario"]["intervals"] == 4
    expected = {"sl_offered", "abandon_rate", "answer_rate", "asa_s", "p_wait", "occupancy",
                "lost_rate", "calls_offered"}
    assert set(out["overall"]) == expected
    assert set(out["overall"]["sl_offered"]) == {"mean", "ci95_half_width"}
    assert set(out["queues"]) == {"a", "b"} and set(out["queues"]["a"]) == expected
    assert out["queues"]["a"]["occupancy"]["mean"] is None  # occupancy is overall only
    assert [i["start"] for i in out["intervals"]] == ["08:00", "08:30", "09:00", "09:30"]
    first = out["intervals"][0]
    assert set(first) == {"start", "start_s", "kpis", "queues", "targets_met"}
    assert set(first["kpis"]) == expected and set(first["queues"]) == {"a", "b"}
    assert set(out["targets"]) == {"sl_offered", "asa_s", "abandon_rate", "lost_rate"}
    assert out["targets"]["sl_offered"]["target"] == 0.8
    assert out["targets"]["sl_offered"]["comparison"] == ">="


def test_figures_are_the_kpi_engines_on_the_whole_window() -> None:
    plan = parse(DAY)
    records: list[rec.Record] = []
    rep = run_replication(plan, np.random.SeedSequence(5), records=records)
    engine = KpiEngine(plan.interval_s, plan.targets.sl_threshold_s)
    engine.feed_many(records)
    report = engine.report(plan.start_s, plan.end_s)
    for name in KPI_NAMES:
        assert rep.overall[name] == pytest.approx(report.value(name), rel=1e-9), name
    by_interval = engine.intervals(plan.start_s, plan.end_s, queue="a")
    for k, (_start, r) in enumerate(by_interval):
        assert rep.interval_queues[k]["a"]["sl_offered"] == pytest.approx(r.value("sl_offered"))


def test_warm_up_calls_are_not_counted() -> None:
    text = DAY.replace('start: "08:00"', 'start: "08:00"\nwarmup_hours: 1')
    plan = parse(text)
    records: list[rec.Record] = []
    rep = run_replication(plan, np.random.SeedSequence(5), records=records)
    arrived = [r for r in records if isinstance(r, rec.CallQueued) and r.overflow_from is None]
    in_window = [r for r in arrived if plan.start_s <= r.at < plan.end_s]
    assert len(arrived) > len(in_window) and rep.calls == len(in_window)


def test_a_long_run_forgets_settled_intervals() -> None:
    text = """\
horizon_hours: 300
queues: [{name: q, skill: s}]
arrivals: [{queue: q, calls_per_hour: 20}]
handle_time: {distribution: exponential, mean_s: 300}
patience: {distribution: exponential, mean_s: 200}
agents: [{count: 3, skills: {s: 1}}]
"""
    plan = parse(text)
    rep = run_replication(plan, np.random.SeedSequence(1))
    assert len(rep.intervals) == 300 and rep.calls > 5000
    assert sum(f["calls_offered"] or 0 for f in rep.intervals) == rep.overall["calls_offered"]


def test_t_quantiles() -> None:
    assert t975(1) == pytest.approx(12.7062, abs=1e-4)
    assert t975(19) == pytest.approx(2.0930, abs=1e-4)
    assert t975(31) == pytest.approx(2.0395, abs=1e-4)
    assert t975(60) == pytest.approx(2.0003, abs=1e-4)
    assert t975(10_000) == pytest.approx(1.9602, abs=1e-4)
    with pytest.raises(ValueError):
        t975(0)


def test_summaries() -> None:
    s = summarize([1.0, 2.0, 3.0, None])
    assert s["mean"] == 2.0
    assert s["ci95_half_width"] == pytest.approx(4.3027 * 1 / math.sqrt(3), rel=1e-4)
    assert summarize([5.0]) == {"mean": 5.0, "ci95_half_width": None}
    assert summarize([None, None]) == {"mean": None, "ci95_half_width": None}


def test_targets_are_judged_on_the_mean_with_the_definitions_comparisons() -> None:
    targets = results.targets_of(parse(DAY))
    kpis: dict[str, Summary] = {"sl_offered": {"mean": 0.79, "ci95_half_width": 0.1},
            "asa_s": {"mean": 90.0, "ci95_half_width": 1.0},
            "abandon_rate": {"mean": 0.10, "ci95_half_width": 0.01},
            "lost_rate": {"mean": None, "ci95_half_width": None}}
    assert results.missed(kpis, targets) == ["sl_offered", "asa_s"]  # 90 s is not < 90 s

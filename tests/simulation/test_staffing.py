"""Staffing: Erlang first, calibrated by simulation, and the plan meets the targets."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from simulation import calibration, cli, results, scenario, staffing
from simulation.erlang import min_agents_erlang_a, min_agents_erlang_c
from simulation.runner import run_replications

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "simulation"

STATIONARY = """\
horizon_hours: 2
queues: [{name: q, skill: s, wrapup_s: 20}]
arrivals: [{queue: q, calls_per_hour: 100}]
handle_time: {distribution: exponential, mean_s: 280}
patience: {distribution: exponential, mean_s: 180}
agents: [{count: 1, skills: {s: 1}, shrinkage: SHRINK}]
targets: {sl_offered: 0.8, asa_s: 30, abandon_rate: 0.1, lost_rate: 0.05, max_occupancy: 0.9}
"""

SMALL_DAY = """\
name: small day
start: "09:00"
interval_minutes: 30
queues: [{name: q, skill: s}]
arrivals: [{queue: q, calls_per_hour: [100, 200, 260, 180, 120, 60]}]
handle_time: {distribution: lognormal, mean_s: 240, sd_s: 160}
patience: {distribution: exponential, mean_s: 150}
agents: [{name: desk, count: 1, skills: {s: 1}}]
"""


def test_erlang_a_sizes_each_interval_with_every_target() -> None:
    plan = scenario.parse(STATIONARY.replace("SHRINK", "0"))
    expected = min_agents_erlang_a(100 / 3600, 300, 180, 40, sl_target=0.8, asa_target_s=30,
                                   abandon_target=0.05, max_occupancy=0.9)
    assert staffing.erlang_staffing(plan) == {"g1": (expected, expected)}


def test_erlang_c_without_patience_and_shrinkage_adds_heads() -> None:
    text = STATIONARY.replace("SHRINK", "0.25").replace(
        "patience: {distribution: exponential, mean_s: 180}\n", "")
    plan = scenario.parse(text)
    agents = min_agents_erlang_c(100 / 3600, 300, 40, sl_target=0.8, asa_target_s=30,
                                 max_occupancy=0.9)
    (heads, _) = staffing.erlang_staffing(plan)["g1"]
    assert staffing.productive(heads, 0.25) >= agents > staffing.productive(heads - 1, 0.25)


def test_a_queue_served_by_two_groups_shares_its_load() -> None:
    text = STATIONARY.replace("SHRINK", "0").replace(
        "agents: [{count: 1, skills: {s: 1}, shrinkage: 0}]",
        "agents: [{name: a, count: 1, skills: {s: 1}}, {name: b, count: 1, skills: {s: 2}}]")
    plan = scenario.parse(text)
    load = staffing.group_load(plan, plan.groups[0], 0)
    assert load.rate == pytest.approx(50 / 3600) and load.aht == 300 and load.patience == 180


def test_calibration_pools_the_day_and_the_neighbours() -> None:
    seen: list[float | None] = [0.10, 0.10, None, 0.40]
    f = calibration.factors(seen, [0.05, 0.05, 0.05, 0.05], [100, 100, 100, 100])
    pooled = (0.10 + 0.10 + 0.40) / 0.15
    assert f[0] == pytest.approx((pooled * 2.0) ** 0.5)
    assert f[3] == pytest.approx(min(4.0, (pooled * 4.0) ** 0.5))
    assert calibration.factors([0.0], [0.0], [1.0]) == [1.0]
    assert calibration.factors([0.5], [0.0], [1.0]) == [calibration.FACTOR_RANGE[1]]
    assert calibration.allowed("sl_offered", 0.8, 0.0) == pytest.approx(0.18)
    assert calibration.allowed("lost_rate", 0.05, 1.0) == pytest.approx(0.05 * 0.9 - 0.025)


def test_significant_misses_need_the_whole_interval_beyond_the_target() -> None:
    plan = scenario.parse(SMALL_DAY)
    item: dict[str, Any] = {"start": "09:00", "kpis": {}, "queues": {"q": {}}}
    for kpis in (item["kpis"], item["queues"]["q"]):
        for name in ("sl_offered", "asa_s", "abandon_rate", "lost_rate", "occupancy"):
            kpis[name] = {"mean": 0.0, "ci95_half_width": 0.0}
        kpis["sl_offered"] = {"mean": 0.9, "ci95_half_width": 0.01}
    item["kpis"]["lost_rate"] = {"mean": 0.07, "ci95_half_width": 0.03}
    assert calibration.significant_misses(plan, {"intervals": [item]}) == []
    item["kpis"]["lost_rate"] = {"mean": 0.07, "ci95_half_width": 0.01}
    assert calibration.significant_misses(plan, {"intervals": [item]}) == [("09:00", "lost_rate")]


def _meets_everywhere(plan: scenario.Plan, staffed: dict[str, tuple[int, ...]], seed: int,
                      replications: int) -> list[str]:
    trial = plan.with_staffing(staffed)
    result = results.build(trial, run_replications(trial, replications, seed), seed)
    return [i["start"] for i in result["intervals"] if not i["targets_met"]]


def test_staff_finds_a_plan_that_meets_every_target_when_simulated_again() -> None:
    plan = scenario.parse(SMALL_DAY)
    found = staffing.search(plan, replications=8, seed=3)
    assert found.meets and found.rounds <= staffing.MAX_ROUNDS
    heads = found.staffed["desk"]
    assert heads[2] == max(heads) and all(h >= 1 for h in heads)
    assert _meets_everywhere(plan, found.staffed, seed=99, replications=24) == []
    assert found.result["replications"] == 8 and len(found.result["intervals"]) == 6


def test_staff_command_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, out = tmp_path / "day.yaml", tmp_path / "staff.json"
    path.write_text(SMALL_DAY)
    assert cli.main(["staff", str(path), "--seed", "2", "-n", "6", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "desk erlang" in text and "desk agents" in text and "09:00" in text
    data = json.loads(out.read_text())
    assert {"staffing", "erlang", "intervals", "overall", "queues", "targets", "rounds",
            "meets_targets", "seed", "replications", "scenario"} <= set(data)
    assert len(data["staffing"]["desk"]) == 6 and data["meets_targets"] is True
    assert data["intervals"][0]["start"] == "09:00"
    assert set(data["intervals"][0]["kpis"]) >= {"sl_offered", "lost_rate", "occupancy"}


@pytest.mark.slow
def test_staff_on_a_24_interval_day_is_fast_and_holds() -> None:
    plan = scenario.load(EXAMPLES / "day.yaml")
    assert plan.n_intervals == 24 and plan.interval_s == 1800
    started = time.perf_counter()
    found = staffing.search(plan, replications=8, seed=1)
    elapsed = time.perf_counter() - started
    print(f"staff: {elapsed:.2f} s, {found.rounds} rounds")
    busy = os.getloadavg()[0] > 1.5  # other work on this 2-core machine slows every run
    assert elapsed < (15.0 if busy else 5.0)
    assert found.meets
    assert _meets_everywhere(plan, found.staffed, seed=2027, replications=32) == []

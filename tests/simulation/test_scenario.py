"""Scenario files: what they accept, and errors that name the file, the line and the field."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simulation.distributions import Exponential, NoPatience
from simulation.errors import ScenarioError
from simulation.scenario import clock_label, load, parse

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "simulation"

MINIMAL = """\
horizon_hours: 2000
warmup_hours: 20
queues: [{name: support, skill: support}]
arrivals: [{queue: support, calls_per_hour: 100}]
handle_time: {distribution: exponential, mean_s: 580}
patience: {distribution: exponential, mean_s: 180}   # omit for infinite patience
agents: [{count: 15, skills: {support: 1}}]
"""


def test_the_minimal_stationary_scenario_of_the_issue() -> None:
    plan = parse(MINIMAL, "minimal.yaml")
    assert plan.n_intervals == 2000 and plan.interval_s == 3600
    assert plan.warmup_s == 20 * 3600 and plan.start_s == 0
    assert [q.name for q in plan.queues] == ["support"]
    (load_,) = plan.loads
    assert load_.rates_per_s == (100 / 3600,) * 2000
    assert load_.handle == Exponential(distribution="exponential", mean_s=580)
    assert load_.patience == Exponential(distribution="exponential", mean_s=180)
    (group,) = plan.groups
    assert group.staffed == (15,) * 2000 and group.skills == {"support": 1}
    assert len(plan.acd_config().agents) == 15


def test_patience_omitted_means_infinite() -> None:
    plan = parse(MINIMAL.replace("patience: {distribution: exponential, mean_s: 180}", ""))
    assert plan.loads[0].patience == NoPatience(distribution="none")
    assert math.isinf(plan.loads[0].patience.mean)


def test_every_example_loads() -> None:
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 3
    for file in files:
        assert load(file).n_intervals > 0


def test_a_profile_gives_the_horizon_and_queue_rules_are_the_core_objects() -> None:
    plan = parse("""\
start: "08:00"
interval_minutes: 30
queues:
  - {name: a, skill: a, max_wait_s: 120, overflow_to: b, wrapup_s: 10,
     escalation: [{after_s: 60, skills: {b: 5}}]}
  - {name: b, skill: b}
arrivals:
  - {queue: a, calls_per_hour: [60, 120, 90]}
  - {queue: b, calls_per_hour: 30, handle_time: {distribution: constant, value_s: 100}}
handle_time: {distribution: empirical, values_s: [100, 200, 300]}
agents:
  - {name: alpha, skills: {a: 5}, count: [1, 2, 3]}
  - {name: beta, skills: {b: 5}, shifts: [{start: "08:00", end: "08:30", count: 2},
                                         {start: "08:30", end: "10:00", count: 1}]}
""")
    assert plan.n_intervals == 3 and plan.start_s == 8 * 3600 and plan.interval_s == 1800
    a = plan.queues[0]
    assert a.overflow_to == "b" and a.max_wait_s == 120 and a.escalation[0].skills == (("b", 5),)
    assert plan.loads[0].rates_per_s == (60 / 3600, 120 / 3600, 90 / 3600)
    assert plan.loads[1].handle.mean == 100 and plan.loads[0].handle.mean == 200
    assert [g.staffed for g in plan.groups] == [(1, 2, 3), (2, 1, 1)]
    assert plan.groups[0].agent_ids() == ["alpha-0", "alpha-1", "alpha-2"]


def _error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse(text, "plan.yaml")
    return info.value


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("calls_per_hour: 100", "calls_per_hour: -5", 4, "arrivals[0].calls_per_hour",
         "greater than or equal to 0"),
        ("{count: 15, skills: {support: 1}}", "{count: 15, skills: {support: 11}}", 7,
         "agents[0].skills.support", "less than or equal to 10"),
        ("mean_s: 580", "mean: 580", 5, "handle_time.mean", "unknown field"),
        ("distribution: exponential, mean_s: 580", "distribution: gamma, mean_s: 580", 5,
         "handle_time", "does not match any of the expected tags"),
        ("{queue: support, calls_per_hour: 100}", "{queue: sales, calls_per_hour: 100}", 4,
         "arrivals[0].queue", "no queue named 'sales'"),
        ("{name: support, skill: support}", "{name: support, skill: support, strategy: best}",
         3, "queues[0].strategy", "unknown strategy 'best'"),
        ("{name: support, skill: support}", "{name: support, skil: support}", 3,
         "queues[0].skil", "unknown field 'skil'"),
        ("{name: support, skill: support}", "{name: support}", 3, "queues[0].skill",
         "missing field 'skill'"),
        ("horizon_hours: 2000", "horizon_hours: 2000.5", 1, "horizon_hours",
         "whole number of 60-minute intervals"),
        ("warmup_hours: 20", "warmup_hours: 20\ninterval_minutes: 20", 3, "interval_minutes",
         "Input should be 15, 30 or 60"),
        ("{count: 15, skills: {support: 1}}", "{skills: {support: 1}}", 7, "agents[0]",
         "exactly one of 'count' and 'shifts'"),
        ("queues: [{name: support, skill: support}]", "queues: [{name: support, skill: other}]",
         3, "queues[0].skill", "no agent group can take calls"),
    ],
)
def test_errors_name_the_file_line_and_field(
    old: str, new: str, line: int, field: str, words: str
) -> None:
    assert old in MINIMAL
    error = _error(MINIMAL.replace(old, new))
    assert (error.file, error.line, error.field) == ("plan.yaml", line, field)
    assert words in error.message
    assert str(error).startswith(f"plan.yaml:{line}: {field}: ")


def test_a_missing_top_level_field_is_reported_on_the_document() -> None:
    error = _error(MINIMAL.replace("handle_time: {distribution: exponential, mean_s: 580}\n", ""))
    assert error.field == "arrivals[0].handle_time" and error.line == 4


def test_a_profile_of_the_wrong_length() -> None:
    error = _error(MINIMAL.replace("calls_per_hour: 100", "calls_per_hour: [1, 2, 3]"))
    assert error.field == "arrivals[0].calls_per_hour"
    assert "expected 2000, got 3" in error.message


def test_several_errors_are_counted_in_one_message() -> None:
    error = _error(MINIMAL.replace("mean_s: 580", "mean_s: -1").replace("count: 15", "count: x"))
    assert "(and 1 more error)" in error.message


def test_yaml_syntax_errors_and_unreadable_files() -> None:
    error = _error("queues: [{name: a\narrivals: ]\n")
    assert error.file == "plan.yaml" and error.line is not None and "not valid YAML" in str(error)
    assert _error("- just\n- a list\n").message == "expected a mapping of scenario fields"
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load("/nonexistent/plan.yaml")


def test_clock_labels() -> None:
    assert clock_label(8 * 3600 + 1800) == "08:30"
    assert clock_label(86400 + 60) == "d2 00:01"

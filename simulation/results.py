"""The simulation result: every KPI's mean and 95 % half-width, overall, per queue, per interval.

Shape (the ``--json`` file)::

    {"scenario": {...}, "seed": 7, "replications": 20,
     "targets": {"sl_offered": {"target": 0.8, "comparison": ">=", "met": true}, ...},
     "overall": {"sl_offered": {"mean": 0.81, "ci95_half_width": 0.004}, ...},
     "queues": {"support": {...}},
     "intervals": [{"start": "08:00", "start_s": 28800.0, "kpis": {...},
                    "queues": {"support": {...}}, "targets_met": true}, ...]}

A target is judged on the mean. Comparisons are those of the KPI definitions
(:mod:`queues.definitions`); the occupancy cap is a ceiling (``<=``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from queues.definitions import Comparison, definition, meets
from simulation.collect import KPI_NAMES, Figures, Replication
from simulation.scenario import Plan, clock_label
from simulation.stats import Summary, summarize

Kpis = dict[str, Summary]

TARGETED = ("sl_offered", "asa_s", "abandon_rate", "lost_rate")
"""The KPIs with a service target in a scenario's ``targets``."""


def targets_of(plan: Plan) -> dict[str, tuple[float, Comparison]]:
    """KPI name -> (target, comparison) for the targets the scenario sets."""
    t = plan.targets
    values = {"sl_offered": t.sl_offered, "asa_s": t.asa_s,
              "abandon_rate": t.abandon_rate, "lost_rate": t.lost_rate}
    out: dict[str, tuple[float, Comparison]] = {}
    for name, value in values.items():
        comparison = definition(name).comparison
        if value is not None and comparison is not None:
            out[name] = (value, comparison)
    return out


def summarize_figures(figures: Sequence[Figures], names: Sequence[str] = KPI_NAMES) -> Kpis:
    """Mean and half-width of each figure over replications."""
    return {name: summarize([f.get(name) for f in figures]) for name in names}


def missed(kpis: Mapping[str, Summary], targets: Mapping[str, tuple[float, Comparison]]) -> list[
        str]:
    """Names of the targets whose mean misses (an undefined mean misses nothing)."""
    out = []
    for name, (target, comparison) in targets.items():
        mean = kpis[name]["mean"] if name in kpis else None
        if meets(mean, target, comparison) is False:
            out.append(name)
    return out


def build(
    plan: Plan,
    reps: Sequence[Replication],
    seed: int,
    scenario: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON-able result of ``reps`` (replications of ``plan`` from ``seed``)."""
    targets = targets_of(plan)
    overall = summarize_figures([r.overall for r in reps])
    queues = [q.name for q in plan.queues]
    intervals = []
    for k in range(plan.n_intervals):
        start = plan.start_s + k * plan.interval_s
        kpis = summarize_figures([r.intervals[k] for r in reps])
        intervals.append({
            "start": clock_label(start),
            "start_s": start,
            "kpis": kpis,
            "queues": {q: summarize_figures([r.interval_queues[k][q] for r in reps])
                       for q in queues},
            "targets_met": not missed(kpis, targets),
        })
    bad = missed(overall, targets)
    return {
        "scenario": dict(scenario or {"name": plan.name}),
        "seed": seed,
        "replications": len(reps),
        "targets": {
            name: {"target": target, "comparison": comparison, "met": name not in bad}
            for name, (target, comparison) in targets.items()
        },
        "overall": overall,
        "queues": {q: summarize_figures([r.queues[q] for r in reps]) for q in queues},
        "intervals": intervals,
    }


def scenario_info(plan: Plan, file: str) -> dict[str, Any]:
    """What the result says about the scenario it came from."""
    return {
        "file": file,
        "name": plan.name,
        "start": clock_label(plan.start_s),
        "interval_minutes": plan.interval_s / 60,
        "intervals": plan.n_intervals,
        "horizon_hours": plan.n_intervals * plan.interval_s / 3600,
        "warmup_hours": plan.warmup_s / 3600,
        "sl_threshold_s": plan.targets.sl_threshold_s,
        "queues": [q.name for q in plan.queues],
    }

"""Staffing search: the fewest agents per interval that meet every target.

1. **Erlang first.** Each interval is sized on its own with the exact formulas of
   :mod:`simulation.erlang`: Erlang A when callers are impatient (mean patience), Erlang C
   otherwise. Targets are the scenario's: service level, average wait, abandons (the lost
   rate bounds them too: abandons are lost calls) and the occupancy cap. A queue served by
   several groups splits its load evenly among them; a group serving several queues pools
   theirs. Heads are raised for shrinkage (breaks).
2. **Simulation confirms and corrects.** The plan is simulated and the simulation
   *calibrates* the formulas of each interval (:mod:`simulation.calibration`): where the
   day differs from Erlang's stationary world (queues carried over from a busy interval,
   non-exponential handle times, redials, ring delays, breaks), the simulated figures
   differ from the predicted ones, and their ratio scales the prediction for other head
   counts. Each interval takes the fewest heads the calibrated model accepts, keeping a
   reserve for the calibration's own error and for the noise of a half-hour's figures, so
   the plan still meets its targets when simulated again on other seeds. Rounds share one
   seed (common random numbers) until the plan settles; a last round on an independent
   seed adds a head wherever a target is still missed significantly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Final

from queues.config import QueueConfig
from simulation import results
from simulation.calibration import Prediction, next_staffing, significant_misses
from simulation.erlang import erlang_a, erlang_c, min_agents_erlang_a, min_agents_erlang_c
from simulation.errors import SimulationError
from simulation.runner import make_pool, run_replications
from simulation.scenario import Group, Plan, clock_label, may_serve
from simulation.tables import grid, value

MAX_ROUNDS: Final = 6
_STRIDE: Final = 7919
"""Seed offset of each check round (an independent seed)."""


@dataclass(frozen=True, slots=True)
class Load:
    """The pooled traffic one group carries in one interval."""

    rate: float
    aht: float
    patience: float | None
    """Mean patience (``None``: callers never hang up, Erlang C)."""


@dataclass(frozen=True, slots=True)
class Staffing:
    """A staffing plan found, the Erlang first guess and the KPIs simulated for the plan."""

    staffed: dict[str, tuple[int, ...]]
    erlang: dict[str, tuple[int, ...]]
    result: dict[str, Any]
    """:func:`simulation.results.build` output of the plan found."""
    rounds: int
    meets: bool


def group_load(plan: Plan, group: Group, k: int) -> Load:
    """The traffic ``group`` carries in interval ``k`` (shared queues split evenly)."""
    rate = work = patience_rate = 0.0
    impatient = True
    for load in plan.loads:
        queue = next(q for q in plan.queues if q.name == load.queue)
        sharing = serving_groups(plan, queue)
        if group not in sharing:
            continue
        lam = load.rates_per_s[k] / len(sharing)
        rate += lam
        work += lam * (load.handle.mean + queue.wrapup_s)
        patience = load.patience.mean
        impatient = impatient and math.isfinite(patience) and patience > 0
        patience_rate += lam / patience if impatient else 0.0
    if rate == 0:
        return Load(0.0, 1.0, None)
    return Load(rate, work / rate, rate / patience_rate if impatient else None)


def serving_groups(plan: Plan, queue: QueueConfig) -> list[Group]:
    """Groups that take ``queue``'s calls from the start (escalation is help, not load);
    the groups that may take them at some stage if none does."""
    first = [g for g in plan.groups
             if g.skills.get(queue.skill, 0) >= queue.min_level]
    return first or [g for g in plan.groups if may_serve(g.skills, queue)]


def productive(heads: int, shrinkage: float) -> int:
    """Agents taking calls out of ``heads`` staffed (as the simulator pauses them)."""
    return heads - round(heads * shrinkage)


def predict(plan: Plan, load: Load, agents: int) -> Prediction:
    """Erlang A / Erlang C figures for ``agents`` taking calls (``inf`` wait if unstable)."""
    t = plan.targets.sl_threshold_s
    if load.rate == 0:
        return {"sl_offered": 1.0, "asa_s": 0.0, "abandon_rate": 0.0, "lost_rate": 0.0,
                "occupancy": 0.0}
    if agents < 1:
        return {"sl_offered": 0.0, "asa_s": math.inf, "abandon_rate": 1.0, "lost_rate": 1.0,
                "occupancy": 1.0}
    if load.patience is None:
        c = erlang_c(load.rate, load.aht, agents, t)
        return {"sl_offered": c.service_level, "asa_s": c.asa_s, "abandon_rate": 0.0,
                "lost_rate": 0.0, "occupancy": c.occupancy}
    a = erlang_a(load.rate, load.aht, agents, load.patience, t)
    return {"sl_offered": a.sl_offered, "asa_s": a.asa_served, "abandon_rate": a.p_abandon,
            "lost_rate": a.p_abandon, "occupancy": a.occupancy}


def erlang_staffing(plan: Plan) -> dict[str, tuple[int, ...]]:
    """Heads per group and interval by Erlang A / Erlang C, interval by interval."""
    return {
        g.name: tuple(_erlang_heads(plan, g, group_load(plan, g, k))
                      for k in range(plan.n_intervals))
        for g in plan.groups
    }


def _erlang_heads(plan: Plan, group: Group, load: Load) -> int:
    if load.rate == 0:
        return 0
    t = plan.targets
    abandon = min((x for x in (t.abandon_rate, t.lost_rate) if x is not None), default=None)
    try:
        if load.patience is None:
            agents = min_agents_erlang_c(load.rate, load.aht, t.sl_threshold_s,
                                         sl_target=t.sl_offered, asa_target_s=t.asa_s,
                                         max_occupancy=t.max_occupancy)
        else:
            agents = min_agents_erlang_a(load.rate, load.aht, load.patience, t.sl_threshold_s,
                                         sl_target=t.sl_offered, asa_target_s=t.asa_s,
                                         abandon_target=abandon, max_occupancy=t.max_occupancy)
    except ValueError as exc:
        raise SimulationError(f"staffing: {exc}") from None
    heads = max(agents, math.ceil(agents / (1 - group.shrinkage) - 1e-9))
    while productive(heads, group.shrinkage) < agents:
        heads += 1
    return heads


# ---------------------------------------------------------------------------- the search


def search(
    plan: Plan, replications: int, seed: int, workers: int | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> Staffing:
    """Erlang staffing, corrected by simulation rounds (see the module docstring).

    Rounds first share one seed (common random numbers: the same callers every round, so
    the search settles); each may move a count up, or down by up to two heads but never to
    a count found short before (after the first round, moves of one head only to fix a
    missed target). Then the plan is checked on an independent seed: an
    interval missing a target significantly (its whole confidence interval beyond it) gains
    one head, and is checked again. The result holds the KPIs simulated for the plan
    returned.
    """
    erlang = erlang_staffing(plan)
    staffed = {g: list(v) for g, v in erlang.items()}
    floor = {g: [0] * plan.n_intervals for g in erlang}
    predict_fn = _predictor(plan)
    rounds, checks = 0, 0
    with make_pool(workers) as pool:
        while True:
            result = _simulate(plan, staffed, replications, seed + _STRIDE * checks, pool)
            rounds += 1
            if checks:
                proposal = _bump(plan, staffed, result)
            else:
                proposal = next_staffing(plan, staffed, result, predict_fn, floor)
                _raise_floor(floor, staffed, proposal)
                if rounds > 1:
                    _drop_small_moves(plan, staffed, proposal, result)
            if rounds >= max_rounds or (checks and proposal == staffed):
                break
            if checks or proposal == staffed or rounds == max_rounds - 1:
                checks += 1
            staffed = proposal
    final = {g: tuple(v) for g, v in staffed.items()}
    return Staffing(final, erlang, result, rounds, not significant_misses(plan, result))


def _drop_small_moves(plan: Plan, staffed: Mapping[str, list[int]],
                      proposal: dict[str, list[int]], result: Mapping[str, Any]) -> None:
    """After the first round, a move of one head is within the noise of the calibration:
    keep the count, unless a target is missed there on the mean (then add the head). The
    search settles in a round or two instead of shuffling heads one by one."""
    cap = plan.targets.max_occupancy
    for k, item in enumerate(result["intervals"]):
        occupancy = item["kpis"]["occupancy"]["mean"]
        missed = not item["targets_met"] or (
            cap is not None and occupancy is not None and occupancy > cap)
        for name, heads in proposal.items():
            now = staffed[name][k]
            if heads[k] == now - 1 or (heads[k] == now + 1 and not missed):
                heads[k] = now


def _raise_floor(floor: dict[str, list[int]], staffed: Mapping[str, list[int]],
                 proposal: Mapping[str, list[int]]) -> None:
    """A count the calibrated model found short is never proposed again."""
    for name, heads in staffed.items():
        for k, (now, new) in enumerate(zip(heads, proposal[name], strict=True)):
            if new > now:
                floor[name][k] = max(floor[name][k], now + 1)


def _predictor(plan: Plan) -> Callable[[Group, int, int], Prediction]:
    loads: dict[tuple[str, int], Load] = {}

    def predict_fn(group: Group, k: int, heads: int) -> Prediction:
        load = loads.get((group.name, k))
        if load is None:
            load = loads[(group.name, k)] = group_load(plan, group, k)
        return predict(plan, load, productive(heads, group.shrinkage))

    return predict_fn


def _bump(plan: Plan, staffed: Mapping[str, list[int]], result: Mapping[str, Any]
          ) -> dict[str, list[int]]:
    """One more head in every group where a target is significantly missed."""
    missed = {start for start, _ in significant_misses(plan, result)}
    return {
        name: [h + (item["start"] in missed) for h, item in zip(heads, result["intervals"],
                                                              strict=True)]
        for name, heads in staffed.items()
    }


def _simulate(plan: Plan, staffed: Mapping[str, list[int]], replications: int, seed: int,
              pool: Executor) -> dict[str, Any]:
    trial = plan.with_staffing({g: tuple(v) for g, v in staffed.items()})
    return results.build(trial, run_replications(trial, replications, seed, pool=pool), seed)


def to_json(found: Staffing, plan: Plan, seed: int, scenario: Mapping[str, Any]) -> dict[str, Any]:
    """The ``--json`` output of ``accueil staff``."""
    intervals = []
    for k in range(plan.n_intervals):
        start = plan.start_s + k * plan.interval_s
        intervals.append({
            "start": clock_label(start),
            "start_s": start,
            "agents": {g: v[k] for g, v in found.staffed.items()},
            "erlang": {g: v[k] for g, v in found.erlang.items()},
            "kpis": found.result["intervals"][k]["kpis"],
            "targets_met": found.result["intervals"][k]["targets_met"],
        })
    return {
        "scenario": dict(scenario),
        "seed": seed,
        "replications": found.result["replications"],
        "rounds": found.rounds,
        "meets_targets": found.meets,
        "staffing": {g: list(v) for g, v in found.staffed.items()},
        "erlang": {g: list(v) for g, v in found.erlang.items()},
        "targets": found.result["targets"],
        "overall": found.result["overall"],
        "queues": found.result["queues"],
        "intervals": intervals,
    }


def table(found: Staffing, plan: Plan) -> str:
    """The staffing table: per interval, calls, Erlang's heads, heads found, main KPIs."""
    groups = list(found.staffed)
    header = ["interval", "calls/h"]
    header += [f"{g} erlang" for g in groups] + [f"{g} agents" for g in groups]
    header += ["SL", "wait", "abandons", "occupancy", ""]
    rows = []
    for k, item in enumerate(found.result["intervals"]):
        kpis = item["kpis"]
        rate = sum(load.rates_per_s[k] for load in plan.loads) * 3600
        rows.append([
            item["start"], f"{rate:.0f}",
            *[str(found.erlang[g][k]) for g in groups],
            *[str(found.staffed[g][k]) for g in groups],
            *[value(n, kpis[n]["mean"])
              for n in ("sl_offered", "asa_s", "abandon_rate", "occupancy")],
            "" if item["targets_met"] else "* missed",
        ])
    return grid(header, rows)

"""Correcting a staffing plan: the Erlang model of each interval, calibrated by simulation.

A half-hour of a service desk is noisy: its abandon rate varies by several points from one
simulated day to the next, so deciding heads interval by interval on a few replications
would chase noise. The Erlang formulas have no noise but ignore what a real day adds: the
queue carried over from a busy interval, handle times that are not exponential, redials,
ring delays, breaks. So the simulation *calibrates* the formulas instead of replacing them.

For each target (service level, average wait, abandon and lost rates, the occupancy cap)
the "bad" figure (1 − SL, the wait, the rate, the occupancy) simulated is compared with
the one Erlang predicts for the heads simulated. Their ratio — pooled over the whole day
(precise) and over each interval and its neighbours (local), blended geometrically —
scales the formula's prediction for any other head count. Each interval then gets the
fewest heads whose calibrated prediction stays inside the target, less a safety share
:data:`SAFETY` of the room the target leaves (the calibration itself is an estimate).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from simulation import results
from simulation.scenario import Group, Plan, may_serve
from simulation.stats import Summary

SAFETY: Final = 0.1
"""Share of each target's room kept in reserve (80 % SL: plan for 82 %)."""
Z: Final = 1.0
"""Standard errors of an interval's estimate also kept in reserve: a plan must still meet
its targets when simulated again on other seeds."""
CAP: Final = 0.5
"""The reserve for noise never takes more than this share of the room (tiny intervals)."""
MARGIN: Final = 1.0
"""A target is *significantly* missed when the mean misses it by this many half-widths."""
FACTOR_RANGE: Final = (0.25, 4.0)
WINDOW: Final = 1
"""Neighbours on each side pooled into an interval's local calibration."""
LOOK_DOWN: Final = 2
LOOK_UP: Final = 30

def checks_of(plan: Plan, group: Group) -> list[tuple[str, str | None, float]]:
    """(KPI, scope, target) of every target touching ``group``: overall and its queues."""
    targets = results.targets_of(plan)
    scopes: list[str | None] = [None]
    scopes += [q.name for q in plan.queues if may_serve(group.skills, q)]
    out = [(n, scope, t) for scope in scopes for n, (t, _) in targets.items()]
    if plan.targets.max_occupancy is not None:
        out.append(("occupancy", None, plan.targets.max_occupancy))
    return out


def bad(name: str, value: float) -> float:
    """Distance to the ideal: 1 − SL for the service level, the value itself otherwise."""
    return 1.0 - value if name == "sl_offered" else value


def estimate(item: Mapping[str, Any], name: str, scope: str | None) -> Summary:
    """The estimate of ``name`` in one interval of a result, overall or for a queue."""
    kpis = item["kpis"] if scope is None else item["queues"][scope]
    summary: Summary = kpis[name]
    return summary


def factors(
    seen: Sequence[float | None], predicted: Sequence[float], weights: Sequence[float]
) -> list[float]:
    """Per interval: how much worse than the formula the simulation is (blended, clipped)."""
    pooled = _ratio(seen, predicted, weights, range(len(seen)))
    out = []
    for k in range(len(seen)):
        near = range(max(0, k - WINDOW), min(len(seen), k + WINDOW + 1))
        local = _ratio(seen, predicted, weights, near)
        out.append(_clip(math.sqrt(pooled * local)))
    return out


def _ratio(
    seen: Sequence[float | None], predicted: Sequence[float], weights: Sequence[float],
    ks: range,
) -> float:
    num = sum(weights[k] * (seen[k] or 0.0) for k in ks if seen[k] is not None)
    den = sum(weights[k] * predicted[k] for k in ks if seen[k] is not None)
    if den <= 1e-12:
        return 1.0 if num <= 1e-12 else FACTOR_RANGE[1]
    return _clip(num / den)


def _clip(x: float) -> float:
    return min(max(x, FACTOR_RANGE[0]), FACTOR_RANGE[1])


def significant_misses(plan: Plan, result: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(interval, KPI) whose whole confidence interval lies on the wrong side of the target."""
    out = []
    for item in result["intervals"]:
        for group in plan.groups:
            for name, scope, target in checks_of(plan, group):
                s = estimate(item, name, scope)
                mean, hw = s["mean"], s["ci95_half_width"] or 0.0
                if mean is not None and bad(name, mean) - MARGIN * hw > bad(name, target):
                    out.append((item["start"], name))
    return sorted(set(out))


Prediction = Mapping[str, float]
Predict = Callable[[Group, int, int], Prediction]
"""``predict(group, interval, heads)``: the formula's figures for that many heads."""


def next_staffing(
    plan: Plan,
    staffed: Mapping[str, Sequence[int]],
    result: Mapping[str, Any],
    predict: Predict,
    floor: Mapping[str, Sequence[int]],
) -> dict[str, list[int]]:
    """Heads per group and interval the calibrated model accepts, given a simulated round.

    Heads fall by at most :data:`LOOK_DOWN` a round, never below ``floor`` (counts already
    seen to fall short).
    """
    intervals = result["intervals"]
    weights = [float(item["kpis"]["calls_offered"]["mean"] or 0.0) for item in intervals]
    out: dict[str, list[int]] = {}
    for group in plan.groups:
        heads = list(staffed[group.name])
        checks = checks_of(plan, group)
        now = [predict(group, k, heads[k]) for k in range(len(intervals))]
        scale = [
            factors([_seen(item, name, scope) for item in intervals],
                    [bad(name, p[name]) for p in now], weights)
            for name, scope, _ in checks
        ]
        noise = [_noise([estimate(item, name, scope) for item in intervals])
                 for name, scope, _ in checks]
        new = []
        for k, current in enumerate(heads):
            if weights[k] == 0:
                new.append(current)
                continue
            low = max(1, current - LOOK_DOWN, floor[group.name][k])
            limits = [(name, allowed(name, target, se[k]), f[k])
                      for (name, _, target), f, se in zip(checks, scale, noise, strict=True)]
            new.append(_fewest(functools.partial(predict, group, k), limits, low,
                               current + LOOK_UP))
        out[group.name] = new
    return out


def allowed(name: str, target: float, se: float) -> float:
    """The most "bad" to plan for: the target's room, less :data:`SAFETY` of it and
    :data:`Z` standard errors of the interval's estimate (at most :data:`CAP` of it)."""
    room = bad(name, target)
    return room * (1 - SAFETY) - min(Z * se, CAP * room)


def _noise(estimates: Sequence[Summary]) -> list[float]:
    """Standard error of each interval's mean, pooled with its neighbours' (steadier)."""
    hws = [s["ci95_half_width"] for s in estimates]
    out = []
    for k in range(len(hws)):
        near = [h for h in hws[max(0, k - WINDOW): k + WINDOW + 1] if h is not None]
        out.append(math.sqrt(sum(h * h for h in near) / len(near)) / 2.0 if near else 0.0)
    return out


def _seen(item: Mapping[str, Any], name: str, scope: str | None) -> float | None:
    mean = estimate(item, name, scope)["mean"]
    return None if mean is None else bad(name, mean)


def _fewest(
    predict: Callable[[int], Prediction], limits: list[tuple[str, float, float]], low: int,
    high: int,
) -> int:
    """Fewest heads in ``[low, high]`` whose scaled "bad" figures all stay within limits."""
    for heads in range(low, high + 1):
        figures = predict(heads)
        if all(bad(name, figures[name]) * factor <= limit for name, limit, factor in limits):
            return heads
    return high

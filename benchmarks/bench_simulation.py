"""Simulation benchmark: one 12-hour day at 2,000 calls/h, 180 agents, AHT 300 s, patience 120 s.

Run: ``python benchmarks/bench_simulation.py [--repeat N] [--seed S]``

Times one replication of the day through the full simulator (SimPy driver, the real ACD
core, the KPI engine computing every figure) and, in the same run, a bare SimPy
M/M/c+M model of the same day (``Resource(capacity=c)``, one process per call,
``request | timeout(patience)``: the reference simulation's model). Prints the wall times
(best of ``--repeat``, runs interleaved so both see the same machine load), their ratio,
and the share of the full run spent in the ACD core and in the KPI engine.
Target: ratio <= 1.5 now, <= 1.0 later.

Measured (2 shared cores, load average 1.4-4.2, ``--repeat 3``, seed 1: 23,890 calls,
SL 0.993, abandons 0.0071, occupancy 0.899, unchanged by the work below):

- before (5e99c52; 04a0954 re-measured later): simulator 1.25-1.29 s, bare SimPy 0.40 s,
  ratio 3.10-3.26; instrumented CPU split ACD core 35 %, KPI engine 30 %,
  driver/SimPy/sampling 35 %.
- after (commits 700deb4..7c2a4fd): simulator 0.92-1.02 s, bare SimPy 0.40-0.43 s,
  ratio 2.31-2.41; split ACD core 37 %, KPI engine 25 %, driver/SimPy/sampling 37 %
  (py-spy, by own code: ACD core 36 %, KPI engine 31 %, driver/world/collector 27 %,
  SimPy 6 %). The target is not met: what is left is spread thin over the per-call path
  (about 39 us per call against 17 us for the bare model).
- compiled by mypyc (``setup.py``; the same sources, constructors of the per-call dataclasses
  written out so that mypyc compiles them; load average 1.1-1.2): simulator 0.47 s, bare
  SimPy 0.40 s, ratio 1.16-1.18 (a wheel from ``pip install .``: 1.22); the same build with
  ``ACCUEIL_PURE_PYTHON=1``, interleaved: 0.93-0.94 s, ratio 2.32-2.38. Compiled without the
  written-out constructors (their dataclass-made ``__init__`` stays interpreted): 1.59-1.79.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from acd.engine import Acd
from queues import _native
from queues.kpi import KpiEngine
from simulation.runner import run_replication
from simulation.scenario import Plan, parse

CALLS_PER_HOUR = 2000
AGENTS = 180
AHT_S = 300.0
PATIENCE_S = 120.0
HOURS = 12

SCENARIO = f"""\
name: benchmark day
horizon_hours: {HOURS}
interval_minutes: 30
queues: [{{name: support, skill: support}}]
arrivals: [{{queue: support, calls_per_hour: {CALLS_PER_HOUR}}}]
handle_time: {{distribution: exponential, mean_s: {AHT_S}}}
patience: {{distribution: exponential, mean_s: {PATIENCE_S}}}
agents: [{{count: {AGENTS}, skills: {{support: 1}}}}]
"""


def bare_simpy(seed: int) -> dict[str, int]:
    """The same day as a bare SimPy M/M/c+M model; returns call counts."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)
    counts = {"offered": 0, "answered": 0, "abandoned": 0}
    rate = CALLS_PER_HOUR / 3600.0
    end = HOURS * 3600.0

    def call() -> Generator[simpy.Event, Any, None]:
        patience, handle = rng.exponential(PATIENCE_S), rng.exponential(AHT_S)
        counts["offered"] += 1
        with agents.request() as request:
            got = yield request | env.timeout(patience)
            if request in got:
                counts["answered"] += 1
                yield env.timeout(handle)
            else:
                counts["abandoned"] += 1

    def arrivals() -> Generator[simpy.Event, Any, None]:
        while True:
            yield env.timeout(rng.exponential(1.0 / rate))
            if env.now >= end:
                return
            env.process(call())

    env.process(arrivals())
    env.run()
    return counts


def full(plan: Plan, seed: int) -> dict[str, Any]:
    """One replication of the day through the simulator; returns its overall figures."""
    return dict(run_replication(plan, np.random.SeedSequence(seed)).overall)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def shares(plan: Plan, seed: int) -> tuple[float, float, float]:
    """CPU seconds of one full run: in all, inside the ACD core, inside the KPI engine."""
    spent = {"acd": 0.0, "kpi": 0.0}
    originals: dict[str, list[tuple[type, str, Any]]] = {
        "acd": [(Acd, name, getattr(Acd, name)) for name in ("handle", "on_timer")],
        "kpi": [(KpiEngine, name, getattr(KpiEngine, name)) for name in ("feed_many", "counts")],
    }

    def wrap(part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[part] += time.process_time() - started
        return inner

    for part, items in originals.items():
        for cls, name, fn in items:
            setattr(cls, name, wrap(part, fn))
    started = time.process_time()
    try:
        full(plan, seed)
    finally:
        for items in originals.values():
            for cls, name, fn in items:
                setattr(cls, name, fn)
    return time.process_time() - started, spent["acd"], spent["kpi"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    plan = parse(SCENARIO, "benchmark")
    ours: list[float] = []
    bare: list[float] = []
    for i in range(args.repeat):
        seed = args.seed + i
        t, figures = timed(lambda seed=seed: full(plan, seed))  # type: ignore[misc]
        ours.append(t)
        t, counts = timed(lambda seed=seed: bare_simpy(seed))  # type: ignore[misc]
        bare.append(t)
    total_s, acd_s, kpi_s = shares(plan, args.seed)
    best, base = min(ours), min(bare)
    build = "compiled by mypyc" if _native.compiled() else "pure Python"
    print(f"day: {HOURS} h at {CALLS_PER_HOUR} calls/h, {AGENTS} agents, AHT {AHT_S:g} s, "
          f"patience {PATIENCE_S:g} s (best of {args.repeat}; core {build})")
    print(f"  simulator (driver + ACD core + KPI engine): {best:.3f} s, "
          f"{figures['calls_offered']:.0f} calls, SL {figures['sl_offered']:.3f}, "
          f"abandons {figures['abandon_rate']:.4f}, occupancy {figures['occupancy']:.3f}")
    print(f"  bare SimPy M/M/c+M:                         {base:.3f} s, "
          f"{counts['offered']} calls, abandons {counts['abandoned'] / counts['offered']:.4f}")
    print(f"  ratio: {best / base:.2f} (target <= 1.5 now, <= 1.0 later)")
    rest = total_s - acd_s - kpi_s
    print(f"  one instrumented run, CPU: {total_s:.3f} s = ACD core {acd_s:.3f} s "
          f"({acd_s / total_s:.0%}) + KPI engine {kpi_s:.3f} s ({kpi_s / total_s:.0%}) "
          f"+ driver, SimPy and sampling {rest:.3f} s ({rest / total_s:.0%})")


if __name__ == "__main__":
    main()

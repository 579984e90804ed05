"""Replications: one run of a plan through the driver, and many of them in parallel.

Replication ``i`` of seed ``S`` is seeded by ``SeedSequence(S).spawn(n)[i]`` and depends on
nothing else, so results are identical bit for bit whatever the number of worker processes
(results are gathered in replication order).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Final

import numpy as np
import simpy

from acd.engine import Acd
from queues.kpi import KpiEngine
from queues.records import Record
from simulation.collect import KPI_NAMES, Collector, Replication
from simulation.driver import Caller, Driver, Outcome
from simulation.scenario import NO_DELAY, Plan
from simulation.world import World, stream

DRAIN_LIMIT_S: Final = 86400.0
"""After the window, calls are followed to completion, for at most this long."""

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all)."""


def run_replication(
    plan: Plan,
    seed: np.random.SeedSequence,
    names: Sequence[str] = KPI_NAMES,
    records: list[Record] | None = None,
) -> Replication:
    """Simulate ``plan`` once; figures by the KPI engine (``records`` gets every record)."""
    env = simpy.Environment(initial_time=plan.start_s - plan.warmup_s)
    engine = KpiEngine(plan.interval_s, plan.targets.sl_threshold_s)
    lag = engine.redial_window_s if any(load.redials for load in plan.loads) else 0.0
    collector = Collector(plan, engine, lag)
    world = World(env, plan, seed, collector.arrived)

    def done(caller: Caller, outcome: Outcome) -> None:
        collector.done(caller.tag)
        world.done(caller, outcome)

    acd = Acd(plan.acd_config(), stream(seed, "acd", "routing"))
    sink = _sink(engine, records)
    if all(g.answer_delay == NO_DELAY for g in plan.groups):  # agents answer at once
        driver = Driver(env, acd, on_records=sink, on_done=done, defer_records=True)
    else:
        driver = Driver(env, acd, on_records=sink, on_done=done, defer_records=True,
                        answer_delay=world.answer_delay)
    collector.sync = driver.flush_records  # the engine reads every record before a harvest
    world.start(driver)
    env.process(collector.ticker(env))
    env.run(until=plan.end_s + DRAIN_LIMIT_S)
    collector.harvest(env.now, final=True)
    return collector.result(names)


def _sink(engine: KpiEngine, records: list[Record] | None) -> Callable[[list[Record]], None]:
    """Where the core's records go: the KPI engine (and ``records``, if given)."""
    if records is None:
        return engine.feed_many
    keep = records.extend

    def feed(batch: list[Record]) -> None:
        keep(batch)
        engine.feed_many(batch)

    return feed


def _one(args: tuple[Plan, np.random.SeedSequence, tuple[str, ...]]) -> Replication:
    plan, seed, names = args
    return run_replication(plan, seed, names)


def run_replications(
    plan: Plan,
    replications: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
    names: Sequence[str] = KPI_NAMES,
    pool: Executor | None = None,
) -> list[Replication]:
    """``replications`` independent runs of ``plan``, on ``workers`` processes (default: all
    cores) or on ``pool``, in replication order."""
    if replications < 1:
        raise ValueError("replications must be >= 1")
    seeds = np.random.SeedSequence(seed).spawn(replications)
    jobs = [(plan, s, tuple(names)) for s in seeds]
    workers = min(workers or os.cpu_count() or 1, replications)
    if pool is not None:
        return _gather(pool.map(_one, jobs), replications, progress)
    if workers <= 1:
        return _gather(map(_one, jobs), replications, progress)
    with make_pool(workers) as own:
        return _gather(own.map(_one, jobs), replications, progress)


def _gather(
    results: Iterable[Replication], total: int, progress: Progress | None
) -> list[Replication]:
    out = []
    for i, result in enumerate(results):
        out.append(result)
        if progress is not None:
            progress(i + 1, total)
    return out


def make_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A pool of worker processes for :func:`run_replications` (default: all cores)."""
    return ProcessPoolExecutor(workers or os.cpu_count() or 1, mp_context=_context())


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` where it exists (workers start in milliseconds), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")

"""``accueil demo``: a working contact center in one command.

The real ACD core and KPI engine run on an accelerated asyncio clock with synthetic callers
and agents; the terminal shows the queues live and ends with the contract KPIs of the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import sys
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from acd import events as ev
from acd.engine import Acd, AcdConfig
from acd.hours import france_travail
from acd.model import AgentConfig
from acd.snapshot import snapshot
from ivr.file0 import File0
from live.runtime import Runtime
from live.scheduler import ScaledScheduler
from live.synthetic import QueueLoad, SyntheticTelephony, poisson_calls
from monitoring.app import create_app, serve
from monitoring.engine import RuntimeView
from monitoring.settings import Settings, TokenConfig
from queues.config import EscalationStep, QueueConfig
from queues.kpi import KpiEngine
from queues.kpi_report import KpiReport
from store.server import open_redis
from store.store import Store


def demo_config() -> tuple[AcdConfig, list[QueueLoad]]:
    """A small public help desk: e-filing, accounts, and a general queue behind them."""
    queues = (
        QueueConfig("efiling", "efiling", min_level=5, max_wait_s=240, overflow_to="general",
                    escalation=(EscalationStep(60, min_level=2),), wrapup_s=20,
                    announce_every_s=60),
        QueueConfig("accounts", "accounts", strategy="highest_level", wrapup_s=15,
                    max_wait_s=300, overflow_to="general"),
        QueueConfig("general", "general", strategy="longest_idle", wrapup_s=10,
                    max_length=30, fallback="closed_message"),
    )
    skills = [
        {"efiling": 8, "general": 3}, {"efiling": 6}, {"efiling": 3, "accounts": 5},
        {"accounts": 9}, {"accounts": 7, "general": 5}, {"general": 6},
        {"general": 8, "efiling": 2}, {"efiling": 7, "accounts": 4}, {"accounts": 6},
        {"general": 4, "accounts": 3},
    ]
    agents = tuple(AgentConfig(f"agent{i + 1:02d}", s) for i, s in enumerate(skills))
    loads = [
        QueueLoad("efiling", 40, 420, 150),
        QueueLoad("accounts", 30, 360, 180),
        QueueLoad("general", 20, 240, 120),
    ]
    return AcdConfig(queues, agents), loads


@dataclass
class DemoResult:
    report: KpiReport
    per_queue: dict[str, KpiReport]
    calls: int
    url: str


async def run_demo(
    duration_s: float,
    speed: float,
    seed: int,
    data_dir: Path = Path("accueil-data"),
    http: tuple[str, int] = ("127.0.0.1", 8080),
    out: TextIO = sys.stdout,
) -> DemoResult:
    """Run ``duration_s`` wall seconds of accelerated traffic with the store and dashboard."""
    config, loads = demo_config()
    calendar = france_travail()
    token = secrets.token_urlsafe(18)
    settings = Settings(
        data_dir=data_dir, http_host=http[0], http_port=http[1],
        tokens=[TokenConfig(name="demo", role="admin",
                            sha256=hashlib.sha256(token.encode()).hexdigest())],
    )
    redis, close_redis = await open_redis(settings)
    try:
        kpi = KpiEngine(interval_s=900, classify=calendar.classify)
        # the demo's clock starts after everything an earlier demo left in the data folder
        start = time.time()
        clock = ScaledScheduler(speed, start)
        store = Store(redis, kpi=kpi, hours_classes=("HO", "HNO", "closed"), clock=clock.now)
        await store.load()
        latest = max((f.received_at for f in kpi.calls()), default=0.0)
        if latest >= start:
            start = latest + 3600
            clock = ScaledScheduler(speed, start)
            store.clock = clock.now
        phones = SyntheticTelephony(clock, answer_delay_s=lambda agent: 3.0)
        runtime = Runtime(Acd(config), clock, phones, sinks=[store.sink])
        phones.attach(runtime)
        view = RuntimeView(runtime, store, File0(), calendar.classify)
        handle = await serve(create_app(settings, view), settings.http_host, settings.http_port)
        url = f"http://{settings.http_host}:{handle.port}/dashboard#token={token}"
        try:
            result = await _run(config, loads, runtime, phones, kpi, clock, start, duration_s,
                                speed, seed, url, out)
        finally:
            for agent in config.agents:
                runtime.submit(ev.AgentLoggedOut(agent.agent_id))
            await _bounded("writing the last records", store.flush())
            await _bounded("saving the ACD snapshot", store.save_snapshot(snapshot(runtime.acd)))
            await _bounded("stopping the dashboard", handle.stop())
    finally:
        await _bounded("closing Redis", close_redis())
    return result


async def _bounded(what: str, step: Awaitable[object], timeout_s: float = 20.0) -> None:
    """Run one shutdown step; a stuck one is reported, not waited for forever."""
    try:
        await asyncio.wait_for(step, timeout_s)
    except TimeoutError:
        print(f"accueil demo: {what} took more than {timeout_s:g} s; gave up waiting",
              file=sys.stderr)


async def _run(
    config: AcdConfig, loads: list[QueueLoad], runtime: Runtime, phones: SyntheticTelephony,
    kpi: KpiEngine, clock: ScaledScheduler, start: float, duration_s: float, speed: float,
    seed: int, url: str, out: TextIO,
) -> DemoResult:
    for agent in config.agents:
        runtime.submit(ev.AgentLoggedIn(agent.agent_id))
    simulated_s = duration_s * speed
    prefix = f"demo{int(start):x}"
    calls = poisson_calls(loads, start, simulated_s, np.random.default_rng(seed), prefix)
    phones.schedule(calls)
    print(f"accueil demo: {len(config.agents)} agents, {len(config.queues)} queues, "
          f"{len(calls)} callers over {simulated_s / 60:.0f} simulated minutes "
          f"({speed:g}x for {duration_s:g} s)\n"
          f"  dashboard: {url}\n  API docs:  {url.split('/dashboard')[0]}/docs", file=out,
          flush=True)
    end = time.monotonic() + duration_s
    while time.monotonic() < end:
        await asyncio.sleep(min(5.0, max(0.0, end - time.monotonic())))
        print(live_line(kpi, clock.now(), start), file=out, flush=True)
    now = clock.now()
    result = DemoResult(kpi.since(start, now), {q.name: kpi.since(start, now, q.name)
                                                for q in config.queues}, len(calls), url)
    print(kpi_table(result), file=out)
    return result


def live_line(kpi: KpiEngine, now: float, since: float) -> str:
    figures = kpi.live(now, since=since)
    agents = " ".join(f"{k}={v}" for k, v in sorted(figures.agents.items()) if v)
    longest = "-" if figures.longest_wait_s is None else f"{figures.longest_wait_s:.0f}s"
    return (f"  {time.strftime('%H:%M:%S', time.localtime(now))}  waiting {figures.waiting:3d}"
            f"  longest {longest:>5}  talking {figures.in_progress:3d}  agents: {agents}")


def kpi_table(result: DemoResult) -> str:
    names = ["T2-IQ01", "T2-IQ02", "T2-IQ03", "GAS01", "GAP02", "occupancy"]
    scopes = [("all queues", result.report), *result.per_queue.items()]
    lines = [f"{'KPI':<34}" + "".join(f"{name:>12}" for name, _ in scopes)]
    for name in names:
        ind = result.report.indicator(name)
        row = f"{ind.id + ' ' + ind.name:<34}"
        for _, report in scopes:
            i = report.indicator(name)
            row += f"{_fmt(i.value, i.unit):>12}"
        target = ""
        if ind.target is not None:
            target = f"  target {ind.comparison} {_fmt(ind.target, ind.unit)}"
        met = "" if ind.met is None else ("  met" if ind.met else "  MISSED")
        lines.append(row + target + met)
    return "\n".join(lines)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ratio":
        return f"{100 * value:.1f} %"
    if unit == "seconds":
        return f"{value:.0f} s"
    return f"{value:g}"

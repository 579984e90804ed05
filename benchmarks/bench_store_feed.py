"""Store + live feed under load: 200 records/s into Redis while 50 dashboard clients follow.

The engine (live runtime on the asyncio clock, store on the embedded Redis or ``REDIS_URL``,
the supervision app on 127.0.0.1) runs in this process; a synthetic load of calls drives the
ACD so that about ``--rate`` records a second reach the store. A second process runs
``--clients`` SSE clients and an API poller; it prints the event-to-client latency (time
from the oldest record a feed message is the first to show, to its arrival at a client) and
the API latency under that load.

    python benchmarks/bench_store_feed.py [--seconds 20] [--rate 200] [--clients 50]

Target: feed p99 < 500 ms. Everything stays on the loopback interface and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from acd import events as ev
from acd.commands import Command, OfferCall
from acd.engine import Acd, AcdConfig
from acd.model import AgentConfig
from live.runtime import Runtime
from live.scheduler import AsyncioScheduler
from monitoring.app import create_app, serve
from monitoring.auth import hash_token
from monitoring.engine import RuntimeView
from monitoring.settings import Settings, TokenConfig
from queues import records as rec
from queues.config import QueueConfig
from queues.kpi import KpiEngine
from store.server import open_redis
from store.store import Store

TOKEN = "bench-token"
QUEUES = ("support", "billing", "claims", "it")
AGENTS = 120
RECORDS_PER_CALL = 8  # received, queued, offered, ringing, answered, on_call, ended, available


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---------------------------------------------------------------------- clients (other process)


async def _client(url: str, stop_at: float, latencies: list[float], ready: list[int]) -> None:
    async with httpx.AsyncClient(timeout=30) as client, client.stream(
        "GET", url + "/api/feed", params={"access_token": TOKEN}
    ) as response:
        ready.append(1)
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                received = time.time()
                state = json.loads(line[6:])
                if state.get("records_from") is not None:
                    latencies.append(received - state["records_from"])
            if time.time() > stop_at:
                return


async def _poll_api(url: str, stop_at: float, latencies: list[float]) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    paths = itertools.cycle(["/api/queues", "/api/queues/support", "/api/kpis", "/metrics"])
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        while time.time() < stop_at:
            started = time.perf_counter()
            r = await client.get(url + next(paths))
            r.raise_for_status()
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)


async def _clients_main(url: str, clients: int, seconds: float, out: Any) -> None:
    stop_at = time.time() + seconds
    feed: list[float] = []
    api: list[float] = []
    ready: list[int] = []
    tasks = [asyncio.create_task(_client(url, stop_at, feed, ready)) for _ in range(clients)]
    tasks.append(asyncio.create_task(_poll_api(url, stop_at, api)))
    error = ""
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), seconds + 30)
    except Exception as exc:  # report it rather than leave the engine waiting
        error = repr(exc)
    out.send({"feed": feed, "api": api, "connected": len(ready), "error": error})


def clients_process(url: str, clients: int, seconds: float, out: Any) -> None:
    asyncio.run(_clients_main(url, clients, seconds, out))


# ---------------------------------------------------------------------- engine (this process)


class Phones:
    """Agents answer after 50 ms and talk for 1–3 s."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    def execute(self, command: Command, now: float) -> None:
        if isinstance(command, OfferCall):
            rt = self.runtime
            assert rt is not None
            loop = asyncio.get_running_loop()
            talk = 1.0 + (hash(command.call_id) % 200) / 100
            loop.call_later(0.05, rt.submit, ev.AgentAnswered(command.call_id, command.agent_id))
            loop.call_later(0.05 + talk, rt.submit, ev.AgentHungUp(command.call_id))


async def engine_main(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="accueil-bench-"))
    settings = Settings(
        data_dir=data_dir, export_daily=False,
        tokens=[TokenConfig(name="bench", role="admin", sha256=hash_token(TOKEN))],
    )
    redis, close = await open_redis(settings)
    if settings.redis_url:
        await redis.flushdb()
    config = AcdConfig(
        tuple(QueueConfig(q, q, ring_timeout_s=10) for q in QUEUES),
        tuple(AgentConfig(f"ag{i}", {QUEUES[i % len(QUEUES)]: 5}) for i in range(AGENTS)),
    )
    scheduler = AsyncioScheduler()
    kpi = KpiEngine()
    store = Store(redis, kpi=kpi, clock=scheduler.now)
    phones = Phones()
    runtime = Runtime(Acd(config), scheduler, phones, [store.sink])
    phones.runtime = runtime
    app = create_app(settings, RuntimeView(runtime, store))
    handle = await serve(app, "127.0.0.1", 0)
    try:
        return await _load(args, runtime, store, scheduler, f"http://127.0.0.1:{handle.port}")
    finally:
        await handle.stop()
        await close()


async def _load(args: argparse.Namespace, runtime: Runtime, store: Store,
                scheduler: AsyncioScheduler, url: str) -> dict[str, Any]:
    for i in range(AGENTS):
        runtime.submit(ev.AgentLoggedIn(f"ag{i}"))

    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(
        target=clients_process, args=(url, args.clients, args.seconds + 2, child))
    proc.start()
    await asyncio.sleep(2.0)  # let the clients connect
    written_before = store.written + store.pending
    started = time.perf_counter()
    n = 0
    loop = asyncio.get_running_loop()
    while (elapsed := time.perf_counter() - started) < args.seconds:
        # A call makes about RECORDS_PER_CALL records, some of them seconds later: pace on
        # the records actually taken by the store.
        taken = store.written + store.pending - written_before
        while taken + RECORDS_PER_CALL / 2 < elapsed * args.rate:
            taken += RECORDS_PER_CALL
            n += 1
            call_id = f"call-{n}"
            runtime.record(rec.CallReceived(scheduler.now(), call_id, f"06{n:08d}", "3949"))
            runtime.submit(ev.CallQueued(call_id, QUEUES[n % len(QUEUES)],
                                         caller=f"06{n:08d}"))
        await asyncio.sleep(0.005)
    duration = time.perf_counter() - started
    written = store.written + store.pending - written_before
    result: dict[str, Any] = await loop.run_in_executor(None, _receive, parent, proc)
    result.update(records=written, duration=duration)
    return result


def _receive(parent: Any, proc: Any) -> dict[str, Any]:
    if not parent.poll(120):
        proc.kill()
        raise RuntimeError("the clients did not report")
    result: dict[str, Any] = parent.recv()
    proc.join(30)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=200.0, help="records per second")
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(engine_main(args))
    feed, api = result["feed"], result["api"]
    print(f"store: {result['records']} records in {result['duration']:.1f} s "
          f"= {result['records'] / result['duration']:.0f} records/s "
          f"(redis: {'REDIS_URL' if os.environ.get('REDIS_URL') else 'embedded'})")
    print(f"feed: {result['connected']} clients, {len(feed)} messages; event-to-client latency "
          f"p50 {pct(feed, 0.5) * 1000:.0f} ms, p99 {pct(feed, 0.99) * 1000:.0f} ms, "
          f"max {max(feed, default=0) * 1000:.0f} ms (target p99 < 500 ms)")
    print(f"api under load: {len(api)} requests, p50 {pct(api, 0.5) * 1000:.0f} ms, "
          f"p99 {pct(api, 0.99) * 1000:.0f} ms, mean {statistics.fmean(api) * 1000:.0f} ms"
          if api else "api: no request")
    if result["error"]:
        print(f"clients failed: {result['error']}")
    ok = bool(feed) and pct(feed, 0.99) < 0.5 and not result["error"]
    print("PASS" if ok else "FAIL: p99 over 500 ms")


if __name__ == "__main__":
    main()

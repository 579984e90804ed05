"""The store on a real Redis: stream, CDRs, counters, snapshot, restart without loss."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
import redis.asyncio as aioredis

from acd.hours import france_travail
from queues.kpi import Counters, KpiEngine
from store import keys
from store.counters import stored_counts
from store.export import export_day
from store.server import open_redis
from store.state import AuditEntry, availability
from store.store import Batch, Store
from tests.integration.redis_support import EmbeddedRedis, SystemRedis, run
from tests.store.eventlog import FIRST_WINDOW, MIDNIGHT, RECORDS, T0, T_HNO

CLASSES = ("HO", "HNO", "closed")
CAL = france_travail()


def _engine() -> KpiEngine:
    return KpiEngine(classify=CAL.classify)


class Clock:
    def __init__(self, now: float) -> None:
        self.t = now

    def __call__(self) -> float:
        return self.t


def _store(client: aioredis.Redis, clock: Clock | None = None) -> Store:
    return Store(client, kpi=_engine(), hours_classes=CLASSES,
                 clock=clock or Clock(T_HNO + 3600))


def _report(kpi: KpiEngine, queue: str | None = None, hours: str = "all") -> dict[str, object]:
    return kpi.report(MIDNIGHT, MIDNIGHT + 86400, queue, hours, now=MIDNIGHT + 86400).to_dict()


async def _fill(store: Store) -> None:
    third = len(RECORDS) // 3
    for part in (RECORDS[:third], RECORDS[third:2 * third], RECORDS[2 * third:]):
        await store.append(part)


def test_append_writes_stream_cdrs_counters_and_replays(redis_url: str) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = _store(client)
        await _fill(store)
        assert await store.event_count() == len(RECORDS)
        assert [r async for r in store.replay()] == RECORDS
        c1 = await store.cdr("c1")
        assert c1 is not None and c1.closed and c1.outcome == "answered"
        assert (c1.caller, c1.queue, c1.agent_id, c1.wait_s, c1.talk_s) == (
            "0601", "support", "a1", 10.0, 300.0)
        assert (c1.received_at, c1.queued_at, c1.offered_at, c1.answered_at, c1.ended_at) == (
            T0, T0 + 5, T0 + 10, T0 + 15, T0 + 315)
        c9 = await store.cdr("c9")
        assert c9 is not None
        assert (c9.queue, c9.last_queue, c9.queues, c9.wait_s) == (
        "support", "billing", ["support", "billing"], 110.0)
        c4 = await store.cdr("c4")
        assert c4 is not None and (c4.outcome, c4.informed_at, c4.file0_id) == (
            "dissuaded", T0 + 42, "f1")
        assert [c.call_id async for c in store.cdrs(*FIRST_WINDOW)] == [
            f"c{i}" for i in range(1, 11)]
        assert await client.scard(keys.CDR_OPEN) == 0
        # counters in Redis are the engine's, interval by interval and summed
        assert store.kpi is not None
        for queue in (None, "support", "billing"):
            for hours in ("all", "HO", "HNO"):
                counts, window = await stored_counts(client, 900.0, MIDNIGHT, MIDNIGHT + 86400,
                                                     queue, hours)
                assert window == (MIDNIGHT, MIDNIGHT + 86400)
                assert counts == store.kpi.counts(MIDNIGHT, MIDNIGHT + 86400, queue, hours,
                                                  now=store.clock())
        await client.aclose()

    run(scenario())


def test_writing_a_batch_twice_changes_no_cdr_and_no_counter(redis_url: str) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = _store(client)
        await store.append(RECORDS)
        before = {c.call_id: c async for c in store.cdrs(MIDNIGHT, MIDNIGHT + 86400)}
        counts = await stored_counts(client, 900.0, MIDNIGHT, MIDNIGHT + 86400)
        again = Store(client, kpi=None)  # a second writer replaying the same records
        await again.append(RECORDS)
        after = {c.call_id: c async for c in store.cdrs(MIDNIGHT, MIDNIGHT + 86400)}
        assert after == before
        assert await stored_counts(client, 900.0, MIDNIGHT, MIDNIGHT + 86400) == counts
        await client.aclose()

    run(scenario())


def test_sink_never_blocks_and_the_flusher_writes_within_100ms(redis_url: str) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = _store(client)
        store.flush_every_s = 0.05
        seen: list[Batch] = []
        store.add_listener(seen.append)
        await store.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        for record in RECORDS[:20]:
            store.sink(record)
        assert loop.time() - started < 0.05  # the sink only queues
        while await store.event_count() < 20:
            assert loop.time() - started < 2.0
            await asyncio.sleep(0.005)
        written_after = loop.time() - started
        await store.stop()
        assert written_after < 0.5
        assert sum(len(b.records) for b in seen) == 20
        await client.aclose()

    run(scenario())


async def _check_everything_back(client: aioredis.Redis, before: dict[str, object]) -> None:
    store = _store(client)
    assert await store.load() == len(RECORDS)
    assert store.kpi is not None
    assert _report(store.kpi) == before["report"]
    assert _report(store.kpi, "support", "HO") == before["support"]
    assert {c.call_id: c async for c in store.cdrs(MIDNIGHT, MIDNIGHT + 86400)} == before["cdrs"]
    assert await stored_counts(client, 900.0, MIDNIGHT, MIDNIGHT + 86400, None, "HO") == (
        before["counters"])
    assert await store.load_snapshot() == before["snapshot"]
    assert await store.load_file0() == before["file0"]
    assert [a.to_dict() for a in await store.audit_log()] == before["audit"]


async def _write_everything(client: aioredis.Redis) -> dict[str, object]:
    store = _store(client)
    await _fill(store)
    await store.save_snapshot({"version": 1, "queues": ["billing", "support"], "agents": []})
    await store.save_file0({"activations": []})
    await store.audit(AuditEntry(T0, "sup", "supervisor", "agent.pause", "a1", "lunch", {}))
    assert store.kpi is not None
    return {
        "report": _report(store.kpi),
        "support": _report(store.kpi, "support", "HO"),
        "cdrs": {c.call_id: c async for c in store.cdrs(MIDNIGHT, MIDNIGHT + 86400)},
        "counters": await stored_counts(client, 900.0, MIDNIGHT, MIDNIGHT + 86400, None, "HO"),
        "snapshot": await store.load_snapshot(),
        "file0": await store.load_file0(),
        "audit": [a.to_dict() for a in await store.audit_log()],
    }


class _Settings:
    def __init__(self, data_dir: Path, url: str | None = None) -> None:
        self.data_dir = data_dir
        self.redis_url = url
        self.redis_fsync = "always"


def test_restarting_the_embedded_redis_loses_no_event_cdr_or_counter(tmp_path: Path) -> None:
    settings = _Settings(tmp_path / "data")

    async def first() -> dict[str, object]:
        client, close = await open_redis(settings)
        try:
            return await _write_everything(client)
        finally:
            await close()  # stops the embedded server

    before = run(first())
    assert (tmp_path / "data" / "appendonly.aof").stat().st_size > 0

    async def second() -> None:
        client, close = await open_redis(settings)  # a new server, from the files
        try:
            await _check_everything_back(client, before)
        finally:
            await close()

    run(second())


def test_a_crashed_engine_finds_the_embedded_redis_with_every_write(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "data")  # a server the engine did not close
    try:
        async def write() -> dict[str, object]:
            client = aioredis.Redis.from_url(server.url)
            data = await _write_everything(client)
            await client.aclose()
            return data

        before = run(write())
        server.restart()  # and Redis itself restarted from its append-only file

        async def read() -> None:
            client = aioredis.Redis.from_url(server.url)
            await _check_everything_back(client, before)
            await client.aclose()

        run(read())
    finally:
        server.stop()


def test_system_redis_server_by_url_and_restart(system_redis: SystemRedis, tmp_path: Path) -> None:
    settings = _Settings(tmp_path, system_redis.url)

    async def first() -> dict[str, object]:
        client, close = await open_redis(settings)
        try:
            return await _write_everything(client)
        finally:
            await close()

    before = run(first())
    system_redis.restart()

    async def second() -> None:
        client, close = await open_redis(settings)
        try:
            await _check_everything_back(client, before)
        finally:
            await close()

    run(second())


def test_daily_export_writes_csv_and_parquet(redis_url: str, tmp_path: Path) -> None:
    async def scenario() -> list[Path]:
        client = aioredis.Redis.from_url(redis_url)
        store = _store(client)
        await store.append(RECORDS)
        paths = await export_day(store, date(2025, 3, 3), tmp_path, ZoneInfo("Europe/Paris"))
        await client.aclose()
        return paths

    csv_path, parquet_path = run(scenario())
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    calls = [r for r in rows if r["leg"] == "0"]
    legs = [r for r in rows if r["leg"] != "0"]
    assert len(calls) == 11 and len(legs) == 6  # one leg each: c1 c2 c5 c8 c9 c11
    assert {r["call_id"]: r["outcome"] for r in calls}["c7"] == "rejected"
    assert {r["call_id"]: r["caller"] for r in calls}["c8"] == "0603"
    table = pq.read_table(parquet_path)
    assert table.num_rows == len(rows)
    assert table.column("wait_s").to_pylist()[0] == 10.0


def test_availability_counts_the_minutes_the_engine_wrote_in(redis_url: str) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        clock = Clock(T0)
        store = _store(client, clock)
        for minute in range(10):
            if minute in (3, 4):
                continue  # the engine was down
            clock.t = T0 + minute * 60 + 30
            await store.flush()
        down, total = await availability(client, T0, T0 + 600)
        assert (down, total) == (2, 10)
        down, total = await availability(client, T0, T0 + 600, lambda t: CAL.classify(t) == "HNO")
        assert (down, total) == (0, 0)
        await client.aclose()

    run(scenario())


def test_records_survive_a_failed_write(redis_url: str) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = _store(client)
        broken = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
        store.redis = broken
        for record in RECORDS[:5]:
            store.sink(record)
        with pytest.raises(Exception, match=r"(?i)connect"):
            await store.flush()
        assert store.pending == 5
        store.redis = client
        await store.flush()
        assert [r async for r in store.replay()] == RECORDS[:5]
        await broken.aclose()
        await client.aclose()

    run(scenario())


def test_retention_trim_keeps_13_months(redis_url: str) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        clock = Clock(T_HNO + 3600)
        store = _store(client, clock)
        await store.append(RECORDS)
        clock.t = T0 + 396 * 86400  # 13 months later: everything is still there
        await store.trim()
        assert await client.zcard(keys.CDR_INDEX) == 11
        clock.t = T0 + 401 * 86400
        await store.trim()
        assert await client.zcard(keys.CDR_INDEX) == 0
        assert await stored_counts(client, 900.0, MIDNIGHT, MIDNIGHT + 86400) == (
            Counters(), (MIDNIGHT, MIDNIGHT + 86400))
        await client.aclose()

    run(scenario())


def test_sentinel_url_reaches_the_master(system_redis: SystemRedis, tmp_path: Path) -> None:
    import subprocess
    import time

    from store.server import connect_url
    from tests.integration.redis_support import free_port

    port = free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor accueil 127.0.0.1 {system_redis.port} 1\n")
    proc = subprocess.Popen([system_redis.binary, str(conf), "--sentinel"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async def scenario() -> None:
            client, close = connect_url(f"redis+sentinel://127.0.0.1:{port}/accueil/0")
            deadline = time.monotonic() + 10
            while True:
                try:
                    await client.set("accueil:probe", "1")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
            store = Store(client, kpi=_engine())
            await store.append(RECORDS[:10])
            assert await store.event_count() == 10
            await close()

        run(scenario())
    finally:
        proc.terminate()
        proc.wait(10)

"""The store: every record into a Redis Stream, CDRs, KPI counters and the live state.

The live runtime calls :meth:`Store.sink` once per record; it never blocks: the record is
fed to the KPI engine (when the store was given one: then do not register ``kpi.feed`` as
another sink) and queued. A flusher task writes the queue every ``flush_every_s`` seconds
in ONE ``MULTI``/``EXEC`` transaction: the records (``XADD``), the CDRs they change, the
counters of the intervals they touch, the live state, the availability bit and a feed
notice. A batch carries a marker key, so a batch retried after a lost reply is not written
twice; CDRs and counters are values, not increments, so writing them again is harmless.
Nothing is dropped while Redis is down: the batch stays queued and is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from queues import records as rec
from queues.kpi import KpiEngine
from store import keys, state
from store.cdr import Cdr, apply
from store.counters import CounterTracker

log = logging.getLogger("accueil.store")

Listener = Callable[["Batch"], None]
RETENTION_DAYS = 400
"""Default retention: more than 13 months, so a month compares with the same month a year ago."""


@dataclass(frozen=True, slots=True)
class Batch:
    """What one flush wrote (given to listeners after the transaction succeeded)."""

    records: Sequence[rec.Record]
    written_at: float
    """Engine clock when the batch was taken."""
    cdrs: Sequence[Cdr] = ()
    live: dict[str, Any] = field(default_factory=dict)


class Store:
    """Redis-backed event log, CDRs, counters and live state (see the module docstring)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        kpi: KpiEngine | None = None,
        hours_classes: Sequence[str] = (),
        clock: Callable[[], float] = time.time,
        retention_days: float = RETENTION_DAYS,
        flush_every_s: float = 0.1,
        heartbeat_every_s: float = 5.0,
    ) -> None:
        self.redis = redis
        self.kpi = kpi
        self.clock = clock
        self.retention_s = int(retention_days * 86_400)
        self.flush_every_s = flush_every_s
        self.heartbeat_every_s = heartbeat_every_s
        self.tracker = CounterTracker(kpi, hours_classes) if kpi is not None else None
        self.agents: dict[str, dict[str, Any]] = {}
        """Latest state of each agent seen in the records (the live snapshot's agents)."""
        self.written = 0
        """Records written since start (for /metrics)."""
        self.last_flush_s = 0.0
        self._pending: list[rec.Record] = []
        self._open: dict[str, Cdr] = {}
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_write = float("-inf")

    # ------------------------------------------------------------------ writing

    def sink(self, record: rec.Record) -> None:
        """Take one record (synchronous, never blocks): feed the KPI engine, queue it."""
        if self.kpi is not None:
            self.kpi.feed(record)
        if self.tracker is not None:
            self.tracker.note(record)
        self._note_agent(record)
        self._pending.append(record)
        self._wake.set()

    async def append(self, records: Iterable[rec.Record]) -> None:
        """Take records and write them now (one transaction per flush)."""
        for record in records:
            self.sink(record)
        await self.flush()

    @property
    def pending(self) -> int:
        """Records taken and not yet written."""
        return len(self._pending)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(batch)`` after each successful write (in the event loop)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    async def flush(self) -> None:
        """Write everything taken so far (also the live state and counters when idle)."""
        async with self._lock:
            await self._write_pending()

    async def start(self) -> None:
        """Start the flusher task (idempotent); reload the open CDRs first."""
        if self._task is None or self._task.done():
            await self._load_open_cdrs()
            self._task = asyncio.get_running_loop().create_task(self._flusher())

    async def stop(self) -> None:
        """Stop the flusher and write what is left."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()

    async def _flusher(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.heartbeat_every_s)
            self._wake.clear()
            started = loop.time()
            try:
                await self.flush()
            except RedisError as exc:
                log.warning("store write failed, will retry: %s", exc)
                await asyncio.sleep(1.0)
            except Exception:  # never let the flusher die: the engine must keep running
                log.exception("store flusher error")
                await asyncio.sleep(1.0)
            await asyncio.sleep(max(0.0, self.flush_every_s - (loop.time() - started)))

    async def _write_pending(self) -> None:
        batch, self._pending = self._pending, []
        now = self.clock()
        try:
            # Computed before any await, so they match exactly the records in the batch.
            counters = self.tracker.collect(now) if self.tracker is not None else {}
            live = self.live_state(now)
            cdrs = await self._fold_cdrs(batch)
            await self._transaction(uuid.uuid4().hex, batch, cdrs, counters, live, now)
        except BaseException:
            self._pending[:0] = batch  # keep them for the next try, in order
            raise
        self._last_write = now
        self.written += len(batch)
        for cdr in cdrs:
            if cdr.closed:
                self._open.pop(cdr.call_id, None)
        done = Batch(batch, now, cdrs, live)
        for listener in list(self._listeners):
            try:
                listener(done)
            except Exception:
                log.exception("store listener failed")

    async def _fold_cdrs(self, batch: Sequence[rec.Record]) -> list[Cdr]:
        ids = [r.call_id for r in batch if not isinstance(r, rec.AgentStateChanged)]
        unknown = sorted({i for i in ids if i not in self._open})
        if unknown:
            found = await self.redis.mget([keys.cdr(i) for i in unknown])
            for call_id, raw in zip(unknown, found, strict=True):
                if raw is not None:
                    self._open[call_id] = Cdr.from_dict(json.loads(raw))
        changed: dict[str, Cdr] = {}
        for record in batch:
            if isinstance(record, rec.AgentStateChanged):
                continue
            cdr = apply(self._open.get(record.call_id), record)
            assert cdr is not None
            self._open[record.call_id] = changed[record.call_id] = cdr
        return list(changed.values())

    async def _transaction(
        self,
        batch_id: str,
        batch: Sequence[rec.Record],
        cdrs: Sequence[Cdr],
        counters: dict[int, dict[str, str]],
        live: dict[str, Any],
        now: float,
    ) -> None:
        start = time.perf_counter()
        for attempt in range(3):
            try:
                await self._execute(batch_id, batch, cdrs, counters, live, now)
                break
            except (ConnectionError, TimeoutError, RedisError):
                if attempt == 2:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
                if await self.redis.exists(keys.batch(batch_id)):
                    break  # the first try went through, only its reply was lost
        self.last_flush_s = time.perf_counter() - start

    async def _execute(
        self,
        batch_id: str,
        batch: Sequence[rec.Record],
        cdrs: Sequence[Cdr],
        counters: dict[int, dict[str, str]],
        live: dict[str, Any],
        now: float,
    ) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.set(keys.batch(batch_id), 1, ex=3600)
        for record in batch:
            pipe.xadd(keys.EVENTS, {"r": json.dumps(rec.to_dict(record))})
            if isinstance(record, rec.CallInformed | rec.CallDissuaded) and record.message_id:
                pipe.hsetnx(keys.FILE0_FIRST, record.message_id, repr(record.at))
        expire_at = int(time.time()) + self.retention_s
        for cdr in cdrs:
            key = keys.cdr(cdr.call_id)
            pipe.set(key, json.dumps(cdr.to_dict()), exat=expire_at)
            pipe.zadd(keys.CDR_INDEX, {cdr.call_id: cdr.received_at or 0.0})
            if cdr.closed:
                pipe.srem(keys.CDR_OPEN, cdr.call_id)
            else:
                pipe.sadd(keys.CDR_OPEN, cdr.call_id)
        if self.tracker is not None:
            size = self.tracker.size
            for idx, values in counters.items():
                key = keys.counters(size, idx)
                pipe.delete(key)
                if values:
                    pipe.hset(key, mapping=values)  # type: ignore[arg-type]
                    pipe.zadd(keys.counters_index(size), {str(idx): idx})
                else:
                    pipe.zrem(keys.counters_index(size), str(idx))
        live_fields: dict[str | bytes, str] = {k: json.dumps(v) for k, v in live.items()}
        pipe.hset(keys.LIVE, mapping=live_fields)  # type: ignore[arg-type]
        up_key, bit = state.uptime_bit(now)
        pipe.setbit(up_key, bit, 1)
        pipe.expire(up_key, self.retention_s)
        if batch:
            pipe.publish(keys.FEED_CHANNEL, json.dumps({"records": len(batch), "at": now}))
        await pipe.execute()

    # ------------------------------------------------------------------ live state

    def _note_agent(self, record: rec.Record) -> None:
        if isinstance(record, rec.AgentStateChanged):
            self.agents[record.agent_id] = {
                "agent_id": record.agent_id, "state": record.state, "reason": record.reason,
                "since": record.at, "queue": record.queue, "call_id": record.call_id,
            }

    def live_state(self, now: float) -> dict[str, Any]:
        """The live snapshot kept in Redis: per-queue figures and agents."""
        out: dict[str, Any] = {"updated_at": now, "agents": self.agents}
        if self.kpi is not None and self.tracker is not None:
            queues = {}
            for queue in sorted(self.tracker.queues):
                figures = self.kpi.live(now, queue, since=now).to_dict()
                del figures["avg_talk_s"]
                queues[queue] = figures
            out["queues"] = queues
        return out

    async def load_live(self) -> dict[str, Any]:
        """The live snapshot as last written (for a process that only reads)."""
        raw: dict[bytes, bytes] = await self.redis.hgetall(keys.LIVE)  # type: ignore[assignment]
        return {k.decode(): json.loads(v) for k, v in raw.items()}

    # ------------------------------------------------------------------ reading back

    async def replay(
        self, since: float | None = None, batch: int = 2000
    ) -> AsyncIterator[rec.Record]:
        """Every record of the stream in order (from ``since``, a Unix time, if given)."""
        start = "-" if since is None else str(max(0, int(since * 1000)))
        while True:
            entries: Any = await self.redis.xrange(keys.EVENTS, start, "+", count=batch)
            for _stream_id, fields in entries:
                yield rec.from_dict(json.loads(fields[b"r"]))
            if len(entries) < batch:
                return
            start = "(" + entries[-1][0].decode()

    async def load(self, since: float | None = None) -> int:
        """Rebuild the in-memory state (KPI engine, agents, open CDRs) from Redis at startup.

        Returns the number of records replayed. Call before the runtime produces records.
        """
        count = 0
        async for record in self.replay(since):
            if self.kpi is not None:
                self.kpi.feed(record)
            if self.tracker is not None:
                self.tracker.observe(record)
            self._note_agent(record)
            count += 1
        await self._load_open_cdrs()
        return count

    async def _load_open_cdrs(self) -> None:
        members: set[bytes] = await self.redis.smembers(keys.CDR_OPEN)  # type: ignore[assignment]
        ids = sorted(m.decode() for m in members)
        if not ids:
            return
        found = await self.redis.mget([keys.cdr(i) for i in ids])
        for call_id, raw in zip(ids, found, strict=True):
            if raw is not None and call_id not in self._open:
                self._open[call_id] = Cdr.from_dict(json.loads(raw))

    async def cdr(self, call_id: str) -> Cdr | None:
        """The CDR of one call as written."""
        raw = await self.redis.get(keys.cdr(call_id))
        return None if raw is None else Cdr.from_dict(json.loads(raw))

    async def cdrs(self, start: float, end: float, batch: int = 1000) -> AsyncIterator[Cdr]:
        """CDRs of the calls that arrived in ``[start, end)``, by arrival time."""
        offset = 0
        while True:
            ids: list[bytes] = await self.redis.zrangebyscore(  # type: ignore[assignment]
                keys.CDR_INDEX, start, f"({end}", start=offset, num=batch
            )
            if not ids:
                return
            for raw in await self.redis.mget([keys.cdr(i.decode()) for i in ids]):
                if raw is not None:
                    yield Cdr.from_dict(json.loads(raw))
            offset += len(ids)

    async def event_count(self) -> int:
        """Records in the stream."""
        return int(await self.redis.xlen(keys.EVENTS))

    # ------------------------------------------------------------------ retention

    async def trim(self) -> None:
        """Drop what is older than the retention (stream entries, CDR index, counters)."""
        cutoff_ms = int((time.time() - self.retention_s) * 1000)
        await self.redis.xtrim(keys.EVENTS, minid=str(max(cutoff_ms, 0)))
        cutoff = self.clock() - self.retention_s
        await self.redis.zremrangebyscore(keys.CDR_INDEX, "-inf", f"({cutoff}")
        if self.tracker is not None:
            size = self.tracker.size
            old: list[bytes] = await self.redis.zrangebyscore(  # type: ignore[assignment]
                keys.counters_index(size), "-inf", f"({int(cutoff // size)}"
            )
            if old:
                await self.redis.delete(*[keys.counters(size, int(i)) for i in old])
                await self.redis.zrem(keys.counters_index(size), *old)

    # ------------------------------------------------------------------ other state

    async def save_snapshot(self, data: dict[str, Any]) -> None:
        """Keep the ACD snapshot (``acd.snapshot.snapshot(acd)``)."""
        await state.save_json(self.redis, keys.SNAPSHOT, data)

    async def load_snapshot(self) -> dict[str, Any] | None:
        """The last ACD snapshot kept, or ``None``."""
        return await state.load_json(self.redis, keys.SNAPSHOT)

    async def save_file0(self, data: dict[str, Any]) -> None:
        """Keep the file 0 activations (``File0.to_dict()``)."""
        await state.save_json(self.redis, keys.FILE0, data)

    async def load_file0(self) -> dict[str, Any] | None:
        """The file 0 activations kept, or ``None``."""
        return await state.load_json(self.redis, keys.FILE0)

    async def audit(self, entry: state.AuditEntry) -> str:
        """Append an audited action (who, when, what, why)."""
        return await state.audit(self.redis, entry)

    async def audit_log(self, count: int = 100) -> list[state.AuditEntry]:
        """The latest audited actions, newest first."""
        return await state.audit_log(self.redis, count)

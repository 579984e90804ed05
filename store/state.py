"""Small durable state next to the event log: ACD snapshot, file 0, audit log, availability."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from store import keys

DAY_S = 86_400
MINUTE_S = 60


async def save_json(redis: aioredis.Redis, key: str, data: Mapping[str, Any]) -> None:
    """Write ``data`` as JSON under ``key``."""
    await redis.set(key, json.dumps(data, separators=(",", ":")))


async def load_json(redis: aioredis.Redis, key: str) -> dict[str, Any] | None:
    """The JSON object under ``key``, or ``None``."""
    raw = await redis.get(key)
    if raw is None:
        return None
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError(f"{key}: expected a JSON object")
    return data


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited action."""

    at: float
    who: str
    role: str
    action: str
    target: str
    reason: str
    detail: dict[str, Any]
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able form."""
        return {
            "id": self.id, "at": self.at, "who": self.who, "role": self.role,
            "action": self.action, "target": self.target, "reason": self.reason,
            "detail": self.detail,
        }


async def audit(redis: aioredis.Redis, entry: AuditEntry) -> str:
    """Append an audited action; returns its stream id."""
    data = entry.to_dict()
    del data["id"]
    stream_id: Any = await redis.xadd(keys.AUDIT, {"a": json.dumps(data)})
    return str(stream_id.decode() if isinstance(stream_id, bytes) else stream_id)


async def audit_log(redis: aioredis.Redis, count: int = 100) -> list[AuditEntry]:
    """The latest ``count`` audited actions, newest first."""
    out = []
    entries: Any = await redis.xrevrange(keys.AUDIT, count=count)
    for stream_id, fields in entries:
        data = json.loads(fields[b"a"])
        out.append(AuditEntry(id=stream_id.decode(), **data))
    return out


async def file0_first(redis: aioredis.Redis) -> dict[str, float]:
    """File 0 activation id -> time of the first call redirected to it (informed/dissuaded)."""
    raw: dict[bytes, bytes] = await redis.hgetall(keys.FILE0_FIRST)  # type: ignore[assignment]
    return {k.decode(): float(v) for k, v in raw.items()}


def uptime_bit(now: float) -> tuple[str, int]:
    """Key and bit that mark the minute holding ``now`` as up."""
    day = math.floor(now / DAY_S)
    return keys.uptime(day), int((now - day * DAY_S) // MINUTE_S)


async def availability(
    redis: aioredis.Redis,
    start: float,
    end: float,
    counted: Callable[[float], bool] | None = None,
) -> tuple[int, int]:
    """``(minutes down, minutes counted)`` in ``[start, end)`` (whole minutes only).

    A minute is up when the engine wrote to the store in it (it writes at least every few
    seconds while running). ``counted`` restricts the minutes to some hours (e.g. HO).
    """
    first = math.ceil(start / MINUTE_S)
    last = math.floor(end / MINUTE_S)
    minutes = [m for m in range(first, last) if counted is None or counted(m * MINUTE_S)]
    if not minutes:
        return 0, 0
    days = sorted({(m * MINUTE_S) // DAY_S for m in minutes})
    pipe = redis.pipeline(transaction=False)
    for day in days:
        pipe.get(keys.uptime(int(day)))
    bitmaps = dict(zip(days, await pipe.execute(), strict=True))
    down = 0
    for m in minutes:
        day = (m * MINUTE_S) // DAY_S
        bit = m - day * (DAY_S // MINUTE_S)
        bits: bytes | None = bitmaps[day]
        byte = bits[bit // 8] if bits is not None and bit // 8 < len(bits) else 0
        if not (byte >> (7 - bit % 8)) & 1:
            down += 1
    return down, len(minutes)

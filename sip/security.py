"""Trunk security: source allow-lists, per-source token buckets, refusal counters.

The endpoint asks two questions of every message, both cheap and before any real work:

1. :meth:`Security.admit`: is the source IP in some trunk's allow-list?  (No trunks
   configured means no allow-list: everyone is admitted, :attr:`Security.open` says so.)
2. :meth:`Security.charge`: may this source start one more out-of-dialog request now?  One
   token bucket per source IP with its trunk's ``rate`` and ``burst``.  The bucket table
   is bounded and **fails closed**: when it is full and its least recently used bucket is
   still in use, a new source is refused rather than let in unmetered.

Every refusal is counted by reason (and by trunk) in :attr:`Security.refusals`.  Answering a
refusal (403, or whatever a trunk's ``reject_with`` says) is itself rate limited by one
global bucket so a flood of refused requests cannot turn us into an amplifier.
"""

from __future__ import annotations

import ipaddress
import math
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Final

__all__ = ["RateLimiter", "Security", "TokenBucket", "TrunkConfig"]

#: Refusal reasons, as counted and as reported in ``RequestRefused.reason``.
NOT_ALLOWED: Final = "not_allowed"
RATE_LIMITED: Final = "rate_limited"
TABLE_FULL: Final = "rate_table_full"
MALFORMED: Final = "malformed"

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_CACHE_MAX: Final = 4096


@dataclass(frozen=True, slots=True)
class TrunkConfig:
    """A peer allowed to send us requests (same field order as ``live.config.TrunkConfig``)."""

    name: str
    """A name for counters and events."""
    allow: tuple[str, ...]
    """Addresses or CIDR networks (``192.0.2.1``, ``10.1.0.0/16``, ``2001:db8::/32``)."""
    rate: float | None = None
    """Out-of-dialog requests (new calls, OPTIONS...) per second per source IP; None: no limit."""
    burst: int | None = None
    """Token bucket size; default ``rate`` rounded up (at least 1)."""
    reject_with: int | None = None
    """Status answered to this trunk's rate-limited requests (e.g. 403, 503); None: drop."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "allow", tuple(self.allow))
        for net in self.allow:
            ipaddress.ip_network(net, strict=False)  # raises ValueError on a bad entry
        if self.rate is not None and not (math.isfinite(self.rate) and self.rate > 0):
            raise ValueError(f"trunk {self.name}: rate must be positive, got {self.rate}")
        if self.burst is not None and self.burst < 1:
            raise ValueError(f"trunk {self.name}: burst must be at least 1")
        if self.reject_with is not None and not 400 <= self.reject_with <= 699:
            raise ValueError(f"trunk {self.name}: reject_with must be 400-699")

    @property
    def bucket_size(self) -> int:
        """The effective burst."""
        if self.burst is not None:
            return self.burst
        return max(1, math.ceil(self.rate or 1))


class TokenBucket:
    """``burst`` tokens refilled at ``rate`` per second; time is a parameter."""

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.last = now

    def _refill(self, now: float) -> None:
        if now > self.last:  # a clock going backwards refills nothing
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now

    def take(self, now: float) -> bool:
        """Take one token if there is one."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def idle(self, now: float) -> bool:
        """True when full again: forgetting it loses nothing."""
        self._refill(now)
        return self.tokens >= self.burst


class RateLimiter:
    """One :class:`TokenBucket` per key, at most ``max_sources`` of them, failing closed."""

    __slots__ = ("_buckets", "max_sources")

    def __init__(self, max_sources: int = 10_000) -> None:
        if max_sources < 1:
            raise ValueError("max_sources must be at least 1")
        self.max_sources = max_sources
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def check(self, key: str, rate: float, burst: int, now: float) -> str | None:
        """Charge one request to ``key``: None if allowed, else the refusal reason."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_sources:
                oldest = next(iter(self._buckets.values()))
                if not oldest.idle(now):
                    return TABLE_FULL
                self._buckets.popitem(last=False)
            bucket = self._buckets[key] = TokenBucket(rate, burst, now)
        else:
            self._buckets.move_to_end(key)
        return None if bucket.take(now) else RATE_LIMITED

    def __len__(self) -> int:
        return len(self._buckets)


class Security:
    """Allow-lists and rate limits of an endpoint, with refusal counters."""

    __slots__ = ("_cache", "_nets", "_responses", "limiter", "refusals", "reject_with", "trunks")

    def __init__(
        self,
        trunks: tuple[TrunkConfig, ...] = (),
        *,
        reject_with: int | None = None,
        max_sources: int = 10_000,
        response_rate: float = 20.0,
        response_burst: int = 40,
    ) -> None:
        self.trunks = tuple(trunks)
        self.reject_with = reject_with
        self._nets: list[tuple[_Network, TrunkConfig]] = [
            (ipaddress.ip_network(net, strict=False), trunk)
            for trunk in self.trunks
            for net in trunk.allow
        ]
        self._cache: dict[str, TrunkConfig | None] = {}
        self.limiter = RateLimiter(max_sources)
        self._responses = TokenBucket(response_rate, response_burst, 0.0)
        self.refusals: Counter[str] = Counter()

    @property
    def open(self) -> bool:
        """True when no trunk is configured: every source is admitted (log a warning)."""
        return not self.trunks

    def admit(self, ip: str) -> tuple[bool, TrunkConfig | None]:
        """``(admitted, trunk)`` for a source IP; counts a ``not_allowed`` refusal."""
        if not self.trunks:
            return True, None
        cache = self._cache
        if ip in cache:
            trunk = cache[ip]
        else:
            trunk = self._lookup(ip)
            if len(cache) >= _CACHE_MAX:
                cache.clear()  # spoofed sources must not grow it without bound
            cache[ip] = trunk
        if trunk is None:
            self.refuse(NOT_ALLOWED)
            return False, None
        return True, trunk

    def _lookup(self, ip: str) -> TrunkConfig | None:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped  # a dual-stack socket reports ::ffff:a.b.c.d
        for net, trunk in self._nets:
            if addr.version == net.version and addr in net:
                return trunk
        return None

    def charge(self, ip: str, trunk: TrunkConfig | None, now: float) -> str | None:
        """Charge one out-of-dialog request to ``ip``: None if allowed, else the reason."""
        if trunk is None or trunk.rate is None:
            return None
        reason = self.limiter.check(ip, trunk.rate, trunk.bucket_size, now)
        if reason is not None:
            self.refuse(reason, trunk)
        return reason

    def refuse(self, reason: str, trunk: TrunkConfig | None = None) -> None:
        """Count one refusal."""
        self.refusals[reason] += 1
        if trunk is not None:
            self.refusals[f"{trunk.name}:{reason}"] += 1

    def may_answer(self, now: float) -> bool:
        """True if a refusal may be answered now (the global response budget)."""
        return self._responses.take(now)

"""Per-interval sums, keyed by (interval index, queue or ``None`` for overall, hours class).

Interval ``i`` covers ``[i * interval_s, (i + 1) * interval_s)``; intervals are aligned on
time 0 (Unix epoch in the live engine, so 900 s intervals fall on the quarter hours).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from operator import add, sub

#: Hours filter meaning "every class".
ALL = "all"

BucketKey = tuple[int, str | None, str]


def interval_index(t: float, interval_s: float) -> int:
    """Index of the interval holding ``t``."""
    return int(t // interval_s)


def split(start: float, end: float, interval_s: float) -> Iterator[tuple[int, float, float]]:
    """``(index, a, b)`` for each piece of ``[start, end)`` cut at interval boundaries."""
    idx = interval_index(start, interval_s)
    a = start
    while a < end:
        b = min(end, (idx + 1) * interval_s)
        if b > a:
            yield idx, a, b
        a = b
        idx += 1


def full_range(start: float, end: float, interval_s: float) -> tuple[int, int]:
    """Indices ``[lo, hi)`` of the intervals lying wholly inside ``[start, end)``."""
    lo = -int(-start // interval_s)
    hi = int(end // interval_s)
    return lo, max(lo, hi)


def partial_pieces(
    start: float, end: float, interval_s: float
) -> list[tuple[int, float, float]]:
    """The pieces of ``[start, end)`` that do not cover a whole interval (at most two)."""
    lo, hi = full_range(start, end, interval_s)
    if lo == hi:
        return list(split(start, end, interval_s))
    pieces = []
    if start < lo * interval_s:
        pieces.append((lo - 1, start, lo * interval_s))
    if hi * interval_s < end:
        pieces.append((hi, hi * interval_s, end))
    return pieces


class Buckets:
    """Vectors of sums of a fixed width, one per bucket key."""

    __slots__ = ("classes", "data", "width")

    def __init__(self, width: int) -> None:
        self.width = width
        self.data: dict[BucketKey, list[float]] = {}
        self.classes: dict[str, None] = {}
        """Hours classes seen so far (an ordered set)."""

    def add(self, key: BucketKey, values: Sequence[float], sign: int = 1) -> None:
        """Add ``values`` to the bucket ``key`` (subtract them if ``sign`` is negative)."""
        vec = self.data.get(key) or self.new(key)
        vec[:] = map(add if sign > 0 else sub, vec, values)

    def new(self, key: BucketKey) -> list[float]:
        """Create the bucket ``key`` (all zeros) and return its vector."""
        vec = self.data[key] = [0.0] * self.width
        self.classes[key[2]] = None
        return vec

    def total(self, lo: int, hi: int, queue: str | None, hours: str) -> list[float]:
        """Sum of the buckets of intervals ``[lo, hi)`` for ``queue`` and ``hours``."""
        out = [0.0] * self.width
        classes = list(self.classes) if hours == ALL else [hours]
        if not self.data or hi <= lo:
            return out
        if (hi - lo) * len(classes) <= len(self.data):
            found = (self.data.get((i, queue, c)) for i in range(lo, hi) for c in classes)
        else:
            found = (
                vec
                for (i, q, c), vec in self.data.items()
                if q == queue and lo <= i < hi and (hours in (ALL, c))
            )
        for vec in found:
            if vec is not None:
                for i, v in enumerate(vec):
                    out[i] += v
        return out

    def drop_before(self, index: int) -> None:
        """Forget every bucket of an interval before ``index``."""
        for key in [k for k in self.data if k[0] < index]:
            del self.data[key]

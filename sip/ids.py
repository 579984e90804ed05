"""Tags, branches and other identifiers, drawn from an injected random source.

The pure core never touches module-level ``random``: the driver passes ``random.Random(seed)``
for reproducible runs (simulation, golden traces) or ``random.SystemRandom()`` in production,
where tags and branches should be unguessable (RFC 3261 §19.3 asks for 32 random bits).
Without one, :class:`CounterSource` gives deterministic, well-spread values.
"""

from __future__ import annotations

from typing import Final, Protocol

from sip.values import MAGIC_COOKIE

__all__ = ["CounterSource", "IdGenerator", "RandomSource"]

_MASK64: Final = (1 << 64) - 1


class RandomSource(Protocol):
    """What the endpoint needs from a random generator (``random.Random`` fits)."""

    def getrandbits(self, k: int, /) -> int:
        """An integer of ``k`` random bits."""
        ...

    def random(self) -> float:
        """A float in [0, 1)."""
        ...


class CounterSource:
    """A deterministic stand-in for ``random.Random``: SplitMix64 over a counter."""

    __slots__ = ("_state",)

    def __init__(self, seed: int = 0) -> None:
        self._state = seed & _MASK64

    def _next64(self) -> int:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK64
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def getrandbits(self, k: int, /) -> int:
        """``k`` pseudo-random bits."""
        out = 0
        bits = 0
        while bits < k:
            out = (out << 64) | self._next64()
            bits += 64
        return out >> (bits - k)

    def random(self) -> float:
        """A float in [0, 1) with 53 bits of precision."""
        return self.getrandbits(53) / (1 << 53)


class IdGenerator:
    """Makes the identifiers a UAS needs from one :class:`RandomSource`."""

    __slots__ = ("_rng",)

    def __init__(self, rng: RandomSource) -> None:
        self._rng = rng

    def tag(self) -> str:
        """A From/To tag: 64 random bits in hex."""
        return f"{self._rng.getrandbits(64):016x}"

    def branch(self) -> str:
        """A Via branch with the RFC 3261 magic cookie."""
        return f"{MAGIC_COOKIE}{self._rng.getrandbits(64):016x}"

    def retry_after(self, limit: int = 10) -> int:
        """A random Retry-After between 0 and ``limit`` seconds (RFC 3261 §14.2)."""
        return int(self._rng.random() * (limit + 1)) % (limit + 1)

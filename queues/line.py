"""A waiting line with absolute and relative priorities, stable positions and stages.

Order rule (one key, fixed when a caller joins, so positions never shuffle by themselves):

1. higher ``priority`` class first (absolute priority);
2. then earlier *virtual arrival* ``since - points * aging_s_per_point``: relative priority
   points put a caller ahead as if it had waited longer, and plain aging falls out of the
   same rule, since everyone who waits keeps their place ahead of later arrivals;
3. then join order (FIFO within equal priority).

A caller that leaves for a moment (offered to an agent who did not answer) comes back with
its original key, hence to its original place. Entries also carry an escalation *stage*:
the line keeps one sorted list per stage so ``head(min_stage)`` finds the best caller a
given agent may take without scanning.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass

from queues.errors import QueuesError

#: (negated priority class, virtual arrival time, join sequence number)
Key = tuple[int, float, int]


@dataclass(slots=True)
class Entry:
    """One caller in a line. Mutable only through :class:`WaitingLine` and the ACD."""

    call_id: str
    key: Key
    stage: int = 0
    """Escalation stage: who may take the call (see ``QueueConfig.stage_requirements``)."""

    def __init__(self, call_id: str, key: Key, stage: int = 0) -> None:
        self.call_id = call_id
        self.key = key
        self.stage = stage


def make_key(priority: int, since: float, points: int, aging_s_per_point: float, seq: int) -> Key:
    """The ordering key of a caller; see the module docstring."""
    return (-priority, since - points * aging_s_per_point, seq)


class WaitingLine:
    """Callers waiting for one queue, best first."""

    __slots__ = ("_by_id", "_by_key", "_keys")

    def __init__(self, stages: int = 1) -> None:
        if stages < 1:
            raise QueuesError("a waiting line needs at least one stage")
        self._keys: list[list[Key]] = [[] for _ in range(stages)]
        self._by_key: dict[Key, Entry] = {}
        self._by_id: dict[str, Entry] = {}

    @property
    def stages(self) -> int:
        return len(self._keys)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._by_id

    def get(self, call_id: str) -> Entry | None:
        return self._by_id.get(call_id)

    def add(self, entry: Entry) -> None:
        """Insert ``entry`` at the place its key gives it."""
        if entry.call_id in self._by_id:
            raise QueuesError(f"call {entry.call_id!r} is already in the line")
        if entry.key in self._by_key:
            raise QueuesError(f"duplicate line key {entry.key!r}")
        if not 0 <= entry.stage < len(self._keys):
            raise QueuesError(f"stage {entry.stage} out of range")
        insort(self._keys[entry.stage], entry.key)
        self._by_key[entry.key] = entry
        self._by_id[entry.call_id] = entry

    def remove(self, call_id: str) -> Entry:
        """Take a caller out from anywhere in the line (abandon, offer, overflow)."""
        entry = self._by_id.pop(call_id, None)
        if entry is None:
            raise QueuesError(f"call {call_id!r} is not in the line")
        keys = self._keys[entry.stage]
        del keys[bisect_left(keys, entry.key)]
        del self._by_key[entry.key]
        return entry

    def set_stage(self, call_id: str, stage: int) -> None:
        """Move a caller to another escalation stage; its place in line is unchanged."""
        entry = self.remove(call_id)
        entry.stage = min(stage, len(self._keys) - 1)
        self.add(entry)

    def head(self, min_stage: int = 0) -> Entry | None:
        """The best caller among those at ``min_stage`` or later (``None`` if none)."""
        if min_stage == len(self._keys) - 1:  # one list (the usual case: one stage)
            keys = self._keys[min_stage]
            return self._by_key[keys[0]] if keys else None
        best: Key | None = None
        for keys in self._keys[min_stage:]:
            if keys and (best is None or keys[0] < best):
                best = keys[0]
        return None if best is None else self._by_key[best]

    def position(self, call_id: str) -> int:
        """1-based position of a caller counting everyone ahead of it, whatever the stage."""
        entry = self._by_id.get(call_id)
        if entry is None:
            raise QueuesError(f"call {call_id!r} is not in the line")
        return 1 + sum(bisect_left(keys, entry.key) for keys in self._keys)

    def __iter__(self) -> Iterator[Entry]:
        """Every caller, best first."""
        merged = sorted(k for keys in self._keys for k in keys)
        return (self._by_key[k] for k in merged)

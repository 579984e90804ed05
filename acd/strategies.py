"""Agent-selection strategies, named in queue configuration.

Each strategy gives every available agent a sort key for a queue: the agent with the
smallest key is chosen. Keys end with the agent's registration order so they are unique
and choices are deterministic. ``round_robin`` and ``random`` choose differently, by
pointer and by an injected random source.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Protocol

from acd.model import Agent
from queues.config import QueueConfig

AgentKey = tuple[float, ...]


class RandomSource(Protocol):
    """What the ``random`` strategy needs: ``random.Random`` and NumPy generators fit."""

    def random(self) -> float: ...


def _longest_idle(agent: Agent, queue: QueueConfig) -> AgentKey:
    return (agent.idle_since, agent.order)


def _highest_level(agent: Agent, queue: QueueConfig) -> AgentKey:
    return (-agent.skills.get(queue.skill, 0), agent.idle_since, agent.order)


def _fewest_calls(agent: Agent, queue: QueueConfig) -> AgentKey:
    return (agent.calls_today, agent.idle_since, agent.order)


def _by_order(agent: Agent, queue: QueueConfig) -> AgentKey:
    return (agent.order,)


KEYS: dict[str, Callable[[Agent, QueueConfig], AgentKey]] = {
    "longest_idle": _longest_idle,
    "highest_level": _highest_level,
    "fewest_calls": _fewest_calls,
    "round_robin": _by_order,
    "random": _by_order,
}


def pick_smallest(lists: Sequence[list[AgentKey]]) -> AgentKey | None:
    """The smallest key over several sorted lists."""
    best: AgentKey | None = None
    for keys in lists:
        if keys and (best is None or keys[0] < best):
            best = keys[0]
    return best


def pick_round_robin(lists: Sequence[list[AgentKey]], last_order: int) -> AgentKey | None:
    """The first agent after ``last_order`` in registration order, wrapping around."""
    after: AgentKey | None = None
    for keys in lists:
        i = bisect_right(keys, (float(last_order),))
        if i < len(keys) and (after is None or keys[i] < after):
            after = keys[i]
    return after if after is not None else pick_smallest(lists)


def pick_random(lists: Sequence[list[AgentKey]], rng: RandomSource) -> AgentKey | None:
    """A uniformly random available agent."""
    total = sum(len(keys) for keys in lists)
    if total == 0:
        return None
    i = min(int(rng.random() * total), total - 1)
    for keys in lists:
        if i < len(keys):
            return keys[i]
        i -= len(keys)
    raise AssertionError("unreachable: index within total")

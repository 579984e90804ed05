"""A fake-clock driver for the ACD core, for synchronous tests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from acd import events as ev
from acd.commands import Command, OfferCall
from acd.engine import Acd, AcdConfig
from acd.model import AgentConfig
from queues import records as rec
from queues.config import QueueConfig


@dataclass
class Harness:
    """Feeds events at a fake time and runs due timers on the way, like a driver would."""

    acd: Acd
    now: float = 0.0
    commands: list[Command] = field(default_factory=list)
    records: list[rec.Record] = field(default_factory=list)

    def advance(self, to: float) -> list[Command]:
        """Move the clock to ``to``, firing every timer due on the way, in order."""
        out: list[Command] = []
        while (deadline := self.acd.next_deadline()) is not None and deadline <= to:
            self.now = max(self.now, deadline)
            out += self.acd.on_timer(self.now)
        self.now = max(self.now, to)
        self._keep(out)
        return out

    def do(self, event: ev.Event, at: float | None = None) -> list[Command]:
        out = self.advance(self.now if at is None else at)
        new = self.acd.handle(event, self.now)
        self._keep(new)
        return out + new

    def _keep(self, out: list[Command]) -> None:
        self.commands += out
        self.records += self.acd.pop_records()

    def offers(self) -> list[tuple[str, str]]:
        return [(c.call_id, c.agent_id) for c in self.commands if isinstance(c, OfferCall)]

    def of(self, kind: type) -> list[object]:
        return [r for r in self.records if isinstance(r, kind)]


def make(
    queues: list[QueueConfig],
    agents: dict[str, dict[str, int]],
    login: bool = True,
    seed: int | None = None,
    **kw: object,
) -> Harness:
    config = AcdConfig(
        tuple(queues), tuple(AgentConfig(a, s) for a, s in agents.items()), **kw  # type: ignore[arg-type]
    )
    h = Harness(Acd(config, random.Random(seed) if seed is not None else None))
    if login:
        for agent_id in agents:
            h.do(ev.AgentLoggedIn(agent_id))
    return h

"""Routing benchmark: 1,000 agents, 50 skills, 10,000 waiting calls, mixed events.

Run: ``python benchmarks/bench_routing.py [--events N] [--seed S]``

Prints routing decisions per second and the p50/p99 latency of one event (each event
below makes one routing decision: an agent finishing a call takes the next caller, a new
caller looks for a free agent, a ring-no-answer puts a caller back...), for the ACD core
and for a naive baseline that makes the same choices by scanning every waiting call and
every agent (measured in the same run, on the same event sequence). The two must make
identical offers; the benchmark checks it. Target: >= 100,000 decisions/s, p99 < 100 µs.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
from dataclasses import dataclass, field

from acd import events as ev
from acd.commands import OfferCall
from acd.engine import Acd, AcdConfig
from acd.model import AgentConfig
from queues.config import QueueConfig

N_AGENTS = 1_000
N_SKILLS = 50
N_WAITING = 10_000


def build_config(seed: int) -> AcdConfig:
    rng = random.Random(seed)
    queues = tuple(QueueConfig(f"q{i}", f"s{i}", ring_timeout_s=15) for i in range(N_SKILLS))
    agents = tuple(
        AgentConfig(f"a{i}", {f"s{k}": rng.randint(1, 10) for k in rng.sample(range(N_SKILLS), 3)})
        for i in range(N_AGENTS)
    )
    return AcdConfig(queues, agents)


@dataclass
class NaiveAcd:
    """Same routing rules as the core for this workload, by linear scans (the baseline)."""

    config: AcdConfig
    skills: dict[str, dict[str, int]] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    idle_since: dict[str, float] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)
    waiting: list[tuple[float, int, str, str]] = field(default_factory=list)  # since,seq,id,q
    offered: dict[str, tuple[float, int, str, str]] = field(default_factory=dict)
    connected: dict[str, str] = field(default_factory=dict)  # call -> agent
    seq: int = 0

    def __post_init__(self) -> None:
        for i, a in enumerate(self.config.agents):
            self.skills[a.agent_id] = dict(a.skills)
            self.state[a.agent_id] = "logged_out"
            self.order[a.agent_id] = i
        self.queue_skill = {q.name: q.skill for q in self.config.queues}

    def handle(self, event: ev.Event, now: float) -> list[OfferCall]:
        out: list[OfferCall] = []
        if isinstance(event, (ev.AgentLoggedIn, ev.AgentResumed)):
            self._free(event.agent_id, now, out)
        elif isinstance(event, ev.CallQueued):
            self.seq += 1
            item = (now, self.seq, event.call_id, event.queue)
            agent = self._best_agent(event.queue)
            if agent is None:
                self.waiting.append(item)
            else:
                self._offer(item, agent, out)
        elif isinstance(event, ev.AgentAnswered):
            self.offered.pop(event.call_id)
            self.connected[event.call_id] = event.agent_id
            self.state[event.agent_id] = "on_call"
        elif isinstance(event, ev.AgentHungUp):
            agent = self.connected.pop(event.call_id)
            self._free(agent, now, out)
        elif isinstance(event, ev.OfferFailed):
            item = self.offered.pop(event.call_id)
            self.state[event.agent_id] = "paused"
            agent = self._best_agent(item[3])
            if agent is None:
                self.waiting.append(item)
            else:
                self._offer(item, agent, out)
        elif isinstance(event, ev.CallerHungUp):
            self.waiting = [w for w in self.waiting if w[2] != event.call_id]
        return out

    def _free(self, agent: str, now: float, out: list[OfferCall]) -> None:
        self.state[agent] = "available"
        self.idle_since[agent] = now
        skills = self.skills[agent]
        best = None
        for item in self.waiting:  # the scan the core avoids
            if self.queue_skill[item[3]] in skills and (best is None or item[:2] < best[:2]):
                best = item
        if best is not None:
            self.waiting.remove(best)
            self._offer(best, agent, out)

    def _best_agent(self, queue: str) -> str | None:
        skill = self.queue_skill[queue]
        best = None
        for agent, state in self.state.items():  # the other scan the core avoids
            if state == "available" and skill in self.skills[agent]:
                key = (self.idle_since[agent], self.order[agent])
                if best is None or key < best[0]:
                    best = (key, agent)
        return None if best is None else best[1]

    def _offer(self, item: tuple[float, int, str, str], agent: str, out: list[OfferCall]) -> None:
        self.state[agent] = "ringing"
        self.offered[item[2]] = item
        out.append(OfferCall(item[2], agent, item[3], 15))


@dataclass
class World:
    """The callers and agents around the engine: who rings, talks and waits."""

    engine: Acd | NaiveAcd
    rng: random.Random
    now: float = 0.0
    next_id: int = 0
    ringing: dict[str, str] = field(default_factory=dict)
    connected: list[str] = field(default_factory=list)
    waiting: set[str] = field(default_factory=set)
    offers: list[object] = field(default_factory=list)

    def apply(self, event: ev.Event) -> list[OfferCall]:
        out = [c for c in self.engine.handle(event, self.now) if isinstance(c, OfferCall)]
        self.take(out)
        return out

    def take(self, out: list[OfferCall]) -> None:
        for c in out:
            self.ringing[c.call_id] = c.agent_id
            self.waiting.discard(c.call_id)

    def answer_all(self) -> None:
        while self.ringing:
            call_id, agent = self.ringing.popitem()
            self.apply(ev.AgentAnswered(call_id, agent))
            self.connected.append(call_id)

    def fill(self) -> None:
        """Everyone logs in and takes a call; then 10,000+ callers wait."""
        queues = [q.name for q in self.engine.config.queues]
        for a in self.engine.config.agents:
            self.apply(ev.AgentLoggedIn(a.agent_id))
        self.answer_all()
        for _ in range(N_AGENTS * 2 + N_WAITING):
            self.next_id += 1
            call_id = f"w{self.next_id}"
            self.waiting.add(call_id)
            self.apply(ev.CallQueued(call_id, self.rng.choice(queues)))
            self.answer_all()

    def next_event(self, queues: list[str], waiting: list[str]) -> ev.Event | None:
        """A mix: answers, ring-no-answers, hang-ups, new callers, abandons."""
        rng = self.rng
        roll = rng.random()
        if self.ringing and roll < 0.45:
            call_id, agent = self.ringing.popitem()
            if rng.random() < 0.05:
                return ev.OfferFailed(call_id, agent, "no_answer")
            self.connected.append(call_id)
            return ev.AgentAnswered(call_id, agent)
        if roll < 0.75 and self.connected:
            return ev.AgentHungUp(self.connected.pop(rng.randrange(len(self.connected))))
        if roll < 0.97 or not waiting:
            self.next_id += 1
            self.waiting.add(f"n{self.next_id}")
            return ev.CallQueued(f"n{self.next_id}", rng.choice(queues))
        call_id = waiting.pop(rng.randrange(len(waiting)))
        if call_id not in self.waiting:
            return None
        self.waiting.discard(call_id)
        return ev.CallerHungUp(call_id)


def workload(engine: Acd | NaiveAcd, n_events: int, seed: int) -> tuple[list[int], list[object]]:
    """Fill the centre, then run ``n_events`` timed events; return latencies and offers."""
    world = World(engine, random.Random(seed))
    world.fill()
    queues = [q.name for q in engine.config.queues]
    waiting = sorted(world.waiting)
    latencies: list[int] = []
    perf = time.perf_counter_ns
    gc.collect()
    for _ in range(n_events):
        world.now += 0.01
        event = world.next_event(queues, waiting)
        if event is None:
            continue
        t0 = perf()
        out = engine.handle(event, world.now)
        latencies.append(perf() - t0)
        offers = [c for c in out if isinstance(c, OfferCall)]
        world.take(offers)
        world.offers += [(c.call_id, c.agent_id) for c in offers]
        if isinstance(event, ev.OfferFailed):
            engine.handle(ev.AgentResumed(event.agent_id), world.now)  # untimed
        if isinstance(engine, Acd):
            engine.pop_records()
        if len(waiting) < 100:
            waiting = sorted(world.waiting)
    return latencies, world.offers


def summary(name: str, latencies: list[int]) -> float:
    total_s = sum(latencies) / 1e9
    rate = len(latencies) / total_s
    q = statistics.quantiles(latencies, n=100)
    print(f"{name:>8}: {len(latencies):>7} decisions  {rate:>10,.0f} decisions/s  "
          f"p50 {q[49] / 1e3:7.1f} µs  p99 {q[98] / 1e3:7.1f} µs")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--baseline-events", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    config = build_config(args.seed)
    load = os.getloadavg()[0]
    print(f"{N_AGENTS} agents, {N_SKILLS} skills, {N_WAITING}+ waiting calls, seed {args.seed}; "
          f"load average {load:.2f} on {os.cpu_count()} cores (other work slows both runs)")
    core_lat, core_offers = workload(Acd(config), args.events, args.seed)
    core_rate = summary("core", core_lat)
    base_lat, base_offers = workload(NaiveAcd(config), args.baseline_events, args.seed)
    base_rate = summary("naive", base_lat)
    n = len(base_offers)
    same = core_offers[:n] == base_offers
    print(f"ratio core/naive: {core_rate / base_rate:,.1f}x  "
          f"(same {n} offers as the baseline: {'yes' if same else 'NO'})")
    p99 = statistics.quantiles(core_lat, n=100)[98] / 1e3
    met = core_rate >= 100_000 and p99 < 100
    print(f"target >= 100,000 decisions/s and p99 < 100 µs: {'met' if met else 'MISSED'}")
    if not same:
        raise SystemExit("the core and the baseline made different routing decisions")


if __name__ == "__main__":
    main()

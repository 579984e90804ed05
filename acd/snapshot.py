"""Serialise the whole ACD state to plain data and restore it exactly.

A restarted engine restores its snapshot and carries on: same waiting lines and places,
same agents and states, same timers, same routing choices from then on. The snapshot is
JSON-able (str, int, float, bool, None, lists, dicts); the configuration is not part of it
and is given again on restore, and queue names are checked against it.
"""

from __future__ import annotations

import heapq
from dataclasses import asdict
from typing import Any, cast

from acd.engine import Acd, AcdConfig, TimerKind
from acd.errors import AcdError
from acd.model import Agent, Call
from acd.strategies import RandomSource
from queues.estimate import HandleTime
from queues.line import Entry
from queues.records import AgentState

VERSION = 1


def snapshot(acd: Acd) -> dict[str, Any]:
    """The state of ``acd`` as plain data. Records not yet popped are included."""
    acd.next_deadline()  # drop stale timers at the top; the rest are filtered below
    timers = sorted(t for t in acd._timers if acd._live(t))
    return {
        "version": VERSION,
        "queues": sorted(acd.queues),
        "now": acd._now if acd._now != float("-inf") else None,
        "seq": acd._seq,
        "round_robin": dict(acd._rr),
        "handle_time": {q: asdict(h) for q, h in acd.handle_time.items()},
        "agents": [_agent_data(a) for a in sorted(acd.agents.values(), key=lambda a: a.order)],
        "calls": [_call_data(c) for c in acd.calls.values()],
        "timers": [list(t) for t in timers],
    }


def restore(config: AcdConfig, data: dict[str, Any], rng: RandomSource | None = None) -> Acd:
    """Rebuild an :class:`Acd` from :func:`snapshot` output and the same configuration."""
    if data.get("version") != VERSION:
        raise AcdError(f"snapshot version {data.get('version')!r} is not {VERSION}")
    acd = Acd(AcdConfig(config.queues, (), config.fairness), rng)
    if sorted(acd.queues) != data["queues"]:
        raise AcdError("snapshot queues do not match the configuration")
    acd.config = config
    acd._now = float("-inf") if data["now"] is None else float(data["now"])
    acd._seq = int(data["seq"])
    acd._rr.update({q: int(v) for q, v in data["round_robin"].items()})
    for q, h in data["handle_time"].items():
        acd.handle_time[q] = HandleTime(**h)
    for item in data["agents"]:
        _restore_agent(acd, item)
    for item in data["calls"]:
        call = _restore_call(item)
        acd.calls[call.call_id] = call
        if call.state == "waiting":
            acd.lines[call.queue].add(call.entry)
        if call.recovers:
            acd._silent.add(call.call_id)
            acd._lost_callbacks[call.callback_number] = call.call_id
    acd._timers = [(float(d), int(s), cast(TimerKind, k), str(i)) for d, s, k, i in data["timers"]]
    heapq.heapify(acd._timers)
    acd.roster.emptied.clear()  # counts were rebuilt from zero, nothing was emptied
    return acd


def _agent_data(agent: Agent) -> dict[str, Any]:
    data = asdict(agent)
    data["pending"] = list(agent.pending) if agent.pending else None
    del data["eligible"]  # derived from skills and the configuration
    return data


def _restore_agent(acd: Acd, item: dict[str, Any]) -> None:
    agent = acd.roster.register(item["agent_id"], dict(item["skills"]))
    if agent.order != item["order"]:
        raise AcdError(f"snapshot agent order mismatch for {agent.agent_id!r}")
    pending = item["pending"]
    agent.reason = item["reason"]
    agent.since = item["since"]
    agent.idle_since = item["idle_since"]
    agent.calls_today = item["calls_today"]
    agent.call_id = item["call_id"]
    agent.queue = item["queue"]
    agent.until = item["until"]
    agent.pending = (cast(AgentState, pending[0]), str(pending[1])) if pending else None
    state = cast(AgentState, item["state"])
    acd.roster.count(agent, agent.state, -1)
    agent.state = state
    acd.roster.count(agent, state, +1)
    if state == "available":
        acd.roster.list(agent)


def _call_data(call: Call) -> dict[str, Any]:
    data = asdict(call)
    data["entry"] = {"key": list(call.entry.key), "stage": call.entry.stage}
    return data


def _restore_call(item: dict[str, Any]) -> Call:
    fields = dict(item)
    entry = fields.pop("entry")
    neg_priority, virtual, seq = entry["key"]
    fields["entry"] = Entry(item["call_id"], (int(neg_priority), float(virtual), int(seq)),
                            int(entry["stage"]))
    return Call(**fields)

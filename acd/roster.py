"""The roster: agents, their states, and who is free for which queue.

Routing needs, for each queue and escalation stage, the available agents already sorted by
the queue's strategy, and for each queue how many eligible agents are logged in and
staffed (the join and leave rules). The roster keeps both current on every state change,
so a routing decision is a lookup, never a scan.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Mapping

from acd.errors import ConfigError
from acd.model import LOGGED_IN, STAFFED, Agent
from acd.strategies import KEYS, AgentKey
from queues import records as rec
from queues.config import QueueConfig, StageRequirement
from queues.records import AgentState


class Roster:
    """Every agent the ACD knows, with the per-queue indexes routing reads."""

    def __init__(
        self, queues: Mapping[str, QueueConfig], stages: Mapping[str, tuple[StageRequirement, ...]]
    ) -> None:
        self.queues = queues
        self._stages = stages
        self._keyfn = {name: KEYS[q.strategy] for name, q in queues.items()}
        self.agents: dict[str, Agent] = {}
        self.avail: dict[str, list[list[AgentKey]]] = {
            name: [[] for _ in s] for name, s in stages.items()
        }
        """Queue -> stage -> sorted keys of the available agents listed at that stage."""
        self.avail_agent: dict[str, dict[AgentKey, Agent]] = {q: {} for q in queues}
        self.members: dict[str, dict[str, Agent]] = {q: {} for q in queues}
        """Queue -> agents eligible for it at some stage, whatever their state."""
        self.logged: dict[str, int] = dict.fromkeys(queues, 0)
        self.staffed: dict[str, int] = dict.fromkeys(queues, 0)
        self.emptied: set[str] = set()
        """Queues whose logged-in or staffed count fell to zero since the last check."""
        self._listed: dict[str, list[tuple[list[AgentKey], AgentKey, dict[AgentKey, Agent]]]] = {}
        """Agent id -> where an available agent is listed (sorted keys, its key, by key)."""

    def register(self, agent_id: str, skills: dict[str, int]) -> Agent:
        """A new agent, logged out."""
        check_skills(agent_id, skills)
        agent = Agent(agent_id, skills, order=len(self.agents))
        agent.eligible = self.eligibility(skills)
        self.agents[agent_id] = agent
        for queue in agent.eligible:
            self.members[queue][agent_id] = agent
        return agent

    def eligibility(self, skills: dict[str, int]) -> dict[str, int]:
        """Queue -> the earliest escalation stage at which these skills may take its calls."""
        eligible: dict[str, int] = {}
        for name, stages in self._stages.items():
            skill = self.queues[name].skill
            for i, req in enumerate(stages):
                if skills.get(skill, 0) >= req.primary_min_level or any(
                    skills.get(s, 0) >= lvl for s, lvl in req.extra_skills
                ):
                    eligible[name] = i
                    break
        return eligible

    def change_skills(self, agent: Agent, skills: dict[str, int]) -> None:
        """New skills: the agent's queues, counts and listings follow."""
        check_skills(agent.agent_id, skills)
        listed = agent.state == "available"
        if listed:
            self.unlist(agent)
        self.count(agent, agent.state, -1)
        for queue in agent.eligible:
            del self.members[queue][agent.agent_id]
        agent.skills = skills
        agent.eligible = self.eligibility(skills)
        for queue in agent.eligible:
            self.members[queue][agent.agent_id] = agent
        self.count(agent, agent.state, +1)
        if listed:
            self.list(agent)

    def set_state(
        self,
        agent: Agent,
        state: AgentState,
        now: float,
        reason: str = "",
        queue: str | None = None,
        call_id: str | None = None,
    ) -> rec.AgentStateChanged:
        """Move ``agent`` to ``state``, keeping listings and counts; the record of it."""
        old = agent.state
        if old == "available":
            self.unlist(agent)
        recount = (old, state) in _RECOUNT
        if recount:
            self.count(agent, old, -1)
        agent.state, agent.reason, agent.since = state, reason, now
        agent.queue = queue
        if call_id is not None:
            agent.call_id = call_id
        if recount:
            self.count(agent, state, +1)
        if state == "available":
            self.list(agent)
        return rec.AgentStateChanged(now, agent.agent_id, state, reason, queue or "",
                                     call_id or "")

    def count(self, agent: Agent, state: AgentState, sign: int) -> None:
        """Add (``+1``) or remove (``-1``) the agent in ``state`` from its queues' counts."""
        logged = state in LOGGED_IN
        staffed = state in STAFFED
        for queue in agent.eligible:
            if logged:
                self.logged[queue] += sign
                if not self.logged[queue]:
                    self.emptied.add(queue)
            if staffed:
                self.staffed[queue] += sign
                if not self.staffed[queue]:
                    self.emptied.add(queue)

    def list(self, agent: Agent) -> None:
        """List an available agent in each of its queues, at its stage, by strategy key."""
        places = []
        for queue, stage in agent.eligible.items():
            key = self._keyfn[queue](agent, self.queues[queue])
            keys = self.avail[queue][stage]
            insort(keys, key)
            by_key = self.avail_agent[queue]
            by_key[key] = agent
            places.append((keys, key, by_key))
        self._listed[agent.agent_id] = places

    def unlist(self, agent: Agent) -> None:
        """Take an agent off the available lists (by the keys it was listed with)."""
        for keys, key, by_key in self._listed.pop(agent.agent_id):
            del keys[bisect_left(keys, key)]
            del by_key[key]

    def serving(self, queue: str) -> float:
        """Staffed agents working for ``queue``, each shared evenly among its queues."""
        return sum(
            1.0 / len(a.eligible) for a in self.members[queue].values() if a.state in STAFFED
        )


_RECOUNT: frozenset[tuple[AgentState, AgentState]] = frozenset(
    (old, new)
    for old in (*LOGGED_IN, "logged_out")
    for new in (*LOGGED_IN, "logged_out")
    if (old in LOGGED_IN) != (new in LOGGED_IN) or (old in STAFFED) != (new in STAFFED)
)
"""State changes that change an agent's logged-in or staffed standing."""


def check_skills(agent_id: str, skills: dict[str, int]) -> None:
    """Raise :class:`ConfigError` unless every level is a whole number from 1 to 10."""
    for skill, level in skills.items():
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 10:
            raise ConfigError(f"agent {agent_id!r}.skills.{skill}: level 1 to 10, not {level!r}")

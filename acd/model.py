"""The mutable state the ACD core keeps for each agent and each call it holds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from queues.line import Entry
from queues.records import AgentState

DIALLABLE = re.compile(r"\+?[0-9]{4,20}")
"""A number a callback can dial: digits, optionally after a plus (anonymous callers and SIP
names cannot be called back)."""

#: States in which an agent counts as logged in / as staffed (logged in and not paused).
LOGGED_IN: frozenset[AgentState] = frozenset(
    {"available", "ringing", "on_call", "wrap_up", "paused"}
)
STAFFED: frozenset[AgentState] = frozenset({"available", "ringing", "on_call", "wrap_up"})


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """An agent as configured: identity and skills (skill -> level, 1 to 10)."""

    agent_id: str
    skills: dict[str, int] = field(default_factory=dict, hash=False)
    name: str = ""


@dataclass(slots=True)
class Agent:
    """One agent's live state."""

    agent_id: str
    skills: dict[str, int]
    order: int
    """Registration order: the round-robin order and the last tie-breaker."""
    state: AgentState = "logged_out"
    reason: str = ""
    since: float = 0.0
    """When the current state began."""
    idle_since: float = 0.0
    """When the agent last became available (longest-idle strategy)."""
    calls_today: int = 0
    call_id: str | None = None
    queue: str | None = None
    until: float | None = None
    """Deadline of the ring timer (ringing) or of the wrap-up (wrap_up)."""
    pending: tuple[AgentState, str] | None = None
    """A pause or log-out asked for while busy, applied when the agent is free."""
    eligible: dict[str, int] = field(default_factory=dict)
    """Queue name -> earliest escalation stage at which this agent may take its calls."""


@dataclass(slots=True)
class Call:
    """One call the ACD holds: waiting, being offered, or connected to an agent."""

    call_id: str
    queue: str
    priority: int
    points: int
    caller: str
    since: float
    """Start of the caller's wait (first queue entry); waits are measured from it."""
    queued_at: float
    """Entry into the current queue (max wait and escalation count from it)."""
    entry: Entry
    """Place in line; kept while offered so the call can come back to it."""
    state: str = "waiting"
    """``waiting``, ``offered`` or ``connected``; a callback also goes through
    ``calling_back`` (its agent answered, the caller is being dialled) and ``retry`` (out
    of line until its next attempt)."""
    agent_id: str | None = None
    callback: bool = False
    callback_number: str = ""
    answered_at: float | None = None
    max_wait_at: float | None = None
    escalate_at: float | None = None
    announce_at: float | None = None
    attempts: int = 0
    """Callback attempts that did not reach the caller."""
    retry_at: float | None = None
    recovers: str = ""
    """For the automatic callback of a lost call: the lost call's id (its records are
    the lost call's; the callback entry itself records only its recovery)."""

    def __init__(
        self,
        call_id: str,
        queue: str,
        priority: int,
        points: int,
        caller: str,
        since: float,
        queued_at: float,
        entry: Entry,
        state: str = 'waiting',
        agent_id: str | None = None,
        callback: bool = False,
        callback_number: str = "",
        answered_at: float | None = None,
        max_wait_at: float | None = None,
        escalate_at: float | None = None,
        announce_at: float | None = None,
        attempts: int = 0,
        retry_at: float | None = None,
        recovers: str = "",
    ) -> None:
        self.call_id = call_id
        self.queue = queue
        self.priority = priority
        self.points = points
        self.caller = caller
        self.since = since
        self.queued_at = queued_at
        self.entry = entry
        self.state = state
        self.agent_id = agent_id
        self.callback = callback
        self.callback_number = callback_number
        self.answered_at = answered_at
        self.max_wait_at = max_wait_at
        self.escalate_at = escalate_at
        self.announce_at = announce_at
        self.attempts = attempts
        self.retry_at = retry_at
        self.recovers = recovers

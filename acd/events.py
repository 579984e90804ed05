"""Events the drivers feed to the ACD core, in the past tense.

``acd.events.CallQueued`` is the *request* "this call has been routed to queue Q"; the
core answers with commands and records what it did as :mod:`queues.records` facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CallQueued:
    """The IVR (or a transfer) routed a call to a queue."""

    call_id: str
    queue: str
    priority: int = 0
    """Absolute priority class: a higher class is always served first."""
    points: int = 0
    """Relative priority points (transferred calls jump ahead by this much)."""
    caller: str = ""
    """Calling number, kept for callbacks and reports."""
    since: float | None = None
    """When the caller's wait started, if before now (a transfer keeps its wait)."""

    def __init__(
        self,
        call_id: str,
        queue: str,
        priority: int = 0,
        points: int = 0,
        caller: str = "",
        since: float | None = None,
    ) -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "priority", priority)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "caller", caller)
        object.__setattr__(self, "since", since)


@dataclass(frozen=True, slots=True)
class CallerHungUp:
    """The caller's leg ended (in line: an abandon; connected: the end of the call)."""

    call_id: str

    def __init__(self, call_id: str) -> None:
        object.__setattr__(self, "call_id", call_id)


@dataclass(frozen=True, slots=True)
class CallbackRequested:
    """The caller asked to be called back and hung up; the call keeps its place."""

    call_id: str
    number: str = ""
    """Number to call back; empty means the number presented."""

    def __init__(self, call_id: str, number: str = "") -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "number", number)


@dataclass(frozen=True, slots=True)
class CallbackReached:
    """The caller answered the callback dialled after its agent picked up: they talk now."""

    call_id: str

    def __init__(self, call_id: str) -> None:
        object.__setattr__(self, "call_id", call_id)


@dataclass(frozen=True, slots=True)
class CallbackUnreached:
    """The caller did not answer the callback (``no_answer``, ``busy``, ``error``...); the
    agent is free again and the callback retries later or gives up (queue rules)."""

    call_id: str
    reason: str = "no_answer"

    def __init__(self, call_id: str, reason: str = 'no_answer') -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True)
class AgentAnswered:
    """The agent picked up the call offered to them."""

    call_id: str
    agent_id: str

    def __init__(self, call_id: str, agent_id: str) -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "agent_id", agent_id)


@dataclass(frozen=True, slots=True)
class OfferFailed:
    """The agent's leg failed before answer: ``busy``, ``declined``, ``error``, ``no_answer``."""

    call_id: str
    agent_id: str
    reason: str = "no_answer"

    def __init__(self, call_id: str, agent_id: str, reason: str = 'no_answer') -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True)
class AgentHungUp:
    """The agent ended a connected call."""

    call_id: str

    def __init__(self, call_id: str) -> None:
        object.__setattr__(self, "call_id", call_id)


@dataclass(frozen=True, slots=True)
class AgentLoggedIn:
    """An agent logged in; ``skills`` (skill -> level 1–10) replaces the configured ones."""

    agent_id: str
    skills: dict[str, int] | None = field(default=None, hash=False)


@dataclass(frozen=True, slots=True)
class AgentLoggedOut:
    """An agent logged out (applied after the current call and wrap-up if busy)."""

    agent_id: str

    def __init__(self, agent_id: str) -> None:
        object.__setattr__(self, "agent_id", agent_id)


@dataclass(frozen=True, slots=True)
class AgentPaused:
    """An agent paused with a reason (applied after the current call if busy)."""

    agent_id: str
    reason: str = "pause"

    def __init__(self, agent_id: str, reason: str = 'pause') -> None:
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True)
class AgentResumed:
    """An agent made themselves available (ends a pause or a wrap-up early)."""

    agent_id: str

    def __init__(self, agent_id: str) -> None:
        object.__setattr__(self, "agent_id", agent_id)


@dataclass(frozen=True, slots=True)
class WrapUpExtended:
    """An agent in wrap-up asked for more time."""

    agent_id: str
    extra_s: float

    def __init__(self, agent_id: str, extra_s: float) -> None:
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "extra_s", extra_s)


@dataclass(frozen=True, slots=True)
class AgentSkillsChanged:
    """A supervisor changed an agent's skills (skill -> level 1–10)."""

    agent_id: str
    skills: dict[str, int] = field(hash=False)


@dataclass(frozen=True, slots=True)
class DayStarted:
    """A new day began: per-day counters (calls today) start again from zero."""


Event = (
    CallQueued
    | CallerHungUp
    | CallbackRequested
    | CallbackReached
    | CallbackUnreached
    | AgentAnswered
    | OfferFailed
    | AgentHungUp
    | AgentLoggedIn
    | AgentLoggedOut
    | AgentPaused
    | AgentResumed
    | WrapUpExtended
    | AgentSkillsChanged
    | DayStarted
)

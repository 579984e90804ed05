"""The call event stream: what happened to each call and each agent, in the past tense.

Every figure accueil shows (live dashboard, reports, the simulator) is computed from these
records by :mod:`queues.kpi` and by nothing else. The IVR emits the records of a call's life
before the queue (received, informed, dissuaded, left in the IVR); the ACD emits the rest.
Each record carries ``at``, the driver's clock in seconds (Unix time in the live engine).
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any, Literal

IvrOutcome = Literal["hangup", "abandoned", "message", "transfer", "closed", "error"]
AgentState = Literal["logged_out", "available", "ringing", "on_call", "wrap_up", "paused"]
EndedBy = Literal["caller", "agent", "engine"]


@dataclass(frozen=True, slots=True)
class CallReceived:
    """A call reached an entry point of the engine (counts in *calls received*)."""

    at: float
    call_id: str
    caller: str = ""
    """Calling number as presented on the trunk (kept for callbacks and redial matching)."""
    entry: str = ""
    """Entry point (dialled number) the call arrived on."""

    def __init__(self, at: float, call_id: str, caller: str = "", entry: str = "") -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "caller", caller)
        object.__setattr__(self, "entry", entry)


@dataclass(frozen=True, slots=True)
class CallInformed:
    """The caller heard the "file 0" message (counts in *calls informed*)."""

    at: float
    call_id: str
    message_id: str = ""

    def __init__(self, at: float, call_id: str, message_id: str = "") -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "message_id", message_id)


@dataclass(frozen=True, slots=True)
class CallDissuaded:
    """The "file 0" message in dissuasion mode hung up on the caller (a lost call)."""

    at: float
    call_id: str
    message_id: str = ""

    def __init__(self, at: float, call_id: str, message_id: str = "") -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "message_id", message_id)


@dataclass(frozen=True, slots=True)
class CallLeftIvr:
    """The call ended in the IVR without reaching a queue.

    ``hangup``: the caller hung up before choosing anything in a menu (not an abandon: no
    service was chosen yet); ``abandoned``: the caller hung up in the IVR *after* the menu
    (a choice made, no queue reached yet), which the contract counts as abandoned;
    ``message``: an information message then hang-up; ``transfer``: sent to an external
    number; ``closed``: the closed message outside opening hours; ``error``.
    """

    at: float
    call_id: str
    outcome: IvrOutcome

    def __init__(self, at: float, call_id: str, outcome: IvrOutcome) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "outcome", outcome)


@dataclass(frozen=True, slots=True)
class CallQueued:
    """The call was offered to a queue (joined its waiting line).

    The first ``CallQueued`` of a call is its queue entry: waits are measured from it.
    A call overflowing to another queue gets a second one with ``overflow_from`` set.
    """

    at: float
    call_id: str
    queue: str
    priority: int = 0
    caller: str = ""
    overflow_from: str | None = None

    def __init__(
        self,
        at: float,
        call_id: str,
        queue: str,
        priority: int = 0,
        caller: str = "",
        overflow_from: str | None = None,
    ) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "priority", priority)
        object.__setattr__(self, "caller", caller)
        object.__setattr__(self, "overflow_from", overflow_from)


@dataclass(frozen=True, slots=True)
class CallRejected:
    """The queue refused the call at the door (full, or no agent by its join rule): lost."""

    at: float
    call_id: str
    queue: str
    reason: Literal["queue_full", "no_agents"]
    action: str = ""
    """Fallback action the driver ran instead."""

    def __init__(
        self,
        at: float,
        call_id: str,
        queue: str,
        reason: Literal['queue_full', 'no_agents'],
        action: str = "",
    ) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "action", action)


@dataclass(frozen=True, slots=True)
class CallOffered:
    """The ACD chose an agent and made the agent's phone ring."""

    at: float
    call_id: str
    queue: str
    agent_id: str

    def __init__(self, at: float, call_id: str, queue: str, agent_id: str) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "agent_id", agent_id)


@dataclass(frozen=True, slots=True)
class CallOfferFailed:
    """The agent did not take the offered call; the call went back to its place."""

    at: float
    call_id: str
    queue: str
    agent_id: str
    reason: str
    """``no_answer`` (ring timeout), ``busy``, ``declined``, ``error``, ``logged_out``."""

    def __init__(self, at: float, call_id: str, queue: str, agent_id: str, reason: str) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True)
class CallAnswered:
    """An agent picked up. Counted now, not when the call ends."""

    at: float
    call_id: str
    queue: str
    agent_id: str
    wait_s: float
    """Seconds from the call's first queue entry to this pickup."""
    callback: bool = False
    """The caller had asked to be called back and kept their place (virtual wait)."""

    def __init__(
        self,
        at: float,
        call_id: str,
        queue: str,
        agent_id: str,
        wait_s: float,
        callback: bool = False,
    ) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "wait_s", wait_s)
        object.__setattr__(self, "callback", callback)


@dataclass(frozen=True, slots=True)
class CallAbandoned:
    """The caller hung up after choosing a service and before an agent picked up."""

    at: float
    call_id: str
    queue: str
    wait_s: float

    def __init__(self, at: float, call_id: str, queue: str, wait_s: float) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "wait_s", wait_s)


@dataclass(frozen=True, slots=True)
class CallOverflowed:
    """The call left this queue by a rule: to another queue, or to a fallback action.

    ``reason``: ``max_wait`` (queue timeout) or ``no_agents`` (the leave rule). When
    ``to_queue`` is ``None`` the call left the ACD for ``action``: it *timed out*.
    """

    at: float
    call_id: str
    queue: str
    reason: Literal["max_wait", "no_agents"]
    to_queue: str | None = None
    action: str = ""
    wait_s: float = 0.0

    def __init__(
        self,
        at: float,
        call_id: str,
        queue: str,
        reason: Literal['max_wait', 'no_agents'],
        to_queue: str | None = None,
        action: str = "",
        wait_s: float = 0.0,
    ) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "to_queue", to_queue)
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "wait_s", wait_s)


@dataclass(frozen=True, slots=True)
class CallbackRequested:
    """The caller hung up asking to be called back; a virtual entry keeps their place."""

    at: float
    call_id: str
    queue: str
    number: str = ""

    def __init__(self, at: float, call_id: str, queue: str, number: str = "") -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "number", number)


@dataclass(frozen=True, slots=True)
class CallRecovered:
    """A lost call was renewed: the callback reached the caller (T2-IQ04)."""

    at: float
    call_id: str
    how: Literal["callback", "redial"] = "callback"

    def __init__(
        self, at: float, call_id: str, how: Literal['callback', 'redial'] = 'callback'
    ) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "how", how)


@dataclass(frozen=True, slots=True)
class CallEnded:
    """An answered call finished (talk time ends here)."""

    at: float
    call_id: str
    queue: str
    agent_id: str
    by: EndedBy

    def __init__(self, at: float, call_id: str, queue: str, agent_id: str, by: EndedBy) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "by", by)


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    """An agent changed state; every change is recorded."""

    at: float
    agent_id: str
    state: AgentState
    reason: str = ""
    """Pause reason (``no answer`` after a ring-no-answer, or the supervisor's)."""
    queue: str = ""
    """Queue of the call for ``ringing``, ``on_call`` and ``wrap_up``."""
    call_id: str = ""

    def __init__(
        self,
        at: float,
        agent_id: str,
        state: AgentState,
        reason: str = "",
        queue: str = "",
        call_id: str = "",
    ) -> None:
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "state", state)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "call_id", call_id)


Record = (
    CallReceived
    | CallInformed
    | CallDissuaded
    | CallLeftIvr
    | CallQueued
    | CallRejected
    | CallOffered
    | CallOfferFailed
    | CallAnswered
    | CallAbandoned
    | CallOverflowed
    | CallbackRequested
    | CallRecovered
    | CallEnded
    | AgentStateChanged
)

RECORD_TYPES: dict[str, type[Record]] = {
    cls.__name__: cls
    for cls in (
        CallReceived,
        CallInformed,
        CallDissuaded,
        CallLeftIvr,
        CallQueued,
        CallRejected,
        CallOffered,
        CallOfferFailed,
        CallAnswered,
        CallAbandoned,
        CallOverflowed,
        CallbackRequested,
        CallRecovered,
        CallEnded,
        AgentStateChanged,
    )
}


def _fast_init(cls: type) -> None:
    """Give a frozen record the same ``__init__`` (same parameters and defaults) setting its
    slots through their descriptors: about twice as fast as the dataclass's, which goes
    through ``object.__setattr__`` for each field (the core creates several records per call).
    """
    params, body, names = [], [], {}
    for i, f in enumerate(fields(cls)):
        if not f.init or f.kw_only or f.default_factory is not MISSING:
            return  # not a plain record: keep the dataclass's __init__
        names[f"_set{i}"] = getattr(cls, f.name).__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            names[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
        body.append(f"    _set{i}(self, {f.name})")
    if hasattr(cls, "__post_init__") or not body:
        return
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010


if not hasattr(CallReceived, "__mypyc_attrs__"):  # compiled by mypyc: __init__ is native
    for _cls in RECORD_TYPES.values():
        _fast_init(_cls)


def to_dict(record: Record) -> dict[str, Any]:
    """Plain, JSON-able form of a record, with its type under ``"type"``."""
    out = asdict(record)
    out["type"] = type(record).__name__
    return out


def from_dict(data: dict[str, Any]) -> Record:
    """Inverse of :func:`to_dict`; raises ``ValueError`` naming what is wrong."""
    kind = data.get("type")
    cls = RECORD_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown record type {kind!r}")
    names = {f.name for f in fields(cls)}
    try:
        return cls(**{k: v for k, v in data.items() if k in names})
    except TypeError as exc:
        raise ValueError(f"{kind}: {exc}") from None

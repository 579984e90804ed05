"""Commands the ACD core asks its driver to carry out, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OfferCall:
    """Ring ``agent_id`` with ``call_id``; report ``AgentAnswered`` or ``OfferFailed``.

    The core runs the ring timer itself and sends :class:`CancelOffer` when it expires.
    """

    call_id: str
    agent_id: str
    queue: str
    ring_timeout_s: float
    callback: bool = False
    """The caller is waiting to be called back: connect the agent, then dial the caller
    (``number``) and report ``CallbackReached`` or ``CallbackUnreached``."""
    number: str = ""
    """Number to call back (callbacks only)."""

    def __init__(
        self,
        call_id: str,
        agent_id: str,
        queue: str,
        ring_timeout_s: float,
        callback: bool = False,
        number: str = "",
    ) -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "ring_timeout_s", ring_timeout_s)
        object.__setattr__(self, "callback", callback)
        object.__setattr__(self, "number", number)


@dataclass(frozen=True, slots=True)
class CancelOffer:
    """Stop ringing ``agent_id`` (ring timeout, the caller left, the agent logged out)."""

    call_id: str
    agent_id: str
    reason: str

    def __init__(self, call_id: str, agent_id: str, reason: str) -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "agent_id", agent_id)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True)
class PlayAnnouncement:
    """Tell a waiting caller their position and estimated wait (``None``: unknown)."""

    call_id: str
    queue: str
    position: int
    estimated_wait_s: float | None

    def __init__(
        self, call_id: str, queue: str, position: int, estimated_wait_s: float | None
    ) -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "position", position)
        object.__setattr__(self, "estimated_wait_s", estimated_wait_s)


@dataclass(frozen=True, slots=True)
class OverflowCall:
    """The call moved from one queue to another (it stays in the ACD; inform the caller)."""

    call_id: str
    from_queue: str
    to_queue: str
    reason: str

    def __init__(self, call_id: str, from_queue: str, to_queue: str, reason: str) -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "from_queue", from_queue)
        object.__setattr__(self, "to_queue", to_queue)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True)
class RouteToFallback:
    """The call leaves the ACD by a queue rule; run ``action`` (message, voicemail, …)."""

    call_id: str
    queue: str
    action: str
    reason: str

    def __init__(self, call_id: str, queue: str, action: str, reason: str) -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "reason", reason)


@dataclass(frozen=True, slots=True)
class RejectCall:
    """The queue refused the call at the door; run ``action`` instead."""

    call_id: str
    queue: str
    action: str
    reason: str

    def __init__(self, call_id: str, queue: str, action: str, reason: str) -> None:
        object.__setattr__(self, "call_id", call_id)
        object.__setattr__(self, "queue", queue)
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "reason", reason)


Command = OfferCall | CancelOffer | PlayAnnouncement | OverflowCall | RouteToFallback | RejectCall

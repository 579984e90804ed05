"""The client INVITE transaction (RFC 3261 §17.1.1, with the RFC 6026 Accepted state).

States (``TRYING`` stands for §17.1.1's *Calling*):

==========  =================================================================================
TRYING      INVITE sent; Timer A re-sends it (UDP, doubling), Timer B (64*T1) gives up
PROCEEDING  a 1xx came: no more retransmissions, no timeout (the TU cancels when it tires)
ACCEPTED    a 2xx came (RFC 6026): further 2xx go to the TU, which re-ACKs them; Timer M
COMPLETED   a 300-699 came and was ACKed on the INVITE's branch; a retransmitted final
            response gets the same ACK again; Timer D (32 s UDP, 0 TCP)
TERMINATED  over
==========  =================================================================================

As in :mod:`sip.transaction`, one table holds every transition, a missing pair raises
:class:`~sip.transaction.StateError` before anything changes, and every network input is
listed for every live state so nothing a peer sends can raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NamedTuple

from sip.message import Request, Response
from sip.timers import TimerConfig
from sip.transaction import StateError, TimerResult, TxKey, TxState

__all__ = ["ClientInviteTransaction", "InviteReceived", "non_2xx_ack"]

#: Timer D on unreliable transports (§17.1.1.2: at least 32 s).
TIMER_D: Final = 32.0

_T, _P, _A, _C, _X = (
    TxState.TRYING,
    TxState.PROCEEDING,
    TxState.ACCEPTED,
    TxState.COMPLETED,
    TxState.TERMINATED,
)

# Inputs: "1xx", "2xx", "final" (300-699) from the network; "A", "B", "D", "M" timers.
_INVITE_CLIENT: Final[Mapping[tuple[TxState, str], TxState]] = {
    (_T, "1xx"): _P,
    (_T, "2xx"): _A,
    (_T, "final"): _C,
    (_T, "A"): _T,
    (_T, "B"): _X,
    (_P, "1xx"): _P,
    (_P, "2xx"): _A,
    (_P, "final"): _C,
    (_A, "1xx"): _A,  # late provisional: absorbed
    (_A, "2xx"): _A,  # retransmitted or forked 2xx: to the TU
    (_A, "final"): _A,  # absorbed
    (_A, "M"): _X,
    (_C, "1xx"): _C,
    (_C, "2xx"): _C,  # a 2xx from another fork: to the TU, which ACKs and BYEs it
    (_C, "final"): _C,  # re-send the ACK
    (_C, "D"): _X,
    (_X, "1xx"): _X,
    (_X, "2xx"): _X,
    (_X, "final"): _X,
}


class InviteReceived(NamedTuple):
    """What the transaction did with a response."""

    to_tu: bool
    """True if the TU must see it (first 1xx of each status, every 2xx, the first final)."""
    send: bytes | None
    """An ACK to send (for a 300-699 final response), or None."""


def non_2xx_ack(invite: Request, response: Response) -> Request:
    """The ACK of a 300-699 response: same branch and Request-URI, the response's To (§17.1.1.3)."""
    src = invite.headers
    fields: list[tuple[str, str]] = [("Via", str(invite.top_via))]
    for key, name in (("max-forwards", "Max-Forwards"), ("from", "From")):
        value = src.get(key)
        if value is not None:
            fields.append((name, value))
    fields.append(("To", response.headers.get("to") or src.get("to") or ""))
    fields += [("Call-ID", invite.call_id), ("CSeq", f"{invite.cseq.number} ACK")]
    fields += [("Route", value) for value in src.get_all("route")]
    return Request("ACK", invite.uri, fields)


class ClientInviteTransaction:
    """Our INVITE to an agent's phone (§17.1.1)."""

    __slots__ = (
        "_deadlines",
        "_interval",
        "ack",
        "data",
        "invite",
        "key",
        "reliable",
        "state",
        "timers",
    )

    def __init__(
        self,
        key: TxKey,
        invite: Request,
        timers: TimerConfig,
        now: float,
        *,
        reliable: bool = False,
    ) -> None:
        self.key = key
        self.invite = invite
        self.data = invite.serialize()
        self.timers = timers
        self.reliable = reliable
        self.state = _T
        self.ack: bytes | None = None
        self._interval = timers.t1
        self._deadlines: dict[str, float] = {"B": now + timers.timeout}
        if not reliable:
            self._deadlines["A"] = now + timers.t1

    def _next(self, event: str) -> TxState:
        try:
            return _INVITE_CLIENT[(self.state, event)]
        except KeyError:
            raise StateError(
                f"client INVITE: {event} is not allowed in state {self.state.value}"
            ) from None

    @property
    def terminated(self) -> bool:
        """True once the transaction may be forgotten."""
        return self.state is _X

    def next_deadline(self) -> float | None:
        """The earliest armed timer, or None."""
        return min(self._deadlines.values(), default=None)

    def receive(self, response: Response, now: float) -> InviteReceived:
        """A response whose branch and CSeq method matched this transaction."""
        status = response.status
        kind = "1xx" if status < 200 else "2xx" if status < 300 else "final"
        previous, new = self.state, self._next(kind)
        self.state = new
        if kind == "1xx":
            self._deadlines.pop("A", None)
            if previous in (_T, _P):
                self._deadlines.pop("B", None)
            return InviteReceived(previous in (_T, _P), None)
        if kind == "2xx":
            if previous in (_T, _P):
                self._deadlines = {"M": now + self.timers.timeout}
            return InviteReceived(True, None)
        if previous in (_T, _P):
            self.ack = non_2xx_ack(self.invite, response).serialize()
            self._deadlines = {}
            if self.reliable:
                self.state = self._next("D")
            else:
                self._deadlines["D"] = now + TIMER_D
            return InviteReceived(True, self.ack)
        return InviteReceived(False, self.ack if previous is _C else None)

    def on_timer(self, now: float) -> TimerResult:
        """Fire Timers A, B, D, M that are due."""
        send: list[bytes] = []
        timed_out = False
        deadlines = self._deadlines
        due = sorted((n for n, t in deadlines.items() if t <= now), key=deadlines.__getitem__)
        for name in due:
            if name not in self._deadlines:
                continue
            self.state = self._next(name)
            if name == "A":
                send.append(self.data)
                self._interval *= 2  # Timer A doubles without a cap (§17.1.1.2)
                self._deadlines["A"] = now + self._interval
            else:
                timed_out = name == "B"
                self._deadlines.clear()
        return TimerResult(send, timed_out)

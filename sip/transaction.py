"""SIP transactions (RFC 3261 §17, with the RFC 6026 "Accepted" state), sans-I/O.

Three machines, each with its whole behaviour in one state table below:

* :class:`ServerInviteTransaction` (§17.2.1 + RFC 6026 §7.1): absorbs INVITE
  retransmissions by re-sending the last response (so a retransmitted INVITE after the 200
  gets the *same* 200, never a second call), retransmits a non-2xx final response with
  Timer G until the ACK arrives (Timer H gives up), and lingers in Accepted for Timer L
  after a 2xx, passing ACKs to the TU.  Retransmitting the 2xx itself is the UAS core's job
  (§13.3.1.4), see :mod:`sip.call`.
* :class:`ServerNonInviteTransaction` (§17.2.2): re-sends the last response to
  retransmissions; Timer J.
* :class:`ClientNonInviteTransaction` (§17.1.2): our BYE, REFER...; Timer E retransmits
  (UDP only), Timer F times out, Timer K absorbs late responses.

Rules of every table: inputs are what the TU does (``send_*``) or what the network or the
clock does; a pair missing from the table is illegal and raises :class:`StateError`
*before anything changes*.  Network inputs are listed for every live state, so nothing a
peer sends can raise.  Reliable transports (TCP) set no retransmission timers and use zero
for Timers I, J and K (§17.1.2.2, §17.2.1, §17.2.2).

Matching (§17.2.3): :func:`server_key` builds the key from the top Via branch and sent-by
(RFC 3261 branches), or from the RFC 2543 fields when the branch lacks the magic cookie
(RFC 4475 inv2543, badbranch).  ACK maps onto its INVITE's key; a CANCEL finds the INVITE
it cancels with ``server_key(cancel, method="INVITE")``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final, NamedTuple

from sip.errors import SipError
from sip.message import Request, Response
from sip.timers import TimerConfig
from sip.values import MAGIC_COOKIE

__all__ = [
    "ClientNonInviteTransaction",
    "Received",
    "ServerInviteTransaction",
    "ServerNonInviteTransaction",
    "StateError",
    "TimerResult",
    "TxKey",
    "TxState",
    "client_key",
    "server_key",
]

#: A hashable transaction identifier.
TxKey = tuple[object, ...]


class StateError(SipError):
    """An action that the current state does not allow; the state is left unchanged."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 500)


class TxState(enum.Enum):
    """Transaction states (§17; ACCEPTED from RFC 6026)."""

    TRYING = "trying"
    PROCEEDING = "proceeding"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class _In(enum.Enum):
    # Inputs of the state tables.
    REQUEST = "request retransmission"
    ACK = "ack"
    SEND_1XX = "send 1xx"
    SEND_2XX = "send 2xx"
    SEND_FINAL = "send 300-699"
    RECV_1XX = "receive 1xx"
    RECV_FINAL = "receive final"
    RETRANSMIT = "retransmission timer (E/G)"
    TIMEOUT = "timeout timer (F/H)"
    LINGER = "linger timer (I/J/K/L)"


class Received(NamedTuple):
    """What a transaction did with a request that matched it."""

    send: bytes | None
    """A response to re-send, or None."""
    to_tu: bool
    """True when the request must also go to the TU (an ACK for a 2xx, RFC 6026)."""


class TimerResult(NamedTuple):
    """What fired timers produced."""

    send: list[bytes]
    """Retransmissions to send."""
    timed_out: bool
    """True if Timer F or H fired: the TU must be told."""


S = TxState
_P, _A, _C, _F, _T, _X = S.PROCEEDING, S.ACCEPTED, S.COMPLETED, S.CONFIRMED, S.TRYING, S.TERMINATED

# §17.2.1 Figure 7 as amended by RFC 6026 Figure 5.
_INVITE_SERVER: Final[Mapping[tuple[TxState, _In], TxState]] = {
    (_P, _In.REQUEST): _P,  # re-send the last provisional
    (_P, _In.ACK): _P,  # stray ACK before any final response: ignored
    (_P, _In.SEND_1XX): _P,
    (_P, _In.SEND_2XX): _A,
    (_P, _In.SEND_FINAL): _C,
    (_A, _In.REQUEST): _A,  # re-send the 2xx
    (_A, _In.ACK): _A,  # passed to the TU
    (_A, _In.SEND_2XX): _A,  # the TU's 2xx retransmissions
    (_A, _In.LINGER): _X,  # Timer L
    (_C, _In.REQUEST): _C,  # re-send the final response
    (_C, _In.ACK): _F,
    (_C, _In.RETRANSMIT): _C,  # Timer G
    (_C, _In.TIMEOUT): _X,  # Timer H
    (_F, _In.REQUEST): _F,  # absorbed
    (_F, _In.ACK): _F,  # absorbed
    (_F, _In.LINGER): _X,  # Timer I
    (_X, _In.REQUEST): _X,
    (_X, _In.ACK): _X,
}

# §17.2.2 Figure 8.
_NON_INVITE_SERVER: Final[Mapping[tuple[TxState, _In], TxState]] = {
    (_T, _In.REQUEST): _T,  # absorbed: nothing to re-send yet
    (_T, _In.SEND_1XX): _P,
    (_T, _In.SEND_2XX): _C,
    (_T, _In.SEND_FINAL): _C,
    (_P, _In.REQUEST): _P,
    (_P, _In.SEND_1XX): _P,
    (_P, _In.SEND_2XX): _C,
    (_P, _In.SEND_FINAL): _C,
    (_C, _In.REQUEST): _C,
    (_C, _In.LINGER): _X,  # Timer J
    (_X, _In.REQUEST): _X,
}

# §17.1.2 Figure 6.
_NON_INVITE_CLIENT: Final[Mapping[tuple[TxState, _In], TxState]] = {
    (_T, _In.RECV_1XX): _P,
    (_T, _In.RECV_FINAL): _C,
    (_T, _In.RETRANSMIT): _T,  # Timer E
    (_T, _In.TIMEOUT): _X,  # Timer F
    (_P, _In.RECV_1XX): _P,
    (_P, _In.RECV_FINAL): _C,
    (_P, _In.RETRANSMIT): _P,
    (_P, _In.TIMEOUT): _X,
    (_C, _In.RECV_1XX): _C,  # late responses absorbed
    (_C, _In.RECV_FINAL): _C,
    (_C, _In.LINGER): _X,  # Timer K
    (_X, _In.RECV_1XX): _X,
    (_X, _In.RECV_FINAL): _X,
}


def _is_3261(branch: str | None) -> bool:
    # A bare magic cookie carries no uniqueness (RFC 4475 badbranch): use RFC 2543 rules.
    return branch is not None and branch.startswith(MAGIC_COOKIE) and branch != MAGIC_COOKIE


def server_key(request: Request, *, method: str | None = None) -> TxKey:
    """The §17.2.3 key of the server transaction ``request`` belongs to.

    ``method`` overrides the request's method (``"INVITE"`` to find what a CANCEL cancels).
    An ACK is keyed as its INVITE.  Raises :class:`SipError` if the top Via is malformed.
    """
    via = request.top_via
    kind = method or request.method
    if kind == "ACK":
        kind = "INVITE"
    branch = via.branch
    if _is_3261(branch):
        return ("3261", branch, via.host.lower(), via.port, kind)
    # RFC 3261 §17.2.3, RFC 2543 fallback: Request-URI, tags, Call-ID, CSeq and top Via.
    # The To tag is left out for INVITE so that its ACK (which carries our tag) matches;
    # the caller checks the ACK's To tag against the response it saw.
    to_tag = None if kind == "INVITE" else request.to.tag
    return (
        "2543",
        request.uri,
        to_tag,
        request.from_.tag,
        request.call_id,
        request.cseq.number,
        str(via),
        kind,
    )


def client_key(branch: str, method: str) -> TxKey:
    """The §17.1.3 key of a client transaction: our branch and the CSeq method."""
    return ("client", branch, method)


class _Machine:
    __slots__ = ("_deadlines", "key", "reliable", "state", "timers")

    TABLE: Mapping[tuple[TxState, _In], TxState] = {}

    def __init__(self, key: TxKey, state: TxState, timers: TimerConfig, reliable: bool) -> None:
        self.key = key
        self.state = state
        self.timers = timers
        self.reliable = reliable
        self._deadlines: dict[str, float] = {}

    def _next(self, event: _In) -> TxState:
        # Look the transition up without applying it: callers mutate only once it is legal.
        try:
            return self.TABLE[(self.state, event)]
        except KeyError:
            raise StateError(
                f"{type(self).__name__}: {event.value} is not allowed in state {self.state.value}"
            ) from None

    @property
    def terminated(self) -> bool:
        """True once the transaction is over and may be forgotten."""
        return self.state is TxState.TERMINATED

    def next_deadline(self) -> float | None:
        """The earliest armed timer, or None."""
        return min(self._deadlines.values(), default=None)

    def _linger(self, name: str, duration: float, now: float) -> None:
        # Timers I, J, K are zero on reliable transports: terminate at once.
        if self.reliable or duration <= 0:
            self.state = self._next(_In.LINGER)
            self._deadlines.clear()
        else:
            self._deadlines[name] = now + duration

    def _due(self, now: float) -> list[str]:
        return sorted(
            (n for n, when in self._deadlines.items() if when <= now),
            key=self._deadlines.__getitem__,
        )


class ServerInviteTransaction(_Machine):
    """The server side of an INVITE (§17.2.1, RFC 6026)."""

    __slots__ = ("_interval", "last_response", "request", "status")

    TABLE = _INVITE_SERVER

    def __init__(
        self, key: TxKey, request: Request, timers: TimerConfig, *, reliable: bool = False
    ) -> None:
        super().__init__(key, TxState.PROCEEDING, timers, reliable)
        self.request = request
        self.last_response: bytes | None = None
        self.status: int | None = None
        self._interval = timers.t1

    def send(self, response: Response, now: float) -> bytes:
        """Pass a response from the TU; returns its wire bytes (to send now)."""
        status = response.status
        event = _In.SEND_1XX if status < 200 else _In.SEND_2XX if status < 300 else _In.SEND_FINAL
        new = self._next(event)
        data = response.serialize()
        self.status = status
        self.last_response = data
        if new is _A and self.state is _P:
            self._deadlines["L"] = now + self.timers.timeout
        elif new is _C:
            self._deadlines["H"] = now + self.timers.timeout
            if not self.reliable:
                self._interval = self.timers.t1
                self._deadlines["G"] = now + self._interval
        self.state = new
        return data

    def receive(self, request: Request, now: float) -> Received:
        """A retransmitted INVITE, or an ACK keyed to this transaction."""
        if request.method == "ACK":
            return self._receive_ack(request, now)
        self.state = self._next(_In.REQUEST)
        if self.state in (_P, _A, _C):
            return Received(self.last_response, False)
        return Received(None, False)

    def _receive_ack(self, ack: Request, now: float) -> Received:
        new = self._next(_In.ACK)
        if self.state is _A:
            return Received(None, True)
        if self.state is _C:
            self._deadlines.pop("G", None)
            self._deadlines.pop("H", None)
            self.state = new
            self._linger("I", self.timers.t4, now)
        return Received(None, False)

    def on_timer(self, now: float) -> TimerResult:
        """Fire Timers G, H, I, L that are due."""
        send: list[bytes] = []
        timed_out = False
        for name in self._due(now):
            if name not in self._deadlines:
                continue
            if name == "G":
                self.state = self._next(_In.RETRANSMIT)
                if self.last_response is not None:
                    send.append(self.last_response)
                self._interval = self.timers.backoff(self._interval)
                self._deadlines["G"] = now + self._interval
            else:
                self.state = self._next(_In.TIMEOUT if name == "H" else _In.LINGER)
                timed_out = name == "H"
                self._deadlines.clear()
        return TimerResult(send, timed_out)


class ServerNonInviteTransaction(_Machine):
    """The server side of any request but INVITE and ACK (§17.2.2)."""

    __slots__ = ("last_response", "method")

    TABLE = _NON_INVITE_SERVER

    def __init__(
        self, key: TxKey, method: str, timers: TimerConfig, *, reliable: bool = False
    ) -> None:
        super().__init__(key, TxState.TRYING, timers, reliable)
        self.method = method
        self.last_response: bytes | None = None

    def send(self, response: Response, now: float) -> bytes:
        """Pass a response from the TU; returns its wire bytes (to send now)."""
        status = response.status
        event = _In.SEND_1XX if status < 200 else _In.SEND_2XX if status < 300 else _In.SEND_FINAL
        new = self._next(event)
        data = response.serialize()
        self.last_response = data
        self.state = new
        if new is _C:
            self._linger("J", self.timers.timeout, now)
        return data

    def receive(self, request: Request, now: float) -> Received:
        """A retransmission of the request: re-send the last response, if any."""
        self.state = self._next(_In.REQUEST)
        if self.state is _X:
            return Received(None, False)
        return Received(self.last_response, False)

    def on_timer(self, now: float) -> TimerResult:
        """Fire Timer J."""
        if "J" in self._due(now):
            self.state = self._next(_In.LINGER)
            self._deadlines.clear()
        return TimerResult([], False)


class ClientNonInviteTransaction(_Machine):
    """The client side of a request we send (BYE, REFER...), §17.1.2."""

    __slots__ = ("_interval", "data", "method", "response")

    TABLE = _NON_INVITE_CLIENT

    def __init__(
        self,
        key: TxKey,
        method: str,
        data: bytes,
        timers: TimerConfig,
        now: float,
        *,
        reliable: bool = False,
    ) -> None:
        super().__init__(key, TxState.TRYING, timers, reliable)
        self.method = method
        self.data = data
        self.response: Response | None = None
        self._interval = timers.t1
        self._deadlines["F"] = now + timers.timeout
        if not reliable:
            self._deadlines["E"] = now + self._interval

    def receive(self, response: Response, now: float) -> bool:
        """A response matched to us; True if the TU must see it (not a late duplicate)."""
        final = response.status >= 200
        new = self._next(_In.RECV_FINAL if final else _In.RECV_1XX)
        if self.state in (_C, _X):
            return False
        self.state = new
        if final:
            self.response = response
            self._deadlines.pop("E", None)
            self._deadlines.pop("F", None)
            self._linger("K", self.timers.t4, now)
        return True

    def on_timer(self, now: float) -> TimerResult:
        """Fire Timers E, F, K that are due."""
        send: list[bytes] = []
        timed_out = False
        for name in self._due(now):
            if name not in self._deadlines:
                continue
            if name == "E":
                self.state = self._next(_In.RETRANSMIT)
                send.append(self.data)
                # Trying doubles up to T2; Proceeding retransmits every T2 (§17.1.2.2).
                proceeding = self.state is _P
                self._interval = self.timers.t2 if proceeding else self.timers.backoff(
                    self._interval
                )
                self._deadlines["E"] = now + self._interval
            else:
                self.state = self._next(_In.TIMEOUT if name == "F" else _In.LINGER)
                timed_out = name == "F"
                self._deadlines.clear()
        return TimerResult(send, timed_out)

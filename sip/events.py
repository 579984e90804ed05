"""What the SIP endpoint tells the application, and what it asks the driver to send.

Events are frozen dataclasses in the past tense, read with
:meth:`sip.uas.SipEndpoint.next_event`.  Every :class:`CallArrived` is followed, sooner or
later, by exactly one call-ending event -- :class:`CallCancelled`, :class:`CallHungUp`,
:class:`HangUpCompleted` or :class:`CallAckTimedOut` -- unless the application itself
ended the call with ``reject()`` (no event then: the application already knows).

:class:`Outgoing` is what :meth:`~sip.uas.SipEndpoint.datagrams_to_send` returns: wire
bytes and where to send them.  It is a ``NamedTuple`` so the driver may unpack it
(``for data, dest, transport, conn in ...``) or read its fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

__all__ = [
    "Address",
    "CallAckTimedOut",
    "CallArrived",
    "CallCancelled",
    "CallHungUp",
    "DtmfInfoReceived",
    "HangUpCompleted",
    "Outgoing",
    "ReferProgress",
    "ReofferReceived",
    "RequestRefused",
    "SipEvent",
    "Transport",
]

#: ``(ip, port)`` of a peer, as the driver's socket reports it.
Address = tuple[str, int]

#: The transports the endpoint speaks (RFC 3261 §18): datagrams, or one stream per ``conn``.
Transport = Literal["udp", "tcp"]


class Outgoing(NamedTuple):
    """One message for the driver to send."""

    data: bytes
    """The wire octets (a whole SIP message, or ``b"\\r\\n"`` answering a TCP keep-alive)."""
    destination: Address
    """Where to send it (on TCP: where to reconnect if ``conn`` is gone, RFC 3261 §18.2.2)."""
    transport: Transport
    """``"udp"`` or ``"tcp"``."""
    conn: int | None
    """The TCP connection to write on (the driver's id, as given to ``receive``); None on UDP."""


@dataclass(frozen=True, slots=True)
class CallArrived:
    """A new INVITE was received and answered 100 Trying; the app must ring/answer/reject."""

    call_id: str
    """The SIP Call-ID, the key of every later action and event for this call."""
    caller: str
    """The caller's number: the user part of the From URI (the whole URI when it has none)."""
    called_user: str
    """The number dialled: the user part of the Request-URI (a tel: URI's number)."""
    sdp_offer: bytes
    """The SDP offer (empty for an INVITE without offer: the 200 then carries ours)."""
    source: Address
    """Where the INVITE came from."""
    caller_uri: str = ""
    """The full From URI."""
    caller_name: str | None = None
    """The From display name, if any."""
    trunk: str | None = None
    """The name of the trunk whose allow-list admitted the source (None: no allow-list)."""


@dataclass(frozen=True, slots=True)
class CallAckTimedOut:
    """Our 200 OK was never acknowledged (64*T1): the call ended and a BYE was sent."""

    call_id: str
    """The call."""


@dataclass(frozen=True, slots=True)
class CallCancelled:
    """The caller gave up before the call was answered (CANCEL, or BYE on the early dialog)."""

    call_id: str
    """The call."""


@dataclass(frozen=True, slots=True)
class CallHungUp:
    """The caller hung up an answered call (BYE received and answered 200)."""

    call_id: str
    """The call."""


@dataclass(frozen=True, slots=True)
class HangUpCompleted:
    """Our hang-up finished: the BYE was answered, timed out, or the call was unanswered."""

    call_id: str
    """The call."""
    status: int = 200
    """The BYE's final status (408 on timeout; 0 when no BYE was needed)."""


@dataclass(frozen=True, slots=True)
class DtmfInfoReceived:
    """A digit arrived in a SIP INFO (``application/dtmf-relay`` or ``application/dtmf``)."""

    call_id: str
    """The call."""
    digit: str
    """One of ``0123456789*#ABCD``."""
    duration_ms: int | None = None
    """The ``Duration=`` the sender gave, if any."""


@dataclass(frozen=True, slots=True)
class ReofferReceived:
    """A re-INVITE arrived (hold, resume, codec change); answer with ``answer_reoffer``."""

    call_id: str
    """The call."""
    sdp_offer: bytes
    """The new offer (empty for an offerless re-INVITE: answer with our current SDP)."""


@dataclass(frozen=True, slots=True)
class ReferProgress:
    """News of a transfer we asked for with ``refer``.

    ``status_code`` is the status line of a NOTIFY's ``message/sipfrag`` body (100 trying,
    200 the transfer target answered, 4xx-6xx it failed), or the REFER's own final status
    when the peer refused it (>= 300; 408 when it went unanswered).
    """

    call_id: str
    """The call being transferred."""
    status_code: int
    """See above: >= 200 is final for the transfer."""
    final: bool = False
    """True when no further ReferProgress will come for this REFER."""


@dataclass(frozen=True, slots=True)
class RequestRefused:
    """A message was refused by the security layer or was malformed (also counted)."""

    status: int | None
    """The status sent back, or None when the message was dropped silently."""
    reason: str
    """``not_allowed``, ``rate_limited``, ``rate_table_full`` or ``malformed``."""
    source: Address
    """Where it came from."""
    detail: str = ""
    """Human-readable detail (the parser's message for ``malformed``)."""


#: Everything :meth:`~sip.uas.SipEndpoint.next_event` may return.
SipEvent = (
    CallArrived
    | CallAckTimedOut
    | CallCancelled
    | CallHungUp
    | HangUpCompleted
    | DtmfInfoReceived
    | ReofferReceived
    | ReferProgress
    | RequestRefused
)

"""What the SIP endpoint tells the application, and what it asks the driver to send.

Events are frozen dataclasses in the past tense, read with
:meth:`sip.uas.SipEndpoint.next_event`.  Every :class:`CallArrived` is followed, sooner or
later, by exactly one call-ending event -- :class:`CallCancelled`, :class:`CallHungUp`,
:class:`HangUpCompleted` or :class:`CallAckTimedOut` -- unless the application itself
ended the call with ``reject()`` (no event then: the application already knows).

The agent side adds :class:`AgentRegistered` / :class:`AgentUnregistered` (from the
registrar) and, for each outgoing leg (``invite``), zero or more :class:`AgentLegRinging`,
then either :class:`AgentLegFailed`, or :class:`AgentLegAnswered` followed later by
:class:`AgentLegHungUp` -- exactly one of the two ending events per leg.  While answered,
the agent's phone may transfer the call (:class:`AgentLegReferred`: REFER accepted with 202,
the application reports progress with ``notify_refer``) or re-offer the media
(:class:`AgentLegReoffered`: answer with ``answer_agent_reoffer`` or ``reject_agent_reoffer``).

:class:`Outgoing` is what :meth:`~sip.uas.SipEndpoint.datagrams_to_send` returns: wire
bytes and where to send them.  It is a ``NamedTuple`` so the driver may unpack it
(``for data, dest, transport, conn in ...``) or read its fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

__all__ = [
    "Address",
    "AgentLegAnswered",
    "AgentLegFailed",
    "AgentLegHungUp",
    "AgentLegReferred",
    "AgentLegReoffered",
    "AgentLegRinging",
    "AgentRegistered",
    "AgentUnregistered",
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


@dataclass(frozen=True, slots=True)
class AgentRegistered:
    """An agent's phone REGISTERed (a new binding, or a refresh when ``refreshed``)."""

    aor: str
    """The address of record, ``sip:user@domain`` (the REGISTER's To URI)."""
    contact: str
    """The bound Contact URI: where to send the agent's INVITEs."""
    expires_at: float
    """When the binding lapses unless refreshed (in the driver's clock)."""
    source: Address
    """Where the REGISTER came from (send there when the Contact is behind NAT)."""
    refreshed: bool = False
    """True when the binding already existed (a re-REGISTER)."""
    user: str = ""
    """The authenticated account name."""
    transport: Transport = "udp"
    """How the REGISTER came: send the agent's INVITEs the same way."""
    conn: int | None = None
    """The TCP connection it came on (pass it to ``invite``); None on UDP."""


@dataclass(frozen=True, slots=True)
class AgentUnregistered:
    """A binding ended: the phone removed it (``removed``) or let it lapse (``expired``)."""

    aor: str
    """The address of record."""
    reason: str
    """``removed`` (Expires: 0 or Contact: *) or ``expired``."""
    contact: str = ""
    """The Contact URI that was bound."""
    remaining: int = 0
    """Bindings the AOR still has (0: the agent is no longer reachable)."""


@dataclass(frozen=True, slots=True)
class AgentLegRinging:
    """The agent's phone answered our INVITE with 180 (or 183, maybe with early media)."""

    leg_id: str
    """The leg, as returned by ``invite``."""
    status: int = 180
    """The provisional status."""
    sdp: bytes = b""
    """The SDP of a 183 Session Progress, if any."""


@dataclass(frozen=True, slots=True)
class AgentLegAnswered:
    """The agent picked up: the 2xx was ACKed; join the caller to the agent."""

    leg_id: str
    """The leg."""
    sdp_answer: bytes
    """The agent's SDP answer."""


@dataclass(frozen=True, slots=True)
class AgentLegFailed:
    """The offer ended without an answer: the caller goes back to its place in line.

    ``status`` is the final response (486 busy, 480/408 no answer, 5xx/6xx error), 408 when
    the INVITE went unanswered (Timer B), 487 when we cancelled it.
    """

    leg_id: str
    """The leg."""
    status: int
    """See above."""
    cancelled: bool = False
    """True when the leg ended because of our ``cancel``/``hang_up``."""


@dataclass(frozen=True, slots=True)
class AgentLegHungUp:
    """An answered agent leg ended (the agent's BYE, or ours completed)."""

    leg_id: str
    """The leg."""
    by_agent: bool
    """True if the agent hung up; False when our own BYE finished."""
    status: int = 200
    """Our BYE's final status (408 on timeout); 200 for the agent's BYE."""


@dataclass(frozen=True, slots=True)
class AgentLegReferred:
    """The agent's phone asked to transfer the call (REFER, RFC 3515), accepted with 202.

    The application must report how the transfer went with ``notify_refer`` (NOTIFYs with a
    ``message/sipfrag`` body in the leg's dialog): 100 first if it takes time, then one final
    status (200 done, 4xx-6xx failed).  Malformed REFERs were already refused with a 4xx.
    """

    leg_id: str
    """The leg."""
    refer_to: str
    """The Refer-To URI (``sip:``, ``sips:`` or ``tel:``), without its angle brackets."""
    referred_by: str = ""
    """The Referred-By value, if any (RFC 3892), as received."""


@dataclass(frozen=True, slots=True)
class AgentLegReoffered:
    """The agent's phone sent a re-INVITE (hold, resume, codec change).

    Answer with ``answer_agent_reoffer`` (200 with our SDP, retransmitted until the ACK) or
    ``reject_agent_reoffer`` (488...: the call goes on as before).
    """

    leg_id: str
    """The leg."""
    sdp_offer: bytes
    """The new offer (empty for an offerless re-INVITE: our current SDP is then the offer)."""


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
    | AgentRegistered
    | AgentUnregistered
    | AgentLegRinging
    | AgentLegAnswered
    | AgentLegFailed
    | AgentLegHungUp
    | AgentLegReferred
    | AgentLegReoffered
)

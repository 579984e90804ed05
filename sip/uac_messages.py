"""The requests of an outgoing leg (INVITE, CANCEL, NOTIFY) and the UAC's dialog state.

Split out of :mod:`sip.uac` to keep modules small; pure functions of their arguments (and
:class:`RetransmittedOk`, the state of a 2xx re-sent until its ACK).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sip.dialog import Dialog
from sip.errors import SipError
from sip.events import Transport
from sip.message import Request, Response
from sip.responses import ALLOW, contact_value, hostport
from sip.uri import SipUri, TelUri
from sip.values import NameAddr, Wildcard

if TYPE_CHECKING:
    from sip.config import EndpointConfig
    from sip.ids import IdGenerator
    from sip.routing import Peer

__all__ = [
    "LEG_ALLOW",
    "RetransmittedOk",
    "build_invite",
    "cancel_request",
    "notify_fields",
    "refer_problem",
    "uac_dialog",
]

#: What an agent's phone may send us inside a leg: REFER too (its blind transfers).
LEG_ALLOW: Final = f"{ALLOW}, REFER"

#: Seconds a NOTIFY announces for a subscription still active (RFC 6665 §4.1.3).
SUBSCRIPTION_EXPIRES: Final = 60

#: Reason phrases of the sipfrag status lines we send (others get a generic one).
_REASONS: Final = {
    100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK", 202: "Accepted",
    403: "Forbidden", 404: "Not Found", 408: "Request Timeout", 480: "Temporarily Unavailable",
    486: "Busy Here", 487: "Request Terminated", 488: "Not Acceptable Here",
    500: "Server Internal Error", 503: "Service Unavailable", 603: "Decline",
}


@dataclass(slots=True)
class RetransmittedOk:
    """A 2xx to a re-INVITE, re-sent until its ACK (§13.3.1.4: T1 doubling up to T2)."""

    data: bytes
    cseq: int
    peer: Peer
    interval: float
    next_send: float
    give_up: float


def build_invite(
    cfg: EndpointConfig,
    ids: IdGenerator,
    target: str,
    sdp: bytes,
    from_user: str,
    call_id: str,
    transport: Transport,
) -> Request:
    """A new INVITE to ``target`` from ``sip:<from_user>@<us>`` with a fresh tag and branch."""
    here = hostport(cfg.host, cfg.port)
    fields = [
        ("Via", f"SIP/2.0/{transport.upper()} {here};branch={ids.branch()};rport"),
        ("Max-Forwards", "70"),
        ("From", f"<{SipUri(user=from_user, host=cfg.host, port=cfg.port)}>;tag={ids.tag()}"),
        ("To", f"<{target}>"),
        ("Call-ID", call_id),
        ("CSeq", "1 INVITE"),
        ("Contact", contact_value(cfg.host, cfg.port, transport)),
        ("Allow", LEG_ALLOW),
    ]
    if cfg.user_agent:
        fields.append(("User-Agent", cfg.user_agent))
    if sdp:
        fields.append(("Content-Type", "application/sdp"))
    return Request("INVITE", target, fields, sdp)


def cancel_request(invite: Request) -> Request:
    """The CANCEL of ``invite`` (§9.1): its Request-URI, top Via, From, To, Call-ID, Route."""
    fields = [("Via", str(invite.top_via)), ("Max-Forwards", "70")]
    fields += [(n, invite.headers.get(n) or "") for n in ("From", "To", "Call-ID")]
    fields.append(("CSeq", f"{invite.cseq.number} CANCEL"))
    fields += [("Route", r) for r in invite.headers.get_all("route")]
    return Request("CANCEL", invite.uri, fields)


def uac_dialog(invite: Request, response: Response) -> Dialog:
    """The dialog a 2xx to our ``invite`` creates (§12.1.2: the route set reversed)."""
    contact = response.contact
    target = (
        contact[0].uri if not isinstance(contact, Wildcard) and contact else invite.request_uri
    )
    ruri = invite.request_uri
    return Dialog(
        call_id=invite.call_id,
        local_tag=invite.from_.tag or "",
        remote_tag=response.to.tag,
        local_uri=_untagged(invite.from_),
        remote_uri=_untagged(response.to),
        remote_target=target,
        route_set=tuple(reversed(response.record_route)),
        local_cseq=invite.cseq.number,
        secure=isinstance(ruri, SipUri) and ruri.secure,
        confirmed=True,
    )


def _untagged(addr: NameAddr) -> NameAddr:
    params = tuple((k, v) for k, v in addr.params if k.lower() != "tag")
    return NameAddr(uri=addr.uri, display_name=addr.display_name, params=params)


def refer_problem(request: Request) -> tuple[int, tuple[tuple[str, str], ...]] | None:
    """Why a REFER from an agent's phone cannot be taken, as ``(status, headers)``.

    RFC 3515 §2.4.2: 400 unless there is exactly one Refer-To value; we carry out blind
    transfers to ``sip:``/``sips:``/``tel:`` targets only (488 otherwise, and for a
    Refer-To carrying ``Replaces``: an attended transfer).
    """
    values = request.headers.get_all("refer-to")
    if len(values) != 1:
        return 400, (("Warning", f'399 - "{len(values)} Refer-To values, need one"'),)
    try:
        refer_to = request.refer_to
    except SipError:
        return 400, (("Warning", '399 - "malformed Refer-To"'),)
    uri = refer_to.uri if refer_to is not None else None
    if not isinstance(uri, SipUri | TelUri):
        return 488, (("Warning", '399 - "transfers go to sip:, sips: or tel: URIs only"'),)
    if isinstance(uri, SipUri):
        if any(name.lower() == "replaces" for name, _ in uri.headers):
            return 488, (("Warning", '399 - "attended transfer (Replaces) is not supported"'),)
        method = uri.param("method")
        if method is not None and method.upper() != "INVITE":
            return 488, (("Warning", '399 - "only INVITE transfers are supported"'),)
    return None


def notify_fields(
    subscription: int, status: int, reason: str | None, final: bool
) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """Headers and ``message/sipfrag`` body of a NOTIFY for the REFER of CSeq ``subscription``."""
    state = "terminated;reason=noresource" if final else f"active;expires={SUBSCRIPTION_EXPIRES}"
    headers = (
        ("Event", f"refer;id={subscription}"),
        ("Subscription-State", state),
        ("Content-Type", "message/sipfrag;version=2.0"),
    )
    phrase = reason or _REASONS.get(status) or ("OK" if status < 300 else "Failed")
    return headers, f"SIP/2.0 {status} {phrase}\r\n".encode()

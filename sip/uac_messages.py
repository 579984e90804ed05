"""The requests of an outgoing leg (INVITE, CANCEL) and the UAC's dialog state (§12.1.2).

Split out of :mod:`sip.uac` to keep modules small; pure functions of their arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sip.dialog import Dialog
from sip.events import Transport
from sip.message import Request, Response
from sip.responses import ALLOW, contact_value, hostport
from sip.uri import SipUri
from sip.values import NameAddr, Wildcard

if TYPE_CHECKING:
    from sip.config import EndpointConfig
    from sip.ids import IdGenerator

__all__ = ["build_invite", "cancel_request", "uac_dialog"]


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
        ("Allow", ALLOW),
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

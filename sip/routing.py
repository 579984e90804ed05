"""Where messages go (RFC 3261 §18.2, RFC 3581) and salvaging unparseable requests.

* :func:`stamp_via` adds ``received``/``rport`` to the top Via of a request we received
  (§18.2.1, RFC 3581 §4), before any response copies it.
* :func:`response_peer` applies §18.2.2: on TCP the response goes back on the connection
  it came on (with the received address and sent-by port to reconnect to); on UDP to the
  ``received`` address at the sent-by port (5060 if absent), or to the source port when
  ``rport`` was asked for.  ``maddr`` is deliberately ignored: honouring it would let any
  peer aim our responses at a third party.
* :func:`request_peer` picks the destination of a request we send in a dialog.  The core
  does no DNS: a host-name target falls back to the address the dialog came from.
* :func:`salvage` recovers enough of a message the parser refused (bad request line,
  bad Content-Length, unterminated header section) to answer it with a 400.
"""

from __future__ import annotations

import ipaddress
from typing import NamedTuple

from sip.errors import SipError
from sip.events import Address, Outgoing, Transport
from sip.message import Request
from sip.parser import parse_head
from sip.uri import SipUri, Uri
from sip.values import Via

__all__ = ["Peer", "is_ip", "request_peer", "response_peer", "salvage", "stamp_via"]

DEFAULT_PORT = 5060
_SALVAGE_LINE = b"OPTIONS sip:salvaged.invalid SIP/2.0"


class Peer(NamedTuple):
    """Where to send: address, transport and (TCP) connection."""

    destination: Address
    """``(ip, port)``."""
    transport: Transport
    """``"udp"`` or ``"tcp"``."""
    conn: int | None
    """The TCP connection id, or None."""

    def out(self, data: bytes) -> Outgoing:
        """An :class:`Outgoing` of ``data`` to this peer."""
        return Outgoing(data, self.destination, self.transport, self.conn)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_ip(host: str) -> bool:
    """True for an IPv4 literal or an (optionally bracketed) IPv6 literal."""
    return _ip(host) is not None


def stamp_via(request: Request, source: Address) -> Via | None:
    """Add ``received`` (and fill ``rport``) to the top Via; return it (None if malformed).

    §18.2.1: ``received`` is added when sent-by is a host name or another address than
    the packet's source.  RFC 3581: a request carrying ``rport`` gets ``rport=<port>`` and
    always ``received``.
    """
    try:
        via = request.top_via
    except SipError:
        return None
    ip, port = source
    stamped = via
    if via.has_rport:
        stamped = stamped.with_param("received", ip).with_param("rport", str(port))
    elif via.host != ip and (_ip(via.host) != _ip(ip) or _ip(ip) is None):
        stamped = stamped.with_param("received", ip)
    if stamped is not via:
        request.pop_top_via()
        request.headers.prepend("Via", str(stamped))
    return stamped


def response_peer(via: Via | None, source: Address, transport: Transport, conn: int | None) -> Peer:
    """Where the responses to a request go (§18.2.2), given its stamped top Via."""
    if via is None:
        return Peer(source, transport, conn)  # no usable Via: answer the packet's source
    host = via.received or via.host.strip("[]")
    port = via.port or DEFAULT_PORT
    if transport == "tcp":
        return Peer((host, port), "tcp", conn)
    rport = via.param("rport")
    if rport is not None and rport.isdigit():
        port = int(rport)
    return Peer((host, port), "udp", None)


def request_peer(target: Uri, fallback: Peer, *, symmetric: bool = False) -> Peer:
    """Where a request to ``target`` goes: its IP literal and port, else ``fallback``.

    The transport (and TCP connection) of the dialog is kept: we send in-dialog requests
    the way the INVITE came.
    """
    if symmetric or not isinstance(target, SipUri):
        return fallback
    host = target.maddr or target.host
    if not is_ip(host):
        return fallback
    default = 5061 if target.secure else DEFAULT_PORT
    return Peer((host.strip("[]"), target.port or default), fallback.transport, fallback.conn)


def salvage(data: bytes) -> Request | None:
    """The header fields of a request the parser refused, to answer it; None if hopeless.

    Never returns anything for a response or an ACK (neither may be answered).  The start
    line is replaced (it may be what was wrong), so only the headers may be relied on.
    """
    start = 0
    while data.startswith(b"\r\n", start):
        start += 2
    end = data.find(b"\r\n\r\n", start)
    head = data[start:end] if end >= 0 else data[start:].rstrip(b"\r\n")
    first, sep, rest = head.partition(b"\r\n")
    if not sep or first[:4].upper() == b"SIP/" or first.split(b" ", 1)[0] == b"ACK":
        return None
    try:
        msg = parse_head(_SALVAGE_LINE + b"\r\n" + rest)
        if not isinstance(msg, Request) or "via" not in msg.headers:
            return None
        cseq = msg.headers.get("cseq") or ""
    except SipError:
        return None
    if cseq.split()[-1:] == ["ACK"]:
        return None
    return msg

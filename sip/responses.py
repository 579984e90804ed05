"""What the endpoint supports, and building its responses (RFC 3261 §8.2.6)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sip.errors import SipError
from sip.headers import Headers
from sip.message import Request, Response, make_response

__all__ = [
    "ACCEPT",
    "ACCEPT_INFO",
    "ACCEPT_NOTIFY",
    "ALLOW",
    "ALLOWED_METHODS",
    "KNOWN_METHODS",
    "build_response",
    "contact_value",
    "hostport",
]

#: Methods we accept.  REFER is one we *send*; a peer's REFER gets 405.
ALLOWED_METHODS: Final = ("INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "INFO", "NOTIFY")
ALLOW: Final = ", ".join(ALLOWED_METHODS)

#: Methods we recognise but do not accept (405 with Allow); anything else is 501.
KNOWN_METHODS: Final = frozenset(
    {*ALLOWED_METHODS, "REGISTER", "SUBSCRIBE", "PUBLISH", "MESSAGE", "UPDATE", "PRACK", "REFER"}
)

#: Body types we read, per method (415 with Accept otherwise).
ACCEPT: Final = "application/sdp"
ACCEPT_INFO: Final = "application/dtmf-relay, application/dtmf"
ACCEPT_NOTIFY: Final = "message/sipfrag"
ACCEPT_ANY: Final = "application/sdp, application/dtmf-relay, application/dtmf, message/sipfrag"


def hostport(host: str, port: int) -> str:
    """``host:port`` with an IPv6 literal bracketed."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def contact_value(host: str, port: int, transport: str) -> str:
    """Our Contact: ``<sip:host:port>`` (``;transport=tcp`` on TCP)."""
    suffix = ";transport=tcp" if transport == "tcp" else ""
    return f"<sip:{hostport(host, port)}{suffix}>"


def build_response(
    request: Request,
    status: int,
    *,
    reason: str | None = None,
    to_tag: str | None = None,
    contact: str | None = None,
    server: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    content_type: str | None = None,
) -> Response:
    """A response to ``request`` with the mandatory headers copied (§8.2.6.2).

    The To tag is added unless the status is 100 (§8.2.6.2) or To already has one.  The
    Timestamp of a request is echoed in a 100 (§8.2.6.1).
    """
    response = make_response(request, status, reason)
    out = response.headers
    if to_tag is not None and status != 100:
        _add_to_tag(request, out, to_tag)
    if status == 100:
        timestamp = request.headers.get("timestamp")
        if timestamp is not None:
            out.add("Timestamp", timestamp)
    if contact is not None:
        out.add("Contact", contact)
    for name, value in headers:
        out.add(name, value)
    if server:
        out.add("Server", server)
    if body:
        out.add("Content-Type", content_type or "application/sdp")
        response.body = body
    return response


def _add_to_tag(request: Request, headers: Headers, tag: str) -> None:
    # Appending ";tag=" to the received text is valid for both the name-addr and the
    # addr-spec forms (the parameters after an addr-spec are header parameters), and is
    # much cheaper than re-rendering the address.
    value = headers.get("to")
    if value is None:
        return
    try:
        if request.to.tag is not None:
            return
    except SipError:
        return  # a malformed To is copied as it came: the response is an error anyway
    headers.set("To", f"{value};tag={tag}")

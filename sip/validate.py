"""Semantic checks applied after parsing (RFC 3261 §8.2, §20; RFC 4475 §3.1.2, §3.3).

The parser accepts anything it can frame and split; :func:`validate` then decides whether a
UAS may process the message, raising :class:`~sip.errors.SipError` whose ``status_hint`` is
the response to send (400, 416, 420, 505...).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

from sip.errors import BadExtensionError, SipError
from sip.headers import Headers, display_name
from sip.message import Message, Request, Response
from sip.uri import SipUri, TelUri
from sip.values import Wildcard

__all__ = ["DEFAULT_SCHEMES", "SINGLE_VALUED", "validate"]

#: Request-URI schemes accepted by default; anything else is answered 416.
DEFAULT_SCHEMES: Final = frozenset({"sip", "sips", "tel"})

#: Headers that may appear at most once (RFC 3261 §7.3.1: only list-valued headers repeat).
SINGLE_VALUED: Final = frozenset(
    {
        "call-id",
        "content-disposition",
        "content-length",
        "content-type",
        "cseq",
        "date",
        "event",
        "expires",
        "from",
        "max-forwards",
        "mime-version",
        "min-expires",
        "min-se",
        "rack",
        "refer-to",
        "replaces",
        "retry-after",
        "rseq",
        "session-expires",
        "timestamp",
        "to",
    }
)

_MANDATORY: Final = ("to", "from", "cseq", "call-id", "via")
_WORD = r"[A-Za-z0-9\-.!%*_+`'~()<>:\\\"/\[\]?{}]+"
_CALL_ID_RE: Final = re.compile(f"{_WORD}(?:@{_WORD})?")


def validate(
    msg: Message,
    *,
    schemes: Collection[str] | None = DEFAULT_SCHEMES,
    supported: Collection[str] | None = None,
) -> None:
    """Raise :class:`SipError` unless ``msg`` is a well-formed, consistent SIP/2.0 message.

    Checks, in the order a UAS would answer them: SIP version (505); status code range;
    duplicated single-valued headers; mandatory headers (To, From, CSeq, Call-ID, Via, and
    Max-Forwards for requests, except from RFC 2543 peers whose branch lacks the magic
    cookie, RFC 4475 §3.4.1); the syntax of every typed header; CSeq method versus request
    method; Content-Length versus body; Content-Type present with a body; the Request-URI
    (no URI headers, RFC 4475 escruri) -- all 400.  Then the UAS capability checks: a
    Request-URI scheme outside ``schemes`` gives 416 (pass ``schemes=None`` to skip), and,
    if ``supported`` option tags are given, an unsupported ``Require`` gives 420
    (:class:`~sip.errors.BadExtensionError` lists the tags).
    """
    if msg.version.upper() != "SIP/2.0":
        raise SipError(f"unsupported protocol version {msg.version!r}", 505)
    if isinstance(msg, Response) and not 100 <= msg.status <= 699:
        raise SipError(f"status code out of range: {msg.status}")
    headers = msg.headers
    _check_counts(headers)
    _check_typed(msg)
    _check_body(msg)
    if isinstance(msg, Request):
        _check_request(msg, headers)
        if schemes is not None:
            _check_scheme(msg, schemes)
        if supported is not None and msg.method not in ("ACK", "CANCEL"):
            # RFC 3261 §8.2.2.3: Require is never grounds to reject an ACK or a CANCEL.
            known = {tag.lower() for tag in supported}
            missing = [tag for tag in headers.get_list("require") if tag.lower() not in known]
            if missing:
                raise BadExtensionError(tuple(missing))


def _check_counts(headers: Headers) -> None:
    keys = headers._keys
    for key in _MANDATORY:
        if key not in keys:
            raise SipError(f"missing mandatory {display_name(key)} header", header=key)
    seen: set[str] = set()
    for key in keys:
        if key in SINGLE_VALUED:
            if key in seen:
                raise SipError(f"duplicate {display_name(key)} header", header=key)
            seen.add(key)


def _check_typed(msg: Message) -> None:
    # Reading each typed property parses it (and memoises the result for the caller).
    msg.cseq  # noqa: B018
    msg.from_  # noqa: B018
    msg.to  # noqa: B018
    msg.via  # noqa: B018
    msg.route  # noqa: B018
    msg.record_route  # noqa: B018
    msg.max_forwards  # noqa: B018
    msg.content_type  # noqa: B018
    if _CALL_ID_RE.fullmatch(msg.call_id) is None:
        raise SipError(f"malformed Call-ID {msg.call_id[:60]!r}", header="call-id")
    contact = msg.contact
    if isinstance(contact, Wildcard):
        expires = msg.headers.get("expires")
        if not isinstance(msg, Request) or msg.method != "REGISTER" or expires is None:
            raise SipError(
                "Contact: * is only allowed in REGISTER with Expires: 0", header="contact"
            )
        if expires.strip("0 \t") != "":
            raise SipError("Contact: * requires Expires: 0", header="contact")


def _check_body(msg: Message) -> None:
    keys = msg.headers._keys
    length = msg.headers._values[keys.index("content-length")] if "content-length" in keys else None
    if length is not None and (
        not length.isascii() or not length.isdigit() or int(length) != len(msg.body)
    ):
        raise SipError(
            f"Content-Length {length[:20]!r} does not match body of {len(msg.body)} octets",
            header="content-length",
        )
    if msg.body and "content-type" not in keys:
        raise SipError("a message body requires a Content-Type header", header="content-type")


def _check_request(req: Request, headers: Headers) -> None:
    cseq = req.cseq
    if cseq.method != req.method:
        raise SipError(
            f"CSeq method {cseq.method!r} does not match request method {req.method!r}",
            header="cseq",
        )
    if "max-forwards" not in headers and req.top_via.is_rfc3261_branch:
        raise SipError("missing mandatory Max-Forwards header", header="max-forwards")
    uri = req.request_uri
    if isinstance(uri, SipUri) and uri.headers:
        # RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 escruri).
        raise SipError(f"Request-URI must not contain headers: {req.uri[:80]!r}")


def _check_scheme(req: Request, schemes: Collection[str]) -> None:
    uri = req.request_uri
    scheme = "tel" if isinstance(uri, TelUri) else uri.scheme
    if scheme not in schemes:
        raise SipError(f"unsupported Request-URI scheme {scheme!r}", 416)

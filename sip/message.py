"""SIP requests and responses with lazily parsed typed headers, and wire serialisation.

Header values are parsed into typed objects only when a typed property is first read, then
memoised in the :class:`~sip.headers.Headers` until it changes.  Parsing bytes into these
classes lives in :mod:`sip.parser`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Final, TypeVar

from sip._grammar import TOKEN, split_comma
from sip.errors import REASON_PHRASES, SipError
from sip.headers import Headers, display_name
from sip.uri import Uri, parse_uri
from sip.values import (
    ContentType,
    CSeq,
    MaxForwards,
    NameAddr,
    Via,
    Wildcard,
    parse_contact,
    parse_name_addrs,
    parse_vias,
)

__all__ = ["Message", "Request", "Response", "make_response"]

_T = TypeVar("_T")

_CTL_IN_REASON_RE: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_URI_CHARS = r"[A-Za-z0-9\-_.!~*'();/?:@&=+$,%\[\]#]+"
_VERSION = r"[Ss][Ii][Pp]/[0-9]+\.[0-9]+"
_REQUEST_LINE_RE: Final = re.compile(f"({TOKEN}) ({_URI_CHARS}) ({_VERSION})")


def _named(exc: SipError, key: str) -> SipError:
    # Re-label an error from a value parser with the header it came from.
    name = display_name(key)
    text = str(exc)
    message = text if text.startswith(name) else f"{name}: {text}"
    return SipError(message, exc.status_hint, key)


#: Bounds on each memo of parsed header values (see :func:`_memo`): entries, and the length
#: of a value worth keeping (a peer's long values must not make it hold megabytes).
_MEMO_MAX: Final = 4096
_MEMO_VALUE_MAX: Final = 256


def _memo(parse: Callable[[str], _T]) -> Callable[[str], _T]:
    """``parse`` memoised by the value's text (for immutable results only).

    From, To, Contact, Route and CSeq values repeat across the messages of a call and across
    calls (a trunk's Contact, ``1 INVITE``...): each distinct text is parsed and checked once.
    Errors and values longer than ``_MEMO_VALUE_MAX`` are not memoised. The memo is cleared
    when full, so a peer sending only new values costs one dict insert per value.
    """
    memo: dict[str, _T] = {}

    def run(value: str) -> _T:
        try:
            return memo[value]
        except KeyError:
            pass
        result = parse(value)
        if len(value) <= _MEMO_VALUE_MAX:
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            memo[value] = result
        return result

    return run


def _first(key: str, parse: Callable[[str], _T]) -> Callable[[Headers], _T]:
    def run(headers: Headers) -> _T:
        try:
            value = headers._values[headers._keys.index(key)]
        except ValueError:
            raise SipError(f"missing {display_name(key)} header", header=key) from None
        try:
            return parse(value)
        except SipError as exc:
            raise _named(exc, key) from None

    return run


def _optional(key: str, parse: Callable[[str], _T]) -> Callable[[Headers], _T | None]:
    first = _first(key, parse)

    def run(headers: Headers) -> _T | None:
        return first(headers) if key in headers._keys else None

    return run


def _every(key: str, parse: Callable[[str], tuple[_T, ...]]) -> Callable[[Headers], tuple[_T, ...]]:
    def run(headers: Headers) -> tuple[_T, ...]:
        keys = headers._keys
        if key not in keys:
            return ()
        values = headers._values
        if keys.count(key) == 1:  # the usual case: one line (maybe a comma list)
            try:
                return parse(values[keys.index(key)])
            except SipError as exc:
                raise _named(exc, key) from None
        out: list[_T] = []
        for k, value in zip(keys, values, strict=True):
            if k == key:
                try:
                    out.extend(parse(value))
                except SipError as exc:
                    raise _named(exc, key) from None
        return tuple(out)

    return run


_PARSE_CONTACT: Final = _memo(parse_contact)
_PARSE_NAME_ADDRS: Final = _memo(parse_name_addrs)
_PARSE_NAME_ADDR: Final = _memo(NameAddr.parse)


def _contact(headers: Headers) -> tuple[NameAddr, ...] | Wildcard:
    values = headers.get_all("contact")
    if len(values) == 1:
        try:
            return _PARSE_CONTACT(values[0])
        except SipError as exc:
            raise _named(exc, "contact") from None
    if any(value.strip(" \t") == "*" for value in values):
        raise SipError("Contact: '*' must be the only Contact value", header="contact")
    return _every("contact", _PARSE_NAME_ADDRS)(headers)


_CSEQ: Final = _first("cseq", _memo(CSeq.parse))
_FROM: Final = _first("from", _PARSE_NAME_ADDR)
_TO: Final = _first("to", _PARSE_NAME_ADDR)
_CALL_ID: Final = _first("call-id", str)
_VIAS: Final = _every("via", parse_vias)  # a new branch in each: not worth memoising
_ROUTE: Final = _every("route", _PARSE_NAME_ADDRS)
_RECORD_ROUTE: Final = _every("record-route", _PARSE_NAME_ADDRS)
_MAX_FORWARDS: Final = _optional("max-forwards", _memo(lambda v: MaxForwards.parse(v).value))
_CONTENT_TYPE: Final = _optional("content-type", _memo(ContentType.parse))
_REFER_TO: Final = _optional("refer-to", _PARSE_NAME_ADDR)


class Message:
    """Common part of :class:`Request` and :class:`Response`.

    ``headers`` is a mutable :class:`~sip.headers.Headers`; ``body`` is raw octets.
    Typed properties parse on first access, are memoised until the headers change, and
    raise :class:`SipError` (naming the header) if a mandatory header is missing or bad.
    """

    __slots__ = ("body", "headers", "version")

    headers: Headers
    body: bytes
    version: str

    def start_line(self) -> str:
        """The start line without CRLF."""
        raise NotImplementedError

    # -- typed views ---------------------------------------------------------------------

    @property
    def via(self) -> tuple[Via, ...]:
        """Every Via value, topmost first."""
        return self.headers.typed("via", _VIAS)

    @property
    def top_via(self) -> Via:
        """The topmost Via value (only that one is parsed, unless all already were)."""
        headers = self.headers
        cache = headers._cache
        if cache is not None:
            vias = cache.get("via")
            if vias:
                return vias[0]  # type: ignore[no-any-return,index]
        return headers.typed("via:top", _TOP_VIA)

    @property
    def from_(self) -> NameAddr:
        """The From address."""
        return self.headers.typed("from", _FROM)

    @property
    def to(self) -> NameAddr:
        """The To address."""
        return self.headers.typed("to", _TO)

    @property
    def call_id(self) -> str:
        """The Call-ID value."""
        return self.headers.typed("call-id", _CALL_ID)

    @property
    def cseq(self) -> CSeq:
        """The CSeq value."""
        return self.headers.typed("cseq", _CSEQ)

    @property
    def max_forwards(self) -> int | None:
        """Max-Forwards, or None if absent."""
        return self.headers.typed("max-forwards", _MAX_FORWARDS)

    @property
    def content_type(self) -> ContentType | None:
        """Content-Type, or None if absent."""
        return self.headers.typed("content-type", _CONTENT_TYPE)

    @property
    def contact(self) -> tuple[NameAddr, ...] | Wildcard:
        """Every Contact address (empty tuple if none), or the ``*`` wildcard."""
        return self.headers.typed("contact", _contact)

    @property
    def refer_to(self) -> NameAddr | None:
        """The Refer-To address (RFC 3515), or None if absent."""
        return self.headers.typed("refer-to", _REFER_TO)

    @property
    def route(self) -> tuple[NameAddr, ...]:
        """Every Route address, in order."""
        return self.headers.typed("route", _ROUTE)

    @property
    def record_route(self) -> tuple[NameAddr, ...]:
        """Every Record-Route address, in order."""
        return self.headers.typed("record-route", _RECORD_ROUTE)

    def pop_top_via(self) -> Via:
        """Remove and return the topmost Via value.

        Only that value is removed when the first Via line holds a comma-separated list
        (what a proxy does to a response before forwarding it, RFC 3261 §16.7).
        """
        h = self.headers
        try:
            index = h._keys.index("via")
        except ValueError:
            raise SipError("missing Via header", header="via") from None
        parts = split_comma(h._values[index])
        try:
            top = Via.parse(parts[0])
        except SipError as exc:
            raise _named(exc, "via") from None
        if len(parts) == 1:
            h.pop_first("via")
        else:
            h._values[index] = ", ".join(parts[1:])
            h._cache = None
        return top

    # -- wire format ---------------------------------------------------------------------

    def serialize(self) -> bytes:
        """Wire bytes; Content-Length is always (re)written to match ``body``."""
        h = self.headers
        body = self.body
        length = str(len(body))
        parts = [self.start_line()]
        seen = False
        for name, key, value in zip(h._names, h._keys, h._values, strict=True):
            if key == "content-length":
                if seen:
                    continue
                seen = True
                value = length
            parts.append(f"{name}: {value}")
        if not seen:
            parts.append("Content-Length: " + length)
        parts.append("\r\n")
        return "\r\n".join(parts).encode("utf-8", "surrogateescape") + body

    def __bytes__(self) -> bytes:
        return self.serialize()

    def _fields(self) -> tuple[object, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Message)
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable


def _top_via_value(value: str) -> Via:
    # Only the first via-parm is needed; a quoted comma inside a parameter is the one case
    # where the cheap partition would cut in the wrong place.
    return Via.parse(value.partition(",")[0] if '"' not in value else split_comma(value)[0])


_TOP_VIA: Final = _first("via", _top_via_value)


class Request(Message):
    """A SIP request.  ``uri`` is the Request-URI text; ``request_uri`` parses it."""

    __slots__ = ("_ruri", "method", "uri")

    method: str
    uri: str
    _ruri: tuple[str, Uri] | None

    def __init__(
        self,
        method: str,
        uri: str | Uri,
        headers: Headers | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        version: str = "SIP/2.0",
    ) -> None:
        uri = str(uri)
        if _REQUEST_LINE_RE.fullmatch(f"{method} {uri} {version}") is None:
            raise SipError(f"invalid request line {method!r} {uri!r} {version!r}")
        self.method = method
        self.uri = uri
        self.version = version
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = bytes(body)
        self._ruri = None

    @property
    def request_uri(self) -> Uri:
        """The Request-URI parsed into :class:`SipUri`, :class:`TelUri` or :class:`AbsoluteUri`."""
        cached = self._ruri
        if cached is not None and cached[0] is self.uri:
            return cached[1]
        parsed = parse_uri(self.uri)
        self._ruri = (self.uri, parsed)
        return parsed

    def start_line(self) -> str:
        """``METHOD uri SIP/2.0``."""
        return f"{self.method} {self.uri} {self.version}"

    def _fields(self) -> tuple[object, ...]:
        return (self.method, self.uri, self.version, self.headers, self.body)

    def __repr__(self) -> str:
        return (
            f"<Request {self.method} {self.uri} headers={len(self.headers)} body={len(self.body)}>"
        )


class Response(Message):
    """A SIP response."""

    __slots__ = ("reason", "status")

    status: int
    reason: str

    def __init__(
        self,
        status: int,
        reason: str | None = None,
        headers: Headers | Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        version: str = "SIP/2.0",
    ) -> None:
        if not 100 <= status <= 699:
            raise SipError(f"status code out of range: {status}")
        reason = REASON_PHRASES.get(status, "") if reason is None else reason
        if _CTL_IN_REASON_RE.search(reason):
            raise SipError("control character in reason phrase")
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.body = bytes(body)

    def start_line(self) -> str:
        """``SIP/2.0 200 OK``."""
        return f"{self.version} {self.status:03d} {self.reason}"

    def _fields(self) -> tuple[object, ...]:
        return (self.status, self.reason, self.version, self.headers, self.body)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.reason!r} headers={len(self.headers)}>"


def make_response(
    request: Request, status: int, reason: str | None = None, *, to_tag: str | None = None
) -> Response:
    """Build a response with Via, From, To, Call-ID and CSeq copied (RFC 3261 §8.2.6.2).

    ``to_tag`` is added to To when it has none.  Works on requests that failed
    validation (missing headers are simply not copied), so it can answer a 400.
    """
    src = request.headers
    names: list[str] = []
    keys: list[str] = []
    values: list[str] = []
    # The fields come from a Headers, so they are already checked: copied as they are.
    for name, key, value in zip(src._names, src._keys, src._values, strict=True):
        if key in _COPIED:
            if key == "to" and to_tag is not None:
                value = _add_tag(value, to_tag)
            names.append(name)
            keys.append(key)
            values.append(value)
    return Response(status, reason, Headers._from_parsed(names, keys, values))


_COPIED: Final = frozenset({"via", "from", "to", "call-id", "cseq"})


def _add_tag(value: str, tag: str) -> str:
    try:
        addr = NameAddr.parse(value)
    except SipError:
        return value  # malformed To: copy verbatim, the response is an error anyway
    return value if addr.tag is not None else str(addr.with_tag(tag))

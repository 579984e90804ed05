"""Parsing datagrams and header sections into :class:`Request`/:class:`Response` (RFC 3261 §7).

The start line is parsed and the header section split into fields eagerly, on a fast path
for the common case (known header names, no line folding); values stay strings until a
typed property of the message is read.
"""

from __future__ import annotations

import re
from typing import Final

from sip._grammar import TOKEN
from sip.errors import SipError
from sip.headers import _KEY_CACHE, Headers, _resolve_name
from sip.message import _REQUEST_LINE_RE, _VERSION, Request, Response, _named
from sip.values import ContentLength

__all__ = ["body_length", "parse", "parse_head"]

# Octets that may not appear bare in a header section: all C0 controls but HTAB, and DEL.
# CR and LF are included so one translate() checks "only CRLF line ends" at the same time.
_CTL: Final = bytes(range(0, 9)) + bytes(range(10, 32)) + b"\x7f"
_BAD_CTL_RE: Final = re.compile(r"[\r\n]|(?<!\\)[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_VERSION_RE: Final = re.compile(_VERSION)
_TOKEN_RE: Final = re.compile(TOKEN)
_STATUS_LINE_RE: Final = re.compile(f"({_VERSION}) ([0-9]{{3}})(?: (.*))?", re.S)


def _bad_request_line(line: str) -> SipError:
    # Say *why*: RFC 4475 lwsstart/trws/lwsruri/ltgtruri are whitespace or bracket errors.
    if "  " in line or line != line.strip(" \t") or "\t" in line:
        return SipError(f"extra whitespace in request line {line[:80]!r}")
    parts = line.split(" ")
    if len(parts) != 3:
        return SipError(f"request line needs exactly 3 parts: {line[:80]!r}")
    if not _VERSION_RE.fullmatch(parts[2]):
        return SipError(f"malformed SIP-Version in request line {line[:80]!r}")
    if _TOKEN_RE.fullmatch(parts[0]) is None:
        return SipError(f"invalid method in request line {line[:80]!r}")
    return SipError(f"invalid Request-URI {parts[1][:80]!r}")


def _reject_controls(lines: list[str]) -> None:
    # Slow path, reached only when the fast octet count found a control character: those
    # are legal only as a quoted-pair (RFC 4475 intmeth has "\<NUL>" in a display name).
    for line in lines:
        m = _BAD_CTL_RE.search(line)
        if m is not None:
            raise SipError(f"control character {m.group()!r} in line {line[:40]!r}")


def parse_head(raw: bytes) -> Request | Response:
    """Parse a start line and header section (without the final CRLFCRLF).

    Returns a message with an empty body; :func:`parse` and the stream framer supply it.
    """
    head = raw.decode("utf-8", "surrogateescape")
    lines = head.split("\r\n")
    # One C-level pass: every CR/LF must belong to a CRLF and no other control may appear.
    if len(raw) - len(raw.translate(None, _CTL)) != 2 * (len(lines) - 1):
        _reject_controls(lines)
    names: list[str] = []
    keys: list[str] = []
    values: list[str] = []
    known = _KEY_CACHE.get
    rows = iter(lines)
    next(rows)  # the start line, parsed below
    for line in rows:
        name, colon, value = line.partition(":")
        key = known(name)
        if key is None or not colon:
            # Unseen header name, LWS before the colon, a folded line or garbage.
            return _parse_head_slow(head)
        names.append(name)
        keys.append(key)
        values.append(value.strip(" \t"))
    msg = _parse_start_line(lines[0])
    msg.headers = Headers._from_parsed(names, keys, values)
    return msg


def _unfold(head: str) -> list[str]:
    # RFC 3261 §7.3.1: LWS around a line fold is equivalent to one SP.  Done by grouping
    # lines rather than with a regex, which backtracks quadratically on long blank runs.
    groups: list[list[str]] = []
    for line in head.split("\r\n"):
        if groups and line[:1] in (" ", "\t"):
            groups[-1].append(line)
        else:
            groups.append([line])
    out: list[str] = []
    for group in groups:
        if len(group) == 1:
            out.append(group[0])
            continue
        last = len(group) - 1
        pieces = [group[0].rstrip(" \t")]
        pieces += [group[i].strip(" \t") for i in range(1, last)]
        pieces.append(group[last].lstrip(" \t"))
        out.append(" ".join(pieces))
    return out


def _parse_head_slow(head: str) -> Request | Response:
    lines = _unfold(head)
    msg = _parse_start_line(lines[0])
    names: list[str] = []
    keys: list[str] = []
    values: list[str] = []
    for i in range(1, len(lines)):
        name, colon, value = lines[i].partition(":")
        if not colon:
            raise SipError(f"header line without ':' {lines[i][:40]!r}")
        name, key = _resolve_name(name)
        names.append(name)
        keys.append(key)
        values.append(value.strip(" \t"))
    msg.headers = Headers._from_parsed(names, keys, values)
    return msg


def _parse_start_line(first: str) -> Request | Response:
    if first[:4].upper() == "SIP/":
        m = _STATUS_LINE_RE.fullmatch(first)
        if m is None:
            raise SipError(f"malformed status line {first[:60]!r}")
        response = Response.__new__(Response)
        response.version, status, reason = m.groups()
        response.status = int(status)
        response.reason = reason or ""
        response.body = b""
        return response
    m = _REQUEST_LINE_RE.fullmatch(first)
    if m is None:
        raise _bad_request_line(first)
    request = Request.__new__(Request)
    request.method, request.uri, request.version = m.groups()
    request._ruri = None
    request.body = b""
    return request


def body_length(headers: Headers) -> int | None:
    """Content-Length of a parsed head, None if absent; duplicates and junk are errors."""
    keys = headers._keys
    try:
        index = keys.index("content-length")
    except ValueError:
        return None
    if keys.count("content-length") > 1:
        # RFC 4475 mcl01: with two lengths the framing cannot be determined.
        raise SipError("duplicate Content-Length header", header="content-length")
    value = headers._values[index]
    if value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    try:
        return ContentLength.parse(value).value
    except SipError as exc:
        raise _named(exc, "content-length") from None


def parse(data: bytes | bytearray) -> Request | Response:
    """Parse one datagram (UDP) into a :class:`Request` or :class:`Response`.

    Per RFC 3261 §18.3, octets beyond Content-Length are discarded, fewer octets than
    Content-Length is an error, and without Content-Length the body is the rest of the
    datagram.  Leading CRLFs are ignored (§7.5).  Raises only :class:`SipError`; call
    :func:`sip.validate.validate` afterwards for the semantic checks.
    """
    start = 0
    if data[:2] == b"\r\n":
        while data.startswith(b"\r\n", start):
            start += 2
    end = data.find(b"\r\n\r\n", start)
    if end < 0:
        if start == len(data):
            raise SipError("empty message (keep-alive CRLFs only)")
        raise SipError("header section is not terminated by an empty line")
    msg = parse_head(bytes(data[start:end]))
    length = body_length(msg.headers)
    body_start = end + 4
    if length is None:
        msg.body = bytes(data[body_start:])
    else:
        available = len(data) - body_start
        if available < length:
            raise SipError(
                f"Content-Length {length} but only {available} octets of body",
                header="content-length",
            )
        msg.body = bytes(data[body_start : body_start + length])
    return msg

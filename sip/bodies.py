"""Reading the few message bodies a UAS behind a trunk cares about.

* SDP in an INVITE, bare or as the ``application/sdp`` part of a ``multipart/mixed`` body
  (trunks add ISUP parts this way, RFC 3204).
* DTMF in SIP INFO: ``application/dtmf-relay`` (``Signal=5`` / ``Duration=160``) and
  ``application/dtmf`` (the digit alone).
* ``message/sipfrag`` status lines in the NOTIFYs of a REFER (RFC 3515).
"""

from __future__ import annotations

import re
from typing import Final

from sip.values import ContentType

__all__ = ["dtmf_from_info", "sdp_from_body", "sipfrag_status"]

_DIGITS: Final = "0123456789*#ABCD"
# Some gateways send the RFC 4733 event number instead of the character.
_EVENT_DIGITS: Final = {"10": "*", "11": "#", "12": "A", "13": "B", "14": "C", "15": "D"}
_SIGNAL_RE: Final = re.compile(rb"(?im)^[ \t]*signal[ \t]*=[ \t]*([0-9A-Da-d*#]{1,2})[ \t]*\r?$")
_DURATION_RE: Final = re.compile(rb"(?im)^[ \t]*duration[ \t]*=[ \t]*([0-9]{1,6})[ \t]*\r?$")
_SIPFRAG_RE: Final = re.compile(rb"[ \t\r\n]*SIP/2\.0[ \t]+([1-6][0-9][0-9])(?:[ \t\r]|$)", re.I)


def sdp_from_body(content_type: ContentType | None, body: bytes) -> bytes | None:
    """The SDP of an INVITE body: ``b""`` if there is none, None if the type is unsupported."""
    if not body:
        return b""
    if content_type is None:
        return None
    mime = content_type.mime_type
    if mime == "application/sdp":
        return body
    if mime == "multipart/mixed":
        boundary = content_type.param("boundary")
        if boundary:
            return _sdp_part(body, boundary.encode("utf-8", "surrogateescape"))
    return None


def _sdp_part(body: bytes, boundary: bytes) -> bytes | None:
    delimiter = b"--" + boundary
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        for line in head.split(b"\r\n"):
            name, colon, value = line.partition(b":")
            if (
                colon
                and name.strip().lower() in (b"content-type", b"c")
                and value.strip().lower().startswith(b"application/sdp")
            ):
                return content.removesuffix(b"\r\n")
    return None


def dtmf_from_info(mime: str, body: bytes) -> tuple[str, int | None] | None:
    """``(digit, duration_ms)`` from an INFO body of type ``mime``; None if it holds none."""
    if mime == "application/dtmf":
        text = body.strip().decode("ascii", "replace").upper()
        digit = _EVENT_DIGITS.get(text, text)
        return (digit, None) if len(digit) == 1 and digit in _DIGITS else None
    if mime != "application/dtmf-relay":
        return None
    m = _SIGNAL_RE.search(body)
    if m is None:
        return None
    raw = m.group(1).decode("ascii").upper()
    digit = _EVENT_DIGITS.get(raw, raw)
    if len(digit) != 1 or digit not in _DIGITS:
        return None
    d = _DURATION_RE.search(body)
    return digit, int(d.group(1)) if d is not None else None


def sipfrag_status(body: bytes) -> int | None:
    """The status code of a ``message/sipfrag`` status line (``SIP/2.0 200 OK``), or None."""
    m = _SIPFRAG_RE.match(body)
    return int(m.group(1)) if m is not None else None

"""Shared RFC 3261 §25 grammar helpers: tokens, quoted strings, lists and parameters.

All functions work on header values that have already been unfolded (the message parser
turns CRLF+WSP into a single SP), so "LWS" here only means spaces and horizontal tabs.
"""

from __future__ import annotations

import re
from typing import Final

from sip.errors import SipError

__all__ = [
    "TOKEN_CHARS",
    "Params",
    "find_param",
    "format_params",
    "has_param",
    "is_token",
    "parse_params",
    "parse_uint",
    "quote",
    "replace_param",
    "split_comma",
    "unquote",
]

#: ``token`` characters (RFC 3261 §25.1).
TOKEN_CHARS: Final = "-.!%*_+`'~"
TOKEN = r"[A-Za-z0-9\-.!%*_+`'~]+"
# quoted-string body: qdtext or quoted-pair; quoted-pair may escape any octet but CR/LF.
QUOTED = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\r\n])*"'
# gen-value = token / host / quoted-string; host adds ':' (IPv6 in received=) and brackets.
_GEN_VALUE = QUOTED + r"|[A-Za-z0-9\-.!%*_+`'~:\[\]]+"

_TOKEN_RE: Final = re.compile(TOKEN)
_QUOTED_RE: Final = re.compile(QUOTED)
_PARAM_RE: Final = re.compile(
    r"[ \t]*;[ \t]*(" + TOKEN + r")(?:[ \t]*=[ \t]*(" + _GEN_VALUE + r"))?"
)
_UNESCAPE_RE: Final = re.compile(r"\\(.)", re.S)
_NEEDS_ESCAPE_RE: Final = re.compile(r'["\\\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')

#: Ordered header/URI parameters: ``(name, value)`` pairs, ``value`` None for ``;lr``.
Params = tuple[tuple[str, str | None], ...]


def is_token(text: str) -> bool:
    """Return True if ``text`` is a non-empty RFC 3261 ``token``."""
    return _TOKEN_RE.fullmatch(text) is not None


def unquote(text: str) -> str:
    """Strip the quotes of a ``quoted-string`` and resolve its quoted-pairs.

    Text that is not quoted is returned unchanged, so parameter values can be passed in
    whether or not the sender quoted them.
    """
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        inner = text[1:-1]
        return _UNESCAPE_RE.sub(r"\1", inner) if "\\" in inner else inner
    return text


def quote(text: str) -> str:
    """Return ``text`` as a ``quoted-string``, escaping ``"``, ``\\`` and control octets.

    CR and LF cannot be represented in a quoted-string (RFC 3261 §25.1), so they are refused.
    """
    if "\r" in text or "\n" in text:
        raise SipError("CR/LF cannot appear in a quoted-string")
    return '"' + _NEEDS_ESCAPE_RE.sub(r"\\\g<0>", text) + '"'


def match_quoted(text: str, pos: int) -> int:
    """Return the index just past the quoted-string starting at ``text[pos]`` (a ``"``)."""
    m = _QUOTED_RE.match(text, pos)
    if m is None:
        raise SipError("unterminated or invalid quoted-string")
    return m.end()


def split_comma(value: str) -> list[str]:
    """Split a header value at top-level commas, respecting ``"..."`` and ``<...>``.

    Elements are stripped of surrounding LWS; empty elements are kept so that typed
    parsers can reject them (``Via: a,,b`` is malformed, RFC 4475 §3.1.2.1).
    """
    if "," not in value:
        return [value.strip(" \t")]
    if '"' not in value and "<" not in value:
        return [part.strip(" \t") for part in value.split(",")]
    parts: list[str] = []
    start = 0
    in_quotes = False
    in_angle = False
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if in_quotes:
            if ch == "\\":
                i += 1  # skip the escaped octet, it may be a quote
            elif ch == '"':
                in_quotes = False
        elif ch == '"':
            in_quotes = True
        elif ch == "<":
            in_angle = True
        elif ch == ">":
            in_angle = False
        elif ch == "," and not in_angle:
            parts.append(value[start:i].strip(" \t"))
            start = i + 1
        i += 1
    parts.append(value[start:].strip(" \t"))
    return parts


def parse_params(text: str, pos: int, what: str) -> tuple[Params, int]:
    """Parse ``*( SEMI generic-param )`` from ``text[pos:]``.

    Returns the parameters and the position where parsing stopped (the first character that
    does not start a parameter).  Raises :class:`SipError` on an empty or malformed
    parameter such as ``;;`` or ``;tag=``.
    """
    params: list[tuple[str, str | None]] = []
    n = len(text)
    while pos < n:
        m = _PARAM_RE.match(text, pos)
        if m is None:
            rest = text[pos:].lstrip(" \t")
            if rest.startswith(";"):
                raise SipError(f"empty or malformed parameter in {what}: {rest[:40]!r}")
            break
        params.append((m.group(1), m.group(2)))
        pos = m.end()
    return tuple(params), pos


def format_params(params: Params) -> str:
    """Serialise parameters as ``;name=value;flag`` (values are emitted verbatim)."""
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params)


def find_param(params: Params, name: str) -> str | None:
    """Value of the first parameter called ``name`` (case-insensitive); None if absent/flag."""
    name = name.lower()
    for k, v in params:
        if k.lower() == name:
            return v
    return None


def has_param(params: Params, name: str) -> bool:
    """True if a parameter called ``name`` (case-insensitive) is present."""
    name = name.lower()
    return any(k.lower() == name for k, _ in params)


def replace_param(params: Params, name: str, value: str | None) -> Params:
    """Return ``params`` with ``name`` set to ``value`` (replacing in place or appending)."""
    low = name.lower()
    out: list[tuple[str, str | None]] = []
    done = False
    for k, v in params:
        if k.lower() == low:
            if not done:
                out.append((k, value))
                done = True
        else:
            out.append((k, v))
    if not done:
        out.append((name, value))
    return tuple(out)


def parse_uint(text: str, what: str, maximum: int, header: str | None = None) -> int:
    """Parse ``1*DIGIT`` bounded by ``maximum``; never hands huge strings to ``int()``."""
    if not text or not text.isascii() or not text.isdigit():
        raise SipError(f"{what} must be a decimal number, got {text[:40]!r}", header=header)
    # Strip leading zeros first so that "0068" is fine but 10**4000 never reaches int().
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise SipError(f"{what} out of range (0..{maximum}): {text[:40]!r}", header=header)
    return int(digits)

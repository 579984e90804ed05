"""Typed header values: Via, name-addr (From/To/Contact/Route/Refer-To), CSeq and friends.

Every class is a frozen dataclass with a ``parse(text)`` classmethod that accepts the
(unfolded) header value, and a ``__str__`` that emits a canonical form such that
``Cls.parse(str(x)) == x``.  Parsers raise only :class:`~sip.errors.SipError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from sip._grammar import (
    TOKEN,
    Params,
    find_param,
    format_params,
    has_param,
    is_token,
    match_quoted,
    parse_params,
    parse_uint,
    quote,
    replace_param,
    split_comma,
    unquote,
)
from sip.errors import SipError
from sip.uri import Uri, check_host, parse_uri

__all__ = [
    "MAGIC_COOKIE",
    "WILDCARD",
    "CSeq",
    "ContentLength",
    "ContentType",
    "MaxForwards",
    "NameAddr",
    "Via",
    "Wildcard",
    "parse_contact",
    "parse_name_addrs",
    "parse_vias",
]

#: RFC 3261 §8.1.1.7 branch prefix that marks an RFC 3261 (not RFC 2543) transaction.
MAGIC_COOKIE: Final = "z9hG4bK"
MAX_CSEQ: Final = 2**31 - 1

_VIA_RE: Final = re.compile(
    r"[ \t]*(" + TOKEN + r")[ \t]*/[ \t]*(" + TOKEN + r")[ \t]*/[ \t]*(" + TOKEN + r")"
    r"[ \t]+(\[[^\]]*\]|[A-Za-z0-9\-.]+)(?:[ \t]*:[ \t]*([0-9]+))?"
)
_CSEQ_RE: Final = re.compile(r"[ \t]*([0-9]+)[ \t]+(" + TOKEN + r")[ \t]*")
_MEDIA_RE: Final = re.compile(r"[ \t]*(" + TOKEN + r")[ \t]*/[ \t]*(" + TOKEN + r")")
_LWS_RE: Final = re.compile(r"[ \t]+")
_QVALUE_RE: Final = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def _end_of_params(text: str, pos: int, what: str) -> None:
    if text[pos:].strip(" \t"):
        raise SipError(f"unexpected text in {what}: {text[pos : pos + 40]!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Via:
    """One Via value: ``SIP/2.0/UDP host:port;branch=...;received=...;rport``."""

    transport: str
    host: str
    port: int | None = None
    params: Params = ()
    protocol: str = "SIP/2.0"

    @classmethod
    def parse(cls, text: str) -> Via:
        """Parse a single via-parm (use :func:`parse_vias` for a comma-separated list)."""
        m = _VIA_RE.match(text)
        if m is None:
            raise SipError(f"malformed Via: {text[:80]!r}", header="via")
        name, version, transport, host, port = m.groups()
        params, pos = parse_params(text, m.end(), "Via")
        _end_of_params(text, pos, "Via")
        via = cls(
            protocol=f"{name}/{version}",
            transport=transport,
            host=check_host(host, "Via sent-by"),
            port=None if port is None else parse_uint(port, "Via port", 65535, "via"),
            params=params,
        )
        via._check_params()
        return via

    def _check_params(self) -> None:
        for name, value in self.params:
            low = name.lower()
            if low == "rport" and value is not None:
                parse_uint(value, "Via rport", 65535, "via")
            elif low == "ttl":
                parse_uint(value or "", "Via ttl", 255, "via")
            elif low == "branch" and value is None:
                raise SipError("Via branch parameter without a value", header="via")

    def __str__(self) -> str:
        port = "" if self.port is None else f":{self.port}"
        return f"{self.protocol}/{self.transport} {self.host}{port}{format_params(self.params)}"

    def param(self, name: str) -> str | None:
        """Value of parameter ``name`` (case-insensitive); None if absent or valueless."""
        return find_param(self.params, name)

    def has_param(self, name: str) -> bool:
        """True if parameter ``name`` is present, with or without a value."""
        return has_param(self.params, name)

    def with_param(self, name: str, value: str | None = None) -> Via:
        """Copy with ``name`` set, e.g. ``via.with_param("received", "192.0.2.1")``."""
        return replace(self, params=replace_param(self.params, name, value))

    @property
    def branch(self) -> str | None:
        """The branch parameter (transaction id), or None."""
        return self.param("branch")

    @property
    def is_rfc3261_branch(self) -> bool:
        """True if the branch starts with the RFC 3261 magic cookie ``z9hG4bK``."""
        branch = self.branch
        return branch is not None and branch.startswith(MAGIC_COOKIE)

    @property
    def received(self) -> str | None:
        """The received parameter, or None."""
        return self.param("received")

    @property
    def has_rport(self) -> bool:
        """True if ``rport`` is present (RFC 3581), with or without a value."""
        return self.has_param("rport")

    @property
    def rport(self) -> int | None:
        """The rport value (filled in by a server), or None if absent or empty."""
        value = self.param("rport")
        return None if value is None else parse_uint(value, "Via rport", 65535, "via")

    @property
    def maddr(self) -> str | None:
        """The maddr parameter, or None."""
        return self.param("maddr")

    @property
    def ttl(self) -> int | None:
        """The ttl parameter, or None."""
        value = self.param("ttl")
        return None if value is None else parse_uint(value, "Via ttl", 255, "via")

    @property
    def sent_by(self) -> tuple[str, int | None]:
        """``(host, port)`` as sent (port None if absent)."""
        return self.host, self.port


def parse_vias(value: str) -> tuple[Via, ...]:
    """Parse a Via header value that may hold several comma-separated via-parms."""
    return tuple(Via.parse(part) for part in split_comma(value))


@dataclass(frozen=True, slots=True)
class Wildcard:
    """The ``Contact: *`` value of a REGISTER that removes all bindings."""

    def __str__(self) -> str:
        return "*"

    @classmethod
    def parse(cls, text: str) -> Wildcard:
        """Accept exactly ``*`` (surrounding LWS allowed)."""
        if text.strip(" \t") != "*":
            raise SipError(f"expected '*', got {text[:40]!r}", header="contact")
        return WILDCARD


WILDCARD: Final = Wildcard()


@dataclass(frozen=True, slots=True, kw_only=True)
class NameAddr:
    """An address with optional display name and header parameters.

    Used for From, To, Contact, Route, Record-Route, Reply-To and Refer-To.
    ``display_name`` is the unquoted text (None when absent, ``""`` for ``"" <...>``).
    Both the ``name-addr`` and bare ``addr-spec`` forms are accepted; ``str()`` always
    emits the bracketed form, which is never ambiguous.
    """

    uri: Uri
    display_name: str | None = None
    params: Params = ()

    @classmethod
    def parse(cls, text: str) -> NameAddr:
        """Parse one name-addr/addr-spec with its parameters."""
        s = text.strip(" \t")
        if not s:
            raise SipError("empty address")
        display: str | None = None
        if s[0] == '"':
            end = match_quoted(s, 0)
            display = unquote(s[:end])
            lt = end + len(s[end:]) - len(s[end:].lstrip(" \t"))
            if not s.startswith("<", lt):
                raise SipError(f"quoted display name not followed by <URI>: {s[:80]!r}")
        else:
            lt = s.find("<")
            if lt > 0:
                words = _LWS_RE.split(s[:lt].strip(" \t"))
                if not all(is_token(w) for w in words):
                    raise SipError(f"display name must be tokens or quoted: {s[:80]!r}")
                display = " ".join(words)
        if lt >= 0:
            gt = s.find(">", lt)
            if gt < 0:
                raise SipError(f"unterminated <URI>: {s[:80]!r}")
            # RFC 4475 §3.1.2.14 (badaspec): LWS inside the brackets is tolerated and dropped.
            uri_text = s[lt + 1 : gt].strip(" \t")
            pos = gt + 1
        else:
            pos = s.find(";")
            if pos < 0:
                pos = len(s)
            uri_text = s[:pos].rstrip(" \t")
            # RFC 3261 §20: a URI with ',', '?' or ';' must use the bracketed form.
            if "?" in uri_text or "," in uri_text or " " in uri_text or "\t" in uri_text:
                raise SipError(f"URI with '?' must be enclosed in <>: {s[:80]!r}")
        params, pos = parse_params(s, pos, "address")
        _end_of_params(s, pos, "address")
        return cls(uri=parse_uri(uri_text), display_name=display, params=params)

    def __str__(self) -> str:
        name = "" if self.display_name is None else quote(self.display_name) + " "
        return f"{name}<{self.uri}>{format_params(self.params)}"

    def param(self, name: str) -> str | None:
        """Value of header parameter ``name`` (case-insensitive), or None."""
        return find_param(self.params, name)

    def has_param(self, name: str) -> bool:
        """True if header parameter ``name`` is present."""
        return has_param(self.params, name)

    def with_param(self, name: str, value: str | None = None) -> NameAddr:
        """Copy with header parameter ``name`` set."""
        return replace(self, params=replace_param(self.params, name, value))

    def with_tag(self, tag: str) -> NameAddr:
        """Copy with ``;tag=`` set (a UAS adds its tag to To)."""
        return self.with_param("tag", tag)

    @property
    def tag(self) -> str | None:
        """The dialog tag, or None."""
        return self.param("tag")

    @property
    def expires(self) -> int | None:
        """The Contact ``expires`` parameter, or None (huge values clamp to 2**32-1)."""
        value = self.param("expires")
        if value is None or not value.isascii() or not value.isdigit():
            return None
        digits = value.lstrip("0") or "0"
        # RFC 3261 §20.19 lets a huge value be read as the maximum (RFC 4475 scalar02).
        return 2**32 - 1 if len(digits) > 10 else min(int(digits), 2**32 - 1)

    @property
    def q(self) -> float | None:
        """The Contact ``q`` preference (0..1), or None."""
        value = self.param("q")
        # qvalue grammar only: never hand "nan" or "1e9" to float().
        if value is None or _QVALUE_RE.fullmatch(value) is None:
            return None
        return float(value)


def parse_name_addrs(value: str) -> tuple[NameAddr, ...]:
    """Parse a comma-separated list of addresses (Contact, Route, Record-Route)."""
    return tuple(NameAddr.parse(part) for part in split_comma(value))


def parse_contact(value: str) -> tuple[NameAddr, ...] | Wildcard:
    """Parse a Contact value: a list of addresses, or the ``*`` wildcard."""
    parts = split_comma(value)
    if "*" in parts:
        if len(parts) > 1:
            raise SipError("Contact: '*' must be the only Contact value", header="contact")
        return WILDCARD
    return tuple(NameAddr.parse(part) for part in parts)


@dataclass(frozen=True, slots=True)
class CSeq:
    """``CSeq: <number> <method>``; the number must be below 2**31 (RFC 3261 §8.1.1.5)."""

    number: int
    method: str

    @classmethod
    def parse(cls, text: str) -> CSeq:
        """Parse a CSeq value."""
        m = _CSEQ_RE.fullmatch(text)
        if m is None:
            raise SipError(f"malformed CSeq: {text[:60]!r}", header="cseq")
        return cls(parse_uint(m.group(1), "CSeq number", MAX_CSEQ, "cseq"), m.group(2))

    def __str__(self) -> str:
        return f"{self.number} {self.method}"


@dataclass(frozen=True, slots=True)
class ContentType:
    """``type/subtype;param=value``; ``mime_type`` gives the lower-cased ``type/subtype``."""

    type: str
    subtype: str
    params: Params = ()

    @classmethod
    def parse(cls, text: str) -> ContentType:
        """Parse a media-type."""
        m = _MEDIA_RE.match(text)
        if m is None:
            raise SipError(f"malformed media type: {text[:60]!r}", header="content-type")
        params, pos = parse_params(text, m.end(), "Content-Type")
        _end_of_params(text, pos, "Content-Type")
        return cls(m.group(1), m.group(2), params)

    def __str__(self) -> str:
        return f"{self.type}/{self.subtype}{format_params(self.params)}"

    @property
    def mime_type(self) -> str:
        """Lower-cased ``type/subtype`` for comparisons."""
        return f"{self.type}/{self.subtype}".lower()

    def param(self, name: str) -> str | None:
        """Unquoted value of parameter ``name`` (e.g. ``boundary``), or None."""
        value = find_param(self.params, name)
        return None if value is None else unquote(value)


@dataclass(frozen=True, slots=True)
class ContentLength:
    """``Content-Length`` (body size in octets)."""

    value: int

    @classmethod
    def parse(cls, text: str) -> ContentLength:
        """Parse ``1*DIGIT``; negative or non-numeric values are errors (RFC 4475 ncl)."""
        return cls(parse_uint(text.strip(" \t"), "Content-Length", 2**31 - 1, "content-length"))

    def __str__(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True)
class MaxForwards:
    """``Max-Forwards`` hop limit, 0..255 (RFC 3261 §20.22)."""

    value: int

    @classmethod
    def parse(cls, text: str) -> MaxForwards:
        """Parse ``1*DIGIT`` in 0..255 (leading zeros allowed, RFC 4475 wsinv)."""
        return cls(parse_uint(text.strip(" \t"), "Max-Forwards", 255, "max-forwards"))

    def __str__(self) -> str:
        return str(self.value)

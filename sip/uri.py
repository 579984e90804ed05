"""SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966) plus opaque absolute URIs."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from typing import Final
from urllib.parse import quote as _pct_quote
from urllib.parse import unquote as _pct_unquote

from sip._grammar import Params, find_param, has_param, replace_param
from sip.errors import SipError

__all__ = ["AbsoluteUri", "SipUri", "TelUri", "Uri", "check_host", "parse_uri"]

_ESC = r"%[0-9A-Fa-f]{2}"
_UNRESERVED = r"A-Za-z0-9\-_.!~*'()"
_USER_RE: Final = re.compile(rf"(?:[{_UNRESERVED}&=+$,;?/]|{_ESC})+")
_PASSWORD_RE: Final = re.compile(rf"(?:[{_UNRESERVED}&=+$,]|{_ESC})*")
_PCHAR_RE: Final = re.compile(rf"(?:[{_UNRESERVED}\[\]/:&+$]|{_ESC})+")
_HCHAR_RE: Final = re.compile(rf"(?:[{_UNRESERVED}\[\]/?:+$]|{_ESC})*")
_SCHEME_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")
_HOST_CHARS_RE: Final = re.compile(r"[A-Za-z0-9\-.]+")
_SIP_RE: Final = re.compile(
    r"(?:(?P<userinfo>[^@]*)@)?"
    r"(?P<host>\[[^\]]*\]|[A-Za-z0-9\-.]+)"
    r"(?::(?P<port>[0-9]*))?"
    r"(?P<params>;[^?]*)?"
    r"(?:\?(?P<headers>.*))?",
    re.S,
)
_OPAQUE_RE: Final = re.compile(rf"(?:[{_UNRESERVED};/?:@&=+$,\[\]#]|{_ESC})+")
_TEL_NUMBER_RE: Final = re.compile(r"\+[0-9\-.()]+|[0-9A-Fa-f*#\-.()pw]+")
_TEL_PARAM_RE: Final = re.compile(rf";([A-Za-z0-9\-]+)(?:=((?:[{_UNRESERVED}\[\]/:&+$]|{_ESC})+))?")

# Characters left unescaped when serialising each URI component (RFC 3261 §25.1).
_SAFE_USER: Final = "!~*'()&=+$,;?/"
_SAFE_PASSWORD: Final = "!~*'()&=+$,"
_SAFE_PARAM: Final = "!~*'()[]/:&+$"
_SAFE_HEADER: Final = "!~*'()[]/?:+$"


def _unescape(text: str) -> str:
    # Unescaping is never recursive (RFC 4475 §3.1.1.3): one pass of unquote() only.
    if "%" not in text:
        return text
    return _pct_unquote(text, encoding="utf-8", errors="surrogateescape")


def _escape(text: str, safe: str) -> str:
    return _pct_quote(text, safe=safe, encoding="utf-8", errors="surrogateescape")


def check_host(host: str, what: str) -> str:
    """Validate a ``host`` (hostname, IPv4 address or ``[IPv6]`` reference) and return it."""
    if host.startswith("["):
        if not host.endswith("]"):
            raise SipError(f"unterminated IPv6 reference in {what}: {host[:60]!r}")
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise SipError(f"invalid IPv6 reference in {what}: {host[:60]!r}") from None
        return host
    # Labels are alphanumerics with inner hyphens, separated by single dots; one trailing
    # dot is allowed (RFC 3261 hostname).  Plain string tests are much cheaper than a regex.
    if (
        _HOST_CHARS_RE.fullmatch(host) is None
        or host[0] in ".-"
        or host[-1] == "-"
        or ".." in host
        or ".-" in host
        or "-." in host
    ):
        raise SipError(f"invalid host in {what}: {host[:60]!r}")
    return host


def _check_port(text: str, what: str) -> int:
    if not text or len(text) > 5 or int(text) > 65535:
        raise SipError(f"invalid port in {what}: {text[:20]!r}")
    return int(text)


def _parse_uri_params(text: str, what: str) -> Params:
    params: list[tuple[str, str | None]] = []
    for item in text[1:].split(";"):
        name, eq, value = item.partition("=")
        if _PCHAR_RE.fullmatch(name) is None or (eq and _PCHAR_RE.fullmatch(value) is None):
            raise SipError(f"invalid URI parameter in {what}: {item[:40]!r}")
        params.append((_unescape(name), _unescape(value) if eq else None))
    return tuple(params)


def _parse_uri_headers(text: str, what: str) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    for item in text.split("&"):
        name, eq, value = item.partition("=")
        if not name or not eq or _HCHAR_RE.fullmatch(name) is None:
            raise SipError(f"invalid URI header in {what}: {item[:40]!r}")
        if _HCHAR_RE.fullmatch(value) is None:
            raise SipError(f"invalid URI header in {what}: {item[:40]!r}")
        headers.append((_unescape(name), _unescape(value)))
    return tuple(headers)


@dataclass(frozen=True, slots=True, kw_only=True)
class SipUri:
    """A ``sip:`` or ``sips:`` URI.

    ``user``, ``password``, parameter names/values and header names/values are stored
    unescaped (``%41`` becomes ``A``); ``str()`` escapes whatever the grammar requires, so
    ``SipUri.parse(str(u)) == u``.  ``host`` keeps IPv6 references in brackets.
    """

    host: str
    scheme: str = "sip"
    user: str | None = None
    password: str | None = None
    port: int | None = None
    params: Params = ()
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> SipUri:
        """Parse a SIP/SIPS URI; raises :class:`SipError` (400, or 416 for other schemes)."""
        scheme, colon, rest = text.partition(":")
        low = scheme.lower()
        if not colon or low not in ("sip", "sips"):
            raise SipError(f"not a SIP URI: {text[:60]!r}", 416)
        m = _SIP_RE.fullmatch(rest)
        if m is None:
            raise SipError(f"malformed SIP URI: {text[:80]!r}")
        userinfo, host, port, params, headers = m.group(
            "userinfo", "host", "port", "params", "headers"
        )
        user = password = None
        if userinfo is not None:
            user, colon, pw = userinfo.partition(":")
            if _USER_RE.fullmatch(user) is None:
                raise SipError(f"invalid user part in SIP URI: {text[:80]!r}")
            if colon:
                if _PASSWORD_RE.fullmatch(pw) is None:
                    raise SipError(f"invalid password in SIP URI: {text[:80]!r}")
                password = _unescape(pw)
            user = _unescape(user)
        return cls(
            scheme=low,
            user=user,
            password=password,
            host=check_host(host, "SIP URI"),
            port=None if port is None else _check_port(port, "SIP URI"),
            params=() if params is None else _parse_uri_params(params, "SIP URI"),
            headers=() if headers is None else _parse_uri_headers(headers, "SIP URI"),
        )

    def __str__(self) -> str:
        out = [self.scheme, ":"]
        if self.user is not None:
            out.append(_escape(self.user, _SAFE_USER))
            if self.password is not None:
                out += (":", _escape(self.password, _SAFE_PASSWORD))
            out.append("@")
        out.append(self.host)
        if self.port is not None:
            out += (":", str(self.port))
        for name, value in self.params:
            out += (";", _escape(name, _SAFE_PARAM))
            if value is not None:
                out += ("=", _escape(value, _SAFE_PARAM))
        if self.headers:
            out.append("?")
            out.append(
                "&".join(
                    _escape(k, _SAFE_HEADER) + "=" + _escape(v, _SAFE_HEADER)
                    for k, v in self.headers
                )
            )
        return "".join(out)

    def param(self, name: str) -> str | None:
        """Value of URI parameter ``name`` (case-insensitive); None if absent or valueless."""
        return find_param(self.params, name)

    def has_param(self, name: str) -> bool:
        """True if URI parameter ``name`` is present (with or without a value)."""
        return has_param(self.params, name)

    def with_param(self, name: str, value: str | None = None) -> SipUri:
        """Copy with parameter ``name`` set (replaced in place or appended)."""
        return replace(self, params=replace_param(self.params, name, value))

    @property
    def transport(self) -> str | None:
        """The ``transport`` parameter, lower-cased, or None."""
        value = self.param("transport")
        return None if value is None else value.lower()

    @property
    def lr(self) -> bool:
        """True for a loose-routing URI (``;lr``)."""
        return self.has_param("lr")

    @property
    def maddr(self) -> str | None:
        """The ``maddr`` parameter, or None."""
        return self.param("maddr")

    @property
    def secure(self) -> bool:
        """True for ``sips:``."""
        return self.scheme == "sips"


@dataclass(frozen=True, slots=True)
class TelUri:
    """A ``tel:`` URI (RFC 3966); ``number`` is kept exactly as written, params raw."""

    number: str
    params: Params = ()

    @classmethod
    def parse(cls, text: str) -> TelUri:
        """Parse a tel URI; raises :class:`SipError` on malformed input."""
        scheme, colon, rest = text.partition(":")
        if not colon or scheme.lower() != "tel":
            raise SipError(f"not a tel URI: {text[:60]!r}", 416)
        number = rest.partition(";")[0]
        # A global number needs at least one digit ("+-" is not a number), a local one at
        # least one hex digit, '*' or '#'.
        if _TEL_NUMBER_RE.fullmatch(number) is None or not any(
            c.isdigit() or c in "ABCDEFabcdef*#" for c in number
        ):
            raise SipError(f"invalid telephone number in tel URI: {text[:60]!r}")
        params: list[tuple[str, str | None]] = []
        pos = len(number)
        while pos < len(rest):
            m = _TEL_PARAM_RE.match(rest, pos)
            if m is None:
                raise SipError(f"invalid tel URI parameter: {rest[pos : pos + 40]!r}")
            params.append((m.group(1), m.group(2)))
            pos = m.end()
        return cls(number, tuple(params))

    def __str__(self) -> str:
        return (
            "tel:"
            + self.number
            + "".join(f";{k}" if v is None else f";{k}={v}" for k, v in self.params)
        )

    def param(self, name: str) -> str | None:
        """Value of parameter ``name`` (case-insensitive), or None."""
        return find_param(self.params, name)

    @property
    def is_global(self) -> bool:
        """True for a global number (``+`` prefix)."""
        return self.number.startswith("+")


@dataclass(frozen=True, slots=True)
class AbsoluteUri:
    """Any other ``scheme:opaque`` URI (RFC 3261 ``absoluteURI``), kept verbatim."""

    scheme: str
    opaque: str

    @classmethod
    def parse(cls, text: str) -> AbsoluteUri:
        """Parse ``scheme:rest`` checking only the generic URI character set."""
        scheme, colon, rest = text.partition(":")
        if not colon or _SCHEME_RE.fullmatch(scheme) is None:
            raise SipError(f"invalid URI (no scheme): {text[:60]!r}")
        if _OPAQUE_RE.fullmatch(rest) is None:
            raise SipError(f"invalid characters in URI: {text[:60]!r}")
        return cls(scheme.lower(), rest)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.opaque}"


#: Any URI that can appear in a Request-URI or a name-addr.
Uri = SipUri | TelUri | AbsoluteUri


# URIs are immutable, and a server sees the same few over and over (its own address in every
# Request-URI, each trunk's Contact, the URI part of From/To whatever the tag): parsed ones
# are memoised by their text. Cleared when full, so hostile traffic costs a dict insert.
_MEMO: dict[str, Uri] = {}
_MEMO_MAX: Final = 4096
_MEMO_TEXT_MAX: Final = 256  # longer URIs are parsed each time, never held


def parse_uri(text: str) -> Uri:
    """Parse a URI, choosing the class from its scheme (sip/sips, tel, anything else)."""
    uri = _MEMO.get(text)
    if uri is None:
        uri = _parse_uri(text)
        if len(text) <= _MEMO_TEXT_MAX:
            if len(_MEMO) >= _MEMO_MAX:
                _MEMO.clear()
            _MEMO[text] = uri
    return uri


def _parse_uri(text: str) -> Uri:
    scheme = text[:5].partition(":")[0].lower()
    if scheme in ("sip", "sips"):
        return SipUri.parse(text)
    if scheme == "tel":
        return TelUri.parse(text)
    return AbsoluteUri.parse(text)

"""SDP (RFC 4566) for telephony, and the offer/answer model (RFC 3264) over it.

Parsing keeps every line: what is not modelled (``i= u= e= p= b= t= r= z= k=`` and unknown
types) is kept verbatim in ``other`` and written back in its RFC position, so
``str(SessionDescription.parse(text)) == text`` for any well-ordered CRLF description.

Negotiation covers what a contact-center trunk needs: one audio stream, PCMU (0) and PCMA
(8), RFC 4733 telephone-event on whatever dynamic payload type the offerer picked, ptime and
the hold directions. The answerer takes the *first offered* codec it supports; a stream it
cannot take is rejected with port 0; no usable audio stream at all raises :class:`SdpError`
with ``status_hint`` 488 (Not Acceptable Here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sip.errors import SipError

__all__ = [
    "DIRECTIONS", "PCMA", "PCMU", "SUPPORTED_CODECS", "Attribute", "Codec", "Connection",
    "Media", "Negotiated", "Origin", "RtpMap", "SdpError", "SessionDescription",
    "accept_answer", "answer", "offer", "revise",
]

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
_REVERSE = {"sendrecv": "sendrecv", "sendonly": "recvonly", "recvonly": "sendonly",
            "inactive": "inactive"}
#: Static payload types of RFC 3551 that may appear without an rtpmap.
_STATIC = {0: ("PCMU", 8000), 3: ("GSM", 8000), 4: ("G723", 8000), 8: ("PCMA", 8000),
           9: ("G722", 8000), 18: ("G729", 8000)}
_RTP_PROFILES = ("RTP/AVP", "RTP/AVPF")
#: Where unmodelled lines go back (RFC 4566 §5 order); ``c=`` sits at rank 4 / 1.
_SESSION_RANK = {"i": 0, "u": 1, "e": 2, "p": 3, "b": 5, "t": 6, "r": 6, "z": 7, "k": 8}
_MEDIA_RANK = {"i": 0, "b": 2, "k": 3}
_OTHER_RANK = 9
_EVENTS_WE_TAKE = frozenset(range(17))  # DTMF 0-9 * # A-D and flash


class SdpError(SipError):
    """An SDP body is malformed (400) or cannot be accepted (488)."""

    def __init__(self, message: str, status_hint: int = 400) -> None:
        super().__init__(message, status_hint)


def _digits(value: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts "²", which ``int`` refuses)."""
    return value.isascii() and value.isdigit()


def _int(value: str, what: str) -> int:
    if not _digits(value):
        raise SdpError(f"SDP {what} is not a number: {value!r}")
    return int(value)


def _addrtype(address: str) -> str:
    return "IP6" if ":" in address else "IP4"


@dataclass(frozen=True)
class Origin:
    """The ``o=`` line: who made the description, and which version of it this is."""

    username: str
    session_id: str
    version: int
    address: str
    nettype: str = "IN"
    addrtype: str = ""

    def __post_init__(self) -> None:
        if not self.addrtype:
            object.__setattr__(self, "addrtype", _addrtype(self.address))

    @classmethod
    def parse(cls, value: str) -> Origin:
        parts = value.split()
        if len(parts) != 6:
            raise SdpError(f"SDP o= needs 6 fields: {value!r}")
        user, sess, version, nettype, addrtype, address = parts
        _int(sess, "session id")
        return cls(user, sess, _int(version, "origin version"), address, nettype, addrtype)

    def __str__(self) -> str:
        return (f"{self.username} {self.session_id} {self.version} {self.nettype} "
                f"{self.addrtype} {self.address}")

    def bumped(self) -> Origin:
        """The same origin, one version later (a changed re-offer or answer)."""
        return replace(self, version=self.version + 1)


@dataclass(frozen=True)
class Connection:
    """A ``c=`` line; ``address`` may carry a multicast ``/ttl`` suffix, kept verbatim."""

    address: str
    nettype: str = "IN"
    addrtype: str = ""

    def __post_init__(self) -> None:
        if not self.addrtype:
            object.__setattr__(self, "addrtype", _addrtype(self.address))

    @classmethod
    def parse(cls, value: str) -> Connection:
        parts = value.split()
        if len(parts) != 3:
            raise SdpError(f"SDP c= needs 3 fields: {value!r}")
        return cls(parts[2], parts[0], parts[1])

    def __str__(self) -> str:
        return f"{self.nettype} {self.addrtype} {self.address}"

    @property
    def host(self) -> str:
        """The address without a multicast suffix."""
        return self.address.split("/", 1)[0]

    @property
    def is_hold(self) -> bool:
        """``c=IN IP4 0.0.0.0``: the RFC 2543 way to put a call on hold."""
        return self.host in ("0.0.0.0", "::")


@dataclass(frozen=True)
class Attribute:
    """An ``a=`` line: a property (``a=sendonly``) or a ``name:value`` pair."""

    name: str
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> Attribute:
        name, sep, value = text.partition(":")
        if not name:
            raise SdpError(f"SDP attribute without a name: {text!r}")
        return cls(name, value if sep else None)

    def __str__(self) -> str:
        return self.name if self.value is None else f"{self.name}:{self.value}"


@dataclass(frozen=True)
class RtpMap:
    """An ``a=rtpmap:`` value: payload type → encoding/clock rate[/channels]."""

    payload_type: int
    encoding: str
    clock_rate: int
    channels: int | None = None

    @classmethod
    def parse(cls, value: str) -> RtpMap:
        pt, _, rest = value.strip().partition(" ")
        parts = rest.strip().split("/")
        if len(parts) not in (2, 3) or not parts[0]:
            raise SdpError(f"SDP rtpmap malformed: {value!r}")
        channels = _int(parts[2], "rtpmap channels") if len(parts) == 3 else None
        return cls(_int(pt, "payload type"), parts[0], _int(parts[1], "clock rate"), channels)

    def __str__(self) -> str:
        tail = "" if self.channels is None else f"/{self.channels}"
        return f"{self.payload_type} {self.encoding}/{self.clock_rate}{tail}"


def _render_other(lines: tuple[tuple[str, str], ...], rank: dict[str, int], split: int,
                  before: bool) -> list[str]:
    """The kept lines that go before (or after) the ``c=`` line, whose rank is ``split``."""
    pick = [(k, v) for k, v in lines if (rank.get(k, _OTHER_RANK) < split) == before]
    pick.sort(key=lambda kv: rank.get(kv[0], _OTHER_RANK))
    return [f"{k}={v}" for k, v in pick]


@dataclass(frozen=True)
class Media:
    """One ``m=`` section with its ``c=`` and ``a=`` lines."""

    media: str
    port: int
    proto: str
    formats: tuple[str, ...]
    connection: Connection | None = None
    attributes: tuple[Attribute, ...] = ()
    port_count: int | None = None
    other: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse_line(cls, value: str) -> Media:
        parts = value.split()
        if len(parts) < 4:
            raise SdpError(f"SDP m= needs media, port, proto and formats: {value!r}")
        port, _, count = parts[1].partition("/")
        return cls(parts[0], _int(port, "media port"), parts[2], tuple(parts[3:]),
                   port_count=_int(count, "port count") if count else None)

    def lines(self) -> list[str]:
        port = self.port if self.port_count is None else f"{self.port}/{self.port_count}"
        out = [f"m={self.media} {port} {self.proto} {' '.join(self.formats)}"]
        out += _render_other(self.other, _MEDIA_RANK, 1, True)
        if self.connection is not None:
            out.append(f"c={self.connection}")
        out += _render_other(self.other, _MEDIA_RANK, 1, False)
        return out + [f"a={a}" for a in self.attributes]

    def __str__(self) -> str:
        return "\r\n".join(self.lines()) + "\r\n"

    def attribute(self, name: str) -> str | None:
        """The value of the first ``a=name:value`` (``""`` for a property), else ``None``."""
        for attr in self.attributes:
            if attr.name == name:
                return "" if attr.value is None else attr.value
        return None

    @property
    def payload_types(self) -> tuple[int, ...]:
        """The formats as RTP payload types (non-numeric ones skipped)."""
        return tuple(int(f) for f in self.formats if _digits(f))

    @property
    def rtpmaps(self) -> dict[int, RtpMap]:
        """Every payload type's mapping, static ones filled in when not given."""
        maps = {pt: RtpMap(pt, *_STATIC[pt]) for pt in self.payload_types if pt in _STATIC}
        for attr in self.attributes:
            if attr.name == "rtpmap" and attr.value:
                try:
                    rtpmap = RtpMap.parse(attr.value)
                except SdpError:
                    continue  # an rtpmap we cannot read is an rtpmap we do not use
                maps[rtpmap.payload_type] = rtpmap
        return maps

    def fmtp(self, payload_type: int) -> str | None:
        """The format parameters of a payload type, if any."""
        prefix = f"{payload_type} "
        for attr in self.attributes:
            if attr.name == "fmtp" and attr.value and attr.value.startswith(prefix):
                return attr.value[len(prefix):].strip()
        return None

    @property
    def ptime(self) -> int | None:
        """``a=ptime`` in milliseconds, if given and readable."""
        value = self.attribute("ptime")
        return int(value) if value is not None and _digits(value) else None

    @property
    def direction(self) -> str | None:
        """The stream's own direction attribute, if it has one."""
        for attr in self.attributes:
            if attr.name in DIRECTIONS and attr.value is None:
                return attr.name
        return None


@dataclass(frozen=True)
class SessionDescription:
    """A whole SDP body. ``parse()`` and ``str()`` are each other's inverse."""

    origin: Origin
    session_name: str = "-"
    connection: Connection | None = None
    attributes: tuple[Attribute, ...] = ()
    media: tuple[Media, ...] = ()
    other: tuple[tuple[str, str], ...] = (("t", "0 0"),)
    version: int = 0

    @classmethod
    def parse(cls, data: str | bytes) -> SessionDescription:
        """Parse a body; :class:`SdpError` (400) if it is not SDP."""
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise SdpError("SDP body is not UTF-8") from None
        lines = [line.rstrip("\r") for line in data.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        return _Parser().run(lines)

    def __str__(self) -> str:
        out = [f"v={self.version}", f"o={self.origin}", f"s={self.session_name}"]
        out += _render_other(self.other, _SESSION_RANK, 4, True)
        if self.connection is not None:
            out.append(f"c={self.connection}")
        out += _render_other(self.other, _SESSION_RANK, 4, False)
        out += [f"a={a}" for a in self.attributes]
        for media in self.media:
            out += media.lines()
        return "\r\n".join(out) + "\r\n"

    def to_bytes(self) -> bytes:
        """The body as sent in a SIP message."""
        return str(self).encode("utf-8")

    def direction_of(self, media: Media) -> str:
        """A stream's direction: its own attribute, else the session's, else sendrecv."""
        if media.direction is not None:
            return media.direction
        for attr in self.attributes:
            if attr.name in DIRECTIONS and attr.value is None:
                return attr.name
        return "sendrecv"

    def connection_of(self, media: Media) -> Connection | None:
        """Where a stream's RTP goes: its own ``c=``, else the session's."""
        return media.connection or self.connection


class _Parser:
    """Reads lines into the session, then into each media section in turn."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.origin: Origin | None = None
        self.name: str | None = None
        self.connection: Connection | None = None
        self.attributes: list[Attribute] = []
        self.other: list[tuple[str, str]] = []
        self.media: list[Media] = []

    def run(self, lines: list[str]) -> SessionDescription:
        if not lines or not lines[0].startswith("v="):
            raise SdpError("SDP must start with v=")
        for line in lines:
            if len(line) < 2 or line[1] != "=" or not line[0].isalpha():
                raise SdpError(f"SDP line malformed: {line!r}")
            if self.media:
                self._media_line(line[0], line[2:])
            else:
                self._session_line(line[0], line[2:])
        if self.origin is None or self.version is None:
            raise SdpError("SDP without an o= line")
        return SessionDescription(self.origin, "-" if self.name is None else self.name,
                                  self.connection, tuple(self.attributes), tuple(self.media),
                                  tuple(self.other), self.version)

    def _session_line(self, kind: str, value: str) -> None:
        if kind == "v" and self.version is None:
            self.version = _int(value, "version")
        elif kind == "o" and self.origin is None:
            self.origin = Origin.parse(value)
        elif kind == "s" and self.name is None:
            self.name = value
        elif kind == "c" and self.connection is None:
            self.connection = Connection.parse(value)
        elif kind in ("v", "o", "s", "c"):
            raise SdpError(f"SDP has two session-level {kind}= lines")
        elif kind == "a":
            self.attributes.append(Attribute.parse(value))
        elif kind == "m":
            self.media.append(Media.parse_line(value))
        else:
            self.other.append((kind, value))

    def _media_line(self, kind: str, value: str) -> None:
        current = self.media[-1]
        if kind == "m":
            self.media.append(Media.parse_line(value))
        elif kind == "c":
            if current.connection is not None:
                raise SdpError("SDP media section has two c= lines")
            self.media[-1] = replace(current, connection=Connection.parse(value))
        elif kind == "a":
            attrs = (*current.attributes, Attribute.parse(value))
            self.media[-1] = replace(current, attributes=attrs)
        elif kind in ("v", "o", "s"):
            raise SdpError(f"SDP {kind}= line inside a media section")
        else:
            self.media[-1] = replace(current, other=(*current.other, (kind, value)))


# --------------------------------------------------------------------------- offer/answer


@dataclass(frozen=True)
class Codec:
    """An audio codec we can send and receive."""

    encoding: str
    payload_type: int
    clock_rate: int = 8000


PCMU = Codec("PCMU", 0)
PCMA = Codec("PCMA", 8)
SUPPORTED_CODECS = (PCMU, PCMA)


@dataclass(frozen=True)
class Negotiated:
    """What the media layer needs from a completed offer/answer exchange."""

    codec: str
    """``"PCMU"`` or ``"PCMA"``."""
    payload_type: int
    """The codec's payload type on the wire."""
    telephone_event: int | None
    """The telephone-event payload type (the offerer's), ``None`` if not negotiated."""
    address: str
    """The remote RTP address (where to send until RTP arrives)."""
    port: int
    """The remote RTP port."""
    direction: str
    """*Our* direction: ``sendrecv``, ``sendonly`` (we only send), ``recvonly``, ``inactive``."""
    ptime: int = 20
    """The packet time the remote asked to receive, in ms."""
    media_index: int = 0
    """Which ``m=`` line of the description this is."""

    @property
    def send(self) -> bool:
        """Whether we may send media."""
        return self.direction in ("sendrecv", "sendonly")

    @property
    def receive(self) -> bool:
        """Whether we expect media."""
        return self.direction in ("sendrecv", "recvonly")


def _event_set(spec: str | None) -> set[int]:
    """RFC 4733 §2.4.1 event list ("0-15,66"); absent means 0-15."""
    events: set[int] = set()
    for part in (spec or "0-15").replace(" ", "").split(","):
        low, _, high = part.partition("-")
        if _digits(low) and (not high or _digits(high)):
            # events are 8-bit: clamping keeps "0-4294967295" from building a huge set
            events.update(range(min(int(low), 256), min(int(high or low), 255) + 1))
    return events


def _event_spec(events: set[int]) -> str:
    ranges: list[str] = []
    for ev in sorted(events):
        if ranges and ev - 1 in events:
            ranges[-1] = ranges[-1].split("-")[0] + f"-{ev}"
        else:
            ranges.append(str(ev))
    return ",".join(ranges)


def _audio_attributes(pt: int, codec: str, te: int | None, events: str, ptime: int,
                      direction: str) -> tuple[Attribute, ...]:
    attrs = [Attribute("rtpmap", f"{pt} {codec}/8000")]
    if te is not None:
        attrs += [Attribute("rtpmap", f"{te} telephone-event/8000"),
                  Attribute("fmtp", f"{te} {events}")]
    return (*attrs, Attribute("ptime", str(ptime)), Attribute(direction))


def offer(address: str, port: int, origin: Origin, codecs: tuple[Codec, ...] = SUPPORTED_CODECS,
          telephone_event: int | None = 101, direction: str = "sendrecv",
          ptime: int = 20) -> SessionDescription:
    """Our offer: one audio stream, our codecs in preference order, then telephone-event."""
    formats = [str(c.payload_type) for c in codecs]
    attrs = [Attribute("rtpmap", f"{c.payload_type} {c.encoding}/{c.clock_rate}") for c in codecs]
    if telephone_event is not None:
        formats.append(str(telephone_event))
        attrs += [Attribute("rtpmap", f"{telephone_event} telephone-event/8000"),
                  Attribute("fmtp", f"{telephone_event} {_event_spec(set(_EVENTS_WE_TAKE))}")]
    attrs += [Attribute("ptime", str(ptime)), Attribute(direction)]
    media = Media("audio", port, "RTP/AVP", tuple(formats), attributes=tuple(attrs))
    return SessionDescription(origin, "-", Connection(address), media=(media,))


def _pick(media: Media, codecs: tuple[Codec, ...]) -> tuple[int, str, int | None, set[int]]:
    """(payload type, codec, telephone-event pt, events) of the first offered codec we take."""
    maps = media.rtpmaps
    names = {c.encoding.upper(): c for c in codecs}
    chosen: tuple[int, str] | None = None
    te: int | None = None
    for pt in media.payload_types:
        rtpmap = maps.get(pt)
        if rtpmap is None or rtpmap.channels not in (None, 1):
            continue
        enc = rtpmap.encoding.upper()
        if chosen is None and enc in names and rtpmap.clock_rate == names[enc].clock_rate:
            chosen = (pt, names[enc].encoding)
        elif te is None and enc == "TELEPHONE-EVENT" and rtpmap.clock_rate == 8000:
            te = pt
    if chosen is None:
        raise SdpError("no common codec", 488)
    events = _event_set(media.fmtp(te)) & _EVENTS_WE_TAKE if te is not None else set()
    return chosen[0], chosen[1], te if events else None, events


def _offered_direction(desc: SessionDescription, media: Media) -> str:
    direction = desc.direction_of(media)
    conn = desc.connection_of(media)
    if conn is not None and conn.is_hold and direction == "sendrecv":
        return "sendonly"  # RFC 2543 hold: the offerer will not receive
    return direction


def _combine(theirs: str, ours: str) -> str:
    """Our direction: the reverse of theirs, limited to what we are willing to do."""
    reverse = _REVERSE[theirs]
    send = reverse in ("sendrecv", "sendonly") and ours in ("sendrecv", "sendonly")
    recv = reverse in ("sendrecv", "recvonly") and ours in ("sendrecv", "recvonly")
    return {(True, True): "sendrecv", (True, False): "sendonly",
            (False, True): "recvonly", (False, False): "inactive"}[(send, recv)]


def answer(remote: SessionDescription, address: str, port: int, origin: Origin,
           codecs: tuple[Codec, ...] = SUPPORTED_CODECS, direction: str = "sendrecv",
           ptime: int = 20) -> tuple[SessionDescription, Negotiated]:
    """Answer an offer: accept its first usable audio stream, reject the others (port 0).

    ``direction`` is what we are willing to do (``sendrecv``, or ``sendonly``/``inactive``
    to hold); the answer's direction is the offer's reversed (sendonly → recvonly,
    recvonly → sendonly, inactive → inactive, sendrecv → sendrecv) within that.
    Raises :class:`SdpError` 488 when no stream is usable, 400 when the stream has no
    connection address.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}")
    answered: list[Media] = []
    result: Negotiated | None = None
    reason = "no audio stream offered"
    for index, media in enumerate(remote.media):
        usable = (result is None and media.media == "audio" and media.port != 0
                  and media.proto in _RTP_PROFILES)
        if not usable:
            answered.append(Media(media.media, 0, media.proto, media.formats[:1]))
            continue
        try:
            pt, codec, te, events = _pick(media, codecs)
        except SdpError as exc:
            reason = str(exc)
            answered.append(Media(media.media, 0, media.proto, media.formats[:1]))
            continue
        conn = remote.connection_of(media)
        if conn is None:
            raise SdpError("SDP audio stream without a connection address")
        ours = _combine(_offered_direction(remote, media), direction)
        formats = (str(pt),) if te is None else (str(pt), str(te))
        attrs = _audio_attributes(pt, codec, te, _event_spec(events), ptime, ours)
        answered.append(Media("audio", port, media.proto, formats, attributes=attrs))
        result = Negotiated(codec, pt, te, conn.host, media.port, ours, media.ptime or 20, index)
    if result is None:
        raise SdpError(reason, 488)
    desc = SessionDescription(origin, "-", Connection(address), media=tuple(answered))
    return desc, result


def accept_answer(our_offer: SessionDescription, remote: SessionDescription,
                  codecs: tuple[Codec, ...] = SUPPORTED_CODECS) -> Negotiated:
    """Read the answer to our offer: the stream accepted, its codec, our direction."""
    if len(remote.media) != len(our_offer.media):
        raise SdpError("answer does not have as many m= lines as the offer", 488)
    for index, media in enumerate(remote.media):
        if media.port == 0 or media.media != "audio":
            continue
        pt, codec, te, _ = _pick(media, codecs)
        conn = remote.connection_of(media)
        if conn is None:
            raise SdpError("SDP audio stream without a connection address")
        ours = _combine(_offered_direction(remote, media),
                        our_offer.direction_of(our_offer.media[index]))
        return Negotiated(codec, pt, te, conn.host, media.port, ours, media.ptime or 20, index)
    raise SdpError("the answer rejected every stream", 488)


def revise(previous: SessionDescription, new: SessionDescription) -> SessionDescription:
    """``new`` as the next version of ``previous`` (RFC 3264 §8): same origin, version + 1
    if anything changed, the very same version if nothing did (a session refresh)."""
    same = replace(new, origin=previous.origin)
    return same if same == previous else replace(new, origin=previous.origin.bumped())

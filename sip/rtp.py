"""RTP packets (RFC 3550 §5.1): parse and build, with no I/O.

Two levels:

* :func:`parse` / :meth:`RtpPacket.to_bytes`: the whole packet as an immutable
  :class:`RtpPacket` (CSRC list, header extension and padding included);
* :func:`parse_header` / :func:`build`: the hot path of the media clock and of the receive
  side, one precompiled :class:`struct.Struct` call and a tuple, no object per packet.

:class:`RtpPacket` is a ``NamedTuple`` rather than a frozen dataclass: it is built for every
packet parsed, and a tuple costs a fraction of a frozen dataclass's ``__init__``.
Every malformed input raises :class:`RtpError` (a :class:`~sip.errors.SipError`, hence a
``ValueError``) and nothing else.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from sip.errors import SipError

__all__ = [
    "HEADER",
    "RTP_VERSION",
    "RtpError",
    "RtpExtension",
    "RtpPacket",
    "build",
    "is_rtcp",
    "parse",
    "parse_header",
]

RTP_VERSION = 2
#: The fixed 12-byte header: V/P/X/CC, M/PT, sequence, timestamp, SSRC.
HEADER = struct.Struct("!BBHII")
_EXT_HEADER = struct.Struct("!HH")
_MIN_LEN = HEADER.size


class RtpError(SipError):
    """An RTP packet (or a payload it carries) is malformed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 400)


class RtpExtension(NamedTuple):
    """A header extension (RFC 3550 §5.3.1): a profile-defined word and its data."""

    profile: int
    """The 16 bits "defined by profile"."""
    data: bytes
    """The extension body, a multiple of 4 bytes."""


class RtpPacket(NamedTuple):
    """One RTP packet, every header field decoded."""

    payload_type: int
    """7-bit payload type (0 PCMU, 8 PCMA, 96-127 dynamic)."""
    sequence: int
    """16-bit sequence number."""
    timestamp: int
    """32-bit media timestamp (8 kHz for G.711 and telephone-event)."""
    ssrc: int
    """32-bit synchronisation source."""
    payload: bytes
    """The payload, padding removed."""
    marker: bool = False
    """The marker bit (first packet of a talkspurt, of an event)."""
    csrcs: tuple[int, ...] = ()
    """Contributing sources (at most 15)."""
    extension: RtpExtension | None = None
    """The header extension, if the X bit is set."""
    padding: int = 0
    """Number of padding bytes at the end (0 = no P bit), the count byte included."""

    def to_bytes(self) -> bytes:
        """Serialise; the inverse of :func:`parse`."""
        if len(self.csrcs) > 15:
            raise RtpError(f"at most 15 CSRCs, got {len(self.csrcs)}")
        if not 0 <= self.padding <= 255:
            raise RtpError(f"padding must be 0-255 bytes, got {self.padding}")
        if not 0 <= self.payload_type <= 127:
            raise RtpError(f"payload type must be 0-127, got {self.payload_type}")
        first = 0x80 | len(self.csrcs)
        if self.padding:
            first |= 0x20
        if self.extension is not None:
            first |= 0x10
        try:
            parts = [
                HEADER.pack(first, (0x80 if self.marker else 0) | self.payload_type,
                            self.sequence, self.timestamp, self.ssrc)
            ]
            parts += [struct.pack("!I", csrc) for csrc in self.csrcs]
            if self.extension is not None:
                data = self.extension.data
                if len(data) % 4:
                    raise RtpError("header extension data must be a multiple of 4 bytes")
                parts.append(_EXT_HEADER.pack(self.extension.profile, len(data) // 4) + data)
        except struct.error as exc:
            raise RtpError(f"RTP field out of range: {exc}") from None
        parts.append(self.payload)
        if self.padding:
            parts.append(bytes(self.padding - 1) + bytes((self.padding,)))
        return b"".join(parts)


def build(payload_type: int, sequence: int, timestamp: int, ssrc: int, payload: bytes,
          marker: bool = False) -> bytes:
    """A plain packet (no CSRC, extension or padding): the sender's hot path.

    ``sequence`` and ``timestamp`` are reduced modulo 2^16 and 2^32, so a caller can keep
    plain counters.
    """
    if not 0 <= payload_type <= 127:
        raise RtpError(f"payload type must be 0-127, got {payload_type}")
    try:
        header = HEADER.pack(0x80, (0x80 if marker else 0) | payload_type,
                             sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc)
    except struct.error as exc:
        raise RtpError(f"RTP field out of range: {exc}") from None
    return header + payload


def is_rtcp(data: bytes) -> bool:
    """Whether a datagram on an RTP port is RTCP (RFC 5761 §4: packet types 192-223)."""
    return len(data) >= 2 and 192 <= data[1] <= 223


def parse_header(data: bytes) -> tuple[int, int, int, int, bool, int, int]:
    """The fields the receiver needs: ``(pt, seq, timestamp, ssrc, marker, start, end)``.

    ``data[start:end]`` is the payload (CSRCs, extension and padding skipped).
    """
    size = len(data)
    if size < _MIN_LEN:
        raise RtpError(f"RTP packet too short ({size} bytes)")
    first, second, seq, ts, ssrc = HEADER.unpack_from(data)
    if first >> 6 != RTP_VERSION:
        raise RtpError(f"not RTP version 2 (version {first >> 6})")
    start = _MIN_LEN + 4 * (first & 0x0F)
    if first & 0x10:
        if size < start + 4:
            raise RtpError("RTP header extension truncated")
        start += 4 + 4 * _EXT_HEADER.unpack_from(data, start)[1]
    end = size
    if first & 0x20:
        if size <= start:
            raise RtpError("RTP padding without room for its count")
        pad = data[-1]
        if pad == 0:
            raise RtpError("RTP padding count of zero")
        end -= pad
    if end < start:
        raise RtpError("RTP header, extension or padding longer than the packet")
    return second & 0x7F, seq, ts, ssrc, bool(second & 0x80), start, end


def parse(data: bytes) -> RtpPacket:
    """Decode a whole packet; raises :class:`RtpError` on anything malformed."""
    data = bytes(data)
    pt, seq, ts, ssrc, marker, start, end = parse_header(data)
    first = data[0]
    count = first & 0x0F
    csrcs = struct.unpack_from(f"!{count}I", data, _MIN_LEN) if count else ()
    extension = None
    if first & 0x10:
        offset = _MIN_LEN + 4 * count
        profile, words = _EXT_HEADER.unpack_from(data, offset)
        extension = RtpExtension(profile, data[offset + 4: offset + 4 + 4 * words])
    padding = len(data) - end if first & 0x20 else 0
    return RtpPacket(pt, seq, ts, ssrc, data[start:end], marker, tuple(csrcs), extension,
                     padding)

"""RFC 4733 telephone-events (DTMF in RTP): payloads and a per-stream de-duplicator.

A digit pressed once arrives as a train of packets sharing one RTP timestamp: the first
with the marker bit, then growing durations, then the end bit, usually sent three times.
:class:`DtmfReceiver` turns that train into one digit, reported on the first packet that
reaches us (so a lost start packet costs nothing).

The de-duplication rule, per stream (SSRC), with a packet of timestamp ``ts``, event ``e``,
end bit ``E`` and marker bit ``M``, the *current* event being the last one reported:

1. Same ``(ts, e)`` as the current event, not yet ended: the same press; ``E`` ends it.
2. Same ``(ts, e)`` as the current event, already ended:
   ``E`` set: a retransmitted end, ignored;
   ``E`` clear and ``M`` set: **a new press of the same digit** by a sender that reuses
   timestamps. SIPp replays its ``dtmf_2833_*.pcap`` byte for byte (only the UDP ports are
   rewritten), so pressing "1" twice sends the very same packets twice: after the three
   end packets comes again the start packet, with its marker bit. It is reported;
   ``E`` and ``M`` clear: a late (reordered) packet of the ended press, ignored.
3. Same ``(ts, e)`` as one of the few presses before the current one: a late packet of an
   older press, ignored, unless ``M`` is set and ``E`` clear (a replay, as in 2).
4. Same ``e``, no ``M``, the current event not ended, and ``ts`` a little after its
   timestamp: the next segment of a press longer than 8 s (RFC 4733 §2.5.1.3), not
   reported.
5. Anything else (a new timestamp, or a new event code) is a new press: reported.

A new SSRC starts afresh. The cost of rule 2 is that a replayed press whose marker packet
is lost is missed; a real sender (new timestamp per press) never depends on it.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import NamedTuple

from sip.rtp import RtpError

__all__ = [
    "DTMF_EVENTS",
    "DtmfReceiver",
    "TelephoneEvent",
    "build_event",
    "digit_to_event",
    "event_payloads",
    "event_to_digit",
    "parse_event",
]

#: The DTMF events 0-16 of RFC 4733 §3.2 as characters ("!" is flash).
DTMF_EVENTS = "0123456789*#ABCD!"
_PAYLOAD = struct.Struct("!BBH")
#: How far after a press's timestamp its next segment may start (8.2 s + 1 s of slack).
_SEGMENT_WINDOW = 0x10000 + 8000
_HISTORY = 4


class TelephoneEvent(NamedTuple):
    """One telephone-event payload (RFC 4733 §2.3)."""

    event: int
    """Event code: 0-9, 10 ``*``, 11 ``#``, 12-15 A-D, 16 flash."""
    end: bool
    """The E bit: this packet ends the event."""
    volume: int
    """Power level in -dBm0 (0-63)."""
    duration: int
    """Duration so far, in timestamp units (1/8000 s)."""


def parse_event(payload: bytes) -> TelephoneEvent:
    """Decode a telephone-event payload (its first 4 bytes); :class:`RtpError` if too short."""
    if len(payload) < 4:
        raise RtpError(f"telephone-event payload too short ({len(payload)} bytes)")
    event, flags, duration = _PAYLOAD.unpack_from(payload)
    return TelephoneEvent(event, bool(flags & 0x80), flags & 0x3F, duration)


def build_event(event: int, end: bool = False, volume: int = 10, duration: int = 0) -> bytes:
    """Encode a telephone-event payload."""
    if not 0 <= event <= 255 or not 0 <= volume <= 63 or not 0 <= duration <= 0xFFFF:
        raise RtpError(f"telephone-event field out of range: {event}, {volume}, {duration}")
    return _PAYLOAD.pack(event, (0x80 if end else 0) | volume, duration)


def event_to_digit(event: int) -> str:
    """The character of a DTMF event code (``ValueError`` beyond 16)."""
    if not 0 <= event < len(DTMF_EVENTS):
        raise ValueError(f"not a DTMF event code: {event}")
    return DTMF_EVENTS[event]


def digit_to_event(digit: str) -> int:
    """The event code of a DTMF character (``0-9 * # A-D !``, case-insensitive)."""
    code = DTMF_EVENTS.find(digit.upper()) if len(digit) == 1 else -1
    if code < 0:
        raise ValueError(f"not a DTMF digit: {digit!r}")
    return code


def event_payloads(event: int, duration: int = 800, step: int = 160, volume: int = 10,
                   end_repeats: int = 3) -> list[bytes]:
    """The payloads a sender puts in successive packets for one press.

    One packet per ``step`` (a 20 ms packet interval at 8 kHz) with the duration so far, the
    last one with the end bit repeated ``end_repeats`` times. They all share one RTP
    timestamp, the first goes out with the marker bit (the sender's job).
    """
    if duration <= 0 or step <= 0 or end_repeats < 1:
        raise ValueError("duration, step and end_repeats must be positive")
    durations = list(range(step, duration, step))
    payloads = [build_event(event, False, volume, d) for d in durations]
    return payloads + [build_event(event, True, volume, duration)] * end_repeats


class DtmfReceiver:
    """Reports each press of a telephone-event stream once (rules in the module docstring)."""

    __slots__ = ("_current", "_ended", "_history", "_ssrc")

    def __init__(self) -> None:
        self._ssrc: int | None = None
        self._current: tuple[int, int] | None = None
        self._ended = False
        self._history: deque[tuple[int, int]] = deque(maxlen=_HISTORY)

    def reset(self) -> None:
        """Forget the stream (after a re-INVITE changes it, say)."""
        self._ssrc = None
        self._current = None
        self._ended = False
        self._history.clear()

    def feed(self, payload: bytes, timestamp: int, marker: bool, ssrc: int = 0) -> int | None:
        """Take one packet; the event code if it starts a new press, else ``None``.

        Raises :class:`RtpError` if the payload is not a telephone-event.
        """
        event, end, _, _ = parse_event(payload)
        if ssrc != self._ssrc:
            self.reset()
            self._ssrc = ssrc
        key = (timestamp, event)
        replay = marker and not end
        if key == self._current:
            if not self._ended:
                self._ended = end
                return None
            if not replay:
                return None
        elif key in self._history and not replay:
            return None
        elif self._continues(key, marker):
            self._current = key
            self._ended = end
            return None
        if self._current is not None and self._current != key:
            self._history.append(self._current)
        self._current = key
        self._ended = end
        return event

    def feed_digit(self, payload: bytes, timestamp: int, marker: bool,
                   ssrc: int = 0) -> str | None:
        """As :meth:`feed`, as a DTMF character; non-DTMF events (tones...) give ``None``."""
        event = self.feed(payload, timestamp, marker, ssrc)
        if event is None or event >= len(DTMF_EVENTS):
            return None
        return DTMF_EVENTS[event]

    def _continues(self, key: tuple[int, int], marker: bool) -> bool:
        """Rule 4: the next segment of a very long press."""
        current = self._current
        if marker or current is None or self._ended or key[1] != current[1]:
            return False
        return 0 < (key[0] - current[0]) & 0xFFFFFFFF <= _SEGMENT_WINDOW

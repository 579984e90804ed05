"""A call leg's RTP state and counters, as the media engine keeps them.

The engine (:mod:`live.media`) reads and updates the private fields on its hot path; users
read the public ones and change them through the engine.
"""

from __future__ import annotations

import random
import socket
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from live.audio import Prompt
from sip.dtmf import DtmfReceiver

__all__ = ["Address", "AudioCallback", "DigitCallback", "DoneCallback", "Leg", "LegStats",
           "MediaError"]

DigitCallback = Callable[["Leg", str], None]
AudioCallback = Callable[["Leg", bytes], None]
DoneCallback = Callable[[bool], None]
Address = tuple[str, int]


class MediaError(Exception):
    """A media operation cannot be done (closed leg, unusable address...)."""


@dataclass(slots=True)
class LegStats:
    """Packet counters of one leg."""

    sent: int = 0
    """RTP packets sent."""
    sent_bytes: int = 0
    """Bytes of RTP sent (headers included)."""
    received: int = 0
    """Valid RTP packets received from the latched source."""
    received_bytes: int = 0
    """Bytes of those packets."""
    unexpected: int = 0
    """Packets from another source after latching (ignored)."""
    invalid: int = 0
    """Datagrams that were not RTP (or bad telephone-event payloads)."""
    rtcp: int = 0
    """RTCP packets (multiplexed on the RTP port), ignored."""
    other_payload: int = 0
    """RTP with a payload type that is neither the codec nor telephone-event."""
    digits: int = 0
    """DTMF digits delivered."""
    dropped: int = 0
    """Relayed frames dropped because the leg's queue was full, and sends that failed."""


class Leg:
    """One call leg's RTP stream: a port, a remote, what it plays, what it heard.

    Created by :meth:`MediaEngine.open_leg`; its fields are read freely, changed through the
    engine. ``on_digit`` and ``on_audio`` may be set at any time.
    """

    def __init__(self, name: str, port: int, codec: str, payload_type: int,
                 telephone_event: int | None, idle: str, rng: random.Random) -> None:
        self.name = name
        self.port = port
        self.codec = codec
        self.payload_type = payload_type
        self.telephone_event = telephone_event
        self.idle = idle
        self.remote: Address | None = None
        self.latched: tuple[object, ...] | None = None
        self.sending = True
        self.closed = False
        self.stats = LegStats()
        self.on_digit: DigitCallback | None = None
        self.on_audio: AudioCallback | None = None
        self.slot = 0
        """Which phase of the 20 ms period the leg sends in (set by the engine)."""
        self.ssrc = rng.getrandbits(32)
        self.sock: socket.socket | None = None
        """The leg's UDP socket (read by the engine's receiver, written by its clock)."""
        self._seq = rng.getrandbits(16)
        self._ts_base = rng.getrandbits(32)
        self._last_period = -2
        self._frames: Sequence[bytes] = ()
        self._prompt: Prompt | None = None
        self._position = 0
        self._looping = False
        self._on_done: DoneCallback | None = None
        self._new_source = False
        self._pushed: deque[bytes] = deque()
        self._events: deque[tuple[bytes, bool]] = deque()
        self._event_ts = 0
        self._idle_frames: tuple[bytes, ...] = ()
        self._idle_position = 0
        self._dtmf = DtmfReceiver()

    @property
    def target(self) -> tuple[object, ...] | None:
        """Where packets go: the latched source, else the SDP address."""
        return self.latched or self.remote

    @property
    def playing(self) -> bool:
        """Whether a prompt is being played."""
        return bool(self._frames)

    def __repr__(self) -> str:
        return f"<Leg {self.name} :{self.port} {self.codec} -> {self.target}>"

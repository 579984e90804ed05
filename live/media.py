"""RTP for every call leg: ports, symmetric RTP, one shared media clock, prompts, DTMF.

Design:

* **One UDP socket per leg**, bound to the leg's own port from the :class:`PortPool` and
  used both ways: SDP gives each leg a port, and symmetric RTP (RFC 4961) means we must send
  *from* the port we receive on, which is what trunks and NATs latch onto. The sockets are
  used directly, not through asyncio transports: the clock calls ``sendto`` (a packet the
  kernel cannot take is dropped and counted, never queued behind newer audio), and one
  reader (``_Receiver``: an inner ``epoll`` of all the legs' sockets, asyncio watching only
  its descriptor) drains whatever is ready in one callback.
* **Symmetric RTP / latching**: until RTP arrives we send to the SDP address; the first valid
  RTP packet latches the leg onto its source address, and from then on packets from any
  other source are dropped and counted (``stats.unexpected``). A new SDP address
  (:meth:`MediaEngine.set_remote`) unlatches.
* **One clock** (:class:`~live.media_clock.MediaClock`, a single ``call_at`` chain) for all
  legs, never a task or timer per call. Each leg sends one packet per 20 ms period: an
  outgoing DTMF event if one is queued, else the next prompt frame, else a relayed frame
  (:meth:`MediaEngine.push`), else silence or comfort noise (or nothing, ``idle="none"``).
* **Phases** (optional, ``phases=1`` by default): the clock may tick ``phases`` times per
  period, each leg keeping for its whole life one of those slots (the least loaded when it
  opens), so 1,000 legs send as 4 bursts of 250, 5 ms apart, and the far end's packets come
  back spread the same way. Every leg still sends exactly every 20 ms. Measured on 2 cores
  with 1,000 legs (``benchmarks/bench_media.py --phases``): the median loop lag drops
  (≈1 ms instead of ≈2.5 ms with echoed audio), the p99 does not move beyond noise, and CPU
  rises by ~15 % (more, smaller epoll rounds), so it is off by default.
* The RTP timestamp is derived from the clock's period number, so it advances with time even
  while a leg sends nothing; the sequence number advances per packet sent. The marker bit is
  set on the first packet after a period without one (stream start, hold, DTX, skipped
  periods) and on the first frame of a prompt.
* Received telephone-events go through a :class:`~sip.dtmf.DtmfReceiver` (one digit per
  press), audio payloads of the negotiated payload type to ``on_audio``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import select
import socket
from collections.abc import Sequence
from dataclasses import fields

from live.audio import Prompt, comfort_noise, silence_frame
from live.media_clock import LagSummary, MediaClock
from live.media_leg import (
    Address,
    AudioCallback,
    DigitCallback,
    DoneCallback,
    Leg,
    LegStats,
    MediaError,
)
from live.media_ports import PortPool
from live.scheduler import AsyncioScheduler, Scheduler
from sip import g711
from sip.dtmf import digit_to_event, event_payloads
from sip.rtp import HEADER, RtpError, parse_header
from sip.sdp import Negotiated

__all__ = ["IDLE_MODES", "Leg", "LegStats", "MediaEngine", "MediaError"]

log = logging.getLogger("accueil.media")

IDLE_MODES = ("silence", "comfort", "none")
_STATIC_PT = {"PCMU": 0, "PCMA": 8}
_SAMPLES_PER_PERIOD = 160  # 20 ms at 8 kHz
_PUSH_DEPTH = 5  # relayed frames kept waiting at most (100 ms)
_MAX_DATAGRAM = 2048  # larger datagrams are not RTP we can play; the rest is discarded
#: Sockets read per readiness callback: the rest waits one loop iteration, so that timers
#: due meanwhile (the clock, SIP retransmissions) are not held up by a whole burst.
_READ_BATCH = 128

def _is_ip_literal(host: str) -> bool:
    # inet_pton is one C call; ipaddress.ip_address() costs ~20 times more per call set-up.
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except (OSError, ValueError):
            continue
        return True
    return False


class _Receiver:
    """Reads every leg's socket from one readiness callback of the event loop.

    On Linux the legs' sockets are registered in one inner ``epoll`` whose own descriptor is
    the only one asyncio watches: a callback drains what is ready with one ``poll(0)`` and one
    ``recvfrom`` per socket, instead of one selector event, one handle and three Python calls
    per packet (an asyncio datagram transport per leg). Elsewhere each socket gets its own
    ``add_reader``.
    """

    __slots__ = ("_epoll", "_legs", "engine", "loop")

    def __init__(self, engine: MediaEngine, loop: asyncio.AbstractEventLoop) -> None:
        self.engine = engine
        self.loop = loop
        self._legs: dict[int, Leg] = {}  # fd -> leg
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        if self._epoll is not None:
            loop.add_reader(self._epoll.fileno(), self._poll)

    def add(self, leg: Leg, sock: socket.socket) -> None:
        fd = sock.fileno()
        self._legs[fd] = leg
        if self._epoll is not None:
            self._epoll.register(fd, select.EPOLLIN)
        else:
            self.loop.add_reader(fd, self._read, fd)

    def remove(self, sock: socket.socket) -> None:
        fd = sock.fileno()
        if self._legs.pop(fd, None) is None:
            return
        if self._epoll is not None:
            with contextlib.suppress(OSError):
                self._epoll.unregister(fd)
        else:
            self.loop.remove_reader(fd)

    def close(self) -> None:
        for leg in list(self._legs.values()):
            if leg.sock is not None:
                self.remove(leg.sock)
        if self._epoll is not None and not self._epoll.closed:
            if not self.loop.is_closed():
                self.loop.remove_reader(self._epoll.fileno())
            self._epoll.close()

    def _poll(self) -> None:
        assert self._epoll is not None
        for fd, _ in self._epoll.poll(0, _READ_BATCH):
            self._read(fd)

    def _read(self, fd: int) -> None:
        leg = self._legs.get(fd)
        if leg is None or leg.sock is None:
            return
        try:
            data, addr = leg.sock.recvfrom(_MAX_DATAGRAM)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # ICMP error for an earlier send (port unreachable...)
            leg.stats.dropped += 1
            return
        self.engine._received(leg, data, addr)


class MediaEngine:
    """Every leg's RTP on one shared 20 ms clock.

    ``host`` is the address to bind (and to put in SDP), ``ports`` the inclusive range of
    the pool; ``idle`` what a leg sends when it has nothing to play (``"silence"``,
    ``"comfort"`` noise, or ``"none"``); ``phases`` into how many time slots the packet
    interval is cut (see the module docstring). Must be used inside a running asyncio loop.
    """

    def __init__(self, host: str = "127.0.0.1", ports: tuple[int, int] = (20000, 29999),
                 idle: str = "silence", scheduler: Scheduler | None = None,
                 interval: float = 0.02, rng: random.Random | None = None,
                 phases: int = 1) -> None:
        if idle not in IDLE_MODES:
            raise ValueError(f"idle must be one of {IDLE_MODES}")
        self.host = host
        self.pool = PortPool(host, *ports)
        self.idle = idle
        self.interval = interval
        self._scheduler = scheduler
        self._rng = rng or random.Random()
        self._clock: MediaClock | None = None
        self._legs: dict[int, Leg] = {}
        if phases < 1:
            raise ValueError("phases must be at least 1")
        self.phases = phases
        self._slots: list[dict[int, Leg]] = [{} for _ in range(phases)]  # legs that send
        self._slot_sizes = [0] * phases  # open legs per slot
        self._idle_cache: dict[tuple[str, str], tuple[bytes, ...]] = {}
        self._receiver: _Receiver | None = None
        self._count = 0
        self.closed_stats = LegStats()

    # ----------------------------------------------------------------------- legs

    @property
    def clock(self) -> MediaClock:
        """The shared clock (created, not started, on first use)."""
        if self._clock is None:
            scheduler = self._scheduler or AsyncioScheduler()
            self._clock = MediaClock(scheduler, self._tick, self.interval / self.phases,
                                     max_burst=3 * self.phases)
        return self._clock

    @property
    def legs(self) -> list[Leg]:
        """The open legs."""
        return list(self._legs.values())

    async def open_leg(self, codec: str = "PCMU", payload_type: int | None = None,
                       telephone_event: int | None = 101, remote: Address | None = None,
                       on_digit: DigitCallback | None = None,
                       on_audio: AudioCallback | None = None, idle: str | None = None,
                       name: str | None = None) -> Leg:
        """Bind a port for a new leg and start the clock if needed."""
        if codec not in _STATIC_PT:
            raise MediaError(f"unsupported codec {codec!r}")
        if idle is not None and idle not in IDLE_MODES:
            raise ValueError(f"idle must be one of {IDLE_MODES}")
        sock = self.pool.bind()
        port = sock.getsockname()[1]
        self._count += 1
        leg = Leg(name or f"leg{self._count}", port, codec,
                  _STATIC_PT[codec] if payload_type is None else payload_type,
                  telephone_event, idle or self.idle, self._rng)
        leg.slot = min(range(self.phases), key=self._slot_sizes.__getitem__)
        self._slot_sizes[leg.slot] += 1
        leg.on_digit, leg.on_audio = on_digit, on_audio
        loop = asyncio.get_running_loop()
        receiver = self._receiver
        if receiver is None or receiver.loop is not loop:
            receiver = self._receiver = _Receiver(self, loop)
        try:
            receiver.add(leg, sock)
        except BaseException:
            sock.close()
            self.pool.release(port)
            raise
        leg.sock = sock
        self._legs[id(leg)] = leg
        self._set_idle_frames(leg)
        if remote is not None:
            self.set_remote(leg, *remote)
        self.clock.start()
        return leg

    def configure(self, leg: Leg, negotiated: Negotiated) -> None:
        """Apply an offer/answer result: codec, payload types, remote, direction."""
        self._check(leg)
        if negotiated.codec != leg.codec:
            leg.codec = negotiated.codec
            leg._pushed.clear()  # relayed frames in the old law
            if leg._prompt is not None:  # carry on with the same prompt in the new law
                leg._frames = leg._prompt.frames_for(leg.codec)
            self._set_idle_frames(leg)
        leg.payload_type = negotiated.payload_type
        leg.telephone_event = negotiated.telephone_event
        leg.sending = negotiated.send
        self.set_remote(leg, negotiated.address, negotiated.port)

    def set_remote(self, leg: Leg, host: str, port: int) -> None:
        """Where to send until RTP arrives; a change unlatches the leg."""
        self._check(leg)
        if not _is_ip_literal(host):
            raise MediaError(f"RTP address must be an IP literal, got {host!r}")
        if (host, port) != leg.remote:
            leg.remote = (host, port)
            leg.latched = None
        self._refresh(leg)

    def set_sending(self, leg: Leg, sending: bool) -> None:
        """Hold (``False``: send nothing) or resume."""
        self._check(leg)
        leg.sending = sending
        self._refresh(leg)

    def close_leg(self, leg: Leg) -> None:
        """Stop the leg's playback, close its socket, give its port back."""
        if leg.closed:
            return
        self._finish(leg, False)
        leg.closed = True
        self._legs.pop(id(leg), None)
        self._slots[leg.slot].pop(id(leg), None)
        self._slot_sizes[leg.slot] -= 1
        sock, leg.sock = leg.sock, None
        if sock is not None:
            if self._receiver is not None:
                self._receiver.remove(sock)
            sock.close()
        self.pool.release(leg.port)
        for f in fields(LegStats):
            setattr(self.closed_stats, f.name,
                    getattr(self.closed_stats, f.name) + getattr(leg.stats, f.name))

    def close(self) -> None:
        """Close every leg and stop the clock."""
        for leg in list(self._legs.values()):
            self.close_leg(leg)
        if self._clock is not None:
            self._clock.stop()
        if self._receiver is not None:
            self._receiver.close()
            self._receiver = None

    async def aclose(self) -> None:
        """:meth:`close`, then let the loop run the sockets' closing callbacks."""
        self.close()
        await asyncio.sleep(0)

    def totals(self) -> LegStats:
        """Counters summed over every leg, open or closed."""
        total = LegStats(**{f.name: getattr(self.closed_stats, f.name) for f in fields(LegStats)})
        for leg in self._legs.values():
            for f in fields(LegStats):
                setattr(total, f.name, getattr(total, f.name) + getattr(leg.stats, f.name))
        return total

    def lag(self) -> LagSummary:
        """How late the shared clock's ticks run (p50, p99, max...)."""
        return self.clock.summary()

    # -------------------------------------------------------------------- playing

    def play(self, leg: Leg, frames: Sequence[bytes] | Prompt, loop: bool = False,
             on_done: DoneCallback | None = None) -> None:
        """Play frames (or a :class:`Prompt`, in the leg's codec) from the next tick on.

        Replaces what was playing (whose ``on_done(False)`` is called). ``on_done(True)`` is
        called after the tick that sent the last frame; with ``loop`` it never is.
        """
        self._check(leg)
        prompt: Prompt | None = None
        chosen: Sequence[bytes] = ()
        if isinstance(frames, Prompt):
            prompt, chosen = frames, frames.frames_for(leg.codec)
        else:
            chosen = frames
        self._finish(leg, False)
        if not chosen:
            if on_done is not None:
                on_done(True)
            return
        leg._frames, leg._prompt, leg._position, leg._looping = chosen, prompt, 0, loop
        leg._on_done, leg._new_source = on_done, True

    def stop(self, leg: Leg) -> None:
        """Stop the prompt (``on_done(False)``); the leg falls back to its idle frames."""
        self._finish(leg, False)

    def push(self, leg: Leg, frame: bytes, codec: str | None = None) -> None:
        """Queue a relayed frame (another leg's audio) for the next tick.

        ``codec`` is the frame's law; PCMU↔PCMA is transcoded to the leg's. At most 100 ms
        wait: beyond, the oldest frame is dropped.
        """
        if codec is not None and codec != leg.codec:
            frame = g711.ulaw_to_alaw(frame) if codec == "PCMU" else g711.alaw_to_ulaw(frame)
        if len(leg._pushed) >= _PUSH_DEPTH:
            leg._pushed.popleft()
            leg.stats.dropped += 1
        leg._pushed.append(frame)

    def send_digits(self, leg: Leg, digits: str, duration: float = 0.1,
                    gap: float = 0.06) -> None:
        """Send DTMF as RFC 4733 events (``duration`` and ``gap`` in seconds)."""
        self._check(leg)
        if leg.telephone_event is None:
            raise MediaError(f"{leg.name}: no telephone-event payload type negotiated")
        samples = max(_SAMPLES_PER_PERIOD, round(duration * 8000))
        gap_periods = max(1, round(gap / self.interval))
        for digit in digits:
            payloads = event_payloads(digit_to_event(digit), samples, _SAMPLES_PER_PERIOD)
            leg._events.extend((p, i == 0) for i, p in enumerate(payloads))
            leg._events.extend((b"", False) for _ in range(gap_periods))

    # ---------------------------------------------------------------- internals

    def _check(self, leg: Leg) -> None:
        if leg.closed:
            raise MediaError(f"{leg.name} is closed")

    def _refresh(self, leg: Leg) -> None:
        if leg.sending and leg.target is not None and not leg.closed:
            self._slots[leg.slot][id(leg)] = leg
        else:
            self._slots[leg.slot].pop(id(leg), None)

    def _set_idle_frames(self, leg: Leg) -> None:
        key = (leg.codec, leg.idle)
        if key not in self._idle_cache:
            self._idle_cache[key] = (
                () if leg.idle == "none" else (silence_frame(leg.codec),)
                if leg.idle == "silence" else comfort_noise(leg.codec))
        leg._idle_frames = self._idle_cache[key]
        leg._idle_position = 0

    def _finish(self, leg: Leg, completed: bool) -> None:
        callback = leg._on_done
        leg._frames, leg._prompt, leg._on_done, leg._position = (), None, None, 0
        if callback is not None:
            self._call_done(callback, completed)

    @staticmethod
    def _call_done(callback: DoneCallback, completed: bool) -> None:
        try:
            callback(completed)
        except Exception:
            log.exception("on_done callback failed")

    def _tick(self, first: int, end: int) -> None:
        """Send, for each slot due, the next packet of each of its legs."""
        done: list[DoneCallback] = []
        phases = self.phases
        for step in range(first, end):
            period = step // phases
            for leg in list(self._slots[step % phases].values()):
                callback = self._emit(leg, period)
                if callback is not None:
                    done.append(callback)
        for callback in done:
            self._call_done(callback, True)

    def _emit(self, leg: Leg, period: int) -> DoneCallback | None:
        """Send this period's packet for a leg; the prompt's ``on_done`` if it just ended."""
        done: DoneCallback | None = None
        pt = leg.payload_type
        ts = leg._ts_base + period * _SAMPLES_PER_PERIOD
        marker = leg._last_period != period - 1
        event = leg._events.popleft() if leg._events else None
        if event is not None and event[0]:  # an outgoing DTMF packet (b"" is a gap)
            frame, first_event = event
            if first_event:
                leg._event_ts = ts
            marker, pt, ts = first_event, leg.telephone_event or 0, leg._event_ts
        elif leg._frames:
            frame = leg._frames[leg._position]
            marker = marker or leg._new_source
            leg._new_source = False
            leg._position += 1
            if leg._position == len(leg._frames):
                leg._position = 0
                if not leg._looping:
                    leg._frames, leg._prompt = (), None
                    done, leg._on_done = leg._on_done, None
        elif leg._pushed:
            frame = leg._pushed.popleft()
        elif leg._idle_frames:
            frame = leg._idle_frames[leg._idle_position]
            leg._idle_position = (leg._idle_position + 1) % len(leg._idle_frames)
        else:
            return None
        packet = HEADER.pack(0x80, pt | 0x80 if marker else pt, leg._seq & 0xFFFF,
                             ts & 0xFFFFFFFF, leg.ssrc) + frame
        sock = leg.sock
        if sock is not None:
            # Straight to the socket: a full send buffer or an ICMP error loses this packet
            # (counted), it is never queued behind newer audio.
            try:
                sock.sendto(packet, leg.latched or leg.remote)  # type: ignore[arg-type]
            except OSError:
                leg.stats.dropped += 1
        leg._seq += 1
        leg._last_period = period
        stats = leg.stats
        stats.sent += 1
        stats.sent_bytes += len(packet)
        return done

    def _received(self, leg: Leg, data: bytes, addr: tuple[object, ...]) -> None:
        stats = leg.stats
        if leg.latched is not None and addr != leg.latched:
            stats.unexpected += 1
            return
        if len(data) >= 2 and 192 <= data[1] <= 223 and data[0] >> 6 == 2:
            stats.rtcp += 1
            return
        try:
            pt, _, ts, ssrc, marker, start, end = parse_header(data)
        except RtpError:
            stats.invalid += 1
            return
        if leg.latched is None:
            leg.latched = addr
            self._refresh(leg)
        stats.received += 1
        stats.received_bytes += len(data)
        if pt == leg.telephone_event:
            self._digit(leg, data[start:end], ts, marker, ssrc)
        elif pt == leg.payload_type:
            if leg.on_audio is not None:
                try:
                    leg.on_audio(leg, data[start:end])
                except Exception:
                    log.exception("%s: on_audio callback failed", leg.name)
        else:
            stats.other_payload += 1

    def _digit(self, leg: Leg, payload: bytes, ts: int, marker: bool, ssrc: int) -> None:
        try:
            digit = leg._dtmf.feed_digit(payload, ts, marker, ssrc)
        except RtpError:
            leg.stats.invalid += 1
            return
        if digit is not None:
            leg.stats.digits += 1
            if leg.on_digit is not None:
                try:
                    leg.on_digit(leg, digit)
                except Exception:
                    log.exception("%s: on_digit callback failed", leg.name)

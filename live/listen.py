"""Taps on bridged calls in ``accueil serve``: recording, and a supervisor's live listening.

:class:`Taps` is told of every bridge :mod:`live.serve_agents` starts (``Agents.on_bridged``).
A bridge gets a :class:`Tap` when its queue is recorded or a supervisor listens to it: the
tap sees each audio payload a side sent (:attr:`live.bridge.Bridge.on_heard`) and keeps it
in that side's small buffer. One clock for every tap (a :class:`~live.media_clock.MediaClock`,
20 ms, the media engine's own design: never a timer per call) takes, on each tick, exactly one
160-sample frame per side, silence for a side with nothing buffered, so both sides stay in
step whatever is lost or late. Each tick's pair of frames goes to

* the call's :class:`~live.recording.Recording` (left caller, right agent), and
* each supervisor listening: both sides decoded, summed, clipped and encoded in the law of
  the supervisor's leg (:func:`mix`), queued on that leg with ``MediaEngine.push``.

Listening (double écoute): :meth:`Taps.listen` opens a media leg and dials the supervisor's
phone with ``endpoint.invite`` and an ``a=sendonly`` offer; the leg's events come back
through ``Agents.leg_owners``. On answer the supervisor hears the mix; nothing it sends is
relayed (its leg has no ``on_audio``/``on_digit``). It ends when the supervisor hangs up, the
phone fails, or the call ends (CANCEL or BYE to the supervisor); the session's end goes to
the ``on_end`` callback (the supervision app audits it).

Jitter: a side's buffer holds at most 100 ms (the oldest audio is dropped beyond). Frames of
20 ms (what we offer) line up one per tick; another packet time still stays in step but
gets short silences inserted. Recording and listening start when the legs are bridged:
what the caller heard before (prompts, music) is not recorded.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from live.bridge import Bridge
from live.config import RecordingConfig
from live.media import Leg, MediaError
from live.media_clock import MediaClock
from live.recording import FRAME, Recording, RecordingWriter, decode, recording_path, sweep
from live.serve_call import call_log
from monitoring.engine import ListenError, ListenSession, RecordingMeta
from sip import events as sip_ev
from sip import g711
from sip.routing import is_ip
from sip.sdp import Origin, SdpError, SessionDescription, accept_answer
from sip.sdp import offer as sdp_offer
from sip.uri import SipUri, parse_uri

if TYPE_CHECKING:
    from live.serve_agents import Agents
    from live.serve_calls import Calls

__all__ = ["Listener", "Side", "Tap", "Taps", "mix", "recordings_folder"]

log = logging.getLogger("accueil.taps")

MAX_BUFFER = 5 * FRAME
"""Most audio (bytes = samples) a side's buffer holds: 100 ms."""
MAX_LISTENERS = 4
"""Supervisors listening to one call at once."""
SWEEP_INTERVAL_S = 3600.0
"""How often old recordings are deleted (and once at start)."""
KEEP_RECORDINGS = 10_000
"""Recordings the API can tell about (the most recent); older ones are only files."""
_SILENCE = {"PCMU": g711.ULAW_SILENCE, "PCMA": g711.ALAW_SILENCE}


def recordings_folder(config: RecordingConfig, data_dir: Path) -> Path:
    """The recordings' folder: ``config.dir``, relative to the data folder."""
    return config.dir if config.dir.is_absolute() else data_dir / config.dir


def _transcode(payload: bytes, codec: str, to: str) -> bytes:
    if codec == to:
        return payload
    return g711.ulaw_to_alaw(payload) if to == "PCMA" else g711.alaw_to_ulaw(payload)


def mix(left: bytes, left_codec: str, right: bytes, right_codec: str, codec: str) -> bytes:
    """The sum of two G.711 frames' linear samples, clipped to 16 bits, in ``codec``."""
    a = np.frombuffer(decode(left, left_codec), dtype="<i2").astype(np.int32)
    b = np.frombuffer(decode(right, right_codec), dtype="<i2").astype(np.int32)
    pcm = np.clip(a + b, -32768, 32767).astype("<i2").tobytes()
    return g711.pcm16_to_alaw(pcm) if codec == "PCMA" else g711.pcm16_to_ulaw(pcm)


class Side:
    """One direction of a bridged call: what that side sent, taken one frame per tick."""

    __slots__ = ("buf", "codec", "dropped", "frames", "silence", "silent")

    def __init__(self, codec: str) -> None:
        self.codec = codec
        """The law the frames are kept in (the side's codec when the tap started)."""
        self.silence = bytes([_SILENCE.get(codec, g711.ULAW_SILENCE)]) * FRAME
        self.buf = bytearray()
        self.frames = 0
        """Ticks that took audio."""
        self.silent = 0
        """Ticks that found nothing (silence written)."""
        self.dropped = 0
        """Bytes dropped because the buffer was full."""

    def heard(self, payload: bytes, codec: str) -> None:
        buf = self.buf
        buf += _transcode(payload, codec, self.codec)
        excess = len(buf) - MAX_BUFFER
        if excess > 0:
            del buf[:excess]
            self.dropped += excess

    def take(self) -> bytes:
        buf = self.buf
        if len(buf) < FRAME:
            self.silent += 1
            return self.silence
        frame = bytes(buf[:FRAME])
        del buf[:FRAME]
        self.frames += 1
        return frame


class Tap:
    """A bridged call being recorded and/or listened to."""

    def __init__(self, call_id: str, queue: str, bridge: Bridge) -> None:
        self.call_id = call_id
        self.queue = queue
        self.bridge = bridge
        self.caller = Side(bridge.caller.codec)
        self.agent = Side(bridge.agent.codec)
        self.recording: Recording | None = None
        self.listeners: list[Listener] = []

    def heard(self, from_caller: bool, payload: bytes, codec: str) -> None:
        (self.caller if from_caller else self.agent).heard(payload, codec)


@dataclass(eq=False, slots=True)
class Listener:
    """One supervisor's listening leg."""

    session: ListenSession
    on_end: Callable[[ListenSession], None]
    leg_id: str | None = None
    media: Leg | None = None
    local_sdp: SessionDescription | None = None
    tap: Tap | None = None


class Taps:
    """Every tap of ``accueil serve``; also the supervision API's ``Telephony``."""

    def __init__(self, calls: Calls, agents: Agents, config: RecordingConfig | None,
                 data_dir: Path) -> None:
        self.calls = calls
        self.agents = agents
        self.config = config
        self.folder = recordings_folder(config, data_dir) if config is not None else None
        self.writer = RecordingWriter()
        self.bridges: dict[str, tuple[str, Bridge]] = {}
        """Bridged calls: Call-ID -> (queue, bridge)."""
        self.taps: dict[str, Tap] = {}
        self.sessions: dict[str, Listener] = {}
        """Listening sessions not over, by session id."""
        self.by_leg: dict[str, Listener] = {}
        self.recordings: OrderedDict[str, Recording] = OrderedDict()
        self.swept = 0
        """Recordings deleted by the retention sweeps."""
        self.clock = MediaClock(calls.clock, self._tick, 0.02, max_burst=5)
        self._session_id = secrets.randbelow(2**40)
        self._sweeper: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- life

    def start(self) -> None:
        """Hook into the agents' bridges; sweep old recordings now and every hour."""
        self.agents.on_bridged = self.bridged
        if self.config is not None and self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            self.sweep_now()
            await asyncio.sleep(SWEEP_INTERVAL_S)

    def sweep_now(self) -> None:
        """Delete the recordings past the retention (on the writer thread)."""
        folder, config = self.folder, self.config
        if folder is None or config is None:
            return

        def job() -> None:
            deleted = sweep(folder, config.retention_days, time.time())
            self.swept += len(deleted)
            for path in deleted:
                log.debug("event=recording_deleted path=%s", path)
            log.info("event=recordings_swept deleted=%d retention_days=%g folder=%s%s",
                     len(deleted), config.retention_days, folder,
                     f" oldest={deleted[0].name}" if deleted else "")

        self.writer.submit(job)

    async def aclose(self) -> None:
        """Finish every recording (shutdown), wait for the writer thread, stop."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        for call_id, (_queue, bridge) in list(self.bridges.items()):
            self._unbridged(call_id, bridge)
        self.clock.stop()
        await self.writer.aclose()

    # ---------------------------------------------------------------- bridges

    def bridged(self, call_id: str, queue: str, bridge: Bridge) -> None:
        """A caller and an agent were just joined: record the call if its queue is."""
        self.bridges[call_id] = (queue, bridge)
        bridge.on_stop = lambda: self._unbridged(call_id, bridge)
        config, folder = self.config, self.folder
        if config is None or folder is None:
            return
        if config.queues is not None and queue not in config.queues:
            return
        tap = self._tap(call_id, queue, bridge)
        now = self.calls.clock.now()
        path = recording_path(folder, now, queue, call_id)
        tap.recording = Recording(self.writer, path, call_id, queue, tap.caller.codec,
                                  tap.agent.codec, now)
        self.recordings[call_id] = tap.recording
        while len(self.recordings) > KEEP_RECORDINGS:
            self.recordings.popitem(last=False)
        call_log("recording", call_id, queue=queue, path=str(path))

    def _tap(self, call_id: str, queue: str, bridge: Bridge) -> Tap:
        tap = self.taps.get(call_id)
        if tap is None:
            tap = self.taps[call_id] = Tap(call_id, queue, bridge)
            bridge.on_heard = tap.heard
            self.clock.start()
        return tap

    def _untap(self, tap: Tap) -> None:
        if self.taps.get(tap.call_id) is tap:
            del self.taps[tap.call_id]
        tap.bridge.on_heard = None
        if not self.taps:
            self.clock.stop()

    def _unbridged(self, call_id: str, bridge: Bridge) -> None:
        """The bridge ended (either side hung up, shutdown): finish the recording, end the
        listening sessions."""
        known = self.bridges.get(call_id)
        if known is not None and known[1] is bridge:
            del self.bridges[call_id]
        for listener in [s for s in self.sessions.values() if s.session.call_id == call_id]:
            self._end(listener, "call_ended", signal=True)
        tap = self.taps.get(call_id)
        if tap is None or tap.bridge is not bridge:
            return
        self._untap(tap)
        recording = tap.recording
        if recording is not None:
            recording.close(self.calls.clock.now())
            call_log("recording_done", call_id, path=str(recording.path),
                     seconds=f"{recording.ticks * FRAME / 8000:.2f}",
                     caller_silent_ticks=tap.caller.silent, agent_silent_ticks=tap.agent.silent)

    def _tick(self, first: int, end: int) -> None:
        media = self.calls.media
        for _ in range(first, end):
            for tap in list(self.taps.values()):
                left, right = tap.caller.take(), tap.agent.take()
                if tap.recording is not None:
                    tap.recording.add(left, right)
                for listener in tap.listeners:
                    leg = listener.media
                    if leg is not None and not leg.closed:
                        media.push(leg, mix(left, tap.caller.codec, right, tap.agent.codec,
                                            leg.codec))

    # ---------------------------------------------------------------- the API's side

    def recording(self, call_id: str) -> RecordingMeta | None:
        """The recording of ``call_id`` (one of the :data:`KEEP_RECORDINGS` latest)."""
        found = self.recordings.get(call_id)
        if found is None:
            return None
        return found.info()

    def listen(self, call_id: str, target: str, who: str,
               on_end: Callable[[ListenSession], None]) -> ListenSession:
        """Dial ``target`` to let it hear ``call_id``; raises :class:`ListenError`."""
        bridged = self.bridges.get(call_id)
        if bridged is None:
            call = self.calls.calls.get(call_id)
            if call is None:
                raise ListenError(404, f"no call {call_id!r} in progress")
            raise ListenError(409, f"call {call_id!r} is not connected to an agent "
                                   f"(it is {call.phase})")
        _check_target(target)
        if sum(s.session.call_id == call_id for s in self.sessions.values()) >= MAX_LISTENERS:
            raise ListenError(409, f"call {call_id!r} already has {MAX_LISTENERS} listeners")
        session = ListenSession(secrets.token_hex(6), call_id, target, who, "calling",
                                self.calls.clock.now())
        listener = Listener(session, on_end)
        self.sessions[session.id] = listener
        call_log("listen_requested", call_id, session=session.id, who=who, target=target)
        self.calls.spawn(self._dial(listener))
        return session

    async def _dial(self, listener: Listener) -> None:
        session = listener.session
        try:
            leg = await self.calls.media.open_leg(name=f"{session.call_id}/listen-{session.id}")
        except (OSError, MediaError) as exc:
            log.error("call=%s event=no_media_for_listening reason=%r", session.call_id,
                      str(exc))
            self._end(listener, "error:no_media", signal=False)
            return
        listener.media = leg
        if listener.session.state != "calling":  # the call ended while the port was bound
            self.calls.media.close_leg(leg)
            return
        self._session_id += 1
        address = self.calls.media_address
        listener.local_sdp = sdp_offer(address, leg.port,
                                       Origin("accueil", str(self._session_id), 1, address),
                                       direction="sendonly")
        try:
            leg_id = self.calls.endpoint.invite(session.target, listener.local_sdp.to_bytes(),
                                                self.calls.clock.now(), from_user="accueil")
        except ValueError as exc:
            self._end(listener, f"error:{exc}", signal=False)
            return
        listener.leg_id = leg_id
        self.by_leg[leg_id] = listener
        self.agents.leg_owners[leg_id] = self.on_leg_event
        self.calls.flush()

    def on_leg_event(self, event: Any) -> None:
        """An event of a supervisor's leg (routed by ``Agents.on_event``)."""
        listener = self.by_leg.get(getattr(event, "leg_id", ""))
        if listener is None:
            return
        match event:
            case sip_ev.AgentLegAnswered():
                self._answered(listener, event)
            case sip_ev.AgentLegFailed(status=status):
                self._end(listener, f"failed:{status}", signal=False)
            case sip_ev.AgentLegHungUp(by_agent=by_agent):
                self._end(listener, "supervisor_hung_up" if by_agent else "ended",
                          signal=False)

    def _answered(self, listener: Listener, event: sip_ev.AgentLegAnswered) -> None:
        session = listener.session
        bridged = self.bridges.get(session.call_id)
        if session.state != "calling" or bridged is None or listener.media is None:
            self._end(listener, "call_ended", signal=True)
            return
        assert listener.local_sdp is not None
        try:
            negotiated = accept_answer(listener.local_sdp,
                                       SessionDescription.parse(event.sdp_answer))
            self.calls.media.configure(listener.media, negotiated)
        except (SdpError, MediaError) as exc:
            self._end(listener, f"error:sdp:{exc}", signal=True)
            return
        listener.media.on_audio = None  # listen-only: nothing the supervisor sends goes on
        listener.media.on_digit = None
        queue, bridge = bridged
        tap = self._tap(session.call_id, queue, bridge)
        tap.listeners.append(listener)
        listener.tap = tap
        listener.session = replace(session, state="listening",
                                   answered_at=self.calls.clock.now())
        call_log("listening", session.call_id, session=session.id, who=session.who,
                 codec=negotiated.codec)

    def _end(self, listener: Listener, reason: str, *, signal: bool) -> None:
        """Over: hang up the supervisor's leg if ``signal``, free the media, report."""
        session = listener.session
        if session.state == "ended":
            return
        now = self.calls.clock.now()
        if listener.leg_id is not None:
            self.by_leg.pop(listener.leg_id, None)
            self.agents.leg_owners.pop(listener.leg_id, None)
            if signal:
                self.calls.endpoint.hang_up(listener.leg_id, now)  # CANCEL or BYE
                self.calls.flush()
        tap = listener.tap
        if tap is not None:
            if listener in tap.listeners:
                tap.listeners.remove(listener)
            if not tap.listeners and tap.recording is None:
                self._untap(tap)
        if listener.media is not None:
            self.calls.media.close_leg(listener.media)
        self.sessions.pop(session.id, None)
        listener.session = replace(session, state="ended", ended_at=now, reason=reason)
        call_log("listen_ended", session.call_id, session=session.id, who=session.who,
                 reason=reason)
        try:
            listener.on_end(listener.session)
        except Exception:
            log.exception("the end of listening session %s was not reported", session.id)


def _check_target(target: str) -> None:
    """A SIP URI with an IP address (the engine does no DNS), else :class:`ListenError` 422."""
    try:
        uri = parse_uri(target)
    except ValueError as exc:
        raise ListenError(422, f"not a SIP URI: {target!r} ({exc})") from None
    if not isinstance(uri, SipUri):
        raise ListenError(422, f"not a SIP URI: {target!r}")
    if not is_ip(uri.maddr or uri.host):
        raise ListenError(422, f"{target!r}: give an IP address (the engine does no DNS)")

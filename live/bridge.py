"""Two media legs joined: what one receives, the other sends (``accueil serve``'s B2BUA).

Audio payloads received on one leg are pushed to the other with
:meth:`live.media.MediaEngine.push`, which transcodes PCMU↔PCMA when the two sides
negotiated different laws. RFC 4733 digits are not relayed packet by packet: each digit the
media engine decodes on one side is sent again as fresh RFC 4733 events on the other (when
that side negotiated telephone-event), which keeps sequence numbers and timestamps coherent.

Taps (recording, live listening: :mod:`live.listen`) see every audio payload each side sent
through :attr:`Bridge.on_heard`, and learn that the bridge ended through
:attr:`Bridge.on_stop`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from live.audio import Prompt
from live.media import Leg, MediaEngine, MediaError

__all__ = ["Bridge", "HeardCallback", "PacketCounters"]

HeardCallback = Callable[[bool, bytes, str], None]
"""``(from_caller, payload, codec)``: one audio payload one side sent."""

log = logging.getLogger("accueil.bridge")


@dataclass(slots=True)
class PacketCounters:
    """RTP packets of one bridged call, per leg and per direction of the relay."""

    caller_received: int = 0
    caller_sent: int = 0
    agent_received: int = 0
    agent_sent: int = 0
    to_agent: int = 0
    """Audio frames relayed from the caller to the agent."""
    to_caller: int = 0
    """Audio frames relayed from the agent to the caller."""
    digits: int = 0
    """DTMF digits relayed (either way)."""


class Bridge:
    """Relays audio and digits between ``caller`` and ``agent`` until :meth:`stop`."""

    def __init__(self, media: MediaEngine, caller: Leg, agent: Leg) -> None:
        self.media = media
        self.caller = caller
        self.agent = agent
        self.relayed = PacketCounters()
        self.active = False
        self.held = False
        """The agent put the call on hold: the caller hears music, not the agent's leg."""
        self.on_heard: HeardCallback | None = None
        """Sees every audio payload either side sent while the legs are joined."""
        self.on_stop: Callable[[], None] | None = None
        """Called once when the legs are unjoined."""

    def start(self) -> None:
        """Stop whatever the caller heard (music, prompt) and join the two legs."""
        if not self.caller.closed:
            self.media.stop(self.caller)
        if not self.agent.closed:
            self.media.stop(self.agent)
        self.caller.on_audio = lambda _leg, payload: self._relay(payload, to_agent=True)
        self.agent.on_audio = lambda _leg, payload: self._relay(payload, to_agent=False)
        self.caller.on_digit = lambda _leg, digit: self._digit(digit, self.agent)
        self.agent.on_digit = lambda _leg, digit: self._digit(digit, self.caller)
        self.active = True

    def hold(self, music: Prompt | None) -> None:
        """The agent holds the call: what their phone sends no longer reaches the caller,
        who hears ``music`` in a loop (silence when ``None``) until :meth:`resume`."""
        if not self.active or self.held:
            return
        self.held = True
        if not self.caller.closed:
            if music is not None:
                self.media.play(self.caller, music, loop=True)
            else:
                self.media.stop(self.caller)

    def resume(self) -> None:
        """The agent takes the call back: the music stops, the legs are joined again."""
        if not self.held:
            return
        self.held = False
        if not self.caller.closed:
            self.media.stop(self.caller)

    def stop(self) -> None:
        """Unjoin the legs (they stay open: their owners close them)."""
        if not self.active:
            return
        self.active = False
        for leg in (self.caller, self.agent):
            leg.on_audio = None
            leg.on_digit = None
        on_stop, self.on_stop, self.on_heard = self.on_stop, None, None
        if on_stop is not None:
            on_stop()

    def counters(self) -> PacketCounters:
        """The relay counts and both legs' RTP counters, as of now."""
        c = self.relayed
        return PacketCounters(self.caller.stats.received, self.caller.stats.sent,
                              self.agent.stats.received, self.agent.stats.sent,
                              c.to_agent, c.to_caller, c.digits)

    def _relay(self, payload: bytes, *, to_agent: bool) -> None:
        source, target = (self.caller, self.agent) if to_agent else (self.agent, self.caller)
        if not self.active:
            return
        if self.on_heard is not None:
            self.on_heard(to_agent, payload, source.codec)
        if target.closed or (self.held and not to_agent):
            return
        self.media.push(target, payload, source.codec)
        if to_agent:
            self.relayed.to_agent += 1
        else:
            self.relayed.to_caller += 1

    def _digit(self, digit: str, target: Leg) -> None:
        if not self.active or target.closed or target.telephone_event is None:
            return
        try:
            self.media.send_digits(target, digit)
        except MediaError as exc:  # pragma: no cover - closed between the checks
            log.debug("digit not relayed: %s", exc)
            return
        self.relayed.digits += 1

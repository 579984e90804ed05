"""Callbacks in ``accueil serve``: the agent first, then the caller, then the bridge.

When the ACD offers a callback (``OfferCall`` with ``callback=True``) nobody is on the
line: the caller booked it with the callback key and hung up, or abandoned and the queue
calls lost calls back. :class:`Callbacks` then

1. rings the agent's phone (an outgoing leg, like any offer; the ACD's ring timer and
   ``CancelOffer`` apply; busy, declined or unanswered → ``OfferFailed``);
2. once the agent answers, tells the ACD (``AgentAnswered``: the agent is busy, the caller
   not reached yet) and dials the caller through the trunk (``callbacks.uri`` with the
   number), letting it ring ``callbacks.ring_s`` at most; the agent hears silence meanwhile;
3. the caller answers: the two legs are bridged (:class:`live.bridge.Bridge`, recorded and
   listenable like any bridged call) and the ACD hears ``CallbackReached`` (the answer
   counts now; a lost call's callback records its recovery); no answer, busy, an error or
   the agent hanging up first: ``CallbackUnreached`` (the ACD frees the agent and retries
   later with spacing, or gives up after the queue's attempts), and the agent's leg ends;
4. whoever hangs up first ends both legs (``CallerHungUp`` / ``AgentHungUp``).

Both legs are outgoing legs of the endpoint; their events reach this module through
:attr:`live.serve_agents.Agents.leg_owners`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from acd import commands as acd_cmd
from acd import events as acd_ev
from live.bridge import Bridge
from live.media import Leg, MediaError
from live.serve_agents import failure_reason
from live.serve_call import call_log
from sip import events as sip_ev
from sip.sdp import SdpError, SessionDescription, accept_answer

if TYPE_CHECKING:
    from live.serve_agents import AgentEvent, Agents
    from live.serve_calls import Calls

__all__ = ["Callback", "Callbacks"]

log = logging.getLogger("accueil.callbacks")


@dataclass(eq=False, slots=True)
class Callback:
    """One callback in progress: the agent's leg, then the caller's, then the bridge."""

    call_id: str
    agent_id: str
    queue: str
    number: str
    state: str = "opening"
    """``opening``, ``agent_ringing``, ``calling_caller``, ``connected``, ``ended``."""
    agent_leg: str | None = None
    agent_media: Leg | None = None
    agent_sdp: SessionDescription | None = None
    caller_leg: str | None = None
    caller_media: Leg | None = None
    caller_sdp: SessionDescription | None = None
    bridge: Bridge | None = None
    ring_timer: asyncio.TimerHandle | None = None


class Callbacks:
    """Every callback being dialled or talking; see the module docstring.

    ``uri``: the callbacks' Request-URI template (``{number}`` replaced), ``None`` when
    callbacks cannot be dialled (every callback offer then fails at once).
    """

    def __init__(self, calls: Calls, agents: Agents, uri: str | None, ring_s: float) -> None:
        self.calls = calls
        self.agents = agents
        self.uri = uri
        self.ring_s = ring_s
        self.active: dict[str, Callback] = {}
        self.reached = 0
        self.unreached = 0

    # ------------------------------------------------------------- the ACD's commands

    def offer(self, command: acd_cmd.OfferCall) -> None:
        """Ring the agent for a callback (the caller is dialled once the agent answers)."""
        target = self.agents.target(command.agent_id)
        call_log("callback_offer", command.call_id, agent=command.agent_id,
                 number=command.number or "-")
        if self.uri is None or target is None or not command.number \
                or command.call_id in self.active:
            why = "no callbacks.uri" if self.uri is None else "no agent phone or number"
            log.warning("call=%s event=callback_impossible reason=%r", command.call_id, why)
            self.calls.submit(acd_ev.OfferFailed(command.call_id, command.agent_id, "error"))
            return
        cb = Callback(command.call_id, command.agent_id, command.queue, command.number)
        self.active[cb.call_id] = cb
        self.calls.spawn(self._dial_agent(cb))

    def cancel(self, command: acd_cmd.CancelOffer) -> bool:
        """Stop ringing the agent of a callback; ``False`` if it is not one of ours."""
        cb = self.active.get(command.call_id)
        if cb is None or cb.agent_id != command.agent_id:
            return False
        if cb.state in ("opening", "agent_ringing"):
            call_log("callback_cancelled", cb.call_id, agent=cb.agent_id, reason=command.reason)
            cb.state = "ended"
            if cb.agent_leg is not None:
                self.calls.endpoint.cancel(cb.agent_leg, self.calls.clock.now())
                self.calls.flush()
            self._forget(cb)
        return True

    # ------------------------------------------------------------------ dialling

    async def _dial_agent(self, cb: Callback) -> None:
        try:
            leg = await self.calls.media.open_leg(name=f"{cb.call_id}/agent")
        except (OSError, MediaError) as exc:
            log.error("call=%s event=no_media_for_agent reason=%r", cb.call_id, str(exc))
            self._agent_failed(cb, "error")
            return
        cb.agent_media = leg
        if cb.state != "opening":
            self._forget(cb)
            return
        cb.agent_sdp = self.agents.offer_sdp(leg)
        leg_id = self.agents.invite(cb.agent_id, cb.agent_sdp.to_bytes(), from_user=cb.number)
        if leg_id is None:  # unregistered while the port was being bound
            self._agent_failed(cb, "error")
            return
        cb.agent_leg = leg_id
        cb.state = "agent_ringing"
        self.agents.leg_owners[leg_id] = lambda event: self._agent_event(cb, event)
        self.calls.flush()

    def _agent_failed(self, cb: Callback, reason: str) -> None:
        if cb.state in ("opening", "agent_ringing"):
            self.calls.submit(acd_ev.OfferFailed(cb.call_id, cb.agent_id, reason))
        cb.state = "ended"
        self._forget(cb)

    async def _dial_caller(self, cb: Callback) -> None:
        assert self.uri is not None
        try:
            leg = await self.calls.media.open_leg(name=f"{cb.call_id}/callback")
        except (OSError, MediaError) as exc:
            log.error("call=%s event=no_media_for_callback reason=%r", cb.call_id, str(exc))
            self._unreached(cb, "error")
            return
        cb.caller_media = leg
        if cb.state != "calling_caller":
            self._forget(cb)
            return
        cb.caller_sdp = self.agents.offer_sdp(leg)
        uri = self.uri.replace("{number}", cb.number)
        now = self.calls.clock.now()
        cb.caller_leg = self.calls.endpoint.invite(uri, cb.caller_sdp.to_bytes(), now,
                                                   from_user="accueil")
        self.agents.leg_owners[cb.caller_leg] = lambda event: self._caller_event(cb, event)
        cb.ring_timer = asyncio.get_running_loop().call_later(
            self.ring_s, lambda: self._ring_timeout(cb))
        call_log("callback_dialling", cb.call_id, number=cb.number, uri=uri)
        self.calls.flush()

    def _ring_timeout(self, cb: Callback) -> None:
        cb.ring_timer = None
        if cb.state == "calling_caller" and cb.caller_leg is not None:
            call_log("callback_ring_timeout", cb.call_id, number=cb.number)
            self.calls.endpoint.cancel(cb.caller_leg, self.calls.clock.now())
            self._unreached(cb, "no_answer")

    # ------------------------------------------------------------- leg events

    def _accept(self, cb: Callback, local: SessionDescription | None, media: Leg | None,
                answer: bytes) -> bool:
        assert local is not None and media is not None
        try:
            negotiated = accept_answer(local, SessionDescription.parse(answer))
            self.calls.media.configure(media, negotiated)
        except (SdpError, MediaError) as exc:
            call_log("callback_sdp_refused", cb.call_id, reason=str(exc))
            return False
        return True

    def _agent_event(self, cb: Callback, event: AgentEvent) -> None:
        if isinstance(event, (sip_ev.AgentLegFailed, sip_ev.AgentLegHungUp)):
            self.agents.leg_owners.pop(event.leg_id, None)  # the leg's last event
        match event:
            case sip_ev.AgentLegRinging():
                call_log("agent_ringing", cb.call_id, agent=cb.agent_id, callback=True)
            case sip_ev.AgentLegAnswered():
                self._agent_answered(cb, event)
            case sip_ev.AgentLegFailed(status=status, cancelled=cancelled):
                if cb.state == "agent_ringing" and not cancelled:
                    call_log("agent_failed", cb.call_id, agent=cb.agent_id, status=status)
                    self._agent_failed(cb, failure_reason(status))
                elif cb.state != "ended":
                    cb.state = "ended"
                    self._forget(cb)
            case sip_ev.AgentLegHungUp(by_agent=by_agent):
                cb.agent_leg = None  # the leg is over either way
                if by_agent:
                    self._agent_hung_up(cb)
            case _:
                pass
        self.calls.flush()

    def _agent_answered(self, cb: Callback, event: sip_ev.AgentLegAnswered) -> None:
        now = self.calls.clock.now()
        if cb.state != "agent_ringing":
            self.calls.endpoint.hang_up(event.leg_id, now)  # too late: cancelled meanwhile
        elif not self._accept(cb, cb.agent_sdp, cb.agent_media, event.sdp_answer):
            self.calls.endpoint.hang_up(event.leg_id, now)
            self._agent_failed(cb, "error")
        else:
            cb.state = "calling_caller"
            call_log("callback_agent_ready", cb.call_id, agent=cb.agent_id)
            self.calls.submit(acd_ev.AgentAnswered(cb.call_id, cb.agent_id))
            self.calls.spawn(self._dial_caller(cb))

    def _agent_hung_up(self, cb: Callback) -> None:
        call_log("agent_hung_up", cb.call_id, agent=cb.agent_id, callback=True)
        if cb.state == "calling_caller":
            if cb.caller_leg is not None:
                self.calls.endpoint.cancel(cb.caller_leg, self.calls.clock.now())
            self._unreached(cb, "agent_hung_up")
        elif cb.state == "connected":
            self.calls.submit(acd_ev.AgentHungUp(cb.call_id))
            self._end(cb)

    def _caller_event(self, cb: Callback, event: AgentEvent) -> None:
        now = self.calls.clock.now()
        if isinstance(event, (sip_ev.AgentLegFailed, sip_ev.AgentLegHungUp)):
            self.agents.leg_owners.pop(event.leg_id, None)  # the leg's last event
        match event:
            case sip_ev.AgentLegRinging():
                call_log("callback_ringing", cb.call_id, number=cb.number)
            case sip_ev.AgentLegAnswered(leg_id=leg_id, sdp_answer=answer):
                if cb.state != "calling_caller":
                    self.calls.endpoint.hang_up(leg_id, now)
                elif not self._accept(cb, cb.caller_sdp, cb.caller_media, answer):
                    self.calls.endpoint.hang_up(leg_id, now)
                    self._unreached(cb, "error")
                else:
                    self._connect(cb)
            case sip_ev.AgentLegFailed(status=status, cancelled=cancelled):
                cb.caller_leg = None
                if cb.state == "calling_caller" and not cancelled:
                    call_log("callback_failed", cb.call_id, number=cb.number, status=status)
                    self._unreached(cb, failure_reason(status))
            case sip_ev.AgentLegHungUp(by_agent=by_peer):
                cb.caller_leg = None
                if by_peer and cb.state == "connected":
                    call_log("caller_hung_up", cb.call_id, callback=True)
                    self.calls.submit(acd_ev.CallerHungUp(cb.call_id))
                    self._end(cb)
            case _:
                pass
        self.calls.flush()

    def _connect(self, cb: Callback) -> None:
        assert cb.caller_media is not None and cb.agent_media is not None
        self._stop_ring_timer(cb)
        cb.state = "connected"
        self.reached += 1
        cb.bridge = Bridge(self.calls.media, cb.caller_media, cb.agent_media)
        cb.bridge.start()
        call_log("callback_connected", cb.call_id, agent=cb.agent_id, number=cb.number,
                 codec=cb.caller_media.codec, agent_codec=cb.agent_media.codec)
        if self.agents.on_bridged is not None:
            self.agents.on_bridged(cb.call_id, cb.queue, cb.bridge)
        self.calls.submit(acd_ev.CallbackReached(cb.call_id))

    def _unreached(self, cb: Callback, reason: str) -> None:
        """The caller was not reached: free the agent (BYE) and tell the ACD."""
        if cb.state != "calling_caller":
            return
        self.unreached += 1
        call_log("callback_unreached", cb.call_id, number=cb.number, reason=reason)
        self.calls.submit(acd_ev.CallbackUnreached(cb.call_id, reason))
        self._end(cb)

    def _end(self, cb: Callback) -> None:
        """BYE (or CANCEL) to whichever leg is still up, then forget the callback."""
        cb.state = "ended"
        now = self.calls.clock.now()
        for leg_id in (cb.agent_leg, cb.caller_leg):
            if leg_id is not None:
                self.calls.endpoint.hang_up(leg_id, now)
        cb.agent_leg = cb.caller_leg = None
        self._forget(cb)
        self.calls.flush()

    def _stop_ring_timer(self, cb: Callback) -> None:
        if cb.ring_timer is not None:
            cb.ring_timer.cancel()
            cb.ring_timer = None

    def _forget(self, cb: Callback) -> None:
        self._stop_ring_timer(cb)
        if cb.bridge is not None and cb.bridge.active:
            cb.bridge.stop()
            call_log("bridge_ended", cb.call_id, agent=cb.agent_id, callback=True,
                     **asdict(cb.bridge.counters()))
        for media in (cb.agent_media, cb.caller_media):
            if media is not None and not media.closed:
                self.calls.media.close_leg(media)
        if self.active.get(cb.call_id) is cb:
            del self.active[cb.call_id]

    def hang_up_all(self) -> None:
        """End every callback now (shutdown): the ACD hears why, legs get BYE or CANCEL."""
        for cb in list(self.active.values()):
            if cb.state == "calling_caller":
                self._unreached(cb, "shutdown")
            elif cb.state == "connected":
                self.calls.submit(acd_ev.AgentHungUp(cb.call_id))
                self._end(cb)
            else:
                if cb.state == "agent_ringing":
                    self.calls.submit(acd_ev.OfferFailed(cb.call_id, cb.agent_id, "error"))
                self._end(cb)

"""Each call's life in ``accueil serve``: SIP events in, IVR and ACD commands out.

:class:`Calls` is the application the SIP transport hands endpoint events to, and the
telephony adapter the ACD runtime hands its commands to. For every call it holds one
:class:`Call`: the IVR session while the caller is in the menus, the media leg, the SDP,
and the single timer of the session.

The call's phases: ``setup`` (a media port is being bound) → ``ivr`` (the session drives:
ring, answer, prompts, digits) → ``queued`` (the ACD holds the caller, who hears music on
hold or silence; :mod:`live.serve_agents` rings its agents) → ``connected`` (bridged to the
agent who answered; the agent's phone may transfer it back to ``queued`` in another queue,
:meth:`Calls.requeue`, or elsewhere, :meth:`Calls.transfer`) or ``transfer`` (REFER sent,
waiting for the NOTIFY) → ``ending`` (we sent
BYE, or are playing a queue's fallback message before it) → gone. A caller's BYE or CANCEL
at any phase reaches whoever holds the call: the session (``CallerHungUp``) or the ACD.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from acd import commands as acd_cmd
from acd import events as acd_ev
from ivr import commands as ivr_cmd
from ivr.config import Waiting
from ivr.errors import IvrError
from ivr.events import CallerHungUp, DigitReceived, Event, PromptFinished
from ivr.service import IvrService
from ivr.session import IvrSession
from ivr.waiting import (
    Announce,
    CallbackBooked,
    CallbackRefused,
    PlayMusic,
    RequestCallback,
    WaitingCommand,
    WaitingEvent,
    WaitingSession,
)
from live.media import MediaEngine, MediaError
from live.scheduler import Scheduler
from live.serve_call import Call, call_log
from live.serve_prompts import PromptBank
from queues.records import Record
from sip import events as sip_ev
from sip.sdp import Origin, SdpError, SessionDescription, answer, revise
from sip.sdp import offer as sdp_offer
from sip.uas import SipEndpoint

if TYPE_CHECKING:
    from live.serve_agents import Agents

__all__ = ["Calls"]

log = logging.getLogger("accueil.calls")

#: How long we wait for the NOTIFY of a transfer before hanging up anyway.
TRANSFER_TIMEOUT_S = 32.0

#: Relative priority points a call transferred by its agent to a queue gains there: with the
#: default aging of 60 s a point, it goes ahead of callers who have waited up to 10 minutes.
TRANSFER_POINTS = 10


class Calls:
    """Every call in progress; see the module docstring.

    ``endpoint`` is the :class:`~sip.uas.SipEndpoint`; ``flush`` sends what it queued
    (:meth:`live.sip_transport.SipTransport.flush`); ``submit`` feeds the ACD runtime and
    ``record`` publishes IVR records (:class:`live.runtime.Runtime`).
    """

    def __init__(self, endpoint: SipEndpoint, media: MediaEngine, ivr: IvrService,
                 prompts: PromptBank, clock: Scheduler, media_address: str) -> None:
        self.endpoint = endpoint
        self.media = media
        self.ivr = ivr
        self.prompts = prompts
        self.clock = clock
        self.media_address = media_address
        self.flush: Callable[[], None] = lambda: None
        self.submit: Callable[[acd_ev.Event], object] = lambda event: None
        self.record: Callable[[Record], None] = lambda record: None
        self.calls: dict[str, Call] = {}
        self.draining = False
        self.retry_after_s = 120
        """Retry-After of the 503 answered while stopping or out of RTP ports."""
        self.refused = 0
        self.total = 0
        self.stats: Counter[str] = Counter()
        """Call events seen, by name (``arrived``, ``answered``, ``digit_info``...)."""
        self._session_id = secrets.randbelow(2**40)
        self._tasks: set[asyncio.Task[None]] = set()
        self.agents: Agents | None = None
        """The agents' phones (:mod:`live.serve_agents`); ``None``: offers are only logged."""
        self.queued: dict[str, acd_ev.CallQueued] = {}
        """How each call still held was last queued, ``since`` filled in (for re-queueing
        a call its agent transferred to a queue: same priority, same wait start)."""

    def _note(self, event: str, call_id: str, **fields: object) -> None:
        """Count a call event and log its line."""
        self.stats[event] += 1
        call_log(event, call_id, **fields)

    # ------------------------------------------------------------------ SIP events

    def on_event(self, event: Any) -> None:
        """One endpoint event (the transport calls this, then flushes)."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(self, event)
        else:
            log.debug("event=ignored type=%s", type(event).__name__)

    def _arrived(self, event: sip_ev.CallArrived) -> None:
        now = self.clock.now()
        call_id = event.call_id
        self._note("arrived", call_id, caller=event.caller, called=event.called_user,
                   source=f"{event.source[0]}:{event.source[1]}")
        if self.draining:
            self._refuse(call_id, 503, now, "shutting down")
            return
        if call_id in self.calls:
            return  # the endpoint absorbs retransmissions; never two calls for one Call-ID
        if not self.ivr.serves(event.called_user):
            self._refuse(call_id, 404, now, "no entry point")
            return
        offer = None
        if event.sdp_offer:
            try:
                offer = SessionDescription.parse(event.sdp_offer)
            except SdpError as exc:
                self._refuse(call_id, exc.status_hint, now, f"SDP: {exc}")
                return
        call = Call(call_id, event.caller, event.called_user, now)
        self.calls[call_id] = call
        self.total += 1
        self._spawn(self._setup(call, offer))

    async def _setup(self, call: Call, offer: SessionDescription | None) -> None:
        try:
            leg = await self.media.open_leg(name=call.call_id)
        except (OSError, MediaError) as exc:
            log.error("call=%s event=no_media reason=%r", call.call_id, str(exc))
            self._drop(call)
            self._refuse(call.call_id, 503, self.clock.now(), "no RTP port")
            return
        if call.phase != "setup":  # the caller cancelled while the port was being bound
            self.media.close_leg(leg)
            return
        now = self.clock.now()
        self._session_id += 1
        origin = Origin("accueil", str(self._session_id), 1, self.media_address)
        try:
            if offer is None:  # late offer: ours goes in the 200; RTP latching finds the peer
                call.local_sdp = sdp_offer(self.media_address, leg.port, origin)
            else:
                call.local_sdp, call.negotiated = answer(offer, self.media_address, leg.port,
                                                         origin)
        except SdpError as exc:
            self.media.close_leg(leg)
            self._drop(call)
            self._refuse(call.call_id, exc.status_hint, now, f"SDP: {exc}")
            return
        call.leg = leg
        leg.on_digit = lambda _leg, digit: self._digit(call, digit)
        try:
            session = self.ivr.new_session(call.call_id, call.caller, call.called, call.arrived)
            commands = session.start(now)
        except IvrError as exc:  # a file 0 message that cannot play: serve the menu anyway
            log.error("call=%s event=file0_error reason=%r", call.call_id, str(exc))
            session = IvrSession(self.ivr.tree, call.call_id, call.caller, call.called,
                                 call.arrived)
            commands = session.start(now)
        call.session = session
        call.phase = "ivr"
        self._run(call, commands, now)

    def _refuse(self, call_id: str, status: int, now: float, reason: str) -> None:
        self.refused += 1
        self._note("refused", call_id, status=status, reason=reason)
        retry = self.retry_after_s if status == 503 else None
        self.endpoint.reject(call_id, status, now, retry_after=retry)
        self.flush()

    def _caller_left(self, event: sip_ev.CallHungUp | sip_ev.CallCancelled
                     | sip_ev.CallAckTimedOut) -> None:
        """BYE, CANCEL, or our 200 never acknowledged (the endpoint then sent BYE itself):
        whoever holds the call hears that the caller is gone."""
        call = self.calls.get(event.call_id)
        if call is None:
            return
        now = self.clock.now()
        name = {sip_ev.CallHungUp: "caller_hung_up", sip_ev.CallCancelled: "cancelled"}
        self._note(name.get(type(event), "ack_timeout"), call.call_id, phase=call.phase)
        if call.phase == "ivr" and call.session is not None:
            self._feed(call, CallerHungUp(), now)
        elif call.phase in ("queued", "connected"):
            self.submit(acd_ev.CallerHungUp(call.call_id))
            if call.phase == "connected" and self.agents is not None:
                self.agents.caller_left(call.call_id)
        self._drop(call)

    def _hung_up(self, event: sip_ev.HangUpCompleted) -> None:
        call = self.calls.get(event.call_id)
        self._note("ended", event.call_id)
        if call is not None:
            self._drop(call)

    def _info_digit(self, event: sip_ev.DtmfInfoReceived) -> None:
        call = self.calls.get(event.call_id)
        if call is not None:
            self._digit(call, event.digit, "info")

    def _reoffer(self, event: sip_ev.ReofferReceived) -> None:
        """A re-INVITE (hold, resume, new codec): answer it and re-point the media."""
        call = self.calls.get(event.call_id)
        now = self.clock.now()
        if call is None or call.leg is None or call.local_sdp is None:
            return
        if not event.sdp_offer:  # offerless re-INVITE: our current SDP is the offer
            self.endpoint.answer_reoffer(call.call_id, call.local_sdp.to_bytes(), now)
            return
        try:
            offer = SessionDescription.parse(event.sdp_offer)
            local, negotiated = answer(offer, self.media_address, call.leg.port,
                                       call.local_sdp.origin)
        except SdpError as exc:
            self._note("reoffer_refused", call.call_id, reason=str(exc))
            self.endpoint.reject(call.call_id, exc.status_hint, now)  # the call goes on
            return
        call.local_sdp = revise(call.local_sdp, local)
        call.negotiated = negotiated
        if not call.leg.closed:
            self.media.configure(call.leg, negotiated)
        self._note("reoffer", call.call_id, direction=negotiated.direction)
        self.endpoint.answer_reoffer(call.call_id, call.local_sdp.to_bytes(), now)

    def _refer_progress(self, event: sip_ev.ReferProgress) -> None:
        call = self.calls.get(event.call_id)
        self._note("transfer_progress", event.call_id, status=event.status_code)
        if self.agents is not None:  # an agent's transfer: tell their phone how it goes
            self.agents.caller_transfer_progress(event)
        if call is not None and call.phase == "transfer" and event.status_code >= 200:
            self._hang_up(call, self.clock.now(),
                          "transferred" if event.status_code < 300 else "transfer_failed")

    def _refused_request(self, event: sip_ev.RequestRefused) -> None:
        self.refused += 1
        log.info("event=request_refused status=%s reason=%s source=%s:%s detail=%r",
                 event.status, event.reason, event.source[0], event.source[1], event.detail)

    def _agent_event(self, event: Any) -> None:
        if self.agents is not None:
            self.agents.on_event(event)

    _handlers: ClassVar[dict[type, Callable[[Calls, Any], None]]] = {
        sip_ev.CallArrived: _arrived,
        sip_ev.CallCancelled: _caller_left,
        sip_ev.CallHungUp: _caller_left,
        sip_ev.CallAckTimedOut: _caller_left,
        sip_ev.HangUpCompleted: _hung_up,
        sip_ev.DtmfInfoReceived: _info_digit,
        sip_ev.ReofferReceived: _reoffer,
        sip_ev.ReferProgress: _refer_progress,
        sip_ev.RequestRefused: _refused_request,
        sip_ev.AgentLegRinging: _agent_event,
        sip_ev.AgentLegAnswered: _agent_event,
        sip_ev.AgentLegFailed: _agent_event,
        sip_ev.AgentLegHungUp: _agent_event,
        sip_ev.AgentLegReferred: _agent_event,
        sip_ev.AgentLegReoffered: _agent_event,
        sip_ev.AgentRegistered: _agent_event,
        sip_ev.AgentUnregistered: _agent_event,
    }

    # ------------------------------------------------------------------ the session

    def _digit(self, call: Call, digit: str, how: str = "rfc4733") -> None:
        self.stats[f"digit_{how}"] += 1
        self._note("digit", call.call_id, digit=digit, via=how, phase=call.phase)
        if call.phase == "ivr" and call.session is not None:
            self._feed(call, DigitReceived(digit), self.clock.now())
        elif call.phase == "queued" and call.waiting is not None:
            self._feed_waiting(call, DigitReceived(digit), self.clock.now())

    def _feed(self, call: Call, event: Event, now: float) -> None:
        assert call.session is not None
        try:
            commands = call.session.handle(event, now)
        except IvrError as exc:
            log.warning("call=%s event=ivr_refused reason=%r", call.call_id, str(exc))
            return
        self._run(call, commands, now)

    def _run(self, call: Call, commands: list[ivr_cmd.Command], now: float) -> None:
        """Publish the session's records, carry out its commands, re-arm its timer."""
        session = call.session
        assert session is not None
        for record in session.pop_records():
            self.record(record)
        for command in commands:
            self._execute(call, command, now)
        self._arm(call)
        self.flush()

    def _arm(self, call: Call) -> None:
        session: IvrSession | WaitingSession | None = (
            call.waiting if call.phase == "queued" else call.session)
        deadline = session.next_deadline() if session is not None else None
        if deadline == call.timer_at:
            return
        if call.timer is not None:
            call.timer.cancel()
        call.timer_at = deadline
        call.timer = (None if deadline is None
                      else self.clock.call_at(deadline, lambda: self._timer(call)))

    def _timer(self, call: Call) -> None:
        call.timer = None
        now = max(self.clock.now(), call.timer_at or 0.0)
        call.timer_at = None
        if call.session is not None and call.phase == "ivr":
            self._run(call, call.session.on_timer(now), now)
        elif call.waiting is not None and call.phase == "queued":
            self._run_waiting(call, call.waiting.on_timer(now), now)

    def _execute(self, call: Call, command: ivr_cmd.Command, now: float) -> None:
        match command:
            case ivr_cmd.Ring():
                self._note("ringing", call.call_id)
                self.endpoint.ring(call.call_id, now)
            case ivr_cmd.Answer():
                self._answer(call, now)
            case ivr_cmd.PlayPrompt(prompt=prompt):
                self._play(call, prompt)
            case ivr_cmd.StopPrompt():
                call.playing = None
                if call.leg is not None and not call.leg.closed:
                    self.media.stop(call.leg)
            case ivr_cmd.QueueCall(call=queued):
                self._queue(call, queued)
            case ivr_cmd.Transfer(number=number):
                self._transfer(call, number, now)
            case ivr_cmd.HangUp(reason=reason):
                self._hang_up(call, now, reason)

    def _answer(self, call: Call, now: float) -> None:
        assert call.leg is not None and call.local_sdp is not None
        negotiated = call.negotiated
        if negotiated is not None:
            self.media.configure(call.leg, negotiated)
        self.endpoint.answer(call.call_id, call.local_sdp.to_bytes(), now)
        call.answered = True
        if negotiated is None:
            self._note("answered", call.call_id, offer="late")
        else:
            self._note("answered", call.call_id, codec=negotiated.codec,
                       rtp=f"{negotiated.address}:{negotiated.port}")

    def _play(self, call: Call, prompt: Any) -> None:
        call.playing = prompt.name
        frames = self.prompts.get(prompt.name)
        if frames is None:
            self._spawn(self._play_later(call, prompt))
            return
        self._start_playing(call, prompt.name, frames)

    async def _play_later(self, call: Call, prompt: Any) -> None:
        frames = await self.prompts.fetch(prompt)
        if call.playing != prompt.name or call.phase not in ("ivr", "queued", "callback"):
            return
        if frames is None:  # cannot be played: as if it had been
            self._prompt_done(call, prompt.name, True)
        else:
            self._start_playing(call, prompt.name, frames)

    def _start_playing(self, call: Call, name: str, frames: Any) -> None:
        leg = call.leg
        if leg is None or leg.closed:
            return
        self._note("prompt", call.call_id, prompt=name)
        self.media.play(leg, frames, on_done=lambda done: self._prompt_done(call, name, done))

    def _prompt_done(self, call: Call, name: str, completed: bool) -> None:
        if not completed or call.playing != name:
            return
        if call.phase == "ivr":
            call.playing = None
            self._feed(call, PromptFinished(name), self.clock.now())
        elif call.phase in ("queued", "callback") and call.waiting is not None:
            call.playing = None
            self._feed_waiting(call, PromptFinished(name), self.clock.now())

    def _queue(self, call: Call, queued: acd_ev.CallQueued) -> bool:
        call.phase, call.queue, call.playing = "queued", queued.queue, None
        self._note("queued", call.call_id, queue=queued.queue)
        tree = self.ivr.tree
        config = tree.waiting.get(queued.queue) or Waiting(queued.queue, lang=tree.lang)
        now = self.clock.now()
        self.queued[call.call_id] = (queued if queued.since is not None
                                     else replace(queued, since=now))
        call.waiting = WaitingSession(config, tree.prompts, call.caller, now)
        for command in call.waiting.start(now):
            self._execute_waiting(call, command, now)
        return bool(self.submit(queued))  # False: the ACD refused it

    def requeue(self, call: Call, queue: str) -> bool:
        """Put a connected call back in line: its agent transferred it to ``queue``.

        The ACD must already have ended the call with its agent (``AgentHungUp``). The call
        keeps its priority class and jumps ahead by :data:`TRANSFER_POINTS` more relative
        priority points; its wait in ``queue`` starts now (what the new queue's KPIs measure),
        and the caller hears ``queue``'s waiting experience again (music, messages,
        announcements). False if the ACD refused it (the caller is then hung up) or the call
        is no longer connected.
        """
        if call.phase != "connected" or self.calls.get(call.call_id) is not call:
            return False
        first = self.queued.get(call.call_id)
        event = acd_ev.CallQueued(
            call.call_id, queue, first.priority if first else 0,
            (first.points if first else 0) + TRANSFER_POINTS, call.caller)
        leg = call.leg
        if leg is not None and not leg.closed:  # the bridge took the caller's digits
            leg.on_digit = lambda _leg, digit: self._digit(call, digit)
        accepted = self._queue(call, event)
        if not accepted:
            self._hang_up(call, self.clock.now(), "requeue_refused")
        elif call.phase == "queued":
            self._arm(call)
        self.flush()
        return accepted and call.phase in ("queued", "connected")

    def transfer(self, call: Call, target: str) -> bool:
        """Transfer a connected caller elsewhere by REFER on their leg (their agent asked
        for it; the ACD must already have ended the call with the agent)."""
        if call.phase != "connected" or self.calls.get(call.call_id) is not call:
            return False
        self._transfer(call, target, self.clock.now())
        self.flush()
        return True

    # ------------------------------------------------------------- while queued

    def _feed_waiting(self, call: Call, event: WaitingEvent, now: float) -> None:
        assert call.waiting is not None
        try:
            commands = call.waiting.handle(event, now)
        except IvrError as exc:
            log.warning("call=%s event=waiting_refused reason=%r", call.call_id, str(exc))
            return
        self._run_waiting(call, commands, now)

    def _run_waiting(self, call: Call, commands: list[WaitingCommand], now: float) -> None:
        for command in commands:
            if call.waiting is None:
                break  # connected to an agent meanwhile
            self._execute_waiting(call, command, now)
        if call.phase in ("queued", "callback"):
            self._arm(call)
        self.flush()

    def _execute_waiting(self, call: Call, command: WaitingCommand, now: float) -> None:
        leg = call.leg
        match command:
            case PlayMusic(prompt=name):
                call.playing = None
                music = self.prompts.get(name) if name else self.prompts.music_on_hold
                if leg is not None and not leg.closed:
                    if music is not None:
                        self.media.play(leg, music, loop=True)
                    else:
                        self.media.stop(leg)
            case ivr_cmd.PlayPrompt(prompt=prompt):
                self._play(call, prompt)
            case ivr_cmd.StopPrompt():
                call.playing = None
                if leg is not None and not leg.closed:
                    self.media.stop(leg)
            case RequestCallback(number=number):
                callbacks = self.agents.callbacks if self.agents is not None else None
                booked = (callbacks is not None and callbacks.uri is not None
                          and self.submit(acd_ev.CallbackRequested(call.call_id, number)))
                self._note("callback_requested", call.call_id, number=number,
                           booked=bool(booked))
                if booked:
                    call.phase = "callback"  # from now on the caller's BYE is no abandon
                    self._feed_waiting(call, CallbackBooked(), now)
                else:
                    self._feed_waiting(call, CallbackRefused(), now)
            case ivr_cmd.HangUp(reason=reason):
                self._hang_up(call, now, reason)

    def stop_waiting(self, call: Call) -> None:
        """An agent answered: the waiting session ends (its prompts and timer stop)."""
        call.waiting = None
        call.playing = None
        self._stop_timer(call)

    def _transfer(self, call: Call, number: str, now: float) -> None:
        call.phase = "transfer"
        self._note("transfer", call.call_id, target=number)
        # a bare number becomes a URI at the caller's host (the trunk routes it)
        self.endpoint.refer(call.call_id, number, now)
        self._spawn(self._transfer_timeout(call))

    async def _transfer_timeout(self, call: Call) -> None:
        await asyncio.sleep(TRANSFER_TIMEOUT_S)
        if call.phase == "transfer" and self.calls.get(call.call_id) is call:
            self._hang_up(call, self.clock.now(), "transfer_timeout")

    def _hang_up(self, call: Call, now: float, reason: str) -> None:
        if call.phase in ("ending", "gone"):
            return
        call.phase = "ending"
        call.playing = None
        self._stop_timer(call)
        self._note("hang_up", call.call_id, reason=reason)
        if call.leg is not None:
            self.media.close_leg(call.leg)
        if call.answered:
            self.endpoint.hang_up(call.call_id, now)
        else:
            self.endpoint.reject(call.call_id, 480, now)
            self._drop(call)
        self.flush()

    def _drop(self, call: Call) -> None:
        """Forget the call: media closed, timer stopped."""
        if call.phase != "ending":
            call.phase = "gone"
        self._stop_timer(call)
        if call.leg is not None and not call.leg.closed:
            self.media.close_leg(call.leg)
        if self.calls.get(call.call_id) is call:
            del self.calls[call.call_id]
            self.queued.pop(call.call_id, None)

    def _stop_timer(self, call: Call) -> None:
        if call.timer is not None:
            call.timer.cancel()
        call.timer, call.timer_at = None, None

    def hang_up_call(self, call: Call, reason: str) -> None:
        """Hang up on the caller now (the agent of a connected call hung up)."""
        self._hang_up(call, self.clock.now(), reason)

    def spawn(self, coro: Any) -> None:
        """Run ``coro`` as a task of the calls (its failure is logged)."""
        self._spawn(coro)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("call task failed", exc_info=task.exception())

    # ----------------------------------------------------------- the ACD's commands

    def execute(self, command: acd_cmd.Command, now: float) -> None:
        """Telephony adapter of the ACD runtime (offers go to :attr:`agents`)."""
        match command:
            case acd_cmd.OfferCall() if self.agents is not None:
                self.agents.offer(command)
            case acd_cmd.CancelOffer() if self.agents is not None:
                self.agents.cancel(command)
            case acd_cmd.RouteToFallback() | acd_cmd.RejectCall():
                self._fallback(command.call_id, command.action, command.reason, now)
            case acd_cmd.OverflowCall():
                self._note("overflow", command.call_id, to=command.to_queue,
                           reason=command.reason)
            case acd_cmd.PlayAnnouncement():
                call = self.calls.get(command.call_id)
                if call is not None and call.phase == "queued" and call.waiting is not None:
                    self._note("announcement", call.call_id, position=command.position,
                               wait_s=command.estimated_wait_s)
                    self._feed_waiting(call, Announce(command.position,
                                                      command.estimated_wait_s), now)
            case acd_cmd.OfferCall() | acd_cmd.CancelOffer():
                log.warning("call=%s event=%s agent=%s: agents are not connected to the "
                            "telephony yet", command.call_id, type(command).__name__,
                            command.agent_id)

    def _fallback(self, call_id: str, action: str, reason: str, now: float) -> None:
        call = self.calls.get(call_id)
        self._note("fallback", call_id, action=action, reason=reason)
        if call is None or call.phase in ("ending", "gone"):
            return
        frames = self.prompts.get(action)
        leg = call.leg
        if frames is None or leg is None or leg.closed or not call.answered:
            self._hang_up(call, now, f"fallback:{action}")
            return
        call.phase = "fallback"

        def played(completed: bool) -> None:
            if completed and call.phase == "fallback":
                self._hang_up(call, self.clock.now(), f"fallback:{action}")

        self.media.play(leg, frames, on_done=played)

    # ------------------------------------------------------------------ shutdown

    def hang_up_all(self) -> None:
        """End every call now (shutdown after the grace period)."""
        now = self.clock.now()
        for call in list(self.calls.values()):
            if call.phase == "ivr" and call.session is not None:
                # closes the session's account of the call (it has no "engine stopped")
                self._feed(call, CallerHungUp(), now)
            elif call.phase in ("queued", "connected"):
                self.submit(acd_ev.CallerHungUp(call.call_id))
                if call.phase == "connected" and self.agents is not None:
                    self.agents.caller_left(call.call_id)
            if call.answered:
                self._hang_up(call, now, "shutdown")
            else:
                self.endpoint.reject(call.call_id, 503, now, retry_after=self.retry_after_s)
                self._drop(call)
        self.flush()

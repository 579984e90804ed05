"""Agents' phones in ``accueil serve``: the ACD's offers become outgoing SIP legs.

:class:`Agents` carries out :class:`~acd.commands.OfferCall` (open a media leg, INVITE the
agent's phone with our SDP offer) and :class:`~acd.commands.CancelOffer` (CANCEL it), and
turns the endpoint's agent-leg events back into ACD events:

* ``AgentLegAnswered``: the answer SDP is accepted, the agent's media leg configured, the
  caller's music stopped and the two legs bridged (:class:`live.bridge.Bridge`), then
  ``AgentAnswered``;
* ``AgentLegFailed`` (not caused by us): ``OfferFailed`` with ``busy`` (486, 600),
  ``declined`` (603), ``no_answer`` (408, 480, 487) or ``error``;
* ``AgentLegHungUp`` by the agent: ``AgentHungUp``, and the caller is hung up;
* ``AgentLegReferred`` (the agent's phone transferred the call, REFER accepted with 202): the
  call ends with the agent (``AgentHungUp``: wrap-up) and the bridge stops.  A Refer-To
  whose user part names a queue (``sip:sales@...``) puts the caller back in line there with
  its priority and original wait start (:meth:`live.serve_calls.Calls.requeue`); any other
  target is handed to the caller's trunk by REFER on the caller's leg
  (:meth:`live.serve_calls.Calls.transfer`; a bare number when the URI is ours).  The
  phone hears how it went by NOTIFY (100, then 200 or an error) and its leg is BYE'd
  :data:`TRANSFER_BYE_AFTER_S` after the final NOTIFY unless it hangs up first.  One
  ``agent_transfer`` line is logged per transfer;
* ``AgentLegReoffered`` (hold, resume, codec change from the agent's phone): answered like
  the caller's re-offers (:func:`sip.sdp.answer`, :func:`sip.sdp.revise`), the agent's media
  leg re-pointed, the bridge kept; an offerless re-INVITE gets our current SDP (the phone's
  answer in its ACK is not read); unusable SDP gets 488 and the call goes on.

Agents are reached at a fixed ``uri`` (logged in when the engine starts) or at the Contact
they REGISTERed (``AgentRegistered`` logs them in, the last binding's end logs them out);
over UDP the INVITE follows the Contact, unless the phone is behind a NAT (its Contact a
private address other than the REGISTER's public source: :func:`behind_nat`), then it goes
to the REGISTER's source; over TCP it goes back on the REGISTER's connection. Media needs
nothing more: RTP latches to where the phone's packets come from.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from acd import commands as acd_cmd
from acd import events as acd_ev
from live.bridge import Bridge, PacketCounters
from live.config import AgentLine
from live.media import Leg, MediaError
from live.serve_call import call_log
from sip import events as sip_ev
from sip.errors import SipError
from sip.sdp import Origin, SdpError, SessionDescription, accept_answer, answer, revise
from sip.sdp import offer as sdp_offer
from sip.uri import SipUri, TelUri, parse_uri

if TYPE_CHECKING:
    from live.serve_call import Call
    from live.serve_callbacks import Callbacks
    from live.serve_calls import Calls

__all__ = ["TRANSFER_BYE_AFTER_S", "AgentEvent", "Agents", "Offer"]

log = logging.getLogger("accueil.agents")

AgentEvent = (sip_ev.AgentLegRinging | sip_ev.AgentLegAnswered | sip_ev.AgentLegFailed
              | sip_ev.AgentLegHungUp | sip_ev.AgentLegReferred | sip_ev.AgentLegReoffered
              | sip_ev.AgentRegistered | sip_ev.AgentUnregistered)
"""The endpoint events :meth:`Agents.on_event` takes."""

_USER = re.compile(r"[A-Za-z0-9_.+-]{1,64}")
_NUMBER = re.compile(r"\+?[0-9*#]{1,32}")

#: After the final NOTIFY of a transfer, how long the agent's phone has to hang up before
#: we end its leg ourselves.
TRANSFER_BYE_AFTER_S = 4.0

#: How long an agent's transfer to an outside number may wait for the trunk's verdict.
TRANSFER_NOTIFY_TIMEOUT_S = 32.0


def behind_nat(contact: str, source: tuple[str, int]) -> bool:
    """Whether a phone's Contact cannot be reached as written: a private, loopback-less or
    link-local address, or any literal address other than the one its REGISTER came from
    while that one is public (a NAT rewrote it). Then INVITEs go to the REGISTER's source,
    which the phone's NAT keeps open between its re-REGISTERs."""
    host = _contact_host(contact)
    try:
        written = ipaddress.ip_address(host)
        seen = ipaddress.ip_address(source[0])
    except ValueError:
        return False  # a host name: trust it
    if written == seen:
        return False
    return (written.is_private or written.is_link_local) and not seen.is_loopback


def _contact_host(contact: str) -> str:
    """``sip:alice@10.0.0.5:5060;transport=udp`` -> ``10.0.0.5`` (IPv6 brackets removed)."""
    rest = contact.split(":", 1)[-1].split(";", 1)[0]
    rest = rest.rsplit("@", 1)[-1]
    if rest.startswith("["):
        return rest[1:].split("]", 1)[0]
    return rest.split(":", 1)[0]


def failure_reason(status: int) -> str:
    """The ACD's ``OfferFailed`` reason for a final status of the agent's INVITE."""
    if status in (486, 600):
        return "busy"
    if status == 603:
        return "declined"
    if status in (408, 480, 487):
        return "no_answer"
    return "error"


@dataclass(eq=False, slots=True)
class Offer:
    """One call offered to one agent: the outgoing leg, its media, then the bridge."""

    call_id: str
    agent_id: str
    state: str = "opening"
    """``opening`` (media port), ``calling``, ``connected``, ``cancelled``, ``ended``,
    ``transferred`` (the agent's phone sent REFER; its leg lingers for the NOTIFYs)."""
    leg_id: str | None = None
    media: Leg | None = None
    local_sdp: SessionDescription | None = None
    bridge: Bridge | None = None
    queue: str = ""
    """The queue the ACD offered the call from."""


class Agents:
    """The agents' side of every call; see the module docstring."""

    def __init__(self, calls: Calls, lines: tuple[AgentLine, ...],
                 known: tuple[str, ...] = ()) -> None:
        self.calls = calls
        self.fixed = {line.agent_id: line.uri for line in lines if line.uri is not None}
        self.known = set(known) | {line.agent_id for line in lines}
        self.bindings: dict[str, sip_ev.AgentRegistered] = {}
        """Registered agents: agent id -> the last binding."""
        self.offers: dict[str, Offer] = {}
        """Offers in progress or connected calls, by Call-ID."""
        self.by_leg: dict[str, Offer] = {}
        self.finished: dict[str, PacketCounters] = {}
        """Packet counters of the bridged calls that ended, by Call-ID."""
        self.on_bridged: Callable[[str, str, Bridge], None] | None = None
        """Told ``(call_id, queue, bridge)`` of each bridge started (:mod:`live.listen`)."""
        self.callbacks: Callbacks | None = None
        """Callback offers go there (:mod:`live.serve_callbacks`)."""
        self.leg_owners: dict[str, Callable[[AgentEvent], None]] = {}
        """Other outgoing legs (a supervisor listening...): leg id -> who takes its events."""
        self.queues: frozenset[str] = frozenset()
        """ACD queues an agent may transfer to (``sip:<queue>@...``); empty: those the IVR
        routes to or has waiting settings for."""
        self.outward: dict[str, str] = {}
        """Calls an agent transferred outside, REFER pending on the caller's leg: Call-ID ->
        the agent's leg, which hears the trunk's progress."""
        self._session_id = secrets.randbelow(2**40)

    def start(self) -> None:
        """Log in the agents with a fixed URI."""
        for agent_id in self.fixed:
            self.calls.submit(acd_ev.AgentLoggedIn(agent_id))

    def packet_counters(self, call_id: str) -> PacketCounters | None:
        """The bridged call's counters (live, else as it ended); ``None`` if never bridged."""
        offer = self.offers.get(call_id)
        if offer is not None and offer.bridge is not None:
            return offer.bridge.counters()
        return self.finished.get(call_id)

    # ------------------------------------------------------------- the ACD's commands

    def offer(self, command: acd_cmd.OfferCall) -> None:
        """Ring the agent: a media port, then the INVITE (see :meth:`_dial`)."""
        if command.callback and self.callbacks is not None:
            self.callbacks.offer(command)  # nobody on the line: agent first, then the caller
            return
        call = self.calls.calls.get(command.call_id)
        target = self._target(command.agent_id)
        call_log("offer", command.call_id, agent=command.agent_id, target=target or "-")
        if call is None or call.phase != "queued" or target is None:
            self.calls.submit(acd_ev.OfferFailed(command.call_id, command.agent_id, "error"))
            return
        offer = Offer(command.call_id, command.agent_id, queue=command.queue)
        self.offers[command.call_id] = offer
        self.calls.spawn(self._dial(offer, call))

    def cancel(self, command: acd_cmd.CancelOffer) -> None:
        """Stop ringing the agent (ring timeout, caller gone, agent logged out)."""
        if self.callbacks is not None and self.callbacks.cancel(command):
            return
        offer = self.offers.get(command.call_id)
        call_log("offer_cancelled", command.call_id, agent=command.agent_id,
                 reason=command.reason)
        if offer is None or offer.agent_id != command.agent_id or offer.state == "connected":
            return
        offer.state = "cancelled"
        if offer.leg_id is not None:
            self.calls.endpoint.cancel(offer.leg_id, self.calls.clock.now())
            self.calls.flush()
        self._forget(offer)

    async def _dial(self, offer: Offer, call: Call) -> None:
        try:
            leg = await self.calls.media.open_leg(name=f"{offer.call_id}/agent")
        except (OSError, MediaError) as exc:
            log.error("call=%s event=no_media_for_agent reason=%r", offer.call_id, str(exc))
            self._failed(offer, "error")
            return
        offer.media = leg
        if offer.state != "opening" or call.phase != "queued":
            self._failed(offer, "error")
            return
        target = self._target(offer.agent_id)
        if target is None:  # unregistered while the port was being bound
            self._failed(offer, "error")
            return
        offer.local_sdp = self.offer_sdp(leg)
        leg_id = self.invite(offer.agent_id, offer.local_sdp.to_bytes(), call.caller)
        assert leg_id is not None  # the target was just checked
        offer.leg_id = leg_id
        offer.state = "calling"
        self.by_leg[offer.leg_id] = offer
        self.calls.flush()

    def _failed(self, offer: Offer, reason: str) -> None:
        """The offer cannot go on: tell the ACD (unless it cancelled it) and forget it."""
        if offer.state != "cancelled":
            self.calls.submit(acd_ev.OfferFailed(offer.call_id, offer.agent_id, reason))
        offer.state = "ended"
        self._forget(offer)

    def _forget(self, offer: Offer) -> None:
        if offer.bridge is not None and offer.bridge.active:
            offer.bridge.stop()
            counters = self.finished[offer.call_id] = offer.bridge.counters()
            call_log("bridge_ended", offer.call_id, agent=offer.agent_id, **asdict(counters))
        if offer.media is not None:
            self.calls.media.close_leg(offer.media)
        if self.offers.get(offer.call_id) is offer:
            del self.offers[offer.call_id]

    def offer_sdp(self, leg: Leg) -> SessionDescription:
        """Our SDP offer for an outgoing leg (agent, callback, supervisor) on ``leg``."""
        self._session_id += 1
        address = self.calls.media_address
        return sdp_offer(address, leg.port, Origin("accueil", str(self._session_id), 1, address))

    def invite(self, agent_id: str, sdp: bytes, from_user: str) -> str | None:
        """INVITE the agent's phone with our SDP offer; the leg id (``None``: no phone)."""
        target = self._target(agent_id)
        if target is None:
            return None
        binding = self.bindings.get(agent_id)
        caller = from_user if _USER.fullmatch(from_user) else "accueil"
        now = self.calls.clock.now()
        if binding is not None and agent_id not in self.fixed:
            if binding.transport == "tcp":  # back on the connection the REGISTER came on
                return self.calls.endpoint.invite(target, sdp, now, from_user=caller,
                                                  destination=binding.source, transport="tcp",
                                                  conn=binding.conn)
            if behind_nat(binding.contact, binding.source):  # where the REGISTER came from
                return self.calls.endpoint.invite(target, sdp, now, from_user=caller,
                                                  destination=binding.source)
        return self.calls.endpoint.invite(target, sdp, now, from_user=caller)

    def target(self, agent_id: str) -> str | None:
        """Where the agent's phone is reached (fixed URI or registered Contact), if any."""
        return self._target(agent_id)

    def _target(self, agent_id: str) -> str | None:
        binding = self.bindings.get(agent_id)
        return self.fixed.get(agent_id) or (binding.contact if binding is not None else None)

    # ------------------------------------------------------------ the endpoint's events

    def on_event(self, event: AgentEvent) -> None:
        """One agent-leg or registration event from the endpoint."""
        owner = self.leg_owners.get(getattr(event, "leg_id", ""))
        if owner is not None:  # not an agent's leg
            if isinstance(event, sip_ev.AgentLegReferred | sip_ev.AgentLegReoffered):
                self._not_on_owned_legs(event)
                return
            owner(event)
            return
        match event:
            case sip_ev.AgentLegRinging(leg_id=leg_id):
                offer = self.by_leg.get(leg_id)
                if offer is not None:
                    call_log("agent_ringing", offer.call_id, agent=offer.agent_id)
            case sip_ev.AgentLegAnswered():
                self._answered(event)
            case sip_ev.AgentLegFailed():
                self._leg_failed(event)
            case sip_ev.AgentLegHungUp():
                self._leg_hung_up(event)
            case sip_ev.AgentLegReferred():
                self._referred(event)
            case sip_ev.AgentLegReoffered():
                self._reoffered(event)
            case sip_ev.AgentRegistered():
                self._registered(event)
            case sip_ev.AgentUnregistered():
                self._unregistered(event)

    def _answered(self, event: sip_ev.AgentLegAnswered) -> None:
        offer = self.by_leg.get(event.leg_id)
        now = self.calls.clock.now()
        if offer is None or offer.state != "calling" or offer.media is None:
            self.calls.endpoint.hang_up(event.leg_id, now)  # too late: the offer is over
            return
        call = self.calls.calls.get(offer.call_id)
        assert offer.local_sdp is not None
        try:
            negotiated = accept_answer(offer.local_sdp, SessionDescription.parse(event.sdp_answer))
            self.calls.media.configure(offer.media, negotiated)
        except (SdpError, MediaError) as exc:
            call_log("agent_sdp_refused", offer.call_id, agent=offer.agent_id, reason=str(exc))
            self.calls.endpoint.hang_up(event.leg_id, now)
            self._failed(offer, "error")
            return
        if call is None or call.phase != "queued" or call.leg is None or call.leg.closed:
            self.calls.endpoint.hang_up(event.leg_id, now)
            offer.state = "cancelled"  # the ACD already knows the caller left
            self._forget(offer)
            return
        offer.state, call.phase = "connected", "connected"
        self.calls.stop_waiting(call)
        offer.bridge = Bridge(self.calls.media, call.leg, offer.media)
        offer.bridge.start()
        call_log("connected", offer.call_id, agent=offer.agent_id, codec=negotiated.codec,
                 caller_codec=call.leg.codec)
        if self.on_bridged is not None:
            self.on_bridged(offer.call_id, offer.queue or call.queue or "", offer.bridge)
        self.calls.submit(acd_ev.AgentAnswered(offer.call_id, offer.agent_id))

    def _leg_failed(self, event: sip_ev.AgentLegFailed) -> None:
        offer = self.by_leg.pop(event.leg_id, None)
        if offer is None:
            return
        reason = failure_reason(event.status)
        call_log("agent_failed", offer.call_id, agent=offer.agent_id, status=event.status,
                 reason=reason, cancelled=event.cancelled)
        if event.cancelled:
            offer.state = "cancelled" if offer.state != "ended" else offer.state
        if offer.state == "calling":
            self._failed(offer, reason)
        else:
            self._forget(offer)

    def _leg_hung_up(self, event: sip_ev.AgentLegHungUp) -> None:
        offer = self.by_leg.pop(event.leg_id, None)
        if offer is None:
            return
        connected = offer.state == "connected"
        offer.state = "ended"
        call_log("agent_hung_up" if event.by_agent else "agent_leg_ended", offer.call_id,
                 agent=offer.agent_id)
        self._forget(offer)
        if event.by_agent and connected:
            self.calls.submit(acd_ev.AgentHungUp(offer.call_id))
            call = self.calls.calls.get(offer.call_id)
            if call is not None:
                self.calls.hang_up_call(call, "agent_hung_up")

    # ------------------------------------------------------- transfers and re-offers

    def _referred(self, event: sip_ev.AgentLegReferred) -> None:
        """The agent's phone transferred its call (blind, REFER accepted with 202)."""
        offer = self.by_leg.get(event.leg_id)
        endpoint, now = self.calls.endpoint, self.calls.clock.now()
        call = self.calls.calls.get(offer.call_id) if offer is not None else None
        if offer is None or call is None or offer.state != "connected" \
                or call.phase != "connected":
            call_log("agent_transfer", offer.call_id if offer else "-", leg=event.leg_id,
                     to=event.refer_to, outcome="refused", reason="not_connected")
            endpoint.notify_refer(event.leg_id, 403, now)
            self._bye_later(event.leg_id)
            self.calls.flush()
            return
        queue, target = self._destination(event.refer_to)
        if queue is None and target is None:
            call_log("agent_transfer", offer.call_id, agent=offer.agent_id, to=event.refer_to,
                     outcome="refused", reason="unknown_target")
            endpoint.notify_refer(event.leg_id, 404, now)  # the call goes on as it was
            self.calls.flush()
            return
        endpoint.notify_refer(event.leg_id, 100, now)
        offer.state = "transferred"  # its leg stays in by_leg for the NOTIFYs and its BYE
        self._forget(offer)
        self.calls.submit(acd_ev.AgentHungUp(offer.call_id))  # the agent goes to wrap-up
        if queue is not None:
            done = self.calls.requeue(call, queue)
            call_log("agent_transfer", offer.call_id, agent=offer.agent_id, to=queue,
                     kind="queue", outcome="queued" if done else "refused")
            endpoint.notify_refer(event.leg_id, 200 if done else 503, self.calls.clock.now())
            self._bye_later(event.leg_id)
        else:
            assert target is not None
            call_log("agent_transfer", offer.call_id, agent=offer.agent_id, to=target,
                     kind="external", outcome="referred")
            self.outward[offer.call_id] = event.leg_id
            if not self.calls.transfer(call, target):
                self.caller_transfer_progress(sip_ev.ReferProgress(offer.call_id, 503, True))
            else:
                self.calls.clock.call_at(now + TRANSFER_NOTIFY_TIMEOUT_S,
                                         lambda: self._outward_timeout(offer.call_id))
        self.calls.flush()

    def _not_on_owned_legs(
        self, event: sip_ev.AgentLegReferred | sip_ev.AgentLegReoffered
    ) -> None:
        """Callback and listening legs (:attr:`leg_owners`) neither transfer nor re-offer
        yet: the transfer is declined by NOTIFY, the re-INVITE answered 488 (the call goes
        on)."""
        now = self.calls.clock.now()
        log.info("event=agent_request_unsupported leg=%s request=%s", event.leg_id,
                 type(event).__name__)
        if isinstance(event, sip_ev.AgentLegReferred):
            self.calls.endpoint.notify_refer(event.leg_id, 603, now)
        else:
            self.calls.endpoint.reject_agent_reoffer(event.leg_id, 488, now)
        self.calls.flush()

    def _destination(self, refer_to: str) -> tuple[str | None, str | None]:
        """``(queue, None)`` for a queue of ours, ``(None, target)`` for the caller's trunk
        (a bare number when the URI is at our address), ``(None, None)`` if unusable."""
        try:
            uri = parse_uri(refer_to)
        except SipError:
            return None, None
        if isinstance(uri, TelUri):
            return None, refer_to
        if not isinstance(uri, SipUri) or not uri.user:
            return None, None
        if uri.user in self._queue_names():
            return uri.user, None
        ours = uri.host == self.calls.endpoint.config.host
        if ours:
            return (None, uri.user) if _NUMBER.fullmatch(uri.user) else (None, None)
        return None, refer_to

    def _queue_names(self) -> frozenset[str]:
        if self.queues:
            return self.queues
        tree = self.calls.ivr.tree
        return tree.queues() | frozenset(tree.waiting)

    def caller_transfer_progress(self, event: sip_ev.ReferProgress) -> None:
        """News of a caller's transfer: relayed to the agent's phone that asked for it."""
        leg_id = self.outward.get(event.call_id)
        if leg_id is None:
            return
        final = event.final or event.status_code >= 200
        if final:
            del self.outward[event.call_id]
            call_log("agent_transfer_done", event.call_id, leg=leg_id, status=event.status_code)
        self.calls.endpoint.notify_refer(leg_id, event.status_code, self.calls.clock.now(),
                                         final=final)
        if final:
            self._bye_later(leg_id)
        self.calls.flush()

    def _outward_timeout(self, call_id: str) -> None:
        if call_id in self.outward:
            self.caller_transfer_progress(sip_ev.ReferProgress(call_id, 408, True))

    def _bye_later(self, leg_id: str) -> None:
        """End a transferred agent's leg soon, unless its phone hangs up first."""
        def bye() -> None:
            if self.calls.endpoint.leg_state(leg_id) == "answered":
                self.calls.endpoint.hang_up(leg_id, self.calls.clock.now())
                self.calls.flush()

        self.calls.clock.call_at(self.calls.clock.now() + TRANSFER_BYE_AFTER_S, bye)

    def _reoffered(self, event: sip_ev.AgentLegReoffered) -> None:
        """The agent's phone re-INVITEd (hold, resume, codec): answer, re-point its media."""
        offer = self.by_leg.get(event.leg_id)
        endpoint, now = self.calls.endpoint, self.calls.clock.now()
        media, local = (offer.media, offer.local_sdp) if offer is not None else (None, None)
        if offer is None or offer.state != "connected" or media is None or local is None:
            endpoint.reject_agent_reoffer(event.leg_id, 488, now)
        elif not event.sdp_offer:  # offerless: our current SDP is the offer
            endpoint.answer_agent_reoffer(event.leg_id, local.to_bytes(), now)
        else:
            try:
                remote = SessionDescription.parse(event.sdp_offer)
                ours, negotiated = answer(remote, self.calls.media_address, media.port,
                                          local.origin)
                self.calls.media.configure(media, negotiated)
            except (SdpError, MediaError) as exc:
                call_log("agent_reoffer_refused", offer.call_id, agent=offer.agent_id,
                         reason=str(exc))
                endpoint.reject_agent_reoffer(event.leg_id, 488, now)  # the call goes on
            else:
                offer.local_sdp = revise(local, ours)
                call_log("agent_reoffer", offer.call_id, agent=offer.agent_id,
                         direction=negotiated.direction, codec=negotiated.codec)
                bridge = offer.bridge
                if bridge is not None:  # hold (we may only receive, or nothing): music
                    if negotiated.direction in ("recvonly", "inactive"):
                        bridge.hold(self.calls.prompts.music_on_hold)
                    else:
                        bridge.resume()
                endpoint.answer_agent_reoffer(event.leg_id, offer.local_sdp.to_bytes(), now)
        self.calls.flush()

    def caller_left(self, call_id: str) -> None:
        """The caller of a connected call hung up: BYE to the agent."""
        offer = self.offers.get(call_id)
        if offer is None or offer.state != "connected":
            return
        offer.state = "ending"
        if offer.leg_id is not None:
            self.calls.endpoint.hang_up(offer.leg_id, self.calls.clock.now())
        self._forget(offer)
        self.calls.flush()

    # ------------------------------------------------------------------ registrations

    def _agent_of(self, event: sip_ev.AgentRegistered) -> str | None:
        user = event.user or _user_of(event.aor)
        return user if user in self.known else None

    def _registered(self, event: sip_ev.AgentRegistered) -> None:
        agent_id = self._agent_of(event)
        if agent_id is None:
            log.warning("event=register_unknown_agent aor=%s", event.aor)
            return
        first = agent_id not in self.bindings
        self.bindings[agent_id] = event
        log.info("event=agent_registered agent=%s contact=%s refreshed=%s", agent_id,
                 event.contact, event.refreshed)
        if first and agent_id not in self.fixed:
            self.calls.submit(acd_ev.AgentLoggedIn(agent_id))

    def _unregistered(self, event: sip_ev.AgentUnregistered) -> None:
        agent_id = next((a for a, b in self.bindings.items() if b.aor == event.aor), None)
        if agent_id is None:
            return
        log.info("event=agent_unregistered agent=%s reason=%s remaining=%d", agent_id,
                 event.reason, event.remaining)
        if event.remaining == 0:
            del self.bindings[agent_id]
            if agent_id not in self.fixed:
                self.calls.submit(acd_ev.AgentLoggedOut(agent_id))


def _user_of(aor: str) -> str:
    """``sip:alice@example.com`` -> ``alice``."""
    rest = aor.split(":", 1)[-1]
    return rest.split("@", 1)[0] if "@" in rest else ""

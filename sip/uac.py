"""Outgoing INVITE legs to agents (the B2BUA's second leg), as the UAC core sees them.

:class:`AgentLegs` is the part of :class:`~sip.uas.SipEndpoint` that *calls* an agent:
``invite`` builds and sends the INVITE through a
:class:`~sip.uac_transaction.ClientInviteTransaction`; provisional responses become
:class:`~sip.events.AgentLegRinging`; a 2xx is ACKed by this core (a new transaction,
re-sent for every retransmitted 2xx, §13.2.2.4) and becomes
:class:`~sip.events.AgentLegAnswered`; a 300-699 is ACKed by the transaction and becomes
:class:`~sip.events.AgentLegFailed`, as does Timer B (408).

Leg states and what moves them:

==========  ============================================================================
CALLING     INVITE sent, nothing back but maybe 100.  cancel/hang_up: CANCEL waits for a
            provisional response (§9.1), or for the final one if it comes first
RINGING     a provisional came.  cancel/hang_up: CANCEL now (and give up after 64*T1)
CANCELLING  our CANCEL is sent or pending: a 487 (or any final) ends the leg; a 2xx that
            crossed the CANCEL is ACKed and then BYE'd at once
ANSWERED    2xx ACKed: BYE either way
ENDING      our BYE in flight
ENDED       over
==========  ============================================================================

Every ``invite`` ends with exactly one :class:`~sip.events.AgentLegFailed` (never answered,
``cancelled`` when we gave up) or :class:`~sip.events.AgentLegHungUp` (after
:class:`~sip.events.AgentLegAnswered`).

Requests from the agent's phone inside an answered leg's dialog: BYE ends the leg; OPTIONS
and INFO get 200; REFER (a blind transfer, RFC 3515) gets 202 and becomes
:class:`~sip.events.AgentLegReferred` -- the application then reports progress with
:meth:`AgentLegs.notify_refer` (in-dialog NOTIFYs, ``Event: refer;id=<REFER CSeq>``, a
``message/sipfrag`` body, each its own non-INVITE client transaction, retransmitted like the
BYE); a REFER without exactly one Refer-To gets 400, one naming a scheme other than
sip/sips/tel or asking for an attended transfer (``Replaces``) 488, one while our BYE is in
flight 481, one while another transfer is still being reported 403.  A re-INVITE gets 100
and becomes :class:`~sip.events.AgentLegReoffered` (415/406 for a body we cannot read, 500
with Retry-After while one is pending, 491 while our last 2xx waits for its ACK); the
application answers it with :meth:`AgentLegs.answer_reoffer` (a 2xx re-sent until the
ACK, §13.3.1.4; no ACK within 64*T1: the leg is reported hung up with 408 and BYE'd, §14.2)
or :meth:`AgentLegs.reject_reoffer`.  Anything else gets 405.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Protocol

from sip.dialog import Dialog, DialogError
from sip.events import (
    Address,
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegHungUp,
    AgentLegReferred,
    AgentLegReoffered,
    AgentLegRinging,
    SipEvent,
    Transport,
)
from sip.message import Request, Response
from sip.responses import ACCEPT_ANY, contact_value, hostport
from sip.routing import Peer, is_ip, request_peer
from sip.timers import Timed
from sip.transaction import ClientNonInviteTransaction, StateError, TxKey, TxState, client_key
from sip.uac_messages import (
    RetransmittedOk,
    build_invite,
    cancel_request,
    notify_fields,
    refer_problem,
    uac_dialog,
)
from sip.uac_transaction import ClientInviteTransaction
from sip.uas_dialogs import invite_problem, invite_sdp
from sip.uri import SipUri, parse_uri

if TYPE_CHECKING:
    from sip.call import ServerRequest
    from sip.config import EndpointConfig
    from sip.ids import IdGenerator

__all__ = ["AgentLegs", "Leg", "LegHost", "LegState"]


class LegState(enum.Enum):
    """See the module docstring."""

    CALLING = "calling"
    RINGING = "ringing"
    CANCELLING = "cancelling"
    ANSWERED = "answered"
    ENDING = "ending"
    ENDED = "ended"


_LIVE_EARLY = (LegState.CALLING, LegState.RINGING)
_Txn = ClientInviteTransaction | ClientNonInviteTransaction


class LegHost(Protocol):
    """What the legs need from their endpoint."""

    config: EndpointConfig
    ids: IdGenerator

    def send(self, peer: Peer, data: bytes) -> None:
        """Queue bytes for the driver."""

    def emit(self, event: SipEvent) -> None:
        """Queue an event for the application."""

    def schedule(self, owner: Timed) -> None:
        """(Re)schedule ``owner``'s timers."""

    def reply(
        self,
        sr: ServerRequest,
        status: int,
        now: float,
        *,
        to_tag: str | None = None,
        contact: bool = False,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
    ) -> None:
        """Answer ``sr`` through its transaction."""


class Leg:
    """One outgoing INVITE and the dialog it may create."""

    __slots__ = (
        "ack",
        "bye_txn",
        "cancel_sent",
        "cancel_wanted",
        "dialog",
        "give_up",
        "invite",
        "leg_id",
        "ok",
        "peer",
        "pinned",
        "provisional",
        "reoffer",
        "reported",
        "state",
        "subscription",
        "txn",
    )

    def __init__(
        self, leg_id: str, invite: Request, txn: ClientInviteTransaction, peer: Peer, pinned: bool
    ) -> None:
        self.leg_id = leg_id
        self.invite = invite
        self.txn = txn
        self.peer = peer
        self.pinned = pinned
        self.state = LegState.CALLING
        self.dialog: Dialog | None = None
        self.ack: tuple[bytes, Peer] | None = None
        self.bye_txn: ClientNonInviteTransaction | None = None
        self.cancel_wanted = False
        self.cancel_sent = False
        self.provisional = False
        self.reported = False
        self.give_up: float | None = None
        self.reoffer: ServerRequest | None = None
        """The agent's re-INVITE waiting for the application's answer."""
        self.ok: RetransmittedOk | None = None
        """Our 2xx to the agent's re-INVITE, re-sent until its ACK."""
        self.subscription: int | None = None
        """The CSeq of the REFER whose implicit subscription is active (its NOTIFY ``id``)."""

    @property
    def call_id(self) -> str:
        """The leg's Call-ID."""
        return self.invite.call_id

    def next_deadline(self) -> float | None:
        """The give-up time after our CANCEL (64*T1), or the re-INVITE 2xx's next resend."""
        ok = self.ok
        if ok is None:
            return self.give_up
        due = min(ok.next_send, ok.give_up)
        return due if self.give_up is None else min(due, self.give_up)


class AgentLegs:
    """Every outgoing leg of an endpoint, and their client transactions."""

    __slots__ = ("_by_call", "_legs", "_txns", "host")

    def __init__(self, host: LegHost) -> None:
        self.host = host
        self._legs: dict[str, Leg] = {}
        self._by_call: dict[str, Leg] = {}
        self._txns: dict[TxKey, tuple[_Txn, Leg]] = {}

    # -- the application's side -----------------------------------------------------------

    def invite(
        self,
        target_uri: str,
        sdp: bytes,
        now: float,
        *,
        from_user: str,
        leg_id: str | None = None,
        destination: Address | None = None,
        transport: Transport = "udp",
        conn: int | None = None,
    ) -> str:
        """Send an INVITE with the SDP offer ``sdp`` to ``target_uri``; return the leg id.

        ``destination`` overrides where the INVITE (and the whole dialog) goes: the source
        a REGISTER came from, for a phone behind NAT.  Without it the target must hold an
        IP literal (the core does no DNS).  ``conn``: the TCP connection to use (None: the
        driver opens one to the destination).  Raises ValueError for an unusable target.
        """
        target = parse_uri(target_uri)
        if destination is None:
            host = target.maddr or target.host if isinstance(target, SipUri) else ""
            if not is_ip(host):
                raise ValueError(f"no IP address to send to in {target_uri!r}: give destination")
            peer = request_peer(target, Peer(("0.0.0.0", 0), transport, conn))
        else:
            peer = Peer(destination, transport, conn)
        ids, cfg = self.host.ids, self.host.config
        call_id = f"{ids.tag()}{ids.tag()}@{hostport(cfg.host, cfg.port)}"
        leg_id = call_id if leg_id is None else leg_id
        if leg_id in self._legs:
            raise StateError(f"leg {leg_id} already exists")
        invite = build_invite(cfg, ids, str(target), sdp, from_user, call_id, transport)
        key = client_key(invite.top_via.branch or "", "INVITE")
        txn = ClientInviteTransaction(
            key, invite, cfg.timers, now, reliable=transport == "tcp"
        )
        leg = Leg(leg_id, invite, txn, peer, destination is not None)
        self._legs[leg_id] = self._by_call[call_id] = leg
        self._txns[key] = (txn, leg)
        self.host.send(peer, txn.data)
        self.host.schedule(txn)
        return leg_id

    def hang_up(self, leg_id: str, now: float) -> bool:
        """End the leg: CANCEL before the answer, BYE after.  False if unknown or ending."""
        leg = self._legs.get(leg_id)
        if leg is None or leg.state in (LegState.ENDING, LegState.ENDED):
            return False
        if leg.state is LegState.ANSWERED:
            self._send_bye(leg, now)
        elif leg.state is not LegState.CANCELLING:
            leg.state = LegState.CANCELLING
            leg.cancel_wanted = True
            if leg.provisional:
                self._send_cancel(leg, now)
        return True

    def has(self, leg_id: str) -> bool:
        """True while the leg is known."""
        return leg_id in self._legs

    def state(self, leg_id: str) -> str | None:
        """The leg's state name, or None once forgotten."""
        leg = self._legs.get(leg_id)
        return None if leg is None else leg.state.value

    def __len__(self) -> int:
        return len(self._legs)

    def notify_refer(
        self, leg_id: str, status: int, now: float, *, reason: str | None = None,
        final: bool | None = None,
    ) -> bool:
        """NOTIFY the agent's phone how its transfer goes: ``SIP/2.0 <status> <reason>``.

        ``final`` (default: ``status >= 200``) terminates the subscription
        (``Subscription-State: terminated;reason=noresource``); later calls then return
        False, as they do for an unknown, ending or never-referred leg.
        """
        if not 100 <= status <= 699:
            raise ValueError(f"a sipfrag status is 100-699, got {status}")
        leg = self._legs.get(leg_id)
        if leg is None or leg.state is not LegState.ANSWERED or leg.subscription is None:
            return False
        dialog = leg.dialog
        assert dialog is not None
        done = status >= 200 if final is None else final
        headers, body = notify_fields(leg.subscription, status, reason, done)
        if done:
            leg.subscription = None
        request = self._dialog_request(leg, dialog, "NOTIFY", headers, body)
        self._start(leg, request, self._in_dialog_peer(leg, dialog), now)
        return True

    def answer_reoffer(self, leg_id: str, sdp: bytes, now: float) -> bool:
        """200 OK with ``sdp`` to the agent's pending re-INVITE, re-sent until its ACK.

        False if none is pending (cancelled, or the leg ended meanwhile)."""
        leg, sr = self._pending_reoffer(leg_id)
        if leg is None or sr is None:
            return False
        self.host.reply(sr, 200, now, contact=True, body=sdp)
        data = sr.txn.last_response
        assert data is not None
        t = self.host.config.timers
        leg.ok = RetransmittedOk(data, sr.request.cseq.number, sr.peer, t.t1, now + t.t1,
                                 now + t.timeout)
        self.host.schedule(leg)
        return True

    def reject_reoffer(self, leg_id: str, status: int, now: float) -> bool:
        """A 300-699 to the agent's pending re-INVITE; the leg goes on as before."""
        if not 300 <= status <= 699:
            raise ValueError(f"reject needs a 300-699 status, got {status}")
        sr = self._pending_reoffer(leg_id)[1]
        if sr is None:
            return False
        self.host.reply(sr, status, now)
        return True

    def _pending_reoffer(self, leg_id: str) -> tuple[Leg | None, ServerRequest | None]:
        leg = self._legs.get(leg_id)
        if leg is None or leg.reoffer is None:
            return leg, None
        sr, leg.reoffer = leg.reoffer, None
        if leg.state is not LegState.ANSWERED or sr.txn.state is not TxState.PROCEEDING:
            return leg, None  # CANCELled by the phone, or the leg is ending
        return leg, sr

    # -- requests we send -----------------------------------------------------------------

    def _in_dialog_peer(self, leg: Leg, dialog: Dialog) -> Peer:
        if leg.pinned:
            return leg.peer
        return request_peer(dialog.next_hop(), leg.peer, symmetric=self.host.config.symmetric)

    def _dialog_request(
        self, leg: Leg, dialog: Dialog, method: str,
        extra: tuple[tuple[str, str], ...] = (), body: bytes = b"",
    ) -> Request:
        cfg = self.host.config
        transport = leg.peer.transport
        via = f"SIP/2.0/{transport.upper()} {hostport(cfg.host, cfg.port)}"
        via += f";branch={self.host.ids.branch()};rport"
        headers = extra + ((("User-Agent", cfg.user_agent),) if cfg.user_agent else ())
        contact = contact_value(cfg.host, cfg.port, transport)
        return dialog.create_request(method, via, contact, headers=headers, body=body)

    def _send_cancel(self, leg: Leg, now: float) -> None:
        if leg.cancel_sent:
            return
        leg.cancel_sent = True
        self._start(leg, cancel_request(leg.invite), leg.peer, now)
        leg.give_up = now + self.host.config.timers.timeout
        self.host.schedule(leg)

    def _send_bye(self, leg: Leg, now: float) -> None:
        dialog = leg.dialog
        assert dialog is not None
        leg.state = LegState.ENDING
        self._drop_reoffer(leg, now)
        bye = self._dialog_request(leg, dialog, "BYE")
        leg.bye_txn = self._start(leg, bye, self._in_dialog_peer(leg, dialog), now)

    def _start(
        self, leg: Leg, request: Request, peer: Peer, now: float
    ) -> ClientNonInviteTransaction:
        data = request.serialize()
        key = client_key(request.top_via.branch or "", request.method)
        txn = ClientNonInviteTransaction(
            key, request.method, data, self.host.config.timers, now,
            reliable=peer.transport == "tcp",
        )
        self._txns[key] = (txn, leg)
        self.host.send(peer, data)
        self.host.schedule(txn)
        return txn

    # -- the network ----------------------------------------------------------------------

    def on_response(self, response: Response, key: TxKey, now: float) -> bool:
        """A response the UAS side did not claim; True if it was one of ours."""
        entry = self._txns.get(key)
        if entry is None:
            return self._stray_2xx(response)
        txn, leg = entry
        if isinstance(txn, ClientInviteTransaction):
            got = txn.receive(response, now)
            if got.send is not None:
                self.host.send(leg.peer, got.send)
            if got.to_tu:
                self._invite_response(leg, response, now)
        elif txn.receive(response, now) and response.status >= 200 and txn is leg.bye_txn:
            self._bye_done(leg, response.status)
        self._settle(txn)
        return True

    def _stray_2xx(self, response: Response) -> bool:
        # A 2xx retransmitted after the INVITE transaction ended: ACK it again.
        leg = self._by_call.get(response.call_id)
        if leg is None or not 200 <= response.status < 300 or response.cseq.method != "INVITE":
            return False
        dialog = leg.dialog
        if leg.ack is not None and dialog is not None and response.to.tag == dialog.remote_tag:
            self.host.send(leg.ack[1], leg.ack[0])
        return True

    def _invite_response(self, leg: Leg, response: Response, now: float) -> None:
        status = response.status
        if status < 200:
            leg.provisional = True
            if leg.cancel_wanted:
                self._send_cancel(leg, now)
            elif status > 100 and leg.state in _LIVE_EARLY:
                leg.state = LegState.RINGING
                self.host.emit(AgentLegRinging(leg.leg_id, status, response.body))
        elif status < 300:
            self._on_2xx(leg, response, now)
        else:
            leg.give_up = None
            self.host.schedule(leg)
            self._report(leg, AgentLegFailed(leg.leg_id, status, leg.cancel_wanted))
            self._end(leg)

    def _on_2xx(self, leg: Leg, response: Response, now: float) -> None:
        if leg.dialog is not None:
            if leg.ack is not None and response.to.tag == leg.dialog.remote_tag:
                self.host.send(leg.ack[1], leg.ack[0])  # the 2xx again: our ACK was lost
            else:
                self._refuse_fork(leg, response, now)
            return
        if leg.state is LegState.ENDED:  # a 2xx after a 300-699 (another fork)
            self._refuse_fork(leg, response, now)
            return
        dialog = leg.dialog = uac_dialog(leg.invite, response)
        leg.ack = self._send_2xx_ack(leg, dialog)
        leg.give_up = None
        self.host.schedule(leg)
        if leg.cancel_wanted:  # the 2xx crossed our CANCEL: the app no longer wants it
            self._report(leg, AgentLegFailed(leg.leg_id, 487, True))
            self._send_bye(leg, now)
            return
        leg.state = LegState.ANSWERED
        self.host.emit(AgentLegAnswered(leg.leg_id, response.body))

    def _send_2xx_ack(self, leg: Leg, dialog: Dialog) -> tuple[bytes, Peer]:
        # §13.2.2.4: a new transaction, the INVITE's CSeq number, sent by this core.
        ack = self._dialog_request(leg, dialog, "ACK")
        ack.headers.set("CSeq", f"{leg.invite.cseq.number} ACK")
        ack.headers.remove("Contact")
        dialog.local_cseq = leg.invite.cseq.number
        peer = self._in_dialog_peer(leg, dialog)
        data = ack.serialize()
        self.host.send(peer, data)
        return data, peer

    def _refuse_fork(self, leg: Leg, response: Response, now: float) -> None:
        # A 2xx from a second dialog (forking, or a late 2xx after a final response):
        # ACK it and BYE it at once (§13.2.2.4); nothing is reported.
        dialog = uac_dialog(leg.invite, response)
        peer = self._send_2xx_ack(leg, dialog)[1]
        self._start(leg, self._dialog_request(leg, dialog, "BYE"), peer, now)

    def _bye_done(self, leg: Leg, status: int) -> None:
        self._report(leg, AgentLegHungUp(leg.leg_id, False, status))
        self._end(leg)

    def _report(self, leg: Leg, event: SipEvent) -> None:
        if not leg.reported:
            leg.reported = True
            self.host.emit(event)

    def _end(self, leg: Leg) -> None:
        leg.state = LegState.ENDED
        leg.give_up = None
        self.host.schedule(leg)
        if self._legs.get(leg.leg_id) is leg:
            del self._legs[leg.leg_id]
        # _by_call keeps the leg until its INVITE transaction ends, to re-ACK a 2xx.
        if leg.txn.terminated and self._by_call.get(leg.call_id) is leg:
            del self._by_call[leg.call_id]

    def _settle(self, txn: _Txn) -> None:
        if txn.terminated:
            entry = self._txns.pop(txn.key, None)
            if entry is not None and isinstance(txn, ClientInviteTransaction):
                leg = entry[1]
                if leg.state is LegState.ENDED and self._by_call.get(leg.call_id) is leg:
                    del self._by_call[leg.call_id]
        self.host.schedule(txn)

    def dialog_leg(self, request: Request) -> Leg | None:
        """The established leg whose dialog ``request`` (from the agent) belongs to."""
        leg = self._by_call.get(request.call_id)
        if leg is None or leg.dialog is None or leg.state is LegState.ENDED:
            return None
        return leg if leg.dialog.matches(request) else None

    def on_request(self, leg: Leg, sr: ServerRequest, now: float) -> None:
        """A new request from the agent inside the leg's dialog."""
        dialog = leg.dialog
        assert dialog is not None
        try:
            dialog.check_request(sr.request)
        except DialogError as exc:
            self.host.reply(sr, exc.status_hint, now)
            return
        method = sr.request.method
        if method == "BYE":
            self.host.reply(sr, 200, now)
            if leg.state is LegState.ANSWERED:
                self._drop_reoffer(leg, now)
                self._report(leg, AgentLegHungUp(leg.leg_id, True))
                self._end(leg)
        elif method == "OPTIONS":
            self.host.reply(sr, 200, now, contact=True, headers=(("Accept", ACCEPT_ANY),))
        elif method == "INFO":
            self.host.reply(sr, 200, now)
        elif method == "INVITE":
            self._on_reinvite(leg, sr, now)
        elif method == "REFER":
            self._on_refer(leg, sr, now)
        else:
            self.host.reply(sr, 405, now)

    def _on_refer(self, leg: Leg, sr: ServerRequest, now: float) -> None:
        request = sr.request
        if leg.state is not LegState.ANSWERED:
            self.host.reply(sr, 481, now)  # our BYE is in flight: the dialog is going
            return
        problem = refer_problem(request)
        if problem is not None:
            self.host.reply(sr, problem[0], now, headers=problem[1])
            return
        if leg.subscription is not None:  # one transfer at a time: the last is not over
            self.host.reply(sr, 403, now, headers=(("Warning", '399 - "transfer in progress"'),))
            return
        refer_to = request.refer_to
        assert refer_to is not None  # checked by refer_problem
        leg.subscription = request.cseq.number
        self.host.reply(sr, 202, now, contact=True)
        referred_by = request.headers.get("referred-by") or ""
        self.host.emit(AgentLegReferred(leg.leg_id, str(refer_to.uri), referred_by))

    def _on_reinvite(self, leg: Leg, sr: ServerRequest, now: float) -> None:
        self.host.reply(sr, 100, now)
        if leg.state is not LegState.ANSWERED:
            self.host.reply(sr, 481, now)
            return
        if leg.reoffer is not None:  # §14.2: one of theirs is still unanswered
            retry = str(self.host.ids.retry_after())
            self.host.reply(sr, 500, now, headers=(("Retry-After", retry),))
            return
        if leg.ok is not None:
            self.host.reply(sr, 491, now)  # our last 2xx still waits for its ACK
            return
        problem = invite_problem(sr.request, self.host.config.host)
        if problem is not None:
            self.host.reply(sr, problem[0], now, headers=problem[1])
            return
        assert leg.dialog is not None
        leg.dialog.refresh_target(sr.request)
        leg.reoffer = sr
        self.host.emit(AgentLegReoffered(leg.leg_id, invite_sdp(sr.request)))

    def _drop_reoffer(self, leg: Leg, now: float) -> None:
        sr, leg.reoffer = leg.reoffer, None
        leg.ok = None
        if sr is not None and sr.txn.state is TxState.PROCEEDING:
            self.host.reply(sr, 487, now)

    def on_ack(self, ack: Request, now: float) -> bool:
        """An ACK outside any transaction: True if it acknowledged our re-INVITE 2xx."""
        leg = self._by_call.get(ack.call_id)
        if leg is None or leg.dialog is None or not leg.dialog.matches(ack):
            return False
        ok = leg.ok
        if ok is not None and ack.cseq.number == ok.cseq:
            leg.ok = None
            self.host.schedule(leg)
        return True

    # -- timers ---------------------------------------------------------------------------

    def on_timer(self, owner: object, now: float) -> bool:
        """Run ``owner``'s due timers if it is ours; False if it is not."""
        if isinstance(owner, Leg):
            if owner.ok is not None:
                self._resend_ok(owner, owner.ok, now)
            if owner.give_up is not None and now >= owner.give_up:
                # §9.1: no final response 64*T1 after our CANCEL: forget the INVITE too.
                owner.give_up = None
                self._report(owner, AgentLegFailed(owner.leg_id, 408, owner.cancel_wanted))
                self._end(owner)
                self._txns.pop(owner.txn.key, None)
                if self._by_call.get(owner.call_id) is owner:
                    del self._by_call[owner.call_id]
            self.host.schedule(owner)
            return True
        if not isinstance(owner, _Txn):
            return False
        entry = self._txns.get(owner.key)
        if entry is None or entry[0] is not owner:
            return False
        leg = entry[1]
        result = owner.on_timer(now)
        peer = self._txn_peer(leg, owner)
        for data in result.send:
            self.host.send(peer, data)
        if result.timed_out:
            self._timed_out(leg, owner)
        self._settle(owner)
        return True

    def _resend_ok(self, leg: Leg, ok: RetransmittedOk, now: float) -> None:
        if now >= ok.give_up:  # §14.2: the re-INVITE's 2xx was never acknowledged
            leg.ok = None
            if leg.state is LegState.ANSWERED:
                self._report(leg, AgentLegHungUp(leg.leg_id, True, 408))
                self._send_bye(leg, now)
        elif now >= ok.next_send:
            self.host.send(ok.peer, ok.data)
            ok.interval = self.host.config.timers.backoff(ok.interval)
            ok.next_send = now + ok.interval

    def _txn_peer(self, leg: Leg, txn: _Txn) -> Peer:
        in_dialog = txn is leg.bye_txn or (
            isinstance(txn, ClientNonInviteTransaction) and txn.method == "NOTIFY")
        if in_dialog and leg.dialog is not None:
            return self._in_dialog_peer(leg, leg.dialog)
        return leg.peer

    def _timed_out(self, leg: Leg, txn: _Txn) -> None:
        if txn is leg.txn:  # Timer B: the agent's phone never answered
            self._report(leg, AgentLegFailed(leg.leg_id, 408, leg.cancel_wanted))
            self._end(leg)
        elif txn is leg.bye_txn:
            self._bye_done(leg, 408)

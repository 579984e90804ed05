"""One call as the UAS core sees it: the INVITE dialog and what happens inside it.

A :class:`Call` owns its :class:`~sip.dialog.Dialog`, its INVITE server transaction and
the 2xx retransmission of §13.3.1.4 (T1 doubling up to T2, give up after 64*T1 with
:class:`~sip.events.CallAckTimedOut` and a BYE).  It answers the requests the peer sends in
the dialog (BYE, INFO, re-INVITE, NOTIFY, OPTIONS, ACK, CANCEL) and carries out the
application's actions (ring, answer, reject, hang_up, refer, answer_reoffer).

Call states and what moves them -- one table, :data:`_CALL`; anything else raises
:class:`~sip.transaction.StateError` before changing anything:

=========  ===========================================================================
EARLY      INVITE received, 100 sent.  ring, answer, reject, hang_up (480), CANCEL, BYE
ANSWERED   200 sent, retransmitted until the ACK; hang_up waits for the ACK (§15)
CONFIRMED  ACK received.  re-INVITE, INFO, NOTIFY, refer, hang_up
ENDING     our BYE is in flight
ENDED      over; the endpoint forgets the call
=========  ===========================================================================

Actions on a call that already ended (the caller hung up while the application was
deciding) are not errors: they return False and do nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, NamedTuple, Protocol

from sip.dialog import Dialog
from sip.events import (
    Address,
    CallAckTimedOut,
    CallCancelled,
    CallHungUp,
    HangUpCompleted,
    ReferProgress,
    SipEvent,
)
from sip.message import Request
from sip.responses import contact_value, hostport
from sip.routing import Peer
from sip.transaction import (
    ClientNonInviteTransaction,
    ServerInviteTransaction,
    ServerNonInviteTransaction,
    StateError,
    TxState,
)

if TYPE_CHECKING:
    from sip.config import EndpointConfig
    from sip.ids import IdGenerator

__all__ = ["Call", "CallHost", "CallState", "ServerRequest"]


class CallState(enum.Enum):
    """See the module docstring."""

    EARLY = "early"
    ANSWERED = "answered"
    CONFIRMED = "confirmed"
    ENDING = "ending"
    ENDED = "ended"


_E, _A, _C, _G, _X = (
    CallState.EARLY,
    CallState.ANSWERED,
    CallState.CONFIRMED,
    CallState.ENDING,
    CallState.ENDED,
)

_CALL: Final[Mapping[tuple[CallState, str], CallState]] = {
    (_E, "ring"): _E,
    (_E, "answer"): _A,
    (_E, "reject"): _X,
    (_E, "hang_up"): _X,  # not answered yet: a 480 instead of a BYE
    (_E, "cancel"): _X,
    (_E, "bye"): _X,  # BYE on the early dialog: 200, and 487 to the INVITE
    (_A, "ack"): _C,
    (_A, "hang_up"): _A,  # BYE deferred until the ACK (§15)
    (_A, "refer"): _A,
    (_A, "bye"): _X,
    (_A, "ack_timeout"): _G,
    (_C, "ack"): _C,
    (_C, "hang_up"): _G,
    (_C, "refer"): _C,
    (_C, "reoffer"): _C,
    (_C, "reject"): _C,  # a re-offer refused; the call goes on
    (_C, "answer_reoffer"): _C,
    (_C, "bye"): _X,
    (_C, "ack_timeout"): _G,  # a re-INVITE's 2xx never acknowledged (§14.2)
    (_G, "ack"): _G,
    (_G, "bye"): _G,  # both sides hung up at once
    (_G, "bye_done"): _X,
}


@dataclass(slots=True)
class _Retransmit:
    # A 2xx being retransmitted until its ACK (§13.3.1.4).
    data: bytes
    cseq: int
    interval: float
    next_send: float
    give_up: float


class ServerRequest(NamedTuple):
    """A request handed to the UAS core, with its server transaction and reply address."""

    request: Request
    txn: ServerInviteTransaction | ServerNonInviteTransaction
    peer: Peer


class CallHost(Protocol):
    """What a call needs from its endpoint."""

    config: EndpointConfig
    ids: IdGenerator

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

    def send(self, peer: Peer, data: bytes) -> None:
        """Queue bytes for the driver."""

    def emit(self, event: SipEvent) -> None:
        """Queue an event for the application."""

    def watch(self, owner: Call) -> None:
        """(Re)schedule ``owner``'s timers."""

    def start_request(self, call: Call, request: Request, now: float) -> ClientNonInviteTransaction:
        """Send a request of ``call``'s dialog through a new client transaction."""

    def forget(self, call: Call) -> None:
        """The call ended: drop it."""


class Call:
    """The UAS core of one INVITE dialog."""

    __slots__ = (
        "_ok",
        "bye_pending",
        "bye_txn",
        "dialog",
        "host",
        "invite",
        "peer",
        "refer_active",
        "refer_txn",
        "reoffer",
        "source",
        "state",
        "terminal_sent",
    )

    def __init__(self, host: CallHost, invite: ServerRequest, local_tag: str, source: Address):
        self.host = host
        self.invite = invite
        self.peer = invite.peer
        self.source = source
        self.dialog = Dialog.from_invite(invite.request, local_tag)
        self.state = CallState.EARLY
        self.reoffer: ServerRequest | None = None
        self.bye_txn: ClientNonInviteTransaction | None = None
        self.refer_txn: ClientNonInviteTransaction | None = None
        self.refer_active = False
        self.bye_pending = False
        self.terminal_sent = False
        self._ok: _Retransmit | None = None

    @property
    def call_id(self) -> str:
        """The SIP Call-ID."""
        return self.dialog.call_id

    def _go(self, action: str) -> None:
        try:
            self.state = _CALL[(self.state, action)]
        except KeyError:
            raise StateError(
                f"call {self.call_id}: cannot {action} when {self.state.value}"
            ) from None

    def _check(self, action: str) -> bool:
        # App actions: an ended (or ending) call is a race, not an error.
        if self.state in (_G, _X):
            return False
        if (self.state, action) not in _CALL:
            raise StateError(f"call {self.call_id}: cannot {action} when {self.state.value}")
        return True

    def _finish(self, event: SipEvent | None) -> None:
        if event is not None and not self.terminal_sent:
            self.terminal_sent = True
            self.host.emit(event)

    def _end(self) -> None:
        self.state = _X
        self._ok = None
        self.host.watch(self)
        self.host.forget(self)

    # -- the 2xx retransmission (§13.3.1.4) -----------------------------------------------

    def _start_ok(self, data: bytes, cseq: int, now: float) -> None:
        t = self.host.config.timers
        self._ok = _Retransmit(data, cseq, t.t1, now + t.t1, now + t.timeout)
        self.host.watch(self)

    def next_deadline(self) -> float | None:
        """When the 2xx must next be re-sent (or given up), or None."""
        ok = self._ok
        return None if ok is None else min(ok.next_send, ok.give_up)

    def on_timer(self, now: float) -> None:
        """Re-send the 2xx, or give up on its ACK."""
        ok = self._ok
        if ok is None:
            return
        if now >= ok.give_up:
            self._ok = None
            self._ack_timed_out(now)
        elif now >= ok.next_send:
            self.host.send(self.peer, ok.data)
            ok.interval = self.host.config.timers.backoff(ok.interval)
            ok.next_send = now + ok.interval
        self.host.watch(self)

    def _ack_timed_out(self, now: float) -> None:
        self._go("ack_timeout")
        if not self.bye_pending:
            self._finish(CallAckTimedOut(self.call_id))
        self._send_bye(now)

    # -- application actions --------------------------------------------------------------

    def ring(self, now: float) -> bool:
        """180 Ringing."""
        if not self._check("ring"):
            return False
        self._go("ring")
        self.host.reply(self.invite, 180, now, to_tag=self.dialog.local_tag, contact=True)
        return True

    def answer(self, sdp: bytes, now: float) -> bool:
        """200 OK with ``sdp``, retransmitted until the ACK."""
        if not self._check("answer"):
            return False
        self._go("answer")
        self._answer(self.invite, sdp, now)
        return True

    def _answer(self, sr: ServerRequest, sdp: bytes, now: float) -> None:
        self.host.reply(sr, 200, now, to_tag=self.dialog.local_tag, contact=True, body=sdp)
        data = sr.txn.last_response
        assert data is not None
        self._start_ok(data, sr.request.cseq.number, now)

    def reject(self, status: int, now: float, headers: tuple[tuple[str, str], ...] = ()) -> bool:
        """A final non-2xx to the INVITE (EARLY) or to a pending re-offer (CONFIRMED)."""
        if not 300 <= status <= 699:
            raise ValueError(f"reject needs a 300-699 status, got {status}")
        if not self._check("reject"):
            return False
        if self.state is _C:
            sr = self.reoffer
            if sr is None:
                return False  # the re-offer was cancelled meanwhile
            self.reoffer = None
            self.host.reply(sr, status, now, to_tag=self.dialog.local_tag, headers=headers)
            return True
        self._go("reject")
        self.terminal_sent = True  # the application ended it: no event
        self.host.reply(self.invite, status, now, to_tag=self.dialog.local_tag, headers=headers)
        self._end()
        return True

    def hang_up(self, now: float) -> bool:
        """BYE (deferred until the ACK if need be), or 480 if not answered yet."""
        if not self._check("hang_up"):
            return False
        previous = self.state
        self._go("hang_up")
        if previous is _E:
            self.host.reply(self.invite, 480, now, to_tag=self.dialog.local_tag)
            self._finish(HangUpCompleted(self.call_id, 0))
            self._end()
        elif previous is _A:
            self.bye_pending = True
        else:
            self._send_bye(now)
        return True

    def _send_bye(self, now: float) -> None:
        self._ok = None
        self.host.watch(self)
        self._reject_reoffer(now)
        self.bye_txn = self.host.start_request(self, self._request("BYE"), now)

    def refer(self, target: str, now: float) -> bool:
        """REFER the caller to ``target`` (a URI); NOTIFYs become ReferProgress events."""
        if not self._check("refer"):
            return False
        txn = self.refer_txn
        if txn is not None and txn.response is None and not txn.terminated:
            raise StateError(f"call {self.call_id}: a REFER is already in progress")
        self._go("refer")
        cfg = self.host.config
        referred_by = f"<sip:{hostport(cfg.host, cfg.port)}>"
        extra = (("Refer-To", f"<{target}>"), ("Referred-By", referred_by))
        self.refer_txn = self.host.start_request(self, self._request("REFER", extra), now)
        self.refer_active = True
        return True

    def answer_reoffer(self, sdp: bytes, now: float) -> bool:
        """200 OK with ``sdp`` to the pending re-INVITE, retransmitted until its ACK."""
        if not self._check("answer_reoffer"):
            return False
        sr = self.reoffer
        if sr is None:
            return False  # cancelled by the caller meanwhile
        self.reoffer = None
        self._answer(sr, sdp, now)
        return True

    def _request(self, method: str, extra: tuple[tuple[str, str], ...] = ()) -> Request:
        cfg = self.host.config
        transport = self.peer.transport.upper()
        via = f"SIP/2.0/{transport} {hostport(cfg.host, cfg.port)};branch={self.host.ids.branch()}"
        headers = extra + ((("User-Agent", cfg.user_agent),) if cfg.user_agent else ())
        contact = contact_value(cfg.host, cfg.port, self.peer.transport)
        return self.dialog.create_request(method, via + ";rport", contact, headers=headers)

    # -- the network ----------------------------------------------------------------------

    def on_ack(self, ack: Request, now: float) -> None:
        """An ACK for one of our 2xx (it came outside the INVITE transaction)."""
        ok = self._ok
        if ok is None or ack.cseq.number != ok.cseq:
            return  # a retransmitted ACK, or one for an older 2xx
        self._ok = None
        self.host.watch(self)
        self._go("ack")
        self.dialog.confirmed = True
        if self.bye_pending:
            self.bye_pending = False
            self._go("hang_up")
            self._send_bye(now)

    def on_cancel(self, txn: ServerInviteTransaction, now: float) -> None:
        """A CANCEL matched ``txn`` while it had no final response: 487 it."""
        if txn is self.invite.txn:
            self._go("cancel")
            self.host.reply(self.invite, 487, now, to_tag=self.dialog.local_tag)
            self._finish(CallCancelled(self.call_id))
            self._end()
        elif self.reoffer is not None and txn is self.reoffer.txn:
            self._reject_reoffer(now)

    def _reject_reoffer(self, now: float) -> None:
        sr, self.reoffer = self.reoffer, None
        if sr is not None and sr.txn.state is TxState.PROCEEDING:
            self.host.reply(sr, 487, now, to_tag=self.dialog.local_tag)

    def on_bye(self, sr: ServerRequest, now: float) -> None:
        """The peer hung up: 200, and 487 to whatever INVITE is still pending."""
        previous = self.state
        self._go("bye")
        self.host.reply(sr, 200, now)
        if previous is _G:
            return  # our own BYE is in flight; HangUpCompleted comes with its answer
        self._reject_reoffer(now)
        if previous is _E:
            self.host.reply(self.invite, 487, now, to_tag=self.dialog.local_tag)
            self._finish(CallCancelled(self.call_id))
        elif self.bye_pending:
            self._finish(HangUpCompleted(self.call_id, 0))
        else:
            self._finish(CallHungUp(self.call_id))
        self._end()

    def on_reinvite(self, sr: ServerRequest, now: float) -> bool:
        """A re-INVITE (already answered 100): True if it is now pending for the app."""
        tag = self.dialog.local_tag
        if self.state is _E or (self.state is _C and self.reoffer is not None):
            # §14.2: an INVITE while one of the peer's is still unanswered.
            retry = str(self.host.ids.retry_after())
            self.host.reply(sr, 500, now, to_tag=tag, headers=(("Retry-After", retry),))
            return False
        if self.state is not _C or self._ok is not None:
            self.host.reply(sr, 491, now, to_tag=tag)  # our 2xx is still unacknowledged
            return False
        self._go("reoffer")
        self.dialog.refresh_target(sr.request)
        self.reoffer = sr
        return True

    def on_client_result(self, txn: ClientNonInviteTransaction, status: int, now: float) -> None:
        """The final status of our BYE or REFER (408 when it timed out)."""
        if txn is self.bye_txn:
            self.bye_txn = None
            self.refer_active = False
            if self.state is _G:
                self._go("bye_done")
                self._finish(HangUpCompleted(self.call_id, status))
                self._end()
        elif txn is self.refer_txn and status >= 300 and self.refer_active:
            self.refer_active = False
            if self.state in (_A, _C):  # not once the call is over
                self.host.emit(ReferProgress(self.call_id, status, final=True))

    def on_notify(self, status: int | None, terminated: bool) -> ReferProgress | None:
        """A NOTIFY of our REFER's implicit subscription; the event to report, if any."""
        if status is None:
            if terminated:
                self.refer_active = False
            return None
        final = terminated or status >= 200
        if final:
            self.refer_active = False
        return ReferProgress(self.call_id, status, final=final)

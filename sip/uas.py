"""``SipEndpoint``: a sans-I/O SIP user agent server behind a trunk (docs/sip-endpoint.md).

The driver feeds what arrives (:meth:`SipEndpoint.receive`), calls
:meth:`~SipEndpoint.handle_timer` at :meth:`~SipEndpoint.next_deadline`, and sends what
:meth:`~SipEndpoint.datagrams_to_send` returns.  The application reads
:meth:`~SipEndpoint.next_event` and acts with ring/answer/reject/hang_up/refer/
answer_reoffer.  Nothing here does I/O, reads a clock or draws from module-level random.

The path of a message: security (allow-list) -> parse (or salvage, to answer 400) ->
validate (400/416/420/505) -> transaction matching (retransmissions re-answered, never
passed on) -> rate limit for requests outside any dialog -> method (405/501) -> the
dialog's :class:`~sip.call.Call` or out-of-dialog handling (INVITE, OPTIONS, 481).

Agents: with ``EndpointConfig.registrar`` set, REGISTER goes to :mod:`sip.registrar` (else
405 as before); ``invite``/``cancel``/``hang_up`` drive outgoing legs (:mod:`sip.uac`), and
``notify_refer``/``answer_agent_reoffer``/``reject_agent_reoffer`` answer what the agent's
phone asks inside them (a transfer, a re-INVITE).
"""

from __future__ import annotations

from collections import deque

from sip.call import Call, ServerRequest
from sip.config import EndpointConfig, TrunkConfig
from sip.errors import BadExtensionError, SipError
from sip.events import Address, Outgoing, RequestRefused, SipEvent, Transport
from sip.framing import StreamFramer
from sip.ids import CounterSource, IdGenerator, RandomSource
from sip.message import Request, Response
from sip.parser import parse
from sip.registrar import Registrar
from sip.responses import (
    ACCEPT_ANY,
    ALLOW,
    ALLOWED_METHODS,
    KNOWN_METHODS,
    build_response,
    contact_value,
)
from sip.routing import Peer, request_peer, response_peer, salvage, stamp_via
from sip.security import MALFORMED, Security
from sip.timers import Scheduler, Timed, TimerConfig
from sip.transaction import (
    ClientNonInviteTransaction,
    ServerInviteTransaction,
    ServerNonInviteTransaction,
    StateError,
    TxKey,
    TxState,
    client_key,
    server_key,
)
from sip.uac import AgentLegs
from sip.uas_dialogs import Inbound, call_arrived, handle_in_dialog, invite_problem, target_uri
from sip.uas_refusals import Refusals
from sip.validate import validate

__all__ = ["EndpointConfig", "Outgoing", "SipEndpoint", "StateError", "TimerConfig", "TrunkConfig"]

#: Call-IDs of ended calls remembered so that a late INVITE in their dialog gets 481
#: instead of recreating the call (a few minutes of calls at a busy trunk's rate).
ENDED_MEMORY = 100_000

_ServerTxn = ServerInviteTransaction | ServerNonInviteTransaction


class SipEndpoint(Refusals):
    """The sans-I/O SIP endpoint.  See docs/sip-endpoint.md for the contract.

    ``rng`` draws tags and branches; pass ``random.SystemRandom()`` in production (the
    default :class:`~sip.ids.CounterSource` is deterministic, for tests and simulation).
    """

    def __init__(self, config: EndpointConfig | None = None, rng: RandomSource | None = None):
        cfg = self.config = config or EndpointConfig()
        self.ids = IdGenerator(rng if rng is not None else CounterSource())
        self.security = Security(
            cfg.trunks,
            reject_with=cfg.reject_with,
            max_sources=cfg.max_sources,
            response_rate=cfg.refusal_response_rate,
            response_burst=cfg.refusal_response_burst,
        )
        self._out: list[Outgoing] = []
        self._events: deque[SipEvent] = deque()
        self._pending_refusals = 0
        self._server: dict[TxKey, tuple[_ServerTxn, Peer]] = {}
        self._client: dict[TxKey, tuple[ClientNonInviteTransaction, Call, Peer]] = {}
        self._calls: dict[str, Call] = {}
        self._ended: dict[str, None] = {}
        """Call-IDs of the calls that ended lately (oldest first, at most
        :data:`ENDED_MEMORY`): an INVITE in one of those dialogs is not recreated."""
        self._timers: Scheduler[Timed] = Scheduler()
        self._framers: dict[int | None, StreamFramer] = {}
        self._closing: list[int] = []
        self._refusing: tuple[int | None] | None = None
        self.registrar = Registrar(cfg.registrar) if cfg.registrar is not None else None
        self.legs = AgentLegs(self)

    # -- the driver's side ----------------------------------------------------------------

    def receive(
        self,
        data: bytes,
        source: Address,
        now: float,
        transport: Transport | str = "udp",
        conn: int | None = None,
    ) -> None:
        """Feed a UDP datagram, or a chunk of the TCP connection ``conn``."""
        data = bytes(data)
        tcp = str(transport).lower() == "tcp"
        admitted, trunk = self.security.admit(source[0])
        inbound = Inbound(source, "tcp" if tcp else "udp", conn, trunk)
        if not admitted:
            self._refuse_source(data, inbound, now)
        elif tcp:
            self._receive_stream(data, inbound, now)
        elif data.strip(b"\r\n"):  # CRLF-only datagrams are keep-alives
            try:
                msg = parse(data)
            except SipError as exc:
                self._malformed(salvage(data), exc, inbound, now)
                return
            self._dispatch(msg, inbound, now)

    def handle_timer(self, now: float) -> None:
        """Run every timer due at ``now``."""
        for owner in self._timers.due(now):
            if self.legs.on_timer(owner, now):
                continue
            if isinstance(owner, Registrar):
                owner.on_timer(now)
                self._registrar_events()
            elif isinstance(owner, Call):
                owner.on_timer(now)
            elif isinstance(owner, ClientNonInviteTransaction):
                self._client_timer(owner, now)
            elif isinstance(owner, ServerInviteTransaction | ServerNonInviteTransaction):
                entry = self._server.get(owner.key)
                result = owner.on_timer(now)
                if entry is not None and entry[0] is owner:
                    for data in result.send:
                        self.send(entry[1], data)
                self._touch_server(owner)

    def next_deadline(self) -> float | None:
        """When :meth:`handle_timer` must next be called, or None."""
        return self._timers.next_deadline()

    def datagrams_to_send(self) -> list[Outgoing]:
        """Everything queued for sending since the last call, in order."""
        out, self._out = self._out, []
        return out

    def next_event(self) -> SipEvent | None:
        """The next event for the application, or None."""
        if not self._events:
            return None
        event = self._events.popleft()
        if isinstance(event, RequestRefused):
            self._pending_refusals -= 1
        return event

    def connections_to_close(self) -> list[int]:
        """TCP connections whose framing is lost or whose peer is refused: close them."""
        out, self._closing = self._closing, []
        return out

    def connection_lost(self, conn: int) -> None:
        """The driver saw ``conn`` close: forget its framing state."""
        self._framers.pop(conn, None)

    def pending(self, conn: int) -> int:
        """Octets of an incomplete message held for TCP connection ``conn`` (0: none)."""
        framer = self._framers.get(conn)
        return 0 if framer is None else framer.buffered

    def stream_stalled(self, conn: int, source: Address, now: float) -> bool:
        """The driver saw no progress on ``conn`` for a while with part of a message held
        (RFC 4475 clerr: a Content-Length beyond what came; a head that never ends): answer
        it 400 if it is a request that can be answered, and close the connection. False
        (nothing done) when nothing is pending."""
        framer = self._framers.get(conn)
        if framer is None or not framer.buffered:
            return False
        partial = framer.partial()
        del self._framers[conn]
        self._closing.append(conn)
        inbound = Inbound(source, "tcp", conn, self.security.admit(source[0])[1])
        exc = SipError("the peer stopped in the middle of a message")
        self._malformed(salvage(partial), exc, inbound, now)
        return True

    # -- the application's side -----------------------------------------------------------

    def ring(self, call_id: str, now: float) -> bool:
        """180 Ringing.  False (and nothing done) if the call is already over."""
        call = self._calls.get(call_id)
        return call is not None and call.ring(now)

    def answer(self, call_id: str, sdp: bytes, now: float) -> bool:
        """200 OK with ``sdp``, retransmitted until the ACK."""
        call = self._calls.get(call_id)
        return call is not None and call.answer(sdp, now)

    def reject(
        self, call_id: str, status: int, now: float, *, retry_after: int | None = None
    ) -> bool:
        """A final 300-699 to the INVITE, or to a pending re-offer of a confirmed call."""
        call = self._calls.get(call_id)
        headers = () if retry_after is None else (("Retry-After", str(retry_after)),)
        return call is not None and call.reject(status, now, headers)

    def hang_up(self, call_id: str, now: float) -> bool:
        """BYE (after the ACK if need be), 480 if never answered; an outgoing leg: CANCEL/BYE."""
        call = self._calls.get(call_id)
        if call is None:
            return self.legs.hang_up(call_id, now)
        return call.hang_up(now)

    def invite(
        self, target_uri: str, sdp: bytes, now: float, *, from_user: str,
        leg_id: str | None = None, destination: Address | None = None,
        transport: Transport = "udp", conn: int | None = None,
    ) -> str:
        """Call an agent (the B2BUA's second leg) with the SDP offer ``sdp``; the leg id.

        ``target_uri``: the agent's registered Contact or configured URI; ``destination``,
        ``transport``, ``conn``: where the REGISTER came from, to reach a phone behind NAT.
        """
        return self.legs.invite(target_uri, sdp, now, from_user=from_user, leg_id=leg_id,
                                destination=destination, transport=transport, conn=conn)

    def cancel(self, leg_id: str, now: float) -> bool:
        """Stop ringing an agent (CANCEL once a provisional came, §9.1); BYE if it answered."""
        return self.legs.hang_up(leg_id, now)

    def leg_state(self, leg_id: str) -> str | None:
        """``calling``, ``ringing``, ``cancelling``, ``answered``, ``ending``, or None."""
        return self.legs.state(leg_id)

    def notify_refer(
        self, leg_id: str, status: int, now: float, *, reason: str | None = None,
        final: bool | None = None,
    ) -> bool:
        """NOTIFY the agent's phone of its transfer (``AgentLegReferred``): sipfrag
        ``SIP/2.0 <status>``; final (``status >= 200`` unless told) ends the subscription."""
        return self.legs.notify_refer(leg_id, status, now, reason=reason, final=final)

    def answer_agent_reoffer(self, leg_id: str, sdp: bytes, now: float) -> bool:
        """200 OK with ``sdp`` to the agent's re-INVITE (``AgentLegReoffered``)."""
        return self.legs.answer_reoffer(leg_id, sdp, now)

    def reject_agent_reoffer(self, leg_id: str, status: int, now: float) -> bool:
        """A 300-699 (488...) to the agent's re-INVITE; the leg goes on as before."""
        return self.legs.reject_reoffer(leg_id, status, now)

    def refer(self, call_id: str, target_uri_text: str, now: float) -> bool:
        """REFER the caller to ``target_uri`` (a URI, or a bare number at the caller's host)."""
        call = self._calls.get(call_id)
        if call is None:
            return False
        return call.refer(target_uri(target_uri_text, call.dialog.remote_target), now)

    def answer_reoffer(self, call_id: str, sdp: bytes, now: float) -> bool:
        """200 OK with ``sdp`` to the pending re-INVITE; False if none is pending."""
        call = self._calls.get(call_id)
        return call is not None and call.answer_reoffer(sdp, now)

    def refuse_new_calls(self, retry_after: int | None = None) -> None:
        """Answer every new INVITE 503 (with Retry-After) from now on: shutting down."""
        self._refusing = (retry_after,)

    def accept_new_calls(self) -> None:
        """Undo :meth:`refuse_new_calls`."""
        self._refusing = None

    def call_state(self, call_id: str) -> str | None:
        """``early``, ``answered``, ``confirmed``, ``ending``, or None once forgotten."""
        call = self._calls.get(call_id)
        return None if call is None else call.state.value

    @property
    def active_calls(self) -> int:
        """Calls not yet forgotten."""
        return len(self._calls)

    # -- CallHost -------------------------------------------------------------------------

    def send(self, peer: Peer, data: bytes) -> None:
        """Queue ``data`` for ``peer``."""
        self._out.append(peer.out(data))

    def emit(self, event: SipEvent) -> None:
        """Queue an event for the application."""
        self._events.append(event)

    def watch(self, owner: Call) -> None:
        """(Re)schedule a call's timers."""
        self._timers.touch(owner)

    def schedule(self, owner: Timed) -> None:
        """(Re)schedule the timers of an outgoing leg or of its transactions."""
        self._timers.touch(owner)

    def forget(self, call: Call) -> None:
        """Drop an ended call."""
        if self._calls.get(call.call_id) is call:
            del self._calls[call.call_id]
            ended = self._ended
            ended[call.call_id] = None
            if len(ended) > ENDED_MEMORY:
                del ended[next(iter(ended))]

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
        """Answer ``sr`` through its server transaction."""
        request = sr.request
        if status in (405, 501) or (
            200 <= status < 300 and request.method in ("INVITE", "OPTIONS")
        ):
            headers = (("Allow", ALLOW), *headers)
        cfg = self.config
        response = build_response(
            request,
            status,
            to_tag=to_tag,
            contact=contact_value(cfg.host, cfg.port, sr.peer.transport) if contact else None,
            server=cfg.user_agent,
            headers=headers,
            body=body,
        )
        self.send(sr.peer, sr.txn.send(response, now))
        self._touch_server(sr.txn)

    def start_request(self, call: Call, request: Request, now: float) -> ClientNonInviteTransaction:
        """Send an in-dialog request of ``call`` through a new client transaction."""
        fallback = Peer(call.source, call.peer.transport, call.peer.conn)
        peer = request_peer(call.dialog.next_hop(), fallback, symmetric=self.config.symmetric)
        data = request.serialize()
        key = client_key(request.top_via.branch or "", request.method)
        txn = ClientNonInviteTransaction(
            key, request.method, data, self.config.timers, now, reliable=peer.transport == "tcp"
        )
        self._client[key] = (txn, call, peer)
        self.send(peer, data)
        self._timers.touch(txn)
        return txn

    # -- internals ------------------------------------------------------------------------

    def _touch_server(self, txn: _ServerTxn) -> None:
        if txn.terminated:
            self._server.pop(txn.key, None)
        self._timers.touch(txn)

    def _client_timer(self, txn: ClientNonInviteTransaction, now: float) -> None:
        entry = self._client.get(txn.key)
        result = txn.on_timer(now)
        if entry is not None and entry[0] is txn:
            for data in result.send:
                self.send(entry[2], data)
            if result.timed_out:
                entry[1].on_client_result(txn, 408, now)
        if txn.terminated:
            self._client.pop(txn.key, None)
        self._timers.touch(txn)

    def _receive_stream(self, data: bytes, inbound: Inbound, now: float) -> None:
        conn = inbound.conn
        framer = self._framers.get(conn)
        if framer is None:
            framer = self._framers[conn] = StreamFramer(self.config.max_message_size)
        pings = framer.pings
        try:
            framer.feed(data)
            while (msg := framer.next_message()) is not None:
                self._dispatch(msg, inbound, now)
        except SipError as exc:
            self._framers.pop(conn, None)
            if conn is not None:
                self._closing.append(conn)
            if framer.refused is not None:  # its end was known: answered, then closed
                self._malformed(salvage(framer.refused), exc, inbound, now)
                return
            self._refused(None, MALFORMED, inbound.source, str(exc))
            self.security.refuse(MALFORMED, inbound.trunk)
            return
        for _ in range(framer.pings - pings):
            self.send(Peer(inbound.source, "tcp", conn), b"\r\n")  # RFC 5626 §4.4.1 pong

    def _dispatch(self, msg: Request | Response, inbound: Inbound, now: float) -> None:
        if isinstance(msg, Response):
            self._on_response(msg, now)
            return
        try:
            validate(msg, supported=self.config.supported)
        except BadExtensionError as exc:
            if msg.to.tag is not None or self._charge(msg, inbound, now):
                unsupported = (("Unsupported", ", ".join(exc.unsupported)),)
                self._stateless(msg, 420, inbound, unsupported)
            return
        except SipError as exc:
            self._malformed(msg, exc, inbound, now)
            return
        self._on_request(msg, inbound, now)

    def _on_response(self, response: Response, now: float) -> None:
        try:
            validate(response, schemes=None)
            key = client_key(response.top_via.branch or "", response.cseq.method)
        except SipError:
            return  # a bad response is dropped, never answered
        entry = self._client.get(key)
        if entry is None:
            self.legs.on_response(response, key, now)  # ours, or a stray to discard (RFC 6026)
            return
        txn, call, _ = entry
        if txn.receive(response, now) and response.status >= 200:
            call.on_client_result(txn, response.status, now)
        if txn.terminated:
            self._client.pop(key, None)
        self._timers.touch(txn)

    def _on_request(self, req: Request, inbound: Inbound, now: float) -> None:
        key = server_key(req)
        via = stamp_via(req, inbound.source)
        peer = response_peer(via, inbound.source, inbound.transport, inbound.conn)
        if req.method == "ACK":
            self._on_ack(req, key, now)
            return
        entry = self._server.get(key)
        if entry is not None:  # a retransmission: the transaction re-answers it
            got = entry[0].receive(req, now)
            if got.send is not None:
                self.send(peer, got.send)
            self._touch_server(entry[0])
            return
        leg = self.legs.dialog_leg(req) if req.to.tag is not None else None
        if leg is not None and req.method != "CANCEL":
            self.legs.on_request(leg, self._server_request(req, key, peer), now)
            return
        call = self._calls.get(req.call_id)
        in_dialog = call is not None and req.to.tag is not None and call.dialog.matches(req)
        if req.method == "CANCEL" and self._on_cancel(req, key, peer, now):
            return
        if not in_dialog and not self._charge(req, inbound, now):
            return
        sr = self._server_request(req, key, peer)
        method = req.method
        if method == "INVITE":
            self.reply(sr, 100, now)  # at once, whatever comes next (§17.2.1)
        if method not in ALLOWED_METHODS:
            self._not_allowed(sr, now)
        elif call is not None and in_dialog:
            handle_in_dialog(self, call, sr, now)
        elif method == "INVITE" and (req.to.tag is None or (
                self.config.recreate_dialogs and req.call_id not in self._ended)):
            self._new_call(sr, inbound, now)  # with a To tag: a dialog we lost, recreated
        elif method == "OPTIONS" and req.to.tag is None:
            self._options(sr, now)
        else:
            self.reply(sr, 481, now, to_tag=self.ids.tag())

    def _server_request(self, req: Request, key: TxKey, peer: Peer) -> ServerRequest:
        timers, reliable = self.config.timers, peer.transport == "tcp"
        txn: _ServerTxn
        if req.method == "INVITE":
            txn = ServerInviteTransaction(key, req, timers, reliable=reliable)
        else:
            txn = ServerNonInviteTransaction(key, req.method, timers, reliable=reliable)
        self._server[key] = (txn, peer)
        return ServerRequest(req, txn, peer)

    def _on_ack(self, ack: Request, key: TxKey, now: float) -> None:
        entry = self._server.get(key)
        if entry is not None:
            got = entry[0].receive(ack, now)
            self._touch_server(entry[0])
            if not got.to_tu:
                return  # the ACK of a non-2xx final response: absorbed
        call = self._calls.get(ack.call_id)
        if call is None:
            self.legs.on_ack(ack, now)  # the ACK of our 2xx to an agent's re-INVITE?
        elif call.dialog.matches(ack):
            call.on_ack(ack, now)

    def _on_cancel(self, req: Request, key: TxKey, peer: Peer, now: float) -> bool:
        entry = self._server.get(server_key(req, method="INVITE"))
        if entry is None or not isinstance(entry[0], ServerInviteTransaction):
            return False  # nothing to cancel: 481 once the rate limit has had its say
        invite = entry[0]
        call = self._calls.get(req.call_id)
        tag = call.dialog.local_tag if call is not None else self.ids.tag()
        self.reply(self._server_request(req, key, peer), 200, now, to_tag=tag)
        if invite.state is TxState.PROCEEDING:
            if call is not None:
                call.on_cancel(invite, now)
            if invite.state is TxState.PROCEEDING:  # no call claimed it
                self.reply(ServerRequest(invite.request, invite, entry[1]), 487, now, to_tag=tag)
        return True

    def _not_allowed(self, sr: ServerRequest, now: float) -> None:
        # 405/501, unless it is a REGISTER and we are a registrar.
        method, registrar = sr.request.method, self.registrar
        if method != "REGISTER" or registrar is None:
            self.reply(sr, 405 if method in KNOWN_METHODS else 501, now, to_tag=self.ids.tag())
            return
        peer = sr.peer
        reply = registrar.handle(
            sr.request, peer.destination, now, transport=peer.transport, conn=peer.conn
        )
        self.reply(sr, reply.status, now, to_tag=self.ids.tag(), headers=reply.headers)
        self._registrar_events()

    def _registrar_events(self) -> None:
        registrar = self.registrar
        if registrar is not None:
            self._events.extend(registrar.pop_events())
            self._timers.touch(registrar)

    def _options(self, sr: ServerRequest, now: float) -> None:
        accept = (("Accept", ACCEPT_ANY),)
        self.reply(sr, 200, now, to_tag=self.ids.tag(), contact=True, headers=accept)

    def _new_call(self, sr: ServerRequest, inbound: Inbound, now: float) -> None:
        req = sr.request
        tag = req.to.tag or self.ids.tag()  # a lost dialog is recreated under its own tag
        if self._refusing is not None:
            retry = self._refusing[0]
            headers = () if retry is None else (("Retry-After", str(retry)),)
            self.reply(sr, 503, now, to_tag=tag, headers=headers)
            return
        if req.call_id in self._calls:
            self.reply(sr, 482, now, to_tag=tag)  # merged request (§8.2.2.2)
            return
        problem = invite_problem(req, self.config.host)
        if problem is not None:
            self.reply(sr, problem[0], now, to_tag=tag, headers=problem[1])
            return
        call = Call(self, sr, tag, inbound.source)
        self._calls[call.call_id] = call
        self.emit(call_arrived(call, inbound))

"""How :class:`~sip.uas.SipEndpoint` refuses: security refusals and malformed requests.

Every refusal is counted (:attr:`sip.security.Security.refusals`) and reported as a
:class:`~sip.events.RequestRefused` event -- at most ``max_pending_refusals`` of them wait
undrained, so a flood cannot grow the queue.  A refused request is answered statelessly,
or dropped: never an ACK, never a response, and answers to sources outside the allow-lists
spend the global response budget first.
"""

from __future__ import annotations

from collections import deque

from sip.config import EndpointConfig
from sip.errors import SipError
from sip.events import Address, RequestRefused, SipEvent
from sip.ids import IdGenerator
from sip.message import Request
from sip.parser import parse
from sip.responses import ALLOW, KNOWN_METHODS, build_response
from sip.routing import Peer, response_peer, salvage, stamp_via
from sip.security import MALFORMED, NOT_ALLOWED, Security
from sip.uas_dialogs import Inbound

__all__ = ["Refusals"]

Headers = tuple[tuple[str, str], ...]


class Refusals:
    """Mixin of :class:`~sip.uas.SipEndpoint`: refusing, answering statelessly, counting."""

    config: EndpointConfig
    ids: IdGenerator
    security: Security
    _events: deque[SipEvent]
    _pending_refusals: int
    _closing: list[int]

    def send(self, peer: Peer, data: bytes) -> None:
        """Queue ``data`` for ``peer`` (provided by the endpoint)."""
        raise NotImplementedError

    def _charge(self, req: Request, inbound: Inbound, now: float) -> bool:
        # One token of the source's bucket for a request outside any dialog.
        reason = self.security.charge(inbound.source[0], inbound.trunk, now)
        if reason is None:
            return True
        trunk = inbound.trunk
        status = trunk.reject_with if trunk is not None else None
        self._refused_request(req, status, reason, inbound, now)
        return False

    def _refuse_source(self, data: bytes, inbound: Inbound, now: float) -> None:
        # A source outside every allow-list: nothing, a 403 (if configured) or, on TCP, a
        # closed connection.  Parsing is only paid for when an answer is within budget.
        status = self.security.reject_with
        if inbound.transport == "tcp":
            if inbound.conn is not None:
                self._closing.append(inbound.conn)
            self._refused(None, NOT_ALLOWED, inbound.source)
            return
        req: Request | None = None
        if status is not None and self.security.may_answer(now):
            try:
                msg = parse(data)
                req = msg if isinstance(msg, Request) and msg.method != "ACK" else None
            except SipError:
                req = salvage(data)
        self._refused_request(req, status, NOT_ALLOWED, inbound, now, budgeted=True)

    def _refused_request(
        self,
        req: Request | None,
        status: int | None,
        reason: str,
        inbound: Inbound,
        now: float,
        *,
        budgeted: bool = False,
    ) -> None:
        sent: int | None = None
        if req is not None and status is not None and (budgeted or self.security.may_answer(now)):
            self._stateless(req, status, inbound)
            sent = status
        self._refused(sent, reason, inbound.source)

    def _malformed(self, req: Request | None, exc: SipError, inbound: Inbound, now: float) -> None:
        # A request the parser or the validator refused: its status hint, if it can be
        # answered (a Via to route by, not an ACK) and the source has a token left.
        self.security.refuse(MALFORMED, inbound.trunk)
        status: int | None = None
        if req is not None and req.method != "ACK" and self._charge(req, inbound, now):
            status = exc.status_hint
            if status == 400 and exc.header == "cseq" and req.method not in KNOWN_METHODS:
                status = 501  # RFC 4475 mismatch02: the unknown method is the real news
            headers = (("Allow", ALLOW),) if status in (405, 501) else ()
            self._stateless(req, status, inbound, headers)
        self._refused(status, MALFORMED, inbound.source, str(exc))

    def _stateless(
        self, req: Request, status: int, inbound: Inbound, headers: Headers = ()
    ) -> None:
        # The default reason phrase, never the parser's text: nothing of the input echoed.
        via = stamp_via(req, inbound.source)
        peer = response_peer(via, inbound.source, inbound.transport, inbound.conn)
        response = build_response(
            req, status, to_tag=self.ids.tag(), server=self.config.user_agent, headers=headers
        )
        self.send(peer, response.serialize())

    def _refused(self, status: int | None, reason: str, source: Address, detail: str = "") -> None:
        if self._pending_refusals >= self.config.max_pending_refusals:
            self.security.refusals["events_suppressed"] += 1
            return
        self._pending_refusals += 1
        self._events.append(RequestRefused(status, reason, source, detail))

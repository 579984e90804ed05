"""A SIPp-like caller for the endpoint tests: requests built as bytes, replies parsed.

Imported by the ``test_uas*`` / ``test_security*`` / ``test_rfc4475_uas`` modules; the few
tests at the bottom only check that the messages it builds are themselves valid.
"""

from __future__ import annotations

import contextlib
import itertools
import random
from dataclasses import dataclass, field

from sip.errors import SipError
from sip.events import Address, Outgoing, SipEvent
from sip.message import Request, Response
from sip.parser import parse
from sip.uas import EndpointConfig, SipEndpoint
from sip.validate import validate

EP_HOST = "127.0.0.1"
EP_PORT = 5060
CALLER: Address = ("127.0.0.1", 5061)

SDP_OFFER = (
    b"v=0\r\n"
    b"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
    b"s=-\r\n"
    b"c=IN IP4 127.0.0.1\r\n"
    b"t=0 0\r\n"
    b"m=audio 6000 RTP/AVP 0 8 101\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
    b"a=rtpmap:8 PCMA/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
    b"a=fmtp:101 0-16\r\n"
    b"a=ptime:20\r\n"
)
#: What the endpoint sent, parsed, with where it went.
Sent = list[tuple[Request | Response, Outgoing]]

SDP_ANSWER = SDP_OFFER.replace(b"6000 RTP/AVP 0 8 101", b"20000 RTP/AVP 0 101")


def endpoint(seed: int = 7, **config: object) -> SipEndpoint:
    """An endpoint at 127.0.0.1:5060 with a seeded random source."""
    cfg = EndpointConfig(host=EP_HOST, port=EP_PORT, **config)  # type: ignore[arg-type]
    return SipEndpoint(cfg, rng=random.Random(seed))


def drain(ep: SipEndpoint) -> Sent:
    """Everything the endpoint queued, parsed."""
    return [(parse(out.data), out) for out in ep.datagrams_to_send()]


def events(ep: SipEndpoint) -> list[SipEvent]:
    """Every pending event."""
    out: list[SipEvent] = []
    while (event := ep.next_event()) is not None:
        out.append(event)
    return out


def statuses(sent: Sent) -> list[int | str]:
    """Status codes of responses and methods of requests, in order."""
    return [m.status if isinstance(m, Response) else m.method for m, _ in sent]


@dataclass
class Uac:
    """One caller and its call, in the manner of SIPp's ``uac`` scenarios."""

    ep: SipEndpoint
    n: int = 1
    source: Address = CALLER
    transport: str = "udp"
    conn: int | None = None
    user: str = "answer"
    call_id: str = ""
    from_tag: str = ""
    to_tag: str | None = None
    cseq: int = 0
    invite_branch: str = ""
    _branches: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.call_id = self.call_id or f"{self.n}-{self.source[1]}@127.0.0.1"
        self.from_tag = self.from_tag or f"{self.n}SIPpTag09{self.n}"

    def branch(self) -> str:
        """A fresh RFC 3261 branch."""
        return f"z9hG4bK-{self.n}-{next(self._branches)}"

    def build(
        self,
        method: str,
        *,
        branch: str | None = None,
        cseq: int | None = None,
        cseq_method: str | None = None,
        to_tag: str | None = None,
        body: bytes = b"",
        ctype: str | None = None,
        extra: tuple[str, ...] = (),
        version: str = "SIP/2.0",
    ) -> bytes:
        """A request of this call, as SIPp would write it."""
        host, port = self.source
        proto = self.transport.upper()
        to = f"{self.user} <sip:{self.user}@{EP_HOST}:{EP_PORT}>"
        if to_tag:
            to += f";tag={to_tag}"
        lines = [
            f"{method} sip:{self.user}@{EP_HOST}:{EP_PORT} {version}",
            f"Via: SIP/2.0/{proto} {host}:{port};branch={branch or self.branch()}",
            f"From: sipp <sip:sipp@{host}:{port}>;tag={self.from_tag}",
            f"To: {to}",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq if cseq is None else cseq} {cseq_method or method}",
            f"Contact: sip:sipp@{host}:{port}",
            "Max-Forwards: 70",
            *extra,
        ]
        if body:
            lines.append(f"Content-Type: {ctype or 'application/sdp'}")
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def send(self, data: bytes, now: float) -> Sent:
        """Deliver ``data`` to the endpoint; return what it sent back."""
        self.ep.receive(data, self.source, now, self.transport, self.conn)
        return self.take()

    def take(self) -> Sent:
        """What the endpoint sent, learning our peer's To tag from INVITE responses."""
        sent = drain(self.ep)
        for msg, _ in sent:
            with contextlib.suppress(SipError):  # answers to malformed requests
                if isinstance(msg, Response) and msg.to.tag and msg.cseq.method == "INVITE":
                    self.to_tag = self.to_tag or msg.to.tag
        return sent

    # -- SIPp's steps ---------------------------------------------------------------------

    def invite(self, now: float, body: bytes = SDP_OFFER, **kw: object) -> Sent:
        """The initial INVITE (its branch is kept for CANCEL and the non-2xx ACK)."""
        self.cseq += 1
        self.invite_branch = self.branch()
        data = self.build("INVITE", branch=self.invite_branch, body=body, **kw)  # type: ignore[arg-type]
        return self.send(data, now)

    def invite_again(self, now: float) -> Sent:
        """The same INVITE, byte for byte (a retransmission)."""
        data = self.build("INVITE", branch=self.invite_branch, cseq=1, body=SDP_OFFER)
        return self.send(data, now)

    def ack(self, now: float, *, cseq: int | None = None, same_branch: bool = False) -> Sent:
        """ACK: a new branch for a 2xx, the INVITE's branch for a non-2xx."""
        branch = self.invite_branch if same_branch else None
        data = self.build("ACK", branch=branch, cseq=cseq or self.cseq, to_tag=self.to_tag)
        return self.send(data, now)

    def cancel(self, now: float) -> Sent:
        """CANCEL with the INVITE's branch and CSeq number."""
        return self.send(self.build("CANCEL", branch=self.invite_branch, cseq=1), now)

    def in_dialog(self, method: str, now: float, **kw: object) -> Sent:
        """A new in-dialog request with the next CSeq."""
        self.cseq += 1
        return self.send(self.build(method, to_tag=self.to_tag, **kw), now)  # type: ignore[arg-type]

    def bye(self, now: float) -> Sent:
        """BYE."""
        return self.in_dialog("BYE", now)

    def reinvite(self, now: float, direction: str) -> Sent:
        """A re-INVITE whose offer has ``a=<direction>``."""
        body = SDP_OFFER + f"a={direction}\r\n".encode()
        return self.in_dialog("INVITE", now, body=body)

    def answer_of(self, request: Request, status: int, reason: str = "OK") -> bytes:
        """Our response to a request the endpoint sent (``[last_Via:]`` etc. copied)."""
        keep = ("via", "from", "to", "call-id", "cseq")
        lines = [f"SIP/2.0 {status} {reason}"]
        lines += [f"{name}: {value}" for name, value in request.headers if name.lower() in keep]
        lines += [f"Contact: <sip:sipp@{self.source[0]}:{self.source[1]}>", "Content-Length: 0"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()


def established(ep: SipEndpoint, now: float = 0.0, **kw: object) -> Uac:
    """A caller whose call was answered and ACKed (the endpoint queue drained)."""
    uac = Uac(ep, **kw)  # type: ignore[arg-type]
    uac.invite(now)
    events(ep)
    ep.answer(uac.call_id, SDP_ANSWER, now)
    ((ok, _),) = uac.take()
    assert isinstance(ok, Response) and ok.status == 200
    assert uac.ack(now) == []
    return uac


# -- the helpers' own checks -------------------------------------------------------------


def test_built_requests_are_valid() -> None:
    uac = Uac(endpoint())
    for method in ("INVITE", "ACK", "BYE", "CANCEL", "INFO", "OPTIONS"):
        msg = parse(uac.build(method, body=SDP_OFFER if method == "INVITE" else b""))
        assert isinstance(msg, Request)
        validate(msg)


def test_answer_of_copies_the_dialog_headers() -> None:
    uac = Uac(endpoint())
    request = parse(uac.build("BYE", to_tag="t1"))
    assert isinstance(request, Request)
    response = parse(uac.answer_of(request, 200))
    assert isinstance(response, Response)
    validate(response)
    assert response.call_id == request.call_id and response.to.tag == "t1"

"""Outgoing legs to agents (the B2BUA's second leg): INVITE, ACK, CANCEL, BYE, timers."""

from __future__ import annotations

import pytest

from sip.events import (
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegHungUp,
    AgentLegReoffered,
    AgentLegRinging,
)
from sip.message import Request, Response
from sip.transaction import StateError
from sip.uas import SipEndpoint
from tests.sip.test_uas_support import SDP_ANSWER, SDP_OFFER, Sent, drain, endpoint, events

AGENT = ("192.0.2.20", 5070)
TARGET = "sip:alice@192.0.2.20:5070"


class Agent:
    """The agent's phone: answers what the endpoint sends, as bytes."""

    def __init__(self, ep: SipEndpoint, to_tag: str = "agt1") -> None:
        self.ep = ep
        self.to_tag = to_tag
        self.invite: Request | None = None
        self.cseq = 100

    def respond(
        self, request: Request, status: int, now: float, *, body: bytes = b"",
        reason: str = "X", record_route: tuple[str, ...] = (),
    ) -> Sent:
        lines = [f"SIP/2.0 {status} {reason}"]
        for name, value in request.headers:
            key = name.lower()
            if key == "to" and status > 100 and request.method != "CANCEL" and "tag=" not in value:
                value += f";tag={self.to_tag}"
            if key in ("via", "from", "to", "call-id", "cseq"):
                lines.append(f"{name}: {value}")
        lines += [f"Record-Route: {r}" for r in record_route]
        lines.append(f"Contact: <sip:alice@{AGENT[0]}:{AGENT[1]}>")
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        self.ep.receive(data, AGENT, now)
        return drain(self.ep)

    def bye(self, now: float) -> Sent:
        invite = self.invite
        assert invite is not None
        self.cseq += 1
        lines = [
            "BYE sip:127.0.0.1:5060 SIP/2.0",
            f"Via: SIP/2.0/UDP {AGENT[0]}:{AGENT[1]};branch=z9hG4bK-agent-{self.cseq}",
            f"From: {invite.headers.get('to')};tag={self.to_tag}",
            f"To: {invite.headers.get('from')}",
            f"Call-ID: {invite.call_id}",
            f"CSeq: {self.cseq} BYE",
            "Max-Forwards: 70",
            "Content-Length: 0",
        ]
        self.ep.receive(("\r\n".join(lines) + "\r\n\r\n").encode(), AGENT, now)
        return drain(self.ep)


def _request(sent: Sent, method: str) -> Request:
    found = [m for m, _ in sent if isinstance(m, Request) and m.method == method]
    assert len(found) == 1, sent
    return found[0]


def _call(ep: SipEndpoint, now: float = 0.0) -> tuple[str, Agent, Request]:
    leg = ep.invite(TARGET, SDP_OFFER, now, from_user="queue-sales")
    agent = Agent(ep)
    ((invite, out),) = drain(ep)
    assert isinstance(invite, Request) and out.destination == AGENT
    agent.invite = invite
    return leg, agent, invite


def _answered(ep: SipEndpoint) -> tuple[str, Agent, Request]:
    leg, agent, invite = _call(ep)
    agent.respond(invite, 180, 0.1)
    agent.respond(invite, 200, 0.2, body=SDP_ANSWER)
    events(ep)
    return leg, agent, invite


def test_invite_is_well_formed() -> None:
    ep = endpoint()
    leg, _, invite = _call(ep)
    assert leg == invite.call_id and ep.leg_state(leg) == "calling"
    assert invite.uri == TARGET and invite.cseq.number == 1 and invite.body == SDP_OFFER
    assert invite.from_.tag and str(invite.from_.uri) == "sip:queue-sales@127.0.0.1:5060"
    assert str(invite.to.uri) == TARGET and invite.to.tag is None
    assert invite.top_via.is_rfc3261_branch and invite.top_via.has_rport
    assert invite.headers.get("contact") == "<sip:127.0.0.1:5060>"
    assert invite.headers.get("content-type") == "application/sdp"


def test_answered_then_we_hang_up() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    assert agent.respond(invite, 100, 0.05) == []
    assert events(ep) == []
    assert agent.respond(invite, 180, 0.1, reason="Ringing") == []
    assert events(ep) == [AgentLegRinging(leg, 180, b"")]
    assert ep.leg_state(leg) == "ringing"
    sent = agent.respond(invite, 200, 0.2, body=SDP_ANSWER)
    ack = _request(sent, "ACK")
    assert ack.uri == f"sip:alice@{AGENT[0]}:{AGENT[1]}"
    assert ack.cseq.number == 1 and ack.to.tag == "agt1" and ack.from_.tag == invite.from_.tag
    assert ack.top_via.branch != invite.top_via.branch
    assert events(ep) == [AgentLegAnswered(leg, SDP_ANSWER)]
    assert ep.leg_state(leg) == "answered"
    # The 2xx again (our ACK was lost): the same ACK again, no new event.
    again = agent.respond(invite, 200, 0.7, body=SDP_ANSWER)
    assert [m.serialize() for m, _ in again] == [ack.serialize()]
    assert events(ep) == []

    assert ep.hang_up(leg, 5.0)
    bye = _request(drain(ep), "BYE")
    assert bye.cseq.number == 2 and bye.to.tag == "agt1" and bye.uri == ack.uri
    assert ep.leg_state(leg) == "ending" and not ep.hang_up(leg, 5.1)
    agent.respond(bye, 200, 5.2)
    assert events(ep) == [AgentLegHungUp(leg, False, 200)]
    assert ep.leg_state(leg) is None and not ep.hang_up(leg, 6.0)
    ep.handle_timer(100.0)
    assert ep.next_deadline() is None and len(ep.legs) == 0
    # A 2xx after every transaction ended: still re-ACKed (or dropped), never an error.
    agent.respond(invite, 200, 101.0, body=SDP_ANSWER)
    assert events(ep) == []


def test_early_media_183() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    agent.respond(invite, 183, 0.1, body=SDP_ANSWER)
    assert events(ep) == [AgentLegRinging(leg, 183, SDP_ANSWER)]


def test_busy_is_acked_on_the_invite_branch() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    sent = agent.respond(invite, 486, 0.1, reason="Busy Here")
    ack = _request(sent, "ACK")
    assert ack.top_via.branch == invite.top_via.branch and ack.uri == invite.uri
    assert ack.to.tag == "agt1" and ack.cseq.number == 1 and ack.cseq.method == "ACK"
    assert events(ep) == [AgentLegFailed(leg, 486)]
    assert ep.leg_state(leg) is None
    again = agent.respond(invite, 486, 0.6)  # retransmitted: ACKed again, no event
    assert [m.serialize() for m, _ in again] == [ack.serialize()]
    assert events(ep) == []
    ep.handle_timer(40.0)  # Timer D
    assert ep.next_deadline() is None


@pytest.mark.parametrize("status", [480, 408, 503, 603, 302])
def test_other_failures(status: int) -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    agent.respond(invite, status, 0.1)
    assert events(ep) == [AgentLegFailed(leg, status)]


def test_cancel_after_ringing() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    agent.respond(invite, 180, 0.1)
    events(ep)
    assert ep.cancel(leg, 10.0)
    cancel = _request(drain(ep), "CANCEL")
    assert cancel.top_via.branch == invite.top_via.branch and cancel.uri == invite.uri
    assert cancel.cseq.number == 1 and cancel.cseq.method == "CANCEL"
    assert cancel.to.tag is None and cancel.call_id == invite.call_id
    assert ep.leg_state(leg) == "cancelling" and ep.cancel(leg, 10.1)  # idempotent
    assert drain(ep) == []
    agent.respond(cancel, 200, 10.2)
    sent = agent.respond(invite, 487, 10.3)
    assert _request(sent, "ACK").top_via.branch == invite.top_via.branch
    assert events(ep) == [AgentLegFailed(leg, 487, True)]


def test_cancel_waits_for_a_provisional() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    assert ep.cancel(leg, 0.1)
    assert drain(ep) == []  # §9.1: no CANCEL before a provisional response
    sent = agent.respond(invite, 180, 0.2)
    _request(sent, "CANCEL")
    assert events(ep) == []  # no ringing for a leg being cancelled
    agent.respond(invite, 487, 0.3)
    assert events(ep) == [AgentLegFailed(leg, 487, True)]


def test_200_crossing_cancel_is_acked_then_byed() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    agent.respond(invite, 180, 0.1)
    events(ep)
    ep.cancel(leg, 1.0)
    cancel = _request(drain(ep), "CANCEL")
    sent = agent.respond(invite, 200, 1.1, body=SDP_ANSWER)
    ack, bye = _request(sent, "ACK"), _request(sent, "BYE")
    assert ack.cseq.number == 1 and bye.cseq.number == 2 and bye.to.tag == "agt1"
    assert [type(m).__name__ for m, _ in sent] == ["Request", "Request"]
    assert events(ep) == [AgentLegFailed(leg, 487, True)]
    agent.respond(cancel, 481, 1.2)
    agent.respond(bye, 200, 1.3)
    assert events(ep) == []
    assert ep.leg_state(leg) is None


def test_200_before_any_provisional_after_cancel() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    ep.cancel(leg, 0.1)
    sent = agent.respond(invite, 200, 0.2, body=SDP_ANSWER)
    assert [m.method for m, _ in sent if isinstance(m, Request)] == ["ACK", "BYE"]
    assert events(ep) == [AgentLegFailed(leg, 487, True)]


def test_cancel_without_final_gives_up() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    agent.respond(invite, 180, 0.1)
    events(ep)
    ep.cancel(leg, 1.0)
    cancel = _request(drain(ep), "CANCEL")
    agent.respond(cancel, 200, 1.1)
    ep.handle_timer(1.0 + 32.0)
    assert events(ep) == [AgentLegFailed(leg, 408, True)]
    assert ep.leg_state(leg) is None
    ep.handle_timer(100.0)
    assert ep.next_deadline() is None and not ep.legs._txns and not ep.legs._by_call


def test_timer_a_and_timer_b() -> None:
    ep = endpoint()
    leg, _, invite = _call(ep)
    times = []
    now = 0.0
    while (deadline := ep.next_deadline()) is not None and deadline < 32.0:
        now = deadline
        ep.handle_timer(now)
        for msg, _ in drain(ep):
            assert isinstance(msg, Request) and msg.serialize() == invite.serialize()
            times.append(now)
    assert times == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    ep.handle_timer(32.0)
    assert events(ep) == [AgentLegFailed(leg, 408)]
    assert ep.next_deadline() is None and ep.leg_state(leg) is None


def test_provisional_stops_retransmissions_and_timer_b() -> None:
    ep = endpoint()
    _, agent, invite = _call(ep)
    agent.respond(invite, 100, 0.1)
    assert ep.next_deadline() is None  # ringing time is the application's business
    ep.handle_timer(100.0)
    assert drain(ep) == [] and events(ep) == []


def test_bye_from_the_agent() -> None:
    ep = endpoint()
    leg, agent, _ = _answered(ep)
    sent = agent.bye(3.0)
    assert [m.status for m, _ in sent if isinstance(m, Response)] == [200]
    assert sent[0][1].destination == AGENT
    assert events(ep) == [AgentLegHungUp(leg, True)]
    assert ep.leg_state(leg) is None and not ep.hang_up(leg, 3.1)
    again = agent.bye(3.2)  # a later request in the ended dialog: 481
    assert [m.status for m, _ in again if isinstance(m, Response)] == [481]


def test_both_hang_up_at_once() -> None:
    ep = endpoint()
    leg, agent, _ = _answered(ep)
    ep.hang_up(leg, 3.0)
    bye = _request(drain(ep), "BYE")
    sent = agent.bye(3.0)
    assert [m.status for m, _ in sent if isinstance(m, Response)] == [200]
    assert events(ep) == []
    agent.respond(bye, 481, 3.1)
    assert events(ep) == [AgentLegHungUp(leg, False, 481)]


def test_our_bye_times_out() -> None:
    ep = endpoint()
    leg, _, _ = _answered(ep)
    ep.hang_up(leg, 3.0)
    drain(ep)
    ep.handle_timer(3.0 + 32.0)
    drain(ep)
    assert events(ep) == [AgentLegHungUp(leg, False, 408)]


def test_in_dialog_requests_from_the_agent() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    agent.cseq = 5
    lines = [
        "OPTIONS sip:127.0.0.1:5060 SIP/2.0",
        f"Via: SIP/2.0/UDP {AGENT[0]}:{AGENT[1]};branch=z9hG4bK-opt",
        f"From: {invite.headers.get('to')};tag=agt1",
        f"To: {invite.headers.get('from')}",
        f"Call-ID: {invite.call_id}",
        "CSeq: 5 OPTIONS",
        "Max-Forwards: 70",
        "Content-Length: 0",
    ]
    ep.receive(("\r\n".join(lines) + "\r\n\r\n").encode(), AGENT, 1.0)
    assert [m.status for m, _ in drain(ep) if isinstance(m, Response)] == [200]
    lower = ("\r\n".join(lines).replace("5 OPTIONS", "4 OPTIONS").replace("-opt", "-o2")
             + "\r\n\r\n").encode()
    ep.receive(lower, AGENT, 1.1)
    assert [m.status for m, _ in drain(ep) if isinstance(m, Response)] == [500]
    assert ep.leg_state(leg) == "answered"
    reinvite = lines[:]
    reinvite[0] = "INVITE sip:127.0.0.1:5060 SIP/2.0"
    reinvite[1] += "-re"
    reinvite[5] = "CSeq: 6 INVITE"
    ep.receive(("\r\n".join(reinvite) + "\r\n\r\n").encode(), AGENT, 1.2)
    assert [m.status for m, _ in drain(ep) if isinstance(m, Response)] == [100]
    assert events(ep) == [AgentLegReoffered(leg, b"")]  # offerless: the app decides
    assert ep.reject_agent_reoffer(leg, 488, 1.3)
    assert [m.status for m, _ in drain(ep) if isinstance(m, Response)] == [488]
    assert ep.leg_state(leg) == "answered" and events(ep) == []


def test_record_route_and_destination_pinning() -> None:
    ep = endpoint()
    leg = ep.invite(
        "sip:bob@phone.example", b"", 0.0, from_user="q", destination=("10.0.0.9", 5090)
    )
    ((invite, out),) = drain(ep)
    assert isinstance(invite, Request) and out.destination == ("10.0.0.9", 5090)
    assert "content-type" not in invite.headers
    agent = Agent(ep)
    sent = agent.respond(invite, 200, 0.1, body=SDP_ANSWER,
                         record_route=("<sip:p2.example;lr>", "<sip:p1.example;lr>"))
    ack = _request(sent, "ACK")
    assert sent[0][1].destination == ("10.0.0.9", 5090)
    assert ack.headers.get_all("route") == ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]
    assert events(ep) == [AgentLegAnswered(leg, SDP_ANSWER)]


def test_bad_targets_and_ids() -> None:
    ep = endpoint()
    with pytest.raises(ValueError):
        ep.invite("sip:bob@phone.example", b"", 0.0, from_user="q")
    with pytest.raises(ValueError):
        ep.invite("not a uri", b"", 0.0, from_user="q")
    ep.invite(TARGET, b"", 0.0, from_user="q", leg_id="leg-1")
    with pytest.raises(StateError):
        ep.invite(TARGET, b"", 0.0, from_user="q", leg_id="leg-1")
    assert not ep.cancel("nope", 0.0) and ep.leg_state("nope") is None
    assert ep.leg_state("leg-1") == "calling"


def test_a_second_dialog_is_acked_and_byed() -> None:
    ep = endpoint()
    leg, _, invite = _answered(ep)
    fork = Agent(ep, to_tag="agt2")
    sent = fork.respond(invite, 200, 0.3, body=SDP_ANSWER)
    ack, bye = _request(sent, "ACK"), _request(sent, "BYE")
    assert ack.to.tag == bye.to.tag == "agt2" and ack.cseq.number == 1
    fork.respond(bye, 200, 0.4)
    assert events(ep) == [] and ep.leg_state(leg) == "answered"


def test_tcp_leg_sets_no_retransmission_timers() -> None:
    ep = endpoint()
    leg = ep.invite(TARGET, SDP_OFFER, 0.0, from_user="q", transport="tcp")
    ((invite, out),) = drain(ep)
    assert isinstance(invite, Request) and out.transport == "tcp" and out.conn is None
    assert "SIP/2.0/TCP" in (invite.headers.get("via") or "")
    assert ep.next_deadline() == 32.0  # Timer B only
    Agent(ep).respond(invite, 486, 0.1)
    assert events(ep) == [AgentLegFailed(leg, 486)]
    assert ep.next_deadline() is None  # Timer D is zero on TCP


def test_a_2xx_after_a_failure_is_acked_and_byed() -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    agent.respond(invite, 486, 0.1)
    assert events(ep) == [AgentLegFailed(leg, 486)]
    sent = Agent(ep, to_tag="agt2").respond(invite, 200, 0.2, body=SDP_ANSWER)
    assert [m.method for m, _ in sent if isinstance(m, Request)] == ["ACK", "BYE"]
    assert events(ep) == []

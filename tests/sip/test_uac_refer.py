"""Requests from an agent's phone inside an answered leg: REFER (blind transfer) with the
NOTIFYs we send back, and re-INVITEs (hold, resume, codec change) with their 2xx and ACK."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sip.events import AgentLegHungUp, AgentLegReferred, AgentLegReoffered
from sip.message import Request, Response
from tests.sip.test_uac import AGENT, Agent, _answered, _request
from tests.sip.test_uas_support import SDP_ANSWER, Sent, drain, endpoint, events

T1 = 0.5


def send(agent: Agent, invite: Request, method: str, now: float, *, headers: tuple[str, ...] = (),
         body: bytes = b"", ctype: str = "application/sdp", cseq: int | None = None,
         branch: str | None = None) -> Sent:
    """The agent's phone sends ``method`` inside the leg's dialog."""
    if cseq is None:
        agent.cseq += 1
        cseq = agent.cseq
    lines = [
        f"{method} sip:127.0.0.1:5060 SIP/2.0",
        f"Via: SIP/2.0/UDP {AGENT[0]}:{AGENT[1]};branch={branch or f'z9hG4bK-a{method}{cseq}'}",
        f"From: {invite.headers.get('to')};tag={agent.to_tag}",
        f"To: {invite.headers.get('from')}",
        f"Call-ID: {invite.call_id}",
        f"CSeq: {cseq} {method}",
        "Max-Forwards: 70",
        f"Contact: <sip:alice@{AGENT[0]}:{AGENT[1]}>",
        *headers,
    ]
    if body:
        lines.append(f"Content-Type: {ctype}")
    lines.append(f"Content-Length: {len(body)}")
    agent.ep.receive(("\r\n".join(lines) + "\r\n\r\n").encode() + body, AGENT, now)
    return drain(agent.ep)


def statuses(sent: Sent) -> list[int]:
    return [m.status for m, _ in sent if isinstance(m, Response)]


def refer(agent: Agent, invite: Request, now: float, *headers: str) -> Sent:
    return send(agent, invite, "REFER", now, headers=headers)


# ------------------------------------------------------------------------ REFER


def test_refer_is_accepted_and_reported() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    assert "REFER" in (invite.headers.get("allow") or "")  # phones check before transferring
    sent = refer(agent, invite, 1.0, "Refer-To: <sip:sales@127.0.0.1:5060>",
                 "Referred-By: <sip:alice@192.0.2.20>")
    ((accepted, out),) = sent
    assert isinstance(accepted, Response) and accepted.status == 202
    assert out.destination == AGENT and accepted.contact  # a dialog usage: Contact given
    assert events(ep) == [AgentLegReferred(leg, "sip:sales@127.0.0.1:5060",
                                           "<sip:alice@192.0.2.20>")]
    assert ep.leg_state(leg) == "answered"


def test_notifies_go_in_the_dialog_with_the_sipfrag() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    refer(agent, invite, 1.0, "Refer-To: <tel:+33123456789>")
    assert events(ep) == [AgentLegReferred(leg, "tel:+33123456789")]
    assert ep.notify_refer(leg, 100, 1.1)
    sent = drain(ep)
    trying = _request(sent, "NOTIFY")
    assert sent[0][1].destination == AGENT
    cseq = agent.cseq
    assert trying.headers.get("event") == f"refer;id={cseq}"
    assert trying.headers.get("subscription-state") == "active;expires=60"
    assert trying.headers.get("content-type") == "message/sipfrag;version=2.0"
    assert trying.body == b"SIP/2.0 100 Trying\r\n"
    assert trying.call_id == invite.call_id and trying.uri == f"sip:alice@{AGENT[0]}:{AGENT[1]}"
    assert trying.from_.tag == invite.from_.tag and trying.to.tag == agent.to_tag
    assert trying.cseq.number == invite.cseq.number + 1  # the ACK took the INVITE's number
    assert agent.respond(trying, 200, 1.2) == []
    assert ep.notify_refer(leg, 200, 1.3)
    done = _request(drain(ep), "NOTIFY")
    assert done.headers.get("subscription-state") == "terminated;reason=noresource"
    assert done.body == b"SIP/2.0 200 OK\r\n" and done.cseq.number == trying.cseq.number + 1
    assert not ep.notify_refer(leg, 200, 1.4)  # the subscription is over
    agent.respond(done, 200, 1.5)
    assert events(ep) == [] and ep.leg_state(leg) == "answered"
    assert statuses(agent.bye(2.0)) == [200]
    assert events(ep) == [AgentLegHungUp(leg, True)]


def test_a_failed_transfer_is_notified_with_its_status() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    refer(agent, invite, 1.0, "Refer-To: sip:nobody@127.0.0.1")
    events(ep)
    assert ep.notify_refer(leg, 404, 1.1)
    notify = _request(drain(ep), "NOTIFY")
    assert notify.body == b"SIP/2.0 404 Not Found\r\n"
    assert (notify.headers.get("subscription-state") or "").startswith("terminated")
    # the subscription is over: the phone may transfer again
    assert statuses(refer(agent, invite, 2.0, "Refer-To: <sip:sales@127.0.0.1>")) == [202]


def test_notify_is_retransmitted_per_timer_e_then_times_out() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    refer(agent, invite, 1.0, "Refer-To: <sip:sales@127.0.0.1>")
    events(ep)
    ep.notify_refer(leg, 200, 10.0)
    first = _request(drain(ep), "NOTIFY")
    times = []
    now = 10.0
    while (deadline := ep.next_deadline()) is not None and deadline < 10.0 + 64 * T1 + 1:
        now = deadline
        ep.handle_timer(now)
        for message, out in drain(ep):
            assert isinstance(message, Request) and message.method == "NOTIFY"
            assert message.headers.get("via") == first.headers.get("via")  # same transaction
            assert out.destination == AGENT
            times.append(round(now - 10.0, 3))
    assert times[:5] == [0.5, 1.5, 3.5, 7.5, 11.5]  # T1 doubling, capped at T2 = 4 s
    left = ep.next_deadline()
    assert left is None or left > 10.0 + 64 * T1
    assert events(ep) == [] and ep.leg_state(leg) == "answered"  # a lost NOTIFY ends nothing


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ((), 400),
        (("Refer-To: <sip:a@127.0.0.1>", "Refer-To: <sip:b@127.0.0.1>"), 400),
        (("Refer-To: <mailto:boss@example.com>",), 488),
        (("Refer-To: <http://example.com/>",), 488),
        (("Refer-To: <sip:b@127.0.0.1?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2>",), 488),
        (("Refer-To: <sip:b@127.0.0.1;method=BYE>",), 488),
    ],
)
def test_bad_refers_get_a_4xx_and_change_nothing(headers: tuple[str, ...], status: int) -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    assert statuses(refer(agent, invite, 1.0, *headers)) == [status]
    # (two Refer-To are refused by the validator already, and counted as malformed)
    assert not any(isinstance(e, AgentLegReferred) for e in events(ep))
    assert ep.leg_state(leg) == "answered"
    assert not ep.notify_refer(leg, 100, 1.1)  # no subscription was created
    assert statuses(refer(agent, invite, 1.2, "Refer-To: <sip:sales@127.0.0.1>")) == [202]


def test_malformed_refer_to_is_400() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    assert statuses(refer(agent, invite, 1.0, "Refer-To: <sip:@@@>")) == [400]
    assert events(ep) == [] and ep.leg_state(leg) == "answered"


def test_one_transfer_at_a_time_and_none_while_ending() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    assert statuses(refer(agent, invite, 1.0, "Refer-To: <sip:sales@127.0.0.1>")) == [202]
    assert statuses(refer(agent, invite, 1.1, "Refer-To: <sip:other@127.0.0.1>")) == [403]
    assert len(events(ep)) == 1
    ep.hang_up(leg, 2.0)
    drain(ep)
    assert statuses(refer(agent, invite, 2.1, "Refer-To: <sip:sales@127.0.0.1>")) == [481]
    assert not ep.notify_refer(leg, 200, 2.2)
    assert events(ep) == []


def test_notify_refer_on_unknown_legs_and_bad_status() -> None:
    ep = endpoint()
    leg, _, _ = _answered(ep)
    assert not ep.notify_refer("nope", 200, 1.0)
    assert not ep.notify_refer(leg, 200, 1.0)  # never referred
    with pytest.raises(ValueError):
        ep.notify_refer(leg, 42, 1.0)
    assert drain(ep) == []


def test_a_retransmitted_refer_is_answered_again_not_reported_twice() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    first = send(agent, invite, "REFER", 1.0, headers=("Refer-To: <sip:s@127.0.0.1>",),
                 cseq=7, branch="z9hG4bK-r7")
    again = send(agent, invite, "REFER", 1.5, headers=("Refer-To: <sip:s@127.0.0.1>",),
                 cseq=7, branch="z9hG4bK-r7")
    assert statuses(first) == statuses(again) == [202]
    assert events(ep) == [AgentLegReferred(leg, "sip:s@127.0.0.1")]


# ------------------------------------------------------------------------ re-INVITE

HOLD = SDP_ANSWER.replace(b"a=sendrecv", b"").rstrip(b"\r\n") + b"\r\na=sendonly\r\n"


def ack(agent: Agent, invite: Request, cseq: int, now: float) -> Sent:
    return send(agent, invite, "ACK", now, cseq=cseq, branch=f"z9hG4bK-ack{cseq}")


def test_reinvite_is_reported_answered_and_acked() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    sent = send(agent, invite, "INVITE", 1.0, body=HOLD)
    assert statuses(sent) == [100]
    assert events(ep) == [AgentLegReoffered(leg, HOLD)]
    assert ep.answer_agent_reoffer(leg, b"v=0\r\n", 1.1)
    ((ok, out),) = drain(ep)
    assert isinstance(ok, Response) and ok.status == 200 and ok.body == b"v=0\r\n"
    assert ok.headers.get("content-type") == "application/sdp" and ok.contact
    assert out.destination == AGENT
    ep.handle_timer(1.1 + T1)  # no ACK yet: the 2xx again
    assert statuses(drain(ep)) == [200]
    assert ack(agent, invite, agent.cseq, 1.7) == []
    ep.handle_timer(5.0)
    assert drain(ep) == [] and events(ep) == []
    assert ep.leg_state(leg) == "answered"
    assert not ep.answer_agent_reoffer(leg, b"v=0\r\n", 5.1)  # nothing pending any more
    # the next re-offer (resume) goes the same way
    assert statuses(send(agent, invite, "INVITE", 6.0, body=SDP_ANSWER)) == [100]
    assert events(ep) == [AgentLegReoffered(leg, SDP_ANSWER)]


def test_reinvite_rejected_the_call_goes_on() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    send(agent, invite, "INVITE", 1.0, body=HOLD)
    events(ep)
    assert ep.reject_agent_reoffer(leg, 488, 1.1)
    assert statuses(drain(ep)) == [488]
    assert ack(agent, invite, agent.cseq, 1.2) == []  # the non-2xx ACK is absorbed
    assert ep.leg_state(leg) == "answered" and events(ep) == []
    with pytest.raises(ValueError):
        ep.reject_agent_reoffer(leg, 200, 1.3)


def test_reinvite_while_one_is_pending_or_unacked() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    send(agent, invite, "INVITE", 1.0, body=HOLD)
    events(ep)
    assert statuses(send(agent, invite, "INVITE", 1.1, body=HOLD)) == [100, 500]
    ep.answer_agent_reoffer(leg, b"v=0\r\n", 1.2)
    drain(ep)
    assert statuses(send(agent, invite, "INVITE", 1.3, body=HOLD)) == [100, 491]
    assert events(ep) == []


def test_reinvite_with_an_unreadable_body_is_415() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    sent = send(agent, invite, "INVITE", 1.0, body=b"hello", ctype="text/plain")
    assert statuses(sent) == [100, 415]
    assert events(ep) == [] and ep.leg_state(leg) == "answered"


def test_unacked_reinvite_2xx_ends_the_leg() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    send(agent, invite, "INVITE", 1.0, body=HOLD)
    events(ep)
    ep.answer_agent_reoffer(leg, b"v=0\r\n", 1.0)
    drain(ep)
    now, resent = 1.0, []
    while (deadline := ep.next_deadline()) is not None and deadline < 1.0 + 64 * T1:
        now = deadline
        ep.handle_timer(now)
        resent += [round(now - 1.0, 3) for _ in statuses(drain(ep))]
    assert resent[:5] == [0.5, 1.5, 3.5, 7.5, 11.5] and resent[-1] > 28  # T1 doubling to T2
    ep.handle_timer(1.0 + 64 * T1)
    bye = _request(drain(ep), "BYE")
    assert events(ep) == [AgentLegHungUp(leg, True, 408)]
    agent.respond(bye, 200, now + 1)
    assert events(ep) == [] and ep.leg_state(leg) is None


def test_our_hang_up_answers_a_pending_reinvite_487() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    send(agent, invite, "INVITE", 1.0, body=HOLD)
    events(ep)
    ep.hang_up(leg, 1.1)
    sent = drain(ep)
    assert statuses(sent) == [487] and _request(sent, "BYE") is not None
    assert not ep.answer_agent_reoffer(leg, b"v=0\r\n", 1.2)


def test_agent_bye_with_a_pending_reinvite() -> None:
    ep = endpoint()
    leg, agent, invite = _answered(ep)
    send(agent, invite, "INVITE", 1.0, body=HOLD)
    events(ep)
    assert statuses(agent.bye(1.1)) == [200, 487]
    assert events(ep) == [AgentLegHungUp(leg, True)]


def test_options_in_the_leg_says_what_we_accept() -> None:
    ep = endpoint()
    _, agent, invite = _answered(ep)
    ((ok, _),) = send(agent, invite, "OPTIONS", 1.0)
    assert isinstance(ok, Response) and ok.status == 200
    assert ok.headers.get("accept") and ok.contact


# ------------------------------------------------------------------------ fuzz

_STEP = st.one_of(
    st.tuples(st.sampled_from(["refer", "bad_refer", "reinvite", "offerless", "ack", "bye"]),
              st.just(0)),
    st.tuples(st.just("respond"), st.sampled_from([200, 202, 481, 408, 500])),
    st.tuples(st.just("notify"), st.sampled_from([100, 180, 200, 404, 503])),
    st.tuples(st.sampled_from(["answer", "reject", "hang_up"]), st.just(0)),
    st.tuples(st.just("timer"), st.integers(0, 40)),
)


class _Fuzz:
    """One answered leg, a phone doing random things in it and an application answering."""

    def __init__(self) -> None:
        self.ep = endpoint()
        self.leg, self.agent, self.invite = _answered(self.ep)
        self.pending: Request | None = None  # the last NOTIFY or BYE we sent the phone
        self.last = 0  # CSeq of the phone's last re-INVITE

    def note(self, sent: Sent) -> None:
        for message, _ in sent:
            if isinstance(message, Request) and message.method in ("NOTIFY", "BYE"):
                self.pending = message

    def phone(self, kind: str, arg: int, now: float) -> None:
        agent, invite = self.agent, self.invite
        if kind == "refer":
            self.note(refer(agent, invite, now, "Refer-To: <sip:sales@127.0.0.1>"))
        elif kind == "bad_refer":
            self.note(refer(agent, invite, now, "Refer-To: <mailto:x@example.com>"))
        elif kind in ("reinvite", "offerless"):
            self.note(send(agent, invite, "INVITE", now,
                           body=HOLD if kind == "reinvite" else b""))
            self.last = agent.cseq
        elif kind == "ack" and self.last:
            self.note(ack(agent, invite, self.last, now))
        elif kind == "bye":
            self.note(agent.bye(now))
        elif kind == "respond" and self.pending is not None:
            self.note(agent.respond(self.pending, arg, now))

    def app(self, kind: str, arg: int, now: float) -> None:
        ep, leg = self.ep, self.leg
        if kind == "notify":
            ep.notify_refer(leg, arg, now)
        elif kind == "answer":
            ep.answer_agent_reoffer(leg, b"v=0\r\n", now)
        elif kind == "reject":
            ep.reject_agent_reoffer(leg, 488, now)
        elif kind == "hang_up":
            ep.hang_up(leg, now)
        self.note(drain(ep))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_STEP, max_size=30))
def test_random_transfers_and_reoffers_never_raise(steps: list[tuple[str, int]]) -> None:
    fuzz = _Fuzz()
    ep, leg = fuzz.ep, fuzz.leg
    now = 1.0
    seen = []
    for kind, arg in steps:
        now += 0.01
        if kind == "timer":
            now += arg
            ep.handle_timer(now)
            fuzz.note(drain(ep))
        fuzz.phone(kind, arg, now)
        fuzz.app(kind, arg, now)
        seen += events(ep)
    ep.hang_up(leg, now)
    for _ in range(6):
        now += 40.0
        ep.handle_timer(now)
        drain(ep)
    seen += events(ep)
    endings = [e for e in seen if isinstance(e, AgentLegHungUp)]
    assert len(endings) == 1, seen
    assert ep.leg_state(leg) is None

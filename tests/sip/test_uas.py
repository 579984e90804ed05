"""SipEndpoint against SIPp-like callers: the scenarios of /work/shared/sipp, message by message."""

from __future__ import annotations

import pytest

from sip.events import (
    CallAckTimedOut,
    CallArrived,
    CallCancelled,
    CallHungUp,
    DtmfInfoReceived,
    HangUpCompleted,
    ReferProgress,
    ReofferReceived,
)
from sip.message import Request, Response
from sip.parser import parse
from sip.transaction import StateError
from tests.sip.test_uas_support import (
    CALLER,
    SDP_ANSWER,
    SDP_OFFER,
    Uac,
    drain,
    endpoint,
    established,
    events,
    statuses,
)


def _responses(sent: list[tuple[Request | Response, object]]) -> list[Response]:
    return [m for m, _ in sent if isinstance(m, Response)]


def _only_request(sent: list[tuple[Request | Response, object]]) -> Request:
    assert len(sent) == 1
    msg = sent[0][0]
    assert isinstance(msg, Request)
    return msg


# -- sipp -sn uac: INVITE / 100 / 180 / 200 / ACK / BYE / 200 ---------------------------------


def test_basic_call() -> None:
    ep = endpoint()
    uac = Uac(ep)
    sent = uac.invite(0.0)
    assert statuses(sent) == [100]
    trying = _responses(sent)[0]
    assert trying.to.tag is None  # §8.2.6.2: no tag needed on a 100
    assert sent[0][1].destination == CALLER and sent[0][1].transport == "udp"
    (arrived,) = events(ep)
    assert arrived == CallArrived(
        uac.call_id, "sipp", "answer", SDP_OFFER, CALLER, "sip:sipp@127.0.0.1:5061", "sipp"
    )

    assert ep.ring(uac.call_id, 0.1)
    (ringing,) = _responses(drain(ep))
    assert ringing.status == 180 and ringing.to.tag
    assert ringing.headers.get("contact") == "<sip:127.0.0.1:5060>"

    assert ep.answer(uac.call_id, SDP_ANSWER, 0.2)
    (ok,) = _responses(drain(ep))
    assert ok.status == 200 and ok.body == SDP_ANSWER
    assert ok.to.tag == ringing.to.tag
    assert ok.headers.get("content-type") == "application/sdp"
    assert "BYE" in (ok.headers.get("allow") or "")
    assert ep.call_state(uac.call_id) == "answered"

    uac.to_tag = ok.to.tag
    assert uac.ack(0.3) == []
    assert ep.call_state(uac.call_id) == "confirmed"
    assert events(ep) == []

    sent = uac.bye(1.0)
    assert statuses(sent) == [200]
    assert _responses(sent)[0].cseq.method == "BYE"
    assert events(ep) == [CallHungUp(uac.call_id)]
    assert ep.call_state(uac.call_id) is None and ep.active_calls == 0


def test_bye_retransmission_gets_the_same_200_and_no_second_event() -> None:
    ep = endpoint()
    uac = established(ep)
    uac.cseq += 1
    bye = uac.build("BYE", branch="z9hG4bK-bye", to_tag=uac.to_tag)
    first = uac.send(bye, 1.0)
    events(ep)
    again = uac.send(bye, 1.5)
    assert [o.data for _, o in again] == [o.data for _, o in first]
    assert events(ep) == []


def test_timers_are_all_gone_after_a_call() -> None:
    ep = endpoint()
    uac = established(ep)
    uac.bye(1.0)
    ep.handle_timer(1000.0)
    assert ep.next_deadline() is None
    assert drain(ep) == [] and ep._server == {} and ep._client == {}


# -- uac_invite_retrans.xml: the INVITE again after the 200 -----------------------------------


def test_invite_retransmitted_after_200_gets_the_same_200() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    events(ep)
    ep.answer(uac.call_id, SDP_ANSWER, 0.01)
    (first,) = drain(ep)
    # an OPTIONS in between, as the scenario does
    assert statuses(uac.send(uac.build("OPTIONS", cseq=1), 0.02)) == [200]
    again = uac.invite_again(0.03)
    assert [o.data for _, o in again] == [first[1].data]  # same 200, same To tag
    assert events(ep) == []  # never a second call
    assert ep.active_calls == 1
    uac.ack(0.04)
    assert ep.call_state(uac.call_id) == "confirmed"


def test_invite_retransmitted_while_ringing_gets_the_last_provisional() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    ep.ring(uac.call_id, 0.1)
    ringing = drain(ep)
    assert statuses(uac.invite_again(0.5)) == [180]
    assert [o.data for _, o in uac.invite_again(0.6)] == [o.data for _, o in ringing]
    assert len(events(ep)) == 1


def test_an_invite_reusing_a_live_call_id_on_another_branch_is_a_merged_request() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    sent = uac.send(uac.build("INVITE", cseq=1, body=SDP_OFFER), 0.1)  # new branch
    assert statuses(sent) == [100, 482]
    assert len(events(ep)) == 1


# -- 2xx retransmission (§13.3.1.4) and the ACK timeout ---------------------------------------


def test_200_is_retransmitted_doubling_up_to_t2_then_the_call_ends_with_a_bye() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    events(ep)
    ep.answer(uac.call_id, SDP_ANSWER, 0.0)
    drain(ep)
    times = []
    while (deadline := ep.next_deadline()) is not None and deadline < 32.0:
        ep.handle_timer(deadline)
        sent = drain(ep)
        if sent and statuses(sent) == [200]:
            times.append(deadline)
    assert times == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    assert events(ep) == []
    ep.handle_timer(32.0)
    (bye,) = [m for m, _ in drain(ep) if isinstance(m, Request)]
    assert bye.method == "BYE" and bye.to.tag == uac.from_tag
    assert events(ep) == [CallAckTimedOut(uac.call_id)]
    # the caller answers the BYE: no second ending event
    assert uac.send(uac.answer_of(bye, 200), 32.1) == []
    assert events(ep) == [] and ep.active_calls == 0


def test_tcp_still_retransmits_the_200() -> None:
    ep = endpoint()
    uac = Uac(ep, transport="tcp", conn=4)
    uac.invite(0.0)
    ep.answer(uac.call_id, SDP_ANSWER, 0.0)
    drain(ep)
    ep.handle_timer(0.5)
    (ok,) = drain(ep)
    assert ok[1].conn == 4 and ok[1].transport == "tcp"


# -- uac_wait_bye.xml: we hang up -------------------------------------------------------------


def test_our_bye_is_built_for_the_dialog_and_retransmitted_with_timer_e() -> None:
    ep = endpoint()
    uac = established(ep)
    assert ep.hang_up(uac.call_id, 5.0)
    sent = drain(ep)
    bye = _only_request(sent)
    assert sent[0][1].destination == CALLER  # the Contact, sip:sipp@127.0.0.1:5061
    assert bye.uri == "sip:sipp@127.0.0.1:5061"
    assert bye.from_.tag == uac.to_tag and bye.to.tag == uac.from_tag
    assert bye.call_id == uac.call_id and bye.cseq.method == "BYE"
    assert bye.top_via.is_rfc3261_branch and bye.top_via.host == "127.0.0.1"
    assert bye.max_forwards == 70
    times = []
    now = 5.0
    for _ in range(6):
        now = ep.next_deadline() or 0.0
        ep.handle_timer(now)
        assert [o.data for _, o in drain(ep)] == [sent[0][1].data]
        times.append(round(now - 5.0, 3))
    assert times == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5]
    assert uac.send(uac.answer_of(bye, 200), now) == []
    assert events(ep) == [HangUpCompleted(uac.call_id, 200)]
    assert ep.active_calls == 0
    assert uac.send(uac.answer_of(bye, 200), now + 1) == []  # late duplicate absorbed
    assert events(ep) == []


def test_our_bye_times_out_after_64_t1() -> None:
    ep = endpoint()
    uac = established(ep)
    ep.hang_up(uac.call_id, 0.0)
    drain(ep)
    ep.handle_timer(31.9)
    assert events(ep) == []
    ep.handle_timer(32.0)
    assert events(ep) == [HangUpCompleted(uac.call_id, 408)]


def test_bye_over_tcp_is_not_retransmitted() -> None:
    ep = endpoint()
    uac = established(ep, transport="tcp", conn=9)
    ep.hang_up(uac.call_id, 0.0)
    (bye,) = drain(ep)
    assert bye[1].conn == 9 and bye[1].transport == "tcp"
    assert isinstance(bye[0], Request) and bye[0].top_via.transport == "TCP"
    assert ep.next_deadline() == 32.0


def test_hang_up_before_the_ack_waits_for_it() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    ep.answer(uac.call_id, SDP_ANSWER, 0.0)
    uac.take()
    assert ep.hang_up(uac.call_id, 0.1)
    assert drain(ep) == []  # §15: no BYE before the ACK
    sent = uac.ack(0.2)
    assert _only_request(sent).method == "BYE"


def test_hang_up_before_the_ack_that_never_comes() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    events(ep)
    ep.answer(uac.call_id, SDP_ANSWER, 0.0)
    ep.hang_up(uac.call_id, 0.1)
    ep.handle_timer(32.0)
    bye = next(m for m, _ in drain(ep) if isinstance(m, Request))
    assert events(ep) == []  # the app asked: HangUpCompleted, not CallAckTimedOut
    uac.send(uac.answer_of(bye, 200), 32.5)
    assert events(ep) == [HangUpCompleted(uac.call_id, 200)]


def test_hang_up_while_ringing_answers_480() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    events(ep)
    assert ep.hang_up(uac.call_id, 0.5)
    assert statuses(drain(ep)) == [480]
    assert events(ep) == [HangUpCompleted(uac.call_id, 0)]
    assert statuses(uac.ack(0.6, same_branch=True)) == []


def test_both_hang_up_at_once() -> None:
    ep = endpoint()
    uac = established(ep)
    ep.hang_up(uac.call_id, 1.0)
    bye = _only_request(drain(ep))
    assert statuses(uac.bye(1.01)) == [200]  # their BYE crossed ours
    assert events(ep) == []
    uac.send(uac.answer_of(bye, 200), 1.02)
    assert events(ep) == [HangUpCompleted(uac.call_id, 200)]


# -- uac_cancel.xml ---------------------------------------------------------------------------


def test_cancel_while_ringing() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    events(ep)
    ep.ring(uac.call_id, 0.01)
    (ringing,) = _responses(drain(ep))
    sent = uac.cancel(0.2)
    answered = [(r.status, r.cseq.method) for r in _responses(sent)]
    assert answered == [(200, "CANCEL"), (487, "INVITE")]
    assert {r.to.tag for r in _responses(sent)} == {ringing.to.tag}
    assert events(ep) == [CallCancelled(uac.call_id)]
    assert ep.active_calls == 0
    assert uac.ack(0.21, same_branch=True) == []  # absorbed by the INVITE transaction
    ep.handle_timer(100.0)
    assert drain(ep) == [] and ep.next_deadline() is None
    assert not ep.answer(uac.call_id, SDP_ANSWER, 0.3)  # too late: a no-op


def test_487_is_retransmitted_with_timer_g_until_the_ack() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    uac.cancel(0.0)
    times = []
    while (deadline := ep.next_deadline()) is not None and deadline < 5:
        ep.handle_timer(deadline)
        if statuses(drain(ep)) == [487]:
            times.append(deadline)
    assert times == [0.5, 1.5, 3.5]
    uac.ack(5.0, same_branch=True)
    ep.handle_timer(9.0)
    assert drain(ep) == []


def test_cancel_retransmission_and_cancel_after_200() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    events(ep)
    ep.answer(uac.call_id, SDP_ANSWER, 0.0)
    drain(ep)
    assert statuses(uac.cancel(0.1)) == [200]  # no effect on an answered call
    assert statuses(uac.cancel(0.2)) == [200]
    assert events(ep) == [] and ep.call_state(uac.call_id) == "answered"


def test_cancel_of_nothing_is_481() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite_branch = "z9hG4bK-none"
    assert statuses(uac.cancel(0.0)) == [481]


def test_bye_on_the_early_dialog_cancels() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    events(ep)
    ep.ring(uac.call_id, 0.0)
    uac.take()
    assert statuses(uac.bye(0.5)) == [200, 487]
    assert events(ep) == [CallCancelled(uac.call_id)]


# -- reject -----------------------------------------------------------------------------------


def test_reject_488_then_ack_absorbed() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    events(ep)
    assert ep.reject(uac.call_id, 488, 0.1)
    (resp,) = _responses(drain(ep))
    assert resp.status == 488 and resp.to.tag
    assert events(ep) == []  # the app ended it itself
    assert uac.ack(0.2, same_branch=True) == []
    assert ep.next_deadline() == pytest.approx(5.2)  # Timer I only


def test_reject_without_ack_gives_up_after_timer_h() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    ep.reject(uac.call_id, 486, 0.0)
    drain(ep)
    ep.handle_timer(32.0)
    drain(ep)
    assert ep.next_deadline() is None and ep._server == {}


def test_reject_with_retry_after_and_refusing_new_calls() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    ep.reject(uac.call_id, 503, 0.0, retry_after=30)
    (resp,) = _responses(drain(ep))
    assert resp.headers.get("retry-after") == "30"
    ep.refuse_new_calls(120)
    events(ep)
    other = Uac(ep, n=2)
    sent = other.invite(1.0)
    assert statuses(sent) == [100, 503]
    assert _responses(sent)[1].headers.get("retry-after") == "120"
    assert events(ep) == []
    ep.accept_new_calls()
    assert statuses(Uac(ep, n=3).invite(2.0)) == [100]


def test_illegal_actions_raise_and_change_nothing() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    with pytest.raises(ValueError):
        ep.reject(uac.call_id, 200, 0.0)
    ep.answer(uac.call_id, SDP_ANSWER, 0.0)
    drain(ep)
    with pytest.raises(StateError) as info:
        ep.answer(uac.call_id, SDP_ANSWER, 0.1)
    assert info.value.status_hint == 500
    with pytest.raises(StateError):
        ep.ring(uac.call_id, 0.1)
    assert ep.call_state(uac.call_id) == "answered" and drain(ep) == []


def test_actions_on_unknown_calls_are_no_ops() -> None:
    ep = endpoint()
    for action in (ep.ring, ep.hang_up):
        assert action("nope", 0.0) is False
    assert ep.answer("nope", b"", 0.0) is False
    assert ep.answer_reoffer("nope", b"", 0.0) is False
    assert ep.reject("nope", 486, 0.0) is False
    assert ep.refer("nope", "sip:x@y", 0.0) is False
    assert drain(ep) == []


# -- uac_info_hold.xml: INFO dtmf-relay and hold/resume re-INVITEs ----------------------------


def test_info_dtmf_relay() -> None:
    ep = endpoint()
    uac = established(ep)
    body = b"Signal=5\r\nDuration=160\r\n"
    sent = uac.in_dialog("INFO", 0.3, body=body, ctype="application/dtmf-relay")
    assert statuses(sent) == [200]
    assert events(ep) == [DtmfInfoReceived(uac.call_id, "5", 160)]
    uac.in_dialog("INFO", 0.4, body=b"#", ctype="application/dtmf")
    uac.in_dialog("INFO", 0.5, body=b"Signal=11\r\n", ctype="application/dtmf-relay")
    assert [e.digit for e in events(ep) if isinstance(e, DtmfInfoReceived)] == ["#", "#"]


def test_other_info_bodies() -> None:
    ep = endpoint()
    uac = established(ep)
    assert statuses(uac.in_dialog("INFO", 0.3)) == [200]  # empty: keep-alive
    sent = uac.in_dialog("INFO", 0.4, body=b"hello", ctype="text/plain")
    assert statuses(sent) == [415]
    assert "application/dtmf-relay" in (_responses(sent)[0].headers.get("accept") or "")
    sent = uac.in_dialog("INFO", 0.5, body=b"x=1", ctype="application/dtmf-relay")
    assert statuses(sent) == [200]
    assert events(ep) == []


def test_reinvite_hold_then_resume() -> None:
    ep = endpoint()
    uac = established(ep)
    sent = uac.reinvite(0.3, "sendonly")
    assert statuses(sent) == [100]
    (reoffer,) = events(ep)
    assert isinstance(reoffer, ReofferReceived) and reoffer.sdp_offer.endswith(b"a=sendonly\r\n")
    held = SDP_ANSWER + b"a=recvonly\r\n"
    assert ep.answer_reoffer(uac.call_id, held, 0.4)
    (ok,) = _responses(drain(ep))
    assert ok.status == 200 and ok.cseq.number == uac.cseq == 2 and ok.body == held
    assert ok.to.tag == uac.to_tag and ok.headers.get("contact")
    ep.handle_timer(0.9)
    assert statuses(drain(ep)) == [200]  # retransmitted until its ACK
    assert uac.ack(1.0) == []
    ep.handle_timer(2.0)
    assert drain(ep) == []
    uac.reinvite(2.0, "sendrecv")
    (resume,) = events(ep)
    assert isinstance(resume, ReofferReceived) and b"a=sendrecv" in resume.sdp_offer
    ep.answer_reoffer(uac.call_id, SDP_ANSWER + b"a=sendrecv\r\n", 2.1)
    assert statuses(drain(ep)) == [200]
    uac.ack(2.2)
    ep.handle_timer(10.0)
    assert drain(ep) == [] and ep.call_state(uac.call_id) == "confirmed"
    ep.handle_timer(40.0)  # Timer L of the INVITE transactions
    assert ep.next_deadline() is None


def test_reinvite_glare_and_rejection() -> None:
    ep = endpoint()
    uac = established(ep)
    uac.reinvite(0.3, "sendonly")
    events(ep)
    sent = uac.reinvite(0.4, "inactive")  # the first is still unanswered
    assert statuses(sent) == [100, 500]
    assert _responses(sent)[1].headers.get("retry-after") is not None
    assert ep.reject(uac.call_id, 488, 0.5)  # refuse the pending re-offer
    assert statuses(drain(ep)) == [488]
    assert ep.call_state(uac.call_id) == "confirmed"
    assert ep.answer_reoffer(uac.call_id, SDP_ANSWER, 0.6) is False  # nothing pending


def test_reinvite_while_our_200_is_unacknowledged_is_491() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    ep.answer(uac.call_id, SDP_ANSWER, 0.0)
    uac.take()
    assert statuses(uac.reinvite(0.1, "sendonly")) == [100, 491]


def test_reinvite_cancelled() -> None:
    ep = endpoint()
    uac = established(ep)
    uac.cseq += 1
    offer = SDP_OFFER + b"a=sendonly\r\n"
    uac.send(uac.build("INVITE", branch="z9hG4bK-re", to_tag=uac.to_tag, body=offer), 0.3)
    events(ep)
    cancel = uac.build("CANCEL", branch="z9hG4bK-re", cseq=uac.cseq, to_tag=uac.to_tag)
    assert statuses(uac.send(cancel, 0.4)) == [200, 487]
    assert ep.call_state(uac.call_id) == "confirmed"
    assert ep.answer_reoffer(uac.call_id, SDP_ANSWER, 0.5) is False


# -- uac_accept_refer.xml ---------------------------------------------------------------------


def _notify(
    uac: Uac, now: float, frag: bytes, state: str = "terminated;reason=noresource"
) -> list[int | str]:
    extra = ("Event: refer", f"Subscription-State: {state}")
    return statuses(
        uac.in_dialog("NOTIFY", now, body=frag, ctype="message/sipfrag;version=2.0", extra=extra)
    )


def test_refer_then_notify_200_then_bye() -> None:
    ep = endpoint()
    uac = established(ep)
    assert ep.refer(uac.call_id, "sip:+33123456789@trunk.example.net", 1.0)
    refer = _only_request(drain(ep))
    assert refer.method == "REFER" and refer.uri == "sip:sipp@127.0.0.1:5061"
    assert refer.headers.get("refer-to") == "<sip:+33123456789@trunk.example.net>"
    assert refer.to.tag == uac.from_tag and refer.from_.tag == uac.to_tag
    assert b"Refer-To: <sip:" in refer.serialize()  # SIPp's regexp wants the long form
    assert uac.send(uac.answer_of(refer, 202, "Accepted"), 1.1) == []
    assert events(ep) == []
    assert _notify(uac, 1.2, b"SIP/2.0 200 OK\r\n") == [200]
    assert events(ep) == [ReferProgress(uac.call_id, 200, final=True)]
    ep.hang_up(uac.call_id, 1.3)
    assert _only_request(drain(ep)).method == "BYE"


def test_refer_progress_and_failures() -> None:
    ep = endpoint()
    uac = established(ep)
    ep.refer(uac.call_id, "0123456789", 1.0)
    refer = _only_request(drain(ep))
    assert refer.headers.get("refer-to") == "<sip:0123456789@127.0.0.1:5061>"
    with pytest.raises(StateError):
        ep.refer(uac.call_id, "sip:other@x", 1.01)  # one REFER at a time
    assert _notify(uac, 1.1, b"SIP/2.0 100 Trying\r\n", "active;expires=60") == [200]
    assert events(ep) == [ReferProgress(uac.call_id, 100, final=False)]
    assert _notify(uac, 1.2, b"SIP/2.0 486 Busy Here\r\n") == [200]
    assert events(ep) == [ReferProgress(uac.call_id, 486, final=True)]
    assert _notify(uac, 1.3, b"SIP/2.0 200 OK\r\n") == [481]  # subscription over


def test_refer_refused_or_unanswered() -> None:
    ep = endpoint()
    uac = established(ep)
    ep.refer(uac.call_id, "sip:agent@pbx", 1.0)
    refer = _only_request(drain(ep))
    uac.send(uac.answer_of(refer, 403, "Forbidden"), 1.1)
    assert events(ep) == [ReferProgress(uac.call_id, 403, final=True)]
    ep.refer(uac.call_id, "sip:agent@pbx", 2.0)
    drain(ep)
    ep.handle_timer(34.0)
    assert events(ep) == [ReferProgress(uac.call_id, 408, final=True)]
    with pytest.raises(ValueError):
        ep.refer(uac.call_id, "not a number", 40.0)


def test_notify_errors() -> None:
    ep = endpoint()
    uac = established(ep)
    assert _notify(uac, 0.5, b"SIP/2.0 200 OK\r\n") == [481]  # no REFER sent
    ep.refer(uac.call_id, "sip:a@b", 1.0)
    drain(ep)
    extra = ("Event: presence", "Subscription-State: active")
    assert statuses(uac.in_dialog("NOTIFY", 1.1, extra=extra)) == [489]
    extra = ("Event: refer", "Subscription-State: active")
    sent = uac.in_dialog("NOTIFY", 1.2, body=b"x", ctype="text/plain", extra=extra)
    assert statuses(sent) == [415]
    sent = uac.in_dialog("NOTIFY", 1.3, body=b"garbage", ctype="message/sipfrag", extra=extra)
    assert statuses(sent) == [400]
    assert events(ep) == []


# -- uac_options.xml and the 4xx/5xx for what we cannot do ------------------------------------


def test_options_out_of_dialog() -> None:
    ep = endpoint()
    uac = Uac(ep, user="ivr")
    sent = uac.send(uac.build("OPTIONS", cseq=1), 0.0)
    (ok,) = _responses(sent)
    assert ok.status == 200 and ok.to.tag
    assert "INVITE" in (ok.headers.get("allow") or "")
    assert "application/sdp" in (ok.headers.get("accept") or "")
    assert ep.active_calls == 0 and events(ep) == []


def test_options_in_dialog() -> None:
    ep = endpoint()
    uac = established(ep)
    assert statuses(uac.in_dialog("OPTIONS", 0.5)) == [200]


@pytest.mark.parametrize(
    ("method", "status"), [("REGISTER", 405), ("SUBSCRIBE", 405), ("REFER", 405), ("FOO", 501)]
)
def test_methods_we_do_not_take(method: str, status: int) -> None:
    ep = endpoint()
    uac = Uac(ep)
    (resp,) = _responses(uac.send(uac.build(method, cseq=1), 0.0))
    assert resp.status == status
    assert resp.headers.get("allow") == "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY"


def test_require_we_do_not_support_is_420() -> None:
    ep = endpoint()
    uac = Uac(ep)
    sent = uac.invite(0.0, extra=("Require: 100rel, timer",))
    (resp,) = _responses(sent)
    assert resp.status == 420 and resp.headers.get("unsupported") == "100rel, timer"
    assert events(ep) == []
    ep2 = endpoint(supported=("timer",))
    sent = Uac(ep2).invite(0.0, extra=("Require: timer",))
    assert statuses(sent) == [100]


@pytest.mark.parametrize(
    ("ctype", "extra", "status", "header"),
    [
        ("text/plain", (), 415, "accept"),
        ("application/sdp", ("Content-Encoding: gzip",), 415, "accept-encoding"),
        ("application/sdp", ("Accept: text/html",), 406, "warning"),
    ],
)
def test_invite_bodies_we_cannot_take(
    ctype: str, extra: tuple[str, ...], status: int, header: str
) -> None:
    ep = endpoint()
    uac = Uac(ep)
    sent = uac.invite(0.0, ctype=ctype, extra=extra)
    assert statuses(sent) == [100, status]
    assert _responses(sent)[1].headers.get(header)
    assert events(ep) == []


def test_invite_with_multipart_sdp_and_without_sdp() -> None:
    ep = endpoint()
    body = (
        b"--b1\r\nContent-Type: application/sdp\r\n\r\n" + SDP_OFFER
        + b"\r\n--b1\r\nContent-Type: application/isup\r\n\r\nxx\r\n--b1--\r\n"
    )
    Uac(ep).invite(0.0, body=body, ctype="multipart/mixed;boundary=b1")
    (arrived,) = events(ep)
    assert isinstance(arrived, CallArrived) and arrived.sdp_offer == SDP_OFFER
    Uac(ep, n=2).invite(0.0, body=b"")
    (arrived,) = events(ep)
    assert isinstance(arrived, CallArrived) and arrived.sdp_offer == b""


def test_wrong_version_is_505() -> None:
    ep = endpoint()
    uac = Uac(ep)
    sent = uac.send(uac.build("OPTIONS", cseq=1, version="SIP/3.0"), 0.0)
    assert statuses(sent) == [505]


def test_unknown_dialog_is_481_and_lower_cseq_is_500() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.to_tag = "not-ours"
    assert statuses(uac.bye(0.0)) == [481]
    uac2 = established(ep, n=2)
    uac2.cseq = 5
    assert statuses(uac2.in_dialog("INFO", 0.1)) == [200]
    uac2.cseq = 2
    assert statuses(uac2.in_dialog("INFO", 0.2)) == [500]
    assert statuses(uac2.in_dialog("BYE", 0.3)) == [500]
    assert ep.call_state(uac2.call_id) == "confirmed"


def test_requests_after_our_bye_are_481() -> None:
    ep = endpoint()
    uac = established(ep)
    ep.hang_up(uac.call_id, 1.0)
    drain(ep)
    assert statuses(uac.in_dialog("INFO", 1.1)) == [481]


def test_stray_acks_and_responses_get_nothing() -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.to_tag = "zz"
    assert uac.ack(0.0) == []
    bye = parse(uac.build("BYE", to_tag="zz"))
    assert isinstance(bye, Request)
    assert uac.send(uac.answer_of(bye, 200), 0.1) == []
    assert events(ep) == []


def test_same_seed_same_bytes() -> None:
    def run() -> list[bytes]:
        ep = endpoint(seed=3)
        uac = established(ep)
        ep.hang_up(uac.call_id, 1.0)
        return [o.data for o in ep.datagrams_to_send()]

    assert run() == run()


def test_reinvite_200_never_acknowledged_ends_the_call() -> None:
    ep = endpoint()
    uac = established(ep)
    uac.reinvite(1.0, "sendonly")
    events(ep)
    ep.answer_reoffer(uac.call_id, SDP_ANSWER, 1.0)
    drain(ep)
    ep.handle_timer(20.0)
    ep.handle_timer(33.0)
    assert events(ep) == [CallAckTimedOut(uac.call_id)]
    assert "BYE" in statuses(drain(ep))


def test_hang_up_with_a_reoffer_pending_answers_it_487() -> None:
    ep = endpoint()
    uac = established(ep)
    uac.reinvite(1.0, "sendonly")
    events(ep)
    ep.hang_up(uac.call_id, 1.5)
    assert statuses(drain(ep)) == [487, "BYE"]

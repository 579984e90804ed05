"""Hypothesis: whatever arrives, receive() absorbs it, and calls end exactly once."""

from __future__ import annotations

import contextlib
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sip.errors import SipError
from sip.events import (
    CallAckTimedOut,
    CallArrived,
    CallCancelled,
    CallHungUp,
    HangUpCompleted,
)
from sip.message import Request
from sip.parser import parse
from tests.sip.sip_corpus import CORPUS_AVAILABLE, load_index, read
from tests.sip.test_uas_support import SDP_ANSWER, SDP_OFFER, Uac, endpoint, events

SCALE = int(os.environ.get("SIP_FUZZ_SCALE", "1"))
FAST = settings(
    max_examples=150 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_UAC = Uac(endpoint())
SEEDS: list[bytes] = [
    _UAC.build("INVITE", branch="z9hG4bK-s1", cseq=1, body=SDP_OFFER),
    _UAC.build("ACK", branch="z9hG4bK-s2", cseq=1, to_tag="x"),
    _UAC.build("BYE", branch="z9hG4bK-s3", cseq=2, to_tag="x"),
    _UAC.build("CANCEL", branch="z9hG4bK-s1", cseq=1),
    _UAC.build("INFO", cseq=3, to_tag="x", body=b"Signal=5\r\n", ctype="application/dtmf-relay"),
    _UAC.build("NOTIFY", cseq=4, to_tag="x", body=b"SIP/2.0 200 OK\r\n", ctype="message/sipfrag",
               extra=("Event: refer", "Subscription-State: terminated")),
    _UAC.build("OPTIONS", cseq=1),
    b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1"
    b"\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: q\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
]
if CORPUS_AVAILABLE:
    SEEDS += [read(entry) for entry in load_index()]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from([b"\r\n", b" ", b";", b",", b":", b"\x00", b"<"]))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
        elif op == "truncate":
            del data[pos:]
        else:
            line_end = data.find(b"\r\n", pos)
            start = data.rfind(b"\r\n", 0, pos) + 2
            if line_end > start:
                data[line_end:line_end] = b"\r\n" + data[start:line_end]
    return bytes(data)


@FAST
@given(st.binary(max_size=600))
def test_random_bytes_are_absorbed(data: bytes) -> None:
    ep = endpoint()
    ep.receive(data, ("127.0.0.1", 5061), 0.0, "udp")
    ep.receive(data, ("127.0.0.1", 5061), 0.0, "tcp", 1)
    ep.handle_timer(100.0)
    ep.datagrams_to_send()
    events(ep)


@FAST
@given(st.lists(mutated(), min_size=1, max_size=6), st.sampled_from(["udp", "tcp"]))
def test_mutated_messages_are_absorbed(datagrams: list[bytes], transport: str) -> None:
    ep = endpoint()
    for i, data in enumerate(datagrams):
        ep.receive(data, ("127.0.0.1", 5061), float(i), transport, 1)
        for out in ep.datagrams_to_send():
            with contextlib.suppress(SipError):
                msg = parse(out.data)
                assert not (isinstance(msg, Request) and msg.method == "ACK")
    ep.handle_timer(1000.0)
    events(ep)


_ENDINGS = (CallCancelled, CallHungUp, HangUpCompleted, CallAckTimedOut)
_STEPS = st.sampled_from(
    ["ring", "answer", "reject", "hang_up", "refer", "reoffer_answer",
     "ack", "bye", "cancel", "reinvite", "info", "invite_again", "timer"]
)


@FAST
@given(st.lists(_STEPS, max_size=14))
def test_each_call_ends_at_most_once_whatever_the_order(steps: list[str]) -> None:
    ep = endpoint()
    uac = Uac(ep)
    uac.invite(0.0)
    now = 0.0
    for step in steps:
        now += 0.3
        with contextlib.suppress(SipError, ValueError):  # StateError: a refused app action
            _step(ep, uac, step, now)
    ep.handle_timer(now + 100.0)
    ep.handle_timer(now + 200.0)
    uac.take()
    seen = events(ep)
    assert sum(isinstance(e, CallArrived) for e in seen) == 1
    assert sum(isinstance(e, _ENDINGS) for e in seen) <= 1
    assert ep.active_calls == 0 or ep.call_state(uac.call_id) in ("early", "confirmed")
    assert ep.next_deadline() is None or ep.active_calls == 1


def _step(ep: object, uac: Uac, step: str, now: float) -> None:
    from sip.uas import SipEndpoint

    assert isinstance(ep, SipEndpoint)
    cid = uac.call_id
    actions = {
        "ring": lambda: ep.ring(cid, now),
        "answer": lambda: ep.answer(cid, SDP_ANSWER, now),
        "reject": lambda: ep.reject(cid, 486, now),
        "hang_up": lambda: ep.hang_up(cid, now),
        "refer": lambda: ep.refer(cid, "sip:agent@192.0.2.1", now),
        "reoffer_answer": lambda: ep.answer_reoffer(cid, SDP_ANSWER, now),
        "ack": lambda: uac.ack(now),
        "bye": lambda: uac.bye(now),
        "cancel": lambda: uac.cancel(now),
        "reinvite": lambda: uac.reinvite(now, "sendonly"),
        "info": lambda: uac.in_dialog("INFO", now, body=b"Signal=1", ctype="application/dtmf"),
        "invite_again": lambda: uac.invite_again(now),
        "timer": lambda: ep.handle_timer(now + 5.0),
    }
    actions[step]()
    uac.take()

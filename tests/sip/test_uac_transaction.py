"""The client INVITE transaction (RFC 3261 §17.1.1, RFC 6026) on its own."""

from __future__ import annotations

import pytest

from sip.message import Request, Response
from sip.timers import TimerConfig
from sip.transaction import StateError, TxState
from sip.uac_transaction import ClientInviteTransaction, non_2xx_ack

INVITE = Request(
    "INVITE",
    "sip:alice@192.0.2.20",
    [
        ("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1;rport"),
        ("Max-Forwards", "70"),
        ("From", "<sip:q@127.0.0.1>;tag=us"),
        ("To", "<sip:alice@192.0.2.20>"),
        ("Call-ID", "c1"),
        ("CSeq", "1 INVITE"),
        ("Route", "<sip:proxy.example;lr>"),
    ],
)


def _response(status: int, tag: str = "them") -> Response:
    return Response(
        status,
        None,
        [
            ("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1;rport"),
            ("From", "<sip:q@127.0.0.1>;tag=us"),
            ("To", f"<sip:alice@192.0.2.20>;tag={tag}"),
            ("Call-ID", "c1"),
            ("CSeq", "1 INVITE"),
        ],
    )


def _txn(reliable: bool = False) -> ClientInviteTransaction:
    return ClientInviteTransaction(("k",), INVITE, TimerConfig(), 0.0, reliable=reliable)


def test_non_2xx_ack_fields() -> None:
    ack = non_2xx_ack(INVITE, _response(486))
    assert ack.uri == INVITE.uri and ack.top_via.branch == "z9hG4bK-1"
    assert ack.to.tag == "them" and ack.from_.tag == "us"
    assert str(ack.cseq) == "1 ACK" and ack.headers.get_all("route") == ["<sip:proxy.example;lr>"]


def test_accepted_passes_every_2xx_and_ends_with_timer_m() -> None:
    txn = _txn()
    assert txn.receive(_response(180), 0.1).to_tu
    assert txn.receive(_response(200), 0.2) == (True, None)
    assert txn.state is TxState.ACCEPTED
    assert txn.receive(_response(200), 0.7) == (True, None)
    assert txn.receive(_response(486), 0.8) == (False, None)
    assert txn.next_deadline() == pytest.approx(32.2)
    assert txn.on_timer(32.2).timed_out is False and txn.terminated


def test_completed_re_acks_and_rejects_foreign_inputs() -> None:
    txn = _txn()
    first = txn.receive(_response(503), 0.1)
    assert first.to_tu and first.send is not None
    assert txn.receive(_response(503), 0.2) == (False, first.send)
    assert txn.receive(_response(200, "fork"), 0.3) == (True, None)
    with pytest.raises(StateError):
        txn._next("A")
    assert txn.state is TxState.COMPLETED
    txn.on_timer(0.1 + 32.0)
    assert txn.terminated


def test_reliable_transport() -> None:
    txn = _txn(reliable=True)
    assert txn.next_deadline() == 32.0  # no Timer A
    assert txn.receive(_response(404), 0.1).send is not None
    assert txn.terminated  # Timer D is zero

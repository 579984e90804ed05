"""The three transaction machines (RFC 3261 §17, RFC 6026) and §17.2.3 matching, fake clock."""

from __future__ import annotations

import pytest

from sip.message import Request, Response, make_response
from sip.parser import parse
from sip.timers import TimerConfig
from sip.transaction import (
    ClientNonInviteTransaction,
    ServerInviteTransaction,
    ServerNonInviteTransaction,
    StateError,
    TxState,
    client_key,
    server_key,
)

T = TimerConfig()


def _request(
    method: str = "INVITE",
    *,
    branch: str | None = "z9hG4bKabc",
    sent_by: str = "192.0.2.1:5060",
    cseq: str | None = None,
    to_tag: str | None = None,
    uri: str = "sip:ivr@192.0.2.9",
) -> Request:
    via = f"SIP/2.0/UDP {sent_by}" + (f";branch={branch}" if branch else "")
    to = "<sip:ivr@192.0.2.9>" + (f";tag={to_tag}" if to_tag else "")
    data = (
        f"{method} {uri} SIP/2.0\r\nVia: {via}\r\nFrom: <sip:a@192.0.2.1>;tag=f1\r\n"
        f"To: {to}\r\nCall-ID: c1\r\nCSeq: {cseq or '1 ' + method}\r\nMax-Forwards: 70\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    msg = parse(data)
    assert isinstance(msg, Request)
    return msg


def _response(request: Request, status: int) -> Response:
    return make_response(request, status, to_tag="t1")


def _run(txn: ServerInviteTransaction | ClientNonInviteTransaction, until: float) -> list[float]:
    """Fire timers up to ``until``; the times at which something was re-sent."""
    sent = []
    while (deadline := txn.next_deadline()) is not None and deadline <= until:
        if txn.on_timer(deadline).send:
            sent.append(round(deadline, 6))
    return sent


# -- server INVITE ----------------------------------------------------------------------------


def test_server_invite_provisional_then_retransmission() -> None:
    inv = _request()
    txn = ServerInviteTransaction(server_key(inv), inv, T)
    trying = txn.send(_response(inv, 100), 0.0)
    assert txn.receive(inv, 0.1).send == trying
    ringing = txn.send(_response(inv, 180), 0.2)
    assert txn.receive(inv, 0.3) == (ringing, False)
    assert txn.state is TxState.PROCEEDING and txn.next_deadline() is None


def test_server_invite_non_2xx_timer_g_then_ack_then_timer_i() -> None:
    inv = _request()
    txn = ServerInviteTransaction(server_key(inv), inv, T)
    busy = txn.send(_response(inv, 486), 0.0)
    assert txn.state is TxState.COMPLETED
    assert _run(txn, 10.0) == [0.5, 1.5, 3.5, 7.5]
    assert txn.receive(inv, 10.1).send == busy  # INVITE again: the final response again
    ack = _request("ACK", cseq="1 ACK", to_tag="t1")
    assert txn.receive(ack, 10.2) == (None, False)
    assert txn.state is TxState.CONFIRMED
    assert txn.next_deadline() == pytest.approx(15.2)  # Timer I = T4
    assert txn.receive(inv, 11.0).send is None  # absorbed
    txn.on_timer(15.2)
    assert txn.terminated


def test_server_invite_timer_h_without_ack() -> None:
    inv = _request()
    txn = ServerInviteTransaction(server_key(inv), inv, T)
    txn.send(_response(inv, 503), 0.0)
    sent = _run(txn, 31.9)
    assert sent == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]  # G capped at T2
    result = txn.on_timer(32.0)
    assert result.timed_out and txn.terminated


def test_server_invite_over_tcp_has_no_timer_g_and_no_timer_i() -> None:
    inv = _request()
    txn = ServerInviteTransaction(server_key(inv), inv, T, reliable=True)
    txn.send(_response(inv, 486), 0.0)
    assert txn.next_deadline() == 32.0  # only H
    txn.receive(_request("ACK", cseq="1 ACK"), 1.0)
    assert txn.terminated


def test_server_invite_accepted_state_rfc6026() -> None:
    inv = _request()
    txn = ServerInviteTransaction(server_key(inv), inv, T)
    ok = txn.send(_response(inv, 200), 0.0)
    assert txn.state is TxState.ACCEPTED
    assert txn.receive(inv, 1.0).send == ok  # the same 200, never a new call
    assert txn.receive(_request("ACK", cseq="1 ACK"), 1.1) == (None, True)  # to the TU
    assert txn.send(_response(inv, 200), 1.5) == ok  # the TU's retransmission
    assert txn.next_deadline() == 32.0  # Timer L
    txn.on_timer(32.0)
    assert txn.terminated


@pytest.mark.parametrize(
    ("first", "then"), [(200, 180), (486, 200), (486, 180), (200, 486), (486, 603)]
)
def test_server_invite_illegal_sends_raise_and_change_nothing(first: int, then: int) -> None:
    inv = _request()
    txn = ServerInviteTransaction(server_key(inv), inv, T)
    data = txn.send(_response(inv, first), 0.0)
    state, deadline = txn.state, txn.next_deadline()
    with pytest.raises(StateError) as info:
        txn.send(_response(inv, then), 0.1)
    assert info.value.status_hint == 500
    assert (txn.state, txn.next_deadline(), txn.last_response) == (state, deadline, data)


def test_stray_ack_before_a_final_response_is_ignored() -> None:
    inv = _request()
    txn = ServerInviteTransaction(server_key(inv), inv, T)
    assert txn.receive(_request("ACK", cseq="1 ACK"), 0.0) == (None, False)
    assert txn.state is TxState.PROCEEDING


# -- server non-INVITE ------------------------------------------------------------------------


def test_server_non_invite_absorbs_then_resends_then_timer_j() -> None:
    bye = _request("BYE", to_tag="t1")
    txn = ServerNonInviteTransaction(server_key(bye), "BYE", T)
    assert txn.receive(bye, 0.0).send is None  # Trying: nothing to re-send yet
    ok = txn.send(_response(bye, 200), 0.1)
    assert txn.receive(bye, 0.2).send == ok
    assert txn.next_deadline() == pytest.approx(32.1)
    txn.on_timer(32.1)
    assert txn.terminated
    with pytest.raises(StateError):
        txn.send(_response(bye, 200), 33.0)


def test_server_non_invite_provisional_and_tcp() -> None:
    bye = _request("BYE", to_tag="t1")
    txn = ServerNonInviteTransaction(server_key(bye), "BYE", T, reliable=True)
    trying = txn.send(_response(bye, 100), 0.0)
    assert txn.state is TxState.PROCEEDING and txn.receive(bye, 0.1).send == trying
    txn.send(_response(bye, 200), 0.2)
    assert txn.terminated  # Timer J is zero on TCP


# -- client non-INVITE ------------------------------------------------------------------------


def _client(reliable: bool = False) -> ClientNonInviteTransaction:
    return ClientNonInviteTransaction(
        client_key("z9hG4bKus", "BYE"), "BYE", b"BYE ...", T, 0.0, reliable=reliable
    )


def _their(status: int) -> Response:
    return _response(_request("BYE", branch="z9hG4bKus", to_tag="t1"), status)


def test_client_timer_e_doubles_to_t2_then_timer_f() -> None:
    txn = _client()
    assert _run(txn, 31.9) == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    result = txn.on_timer(32.0)
    assert result.timed_out and txn.terminated


def test_client_proceeding_retransmits_every_t2() -> None:
    txn = _client()
    assert txn.receive(_their(100), 0.1)
    assert txn.state is TxState.PROCEEDING
    assert _run(txn, 9.0) == [0.5, 4.5, 8.5]


def test_client_final_response_then_timer_k_absorbs_duplicates() -> None:
    txn = _client()
    assert txn.receive(_their(200), 0.2)
    assert txn.response is not None and txn.response.status == 200
    assert txn.next_deadline() == pytest.approx(5.2)  # Timer K = T4
    assert not txn.receive(_their(200), 0.3)
    txn.on_timer(5.2)
    assert txn.terminated


def test_client_over_tcp_never_retransmits() -> None:
    txn = _client(reliable=True)
    assert txn.next_deadline() == 32.0
    txn.receive(_their(481), 1.0)
    assert txn.terminated


# -- §17.2.3 matching -------------------------------------------------------------------------


def test_keys_rfc3261() -> None:
    inv = _request()
    assert server_key(_request("ACK", cseq="1 ACK", to_tag="t1")) == server_key(inv)
    cancel = _request("CANCEL", cseq="1 CANCEL")
    assert server_key(cancel) != server_key(inv)
    assert server_key(cancel, method="INVITE") == server_key(inv)
    assert server_key(_request(sent_by="192.0.2.1:5070")) != server_key(inv)
    assert server_key(_request(branch="z9hG4bKother")) != server_key(inv)
    assert server_key(_request(sent_by="HOST.example:5060")) == server_key(
        _request(sent_by="host.example:5060")
    )


def test_keys_rfc2543_fallback() -> None:
    inv = _request(branch=None)
    assert server_key(inv)[0] == "2543"
    assert server_key(_request(branch=None)) == server_key(inv)
    assert server_key(_request("ACK", branch=None, cseq="1 ACK", to_tag="ours")) == server_key(inv)
    assert server_key(_request(branch=None, cseq="2 INVITE")) != server_key(inv)
    assert server_key(_request(branch=None, uri="sip:x@192.0.2.9")) != server_key(inv)
    # RFC 4475 badbranch: a bare magic cookie identifies nothing
    assert server_key(_request(branch="z9hG4bK"))[0] == "2543"


def test_timer_config_validation() -> None:
    assert TimerConfig().timeout == 32.0
    assert TimerConfig(t1=0.1, t2=0.4).backoff(0.3) == 0.4
    with pytest.raises(ValueError):
        TimerConfig(t1=5.0, t2=4.0)
    with pytest.raises(ValueError):
        TimerConfig(t4=0.0)


def test_custom_t1_scales_everything() -> None:
    fast = TimerConfig(t1=0.1, t2=0.4, t4=1.0)
    inv = _request()
    txn = ServerInviteTransaction(server_key(inv), inv, fast)
    txn.send(_response(inv, 486), 0.0)
    assert _run(txn, 1.0) == [0.1, 0.3, 0.7]
    assert txn.on_timer(6.4).timed_out

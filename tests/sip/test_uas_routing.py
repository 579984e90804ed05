"""Where responses and our requests go (RFC 3261 §18.2.2, RFC 3581), UDP and TCP framing."""

from __future__ import annotations

import pytest

from sip.events import Address, CallArrived, RequestRefused
from sip.message import Request, Response
from sip.parser import parse
from sip.routing import Peer, request_peer, salvage
from sip.uri import parse_uri
from tests.sip.test_uas_support import SDP_ANSWER, Uac, drain, endpoint, established, events


def _options(via: str) -> bytes:
    return (
        "OPTIONS sip:ivr@192.0.2.9 SIP/2.0\r\n"
        f"Via: {via}\r\n"
        "From: <sip:a@example.com>;tag=1\r\nTo: <sip:ivr@192.0.2.9>\r\n"
        "Call-ID: r1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()


# (top Via, packet source, transport) -> (destination, Via as echoed in the response)
ROUTES = [
    ("SIP/2.0/UDP 192.0.2.1:5061;branch=z9hG4bK1", ("192.0.2.1", 5061), "udp",
     ("192.0.2.1", 5061), "SIP/2.0/UDP 192.0.2.1:5061;branch=z9hG4bK1"),
    ("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1", ("192.0.2.1", 40000), "udp",
     ("192.0.2.1", 5060), "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1"),
    ("SIP/2.0/UDP pbx.example.com:5070;branch=z9hG4bK1", ("192.0.2.1", 40000), "udp",
     ("192.0.2.1", 5070), "SIP/2.0/UDP pbx.example.com:5070;branch=z9hG4bK1;received=192.0.2.1"),
    ("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1", ("198.51.100.7", 3478), "udp",
     ("198.51.100.7", 5060), "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=198.51.100.7"),
    ("SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport", ("198.51.100.7", 3478), "udp",
     ("198.51.100.7", 3478),
     "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;rport=3478;received=198.51.100.7"),
    ("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1", ("192.0.2.1", 5060), "udp",
     ("192.0.2.1", 5060),
     "SIP/2.0/UDP 192.0.2.1:5060;rport=5060;branch=z9hG4bK1;received=192.0.2.1"),
    ("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1;maddr=224.0.1.75", ("192.0.2.1", 5060), "udp",
     ("192.0.2.1", 5060), "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1;maddr=224.0.1.75"),
    ("SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK1", ("2001:db8::1", 5062), "udp",
     ("2001:db8::1", 5062), "SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK1"),
    ("SIP/2.0/UDP pbx.example.com;branch=z9hG4bK1;rport", ("2001:db8::9", 6000), "udp",
     ("2001:db8::9", 6000),
     "SIP/2.0/UDP pbx.example.com;branch=z9hG4bK1;rport=6000;received=2001:db8::9"),
    ("SIP/2.0/TCP pbx.example.com;branch=z9hG4bK1", ("192.0.2.1", 40000), "tcp",
     ("192.0.2.1", 5060), "SIP/2.0/TCP pbx.example.com;branch=z9hG4bK1;received=192.0.2.1"),
]


@pytest.mark.parametrize(("via", "source", "transport", "dest", "echoed"), ROUTES)
def test_response_routing(
    via: str, source: Address, transport: str, dest: Address, echoed: str
) -> None:
    ep = endpoint()
    ep.receive(_options(via), source, 0.0, transport, 3 if transport == "tcp" else None)
    (out,) = ep.datagrams_to_send()
    response = parse(out.data)
    assert isinstance(response, Response) and response.status == 200
    assert out.destination == dest and out.transport == transport
    assert out.conn == (3 if transport == "tcp" else None)
    assert response.headers.get("via") == echoed


def test_only_the_top_via_is_stamped() -> None:
    ep = endpoint()
    vias = "SIP/2.0/UDP pbx.example.com;branch=z9hG4bK1, SIP/2.0/UDP origin.example.com;branch=x"
    ep.receive(_options(vias), ("192.0.2.1", 5060), 0.0)
    response = parse(ep.datagrams_to_send()[0].data)
    assert [str(v) for v in response.via] == [
        "SIP/2.0/UDP pbx.example.com;branch=z9hG4bK1;received=192.0.2.1",
        "SIP/2.0/UDP origin.example.com;branch=x",
    ]


def test_unparseable_via_is_answered_at_the_source() -> None:
    ep = endpoint()
    ep.receive(_options("SIP/2.0/UDP 192.0.2.15;;,;,,"), ("192.0.2.15", 6000), 0.0)
    (out,) = ep.datagrams_to_send()
    assert out.destination == ("192.0.2.15", 6000)
    assert parse(out.data).status == 400  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("target", "dest"),
    [
        ("sip:bob@192.0.2.7:5070", ("192.0.2.7", 5070)),
        ("sip:bob@192.0.2.7", ("192.0.2.7", 5060)),
        ("sips:bob@192.0.2.7", ("192.0.2.7", 5061)),
        ("sip:bob@[2001:db8::7]:5070", ("2001:db8::7", 5070)),
        ("sip:bob@pbx.example.com:5070", ("203.0.113.1", 5099)),  # no DNS in the core
        ("sip:bob@pbx.example.com;maddr=192.0.2.8", ("192.0.2.8", 5060)),
        ("tel:+331234", ("203.0.113.1", 5099)),
    ],
)
def test_request_routing(target: str, dest: Address) -> None:
    fallback = Peer(("203.0.113.1", 5099), "udp", None)
    assert request_peer(parse_uri(target), fallback).destination == dest
    assert request_peer(parse_uri(target), fallback, symmetric=True) == fallback


def test_symmetric_config_sends_our_bye_to_the_source() -> None:
    ep = endpoint(symmetric=True)
    uac = established(ep, source=("127.0.0.1", 5061))
    uac.source = ("127.0.0.1", 5061)
    ep.hang_up(uac.call_id, 1.0)
    (out,) = ep.datagrams_to_send()
    assert out.destination == ("127.0.0.1", 5061)


def test_salvage() -> None:
    head = b"Via: SIP/2.0/UDP h;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\nCall-ID: s\r\n"
    assert isinstance(salvage(b"INVITE <sip:x@y> SIP/2.0\r\n" + head + b"\r\n"), Request)
    assert isinstance(salvage(b"\r\nINVITE sip:x@y\r\n" + head), Request)  # no empty line
    assert salvage(b"SIP/2.0 200 OK\r\n" + head + b"\r\n") is None  # a response
    assert salvage(b"ACK sip:x@y SIP/2.0\r\n" + head + b"\r\n") is None
    assert salvage(b"FOO sip:x@y SIP/2.0\r\n" + head.replace(b"INVITE", b"ACK") + b"\r\n") is None
    assert salvage(b"INVITE sip:x@y SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n") is None  # no Via
    assert salvage(b"garbage") is None
    assert salvage(b"X\r\n\x00bad header\r\n\r\n") is None


# -- TCP --------------------------------------------------------------------------------------


def test_tcp_stream_split_anywhere_and_pipelined() -> None:
    ep = endpoint()
    uac = Uac(ep, transport="tcp", conn=11)
    invite = uac.build("INVITE", branch="z9hG4bK-t1", cseq=1, body=b"v=0\r\n")
    options = uac.build("OPTIONS", branch="z9hG4bK-t2", cseq=2)
    stream = b"\r\n\r\n" + invite + options
    for i in range(0, len(stream), 7):
        ep.receive(stream[i : i + 7], uac.source, 0.0, "tcp", 11)
    outs = ep.datagrams_to_send()
    assert [o.data for o in outs].count(b"\r\n") == 1  # the keep-alive ping is answered
    replies = [parse(o.data) for o in outs if o.data != b"\r\n"]
    assert [m.status for m in replies] == [100, 200]  # type: ignore[union-attr]
    assert {(o.transport, o.conn) for o in outs} == {("tcp", 11)}
    assert isinstance(events(ep)[0], CallArrived)


def test_tcp_framing_error_closes_the_connection() -> None:
    ep = endpoint()
    uac = Uac(ep, transport="tcp", conn=12)
    bad = uac.build("OPTIONS", cseq=1).replace(b"Content-Length: 0", b"Content-Length: -1")
    ep.receive(bad, uac.source, 0.0, "tcp", 12)
    assert drain(ep) == []
    assert ep.connections_to_close() == [12]
    (refused,) = events(ep)
    assert isinstance(refused, RequestRefused) and refused.reason == "malformed"
    # a new connection with the same id starts afresh once the driver reports the loss
    ep.connection_lost(12)
    ep.receive(uac.build("OPTIONS", cseq=2), uac.source, 0.0, "tcp", 12)
    assert [m.status for m, _ in drain(ep)] == [200]  # type: ignore[union-attr]


def test_tcp_validation_error_is_answered_on_the_connection() -> None:
    ep = endpoint()
    uac = Uac(ep, transport="tcp", conn=13)
    data = uac.build("OPTIONS", cseq=1, cseq_method="INVITE")
    ep.receive(data, uac.source, 0.0, "tcp", 13)
    ((resp, out),) = drain(ep)
    assert isinstance(resp, Response) and resp.status == 400 and out.conn == 13
    assert ep.connections_to_close() == []


def test_tcp_call_in_dialog_requests_use_the_connection() -> None:
    ep = endpoint()
    uac = established(ep, transport="tcp", conn=14)
    ep.refer(uac.call_id, "sip:agent@pbx", 1.0)
    ((refer, out),) = drain(ep)
    assert isinstance(refer, Request) and (out.transport, out.conn) == ("tcp", 14)
    assert refer.headers.get("contact") == "<sip:127.0.0.1:5060;transport=tcp>"
    ep.answer_reoffer(uac.call_id, SDP_ANSWER, 1.0)  # nothing pending: a no-op
    assert drain(ep) == []


def test_crlf_datagrams_are_keepalives() -> None:
    ep = endpoint()
    ep.receive(b"\r\n\r\n", ("192.0.2.1", 5060), 0.0)
    ep.receive(b"\r\n", ("192.0.2.1", 5060), 0.0)
    assert drain(ep) == [] and events(ep) == []

"""UAS dialog state (RFC 3261 §12): creation, in-dialog checks, requests we send."""

from __future__ import annotations

import pytest

from sip.dialog import Dialog, DialogError
from sip.message import Request
from sip.parser import parse
from sip.validate import validate


def _invite(
    record_route: tuple[str, ...] = (), contact: str = "<sip:bob@192.0.2.7:5070>"
) -> Request:
    rr = "".join(f"Record-Route: {r}\r\n" for r in record_route)
    data = (
        "INVITE sips:ivr@192.0.2.9 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKa\r\n"
        'From: "Bob" <sip:bob@example.com>;tag=rt1\r\n'
        "To: IVR <sip:ivr@192.0.2.9>\r\n"
        "Call-ID: d1@192.0.2.7\r\nCSeq: 10 INVITE\r\nMax-Forwards: 70\r\n"
        f"Contact: {contact}\r\n{rr}Content-Length: 0\r\n\r\n"
    ).encode()
    msg = parse(data)
    assert isinstance(msg, Request)
    return msg


def _in_dialog(method: str, cseq: int, *, to_tag: str = "lt1", contact: str = "") -> Request:
    data = (
        f"{method} sip:ivr@192.0.2.9 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKb\r\n"
        "From: <sip:bob@example.com>;tag=rt1\r\n"
        f"To: <sip:ivr@192.0.2.9>;tag={to_tag}\r\n"
        f"Call-ID: d1@192.0.2.7\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
        + (f"Contact: {contact}\r\n" if contact else "")
        + "Content-Length: 0\r\n\r\n"
    ).encode()
    msg = parse(data)
    assert isinstance(msg, Request)
    return msg


def test_created_from_the_invite() -> None:
    rr = ("<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>")
    d = Dialog.from_invite(_invite(rr), "lt1")
    assert (d.call_id, d.local_tag, d.remote_tag) == ("d1@192.0.2.7", "lt1", "rt1")
    assert str(d.remote_target) == "sip:bob@192.0.2.7:5070"
    assert [str(r.uri) for r in d.route_set] == ["sip:p1.example.com;lr", "sip:p2.example.com;lr"]
    assert d.remote_cseq == 10 and d.local_cseq == 0 and d.secure and not d.confirmed
    assert d.remote_uri.tag is None and d.local_uri.display_name == "IVR"


def test_matching_and_cseq_order() -> None:
    d = Dialog.from_invite(_invite(), "lt1")
    assert d.matches(_in_dialog("BYE", 11))
    assert not d.matches(_in_dialog("BYE", 11, to_tag="other"))
    d.check_request(_in_dialog("INFO", 12))
    assert d.remote_cseq == 12
    with pytest.raises(DialogError) as info:
        d.check_request(_in_dialog("INFO", 11))
    assert info.value.status_hint == 500 and d.remote_cseq == 12
    d.check_request(_in_dialog("INFO", 12))  # equal is not lower (§12.2.2)


def test_target_refresh() -> None:
    d = Dialog.from_invite(_invite(), "lt1")
    d.refresh_target(_in_dialog("INVITE", 11, contact="<sip:bob@198.51.100.1:6000>"))
    assert str(d.remote_target) == "sip:bob@198.51.100.1:6000"
    d.refresh_target(_in_dialog("INVITE", 12))  # no Contact: unchanged
    assert str(d.remote_target) == "sip:bob@198.51.100.1:6000"


def test_requests_without_routes() -> None:
    d = Dialog.from_invite(_invite(), "lt1")
    bye = d.create_request("BYE", "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx", "<sip:192.0.2.9>")
    validate(bye)
    assert bye.uri == "sip:bob@192.0.2.7:5070" and "route" not in bye.headers
    assert bye.from_.tag == "lt1" and bye.to.tag == "rt1" and bye.to.display_name == "Bob"
    assert (bye.cseq.number, bye.cseq.method) == (1, "BYE")
    refer = d.create_request(
        "REFER", "SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKy", "<sip:192.0.2.9>",
        headers=(("Refer-To", "<sip:agent@pbx>"),),
    )
    assert refer.cseq.number == 2 and refer.headers.get("refer-to") == "<sip:agent@pbx>"
    assert str(d.next_hop()) == "sip:bob@192.0.2.7:5070"


def test_loose_routing() -> None:
    d = Dialog.from_invite(_invite(("<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>")), "t")
    bye = d.create_request("BYE", "SIP/2.0/UDP h;branch=z9hG4bKx", "<sip:h>")
    assert bye.uri == "sip:bob@192.0.2.7:5070"
    assert bye.headers.get_all("route") == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]
    assert str(d.next_hop()) == "sip:p1.example.com;lr"


def test_strict_routing() -> None:
    d = Dialog.from_invite(_invite(("<sip:p1.example.com>", "<sip:p2.example.com;lr>")), "t")
    bye = d.create_request("BYE", "SIP/2.0/UDP h;branch=z9hG4bKx", "<sip:h>")
    assert bye.uri == "sip:p1.example.com"
    assert bye.headers.get_all("route") == [
        "<sip:p2.example.com;lr>",
        "<sip:bob@192.0.2.7:5070>",
    ]


def test_no_contact_falls_back_to_from_and_cseq_exhaustion() -> None:
    invite = _invite()
    invite.headers.remove("contact")
    d = Dialog.from_invite(invite, "t")
    assert str(d.remote_target) == "sip:bob@example.com"
    d.local_cseq = 2**31 - 1
    with pytest.raises(DialogError):
        d.create_request("BYE", "SIP/2.0/UDP h;branch=z9hG4bKx", "<sip:h>")

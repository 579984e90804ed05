"""The semantic validation layer, one rule at a time."""

from __future__ import annotations

import pytest

from sip import BadExtensionError, Request, Response, SipError, parse, validate

BASE = {
    "Via": "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8",
    "Max-Forwards": "70",
    "To": "<sip:bob@biloxi.example.com>",
    "From": "<sip:alice@atlanta.example.com>;tag=1928301774",
    "Call-ID": "a84b4c76e66710@pc33.atlanta.example.com",
    "CSeq": "1 OPTIONS",
}


def build(
    start: str = "OPTIONS sip:bob@biloxi.example.com SIP/2.0",
    *,
    drop: tuple[str, ...] = (),
    extra: tuple[tuple[str, str], ...] = (),
    replace: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    fields = {**BASE, **(replace or {})}
    lines = [start]
    lines += [f"{k}: {v}" for k, v in fields.items() if k not in drop]
    lines += [f"{k}: {v}" for k, v in extra]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_base_message_is_valid() -> None:
    validate(parse(build()))


INVALID = [
    ("missing To", build(drop=("To",)), 400, "to"),
    ("missing From", build(drop=("From",)), 400, "from"),
    ("missing Call-ID", build(drop=("Call-ID",)), 400, "call-id"),
    ("missing CSeq", build(drop=("CSeq",)), 400, "cseq"),
    ("missing Via", build(drop=("Via",)), 400, "via"),
    ("missing Max-Forwards", build(drop=("Max-Forwards",)), 400, "max-forwards"),
    ("duplicate To", build(extra=(("t", "<sip:x@h>"),)), 400, "to"),
    ("duplicate Call-ID", build(extra=(("Call-ID", "other"),)), 400, "call-id"),
    ("duplicate Max-Forwards", build(extra=(("Max-Forwards", "5"),)), 400, "max-forwards"),
    ("duplicate Expires", build(extra=(("Expires", "1"), ("Expires", "2"))), 400, "expires"),
    ("CSeq method mismatch", build(replace={"CSeq": "1 INVITE"}), 400, "cseq"),
    ("CSeq method case", build(replace={"CSeq": "1 options"}), 400, "cseq"),
    ("CSeq too large", build(replace={"CSeq": "2147483648 OPTIONS"}), 400, "cseq"),
    ("Max-Forwards too large", build(replace={"Max-Forwards": "300"}), 400, "max-forwards"),
    ("bad From", build(replace={"From": "Bell, A <sip:a@h>;tag=1"}), 400, "from"),
    ("bad To", build(replace={"To": '"unbalanced <sip:b@h>'}), 400, "to"),
    ("bad Via", build(replace={"Via": "SIP/2.0/UDP h;;"}), 400, "via"),
    ("bad second Via", build(extra=(("Via", "SIP/2.0/UDP ok, nonsense"),)), 400, "via"),
    ("bad Contact", build(extra=(("Contact", '"Joe" <sip:joe@h>;;;'),)), 400, "contact"),
    ("bad Route", build(extra=(("Route", "<sip:p;lr"),)), 400, "route"),
    ("bad Record-Route", build(extra=(("Record-Route", "garbage"),)), 400, "record-route"),
    ("bad Call-ID", build(replace={"Call-ID": "has space"}), 400, "call-id"),
    ("Call-ID two @", build(replace={"Call-ID": "a@b@c"}), 400, "call-id"),
    ("bad Content-Type", build(extra=(("Content-Type", "sdp"),), body=b"x"), 400, "content-type"),
    ("body without Content-Type", build(body=b"v=0\r\n"), 400, "content-type"),
    (
        "wildcard outside REGISTER",
        build(extra=(("Contact", "*"), ("Expires", "0"))),
        400,
        "contact",
    ),
    (
        "wildcard without Expires 0",
        build(
            "REGISTER sip:h SIP/2.0",
            replace={"CSeq": "1 REGISTER"},
            extra=(("Contact", "*"), ("Expires", "60")),
        ),
        400,
        "contact",
    ),
    (
        "wildcard without Expires",
        build("REGISTER sip:h SIP/2.0", replace={"CSeq": "1 REGISTER"}, extra=(("Contact", "*"),)),
        400,
        "contact",
    ),
    ("headers in Request-URI", build("OPTIONS sip:u@h?Route=x SIP/2.0"), 400, None),
    ("malformed Request-URI", build("OPTIONS sip:u@h:99999 SIP/2.0"), 400, None),
    ("version", build("OPTIONS sip:u@h SIP/3.0"), 505, None),
    ("unknown scheme", build("OPTIONS urn:service:sos SIP/2.0"), 416, None),
]


@pytest.mark.parametrize(
    ("data", "status", "header"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_messages(data: bytes, status: int, header: str | None) -> None:
    msg = parse(data)
    with pytest.raises(SipError) as info:
        validate(msg)
    assert info.value.status_hint == status, str(info.value)
    assert info.value.header == header
    assert str(info.value)


def test_rfc2543_peer_may_omit_max_forwards() -> None:
    data = build(drop=("Max-Forwards",), replace={"Via": "SIP/2.0/UDP old.example.com"})
    validate(parse(data))
    data = build(drop=("Max-Forwards",), replace={"Via": "SIP/2.0/UDP h;branch=12345"})
    validate(parse(data))


def test_register_wildcard_with_expires_zero() -> None:
    data = build(
        "REGISTER sip:h SIP/2.0",
        replace={"CSeq": "1 REGISTER"},
        extra=(("Contact", "*"), ("Expires", "0")),
    )
    validate(parse(data))


def test_list_headers_may_repeat() -> None:
    validate(
        parse(
            build(extra=(("Supported", "timer"), ("Supported", "100rel"), ("Via", "SIP/2.0/UDP x")))
        )
    )


def test_schemes_option() -> None:
    msg = parse(build("OPTIONS urn:service:sos SIP/2.0"))
    validate(msg, schemes=None)
    validate(msg, schemes={"sip", "urn"})
    tel = parse(build("OPTIONS tel:+1-555-0100 SIP/2.0"))
    validate(tel)
    with pytest.raises(SipError) as info:
        validate(tel, schemes={"sip"})
    assert info.value.status_hint == 416
    sips = parse(build("OPTIONS SIPS:u@h SIP/2.0"))
    validate(sips, schemes={"sips"})


def test_require_and_supported() -> None:
    msg = parse(build(extra=(("Require", "100rel, Timer"), ("Require", "foo"))))
    validate(msg)  # no capability check unless asked
    validate(msg, supported=("100rel", "timer", "foo"))
    with pytest.raises(BadExtensionError) as info:
        validate(msg, supported=("100rel",))
    assert info.value.status_hint == 420 and info.value.unsupported == ("Timer", "foo")
    assert info.value.reason == "Bad Extension"
    ack = parse(build("ACK sip:u@h SIP/2.0", replace={"CSeq": "1 ACK"}, extra=(("Require", "x"),)))
    validate(ack, supported=())  # RFC 3261 §8.2.2.3: never reject an ACK for Require


def test_responses() -> None:
    resp = (
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>;tag=2\r\n"
        b"From: <sip:a@h>;tag=1\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    )
    validate(parse(resp), supported=())  # no Max-Forwards needed, no Require check
    for status in (b"099", b"700", b"000"):
        with pytest.raises(SipError):
            validate(parse(resp.replace(b"200", status, 1)))
    with pytest.raises(SipError) as info:
        validate(parse(resp.replace(b"CSeq: 1 INVITE\r\n", b"")))
    assert info.value.header == "cseq"


def test_hand_built_messages_are_checked_too() -> None:
    req = Request("OPTIONS", "sip:u@h", list(BASE.items()), body=b"x")
    req.headers.add("Content-Type", "text/plain")
    req.headers.add("Content-Length", "3")
    with pytest.raises(SipError) as info:
        validate(req)
    assert info.value.header == "content-length"
    req.headers.set("Content-Length", "1")
    validate(req)
    resp = Response(200)
    resp.status = 800
    with pytest.raises(SipError):
        validate(resp)

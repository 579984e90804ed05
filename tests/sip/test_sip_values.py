"""Table-driven tests for URIs and typed header values."""

from __future__ import annotations

import pytest

from sip import (
    WILDCARD,
    AbsoluteUri,
    ContentLength,
    ContentType,
    CSeq,
    MaxForwards,
    NameAddr,
    SipError,
    SipUri,
    TelUri,
    Via,
    parse_contact,
    parse_name_addrs,
    parse_uri,
    parse_vias,
    quote,
    split_comma,
    unquote,
)

# --- SipUri -------------------------------------------------------------------------------

SIP_URIS = [
    ("sip:alice@atlanta.com", SipUri(user="alice", host="atlanta.com"), None),
    (
        "sip:alice:secretword@atlanta.com;transport=tcp",
        SipUri(
            user="alice",
            password="secretword",
            host="atlanta.com",
            params=(("transport", "tcp"),),
        ),
        None,
    ),
    (
        "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
        SipUri(
            scheme="sips",
            user="alice",
            host="atlanta.com",
            headers=(("subject", "project x"), ("priority", "urgent")),
        ),
        None,
    ),
    (
        "sip:+1-212-555-1212:1234@gateway.com;user=phone",
        SipUri(
            user="+1-212-555-1212",
            password="1234",
            host="gateway.com",
            params=(("user", "phone"),),
        ),
        None,
    ),
    ("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", None, None),
    (
        "sip:alice;day=tuesday@atlanta.com",
        SipUri(user="alice;day=tuesday", host="atlanta.com"),
        None,
    ),
    (
        "SIP:Bob@BILOXI.example.com:5061",
        SipUri(user="Bob", host="BILOXI.example.com", port=5061),
        "sip:Bob@BILOXI.example.com:5061",
    ),
    (
        "sip:[2001:db8::10]:5070;lr",
        SipUri(host="[2001:db8::10]", port=5070, params=(("lr", None),)),
        None,
    ),
    ("sip:user@192.0.2.1", SipUri(user="user", host="192.0.2.1"), None),
    ("sip:host.example.com.", SipUri(host="host.example.com."), None),
    ("sip:%61lice@atlanta.com", SipUri(user="alice", host="atlanta.com"), "sip:alice@atlanta.com"),
    ("sip:a%40b@h", SipUri(user="a@b", host="h"), None),
    ("sip:u@h;%6C%72", SipUri(user="u", host="h", params=(("lr", None),)), "sip:u@h;lr"),
    ("sip:u@h;n=v%2541", SipUri(user="u", host="h", params=(("n", "v%41"),)), None),
    ("sip:%00@h", SipUri(user="\x00", host="h"), None),
    ("sip:u:@h", SipUri(user="u", password="", host="h"), None),
    ("sip:h?x=", SipUri(host="h", headers=(("x", ""),)), None),
]


@pytest.mark.parametrize(("text", "expected", "canonical"), SIP_URIS)
def test_sip_uri_parse_and_str(text: str, expected: SipUri | None, canonical: str | None) -> None:
    uri = SipUri.parse(text)
    if expected is not None:
        assert uri == expected
    assert str(uri) == (canonical or text)
    assert SipUri.parse(str(uri)) == uri
    assert parse_uri(text) == uri


BAD_SIP_URIS = [
    "sip:",
    "sip:@host",
    "sip:user@",
    "sip:user@host:",
    "sip:user@host:99999",
    "sip:user@host:12a",
    "sip:user@ho st",
    "sip:user@-host",
    "sip:user@host-",
    "sip:user@a..b",
    "sip:user@[::1",
    "sip:user@[not-ipv6]",
    "sip:us er@host",
    "sip:us%4@host",
    "sip:u@h;",
    "sip:u@h;;lr",
    "sip:u@h;a=",
    "sip:u@h?",
    "sip:u@h?a",
    "sip:u@h?=b",
    "sip:u<@h",
    "sip:u@h>",
    "sip:u@hé.com",
]


@pytest.mark.parametrize("text", BAD_SIP_URIS)
def test_bad_sip_uris(text: str) -> None:
    with pytest.raises(SipError) as info:
        SipUri.parse(text)
    assert info.value.status_hint == 400


def test_sip_uri_wrong_scheme_is_416() -> None:
    with pytest.raises(SipError) as info:
        SipUri.parse("http://example.com")
    assert info.value.status_hint == 416


def test_sip_uri_helpers() -> None:
    uri = SipUri.parse("sips:proxy.example.com;LR;Transport=TCP;maddr=239.255.255.1")
    assert uri.lr and uri.secure
    assert uri.transport == "tcp"
    assert uri.maddr == "239.255.255.1"
    assert uri.param("TRANSPORT") == "TCP"
    assert uri.with_param("transport", "tls").params[1] == ("Transport", "tls")
    assert str(uri.with_param("ttl", "1")).endswith(";ttl=1")
    assert not SipUri(host="h").lr


def test_escaping_is_minimal_and_reversible() -> None:
    uri = SipUri(user="sips:user@example.com", password="p@ss:w", host="example.net")
    assert str(uri) == "sip:sips%3Auser%40example.com:p%40ss%3Aw@example.net"
    assert SipUri.parse(str(uri)) == uri
    odd = SipUri(host="h", params=(("a;b", "c=d"),), headers=(("x&y", "z=w?"),))
    assert str(odd) == "sip:h;a%3Bb=c%3Dd?x%26y=z%3Dw?"
    assert SipUri.parse(str(odd)) == odd


# --- other URIs ---------------------------------------------------------------------------

OTHER_URIS = [
    ("tel:+1-201-555-0123", TelUri("+1-201-555-0123")),
    ("tel:7042;phone-context=example.com", TelUri("7042", (("phone-context", "example.com"),))),
    ("tel:+358-555-1234567;postd=pp22", TelUri("+358-555-1234567", (("postd", "pp22"),))),
    ("tel:863-1234;isub=7;ext", TelUri("863-1234", (("isub", "7"), ("ext", None)))),
    (
        "nobodyKnowsThisScheme:totallyopaquecontent",
        AbsoluteUri("nobodyknowsthisscheme", "totallyopaquecontent"),
    ),
    ("soap.beep://192.0.2.103:3002", AbsoluteUri("soap.beep", "//192.0.2.103:3002")),
    ("isbn:2983792873", AbsoluteUri("isbn", "2983792873")),
    (
        "mailto:a@b.example?subject=hi%20there",
        AbsoluteUri("mailto", "a@b.example?subject=hi%20there"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), OTHER_URIS)
def test_other_uris(text: str, expected: object) -> None:
    uri = parse_uri(text)
    assert uri == expected
    assert parse_uri(str(uri)) == uri


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nocolon",
        "1abc:x",
        ":x",
        "x:",
        "x:a b",
        "x:<y>",
        'x:"',
        "tel:",
        "tel:abc;",
        "tel:+",
        "tel:12;=a",
    ],
)
def test_bad_other_uris(text: str) -> None:
    with pytest.raises(SipError):
        parse_uri(text)


def test_tel_helpers() -> None:
    tel = TelUri.parse("tel:+33-1-23;phone-context=+33")
    assert tel.is_global and tel.param("PHONE-CONTEXT") == "+33"
    assert not TelUri("1234").is_global


# --- Via ----------------------------------------------------------------------------------

VIAS = [
    (
        "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds",
        Via(transport="UDP", host="pc33.atlanta.com", params=(("branch", "z9hG4bK776asdhds"),)),
        None,
    ),
    (
        "SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74b43",
        Via(
            transport="TCP",
            host="client.atlanta.example.com",
            port=5060,
            params=(("branch", "z9hG4bK74b43"),),
        ),
        None,
    ),
    (
        "SIP  /   2.0 /UDP    192.0.2.2;branch=390skdjuw",
        Via(transport="UDP", host="192.0.2.2", params=(("branch", "390skdjuw"),)),
        "SIP/2.0/UDP 192.0.2.2;branch=390skdjuw",
    ),
    (
        "SIP/2.0/UDP 10.0.0.1 : 5062 ;  branch =  z9hG4bK1 ; rport",
        Via(
            transport="UDP",
            host="10.0.0.1",
            port=5062,
            params=(("branch", "z9hG4bK1"), ("rport", None)),
        ),
        "SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;rport",
    ),
    (
        "SIP/2.0/UDP h;rport=5061;received=2001:db8::9",
        Via(transport="UDP", host="h", params=(("rport", "5061"), ("received", "2001:db8::9"))),
        None,
    ),
    (
        "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKx;maddr=224.2.0.1;ttl=16",
        Via(
            transport="TLS",
            host="[2001:db8::1]",
            port=5061,
            params=(("branch", "z9hG4bKx"), ("maddr", "224.2.0.1"), ("ttl", "16")),
        ),
        None,
    ),
    (
        'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK;x="a, b;c"',
        Via(
            transport="WSS",
            host="df7jal23ls0d.invalid",
            params=(("branch", "z9hG4bK"), ("x", '"a, b;c"')),
        ),
        None,
    ),
]


@pytest.mark.parametrize(("text", "expected", "canonical"), VIAS)
def test_via_parse_and_str(text: str, expected: Via, canonical: str | None) -> None:
    via = Via.parse(text)
    assert via == expected
    assert str(via) == (canonical or text)
    assert Via.parse(str(via)) == via


def test_via_accessors() -> None:
    via = Via.parse("SIP/2.0/UDP h:5060;BRANCH=z9hG4bKabc;rport;received=192.0.2.1")
    assert via.branch == "z9hG4bKabc" and via.is_rfc3261_branch
    assert via.has_rport and via.rport is None
    assert via.received == "192.0.2.1"
    assert via.sent_by == ("h", 5060)
    assert via.protocol == "SIP/2.0" and via.maddr is None and via.ttl is None
    filled = via.with_param("rport", "5062")
    assert filled.rport == 5062 and str(filled).endswith(";rport=5062;received=192.0.2.1")
    assert not Via.parse("SIP/2.0/UDP h;branch=1234").is_rfc3261_branch
    assert not Via.parse("SIP/2.0/UDP h").is_rfc3261_branch


BAD_VIAS = [
    "",
    "SIP/2.0/UDP",
    "SIP/2.0 UDP host",
    "SIP/2.0/UDP host;;",
    "SIP/2.0/UDP 192.0.2.15;;,;,,",
    "SIP/2.0/UDP host;branch",
    "SIP/2.0/UDP host;branch=",
    "SIP/2.0/UDP host:99999",
    "SIP/2.0/UDP host:",
    "SIP/2.0/UDP host junk",
    "SIP/2.0/UDP host;rport=abc",
    "SIP/2.0/UDP host;ttl=256",
    "SIP/2.0/UDP host;ttl",
    "SIP/2.0/UDP ho_st",
    'SIP/2.0/UDP host;x="unterminated',
]


@pytest.mark.parametrize("text", BAD_VIAS)
def test_bad_vias(text: str) -> None:
    with pytest.raises(SipError):
        parse_vias(text)


def test_via_list() -> None:
    vias = parse_vias("SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b:5060 ;branch=2")
    assert [(v.host, v.branch) for v in vias] == [("a", "1"), ("b", "2")]
    with pytest.raises(SipError):
        parse_vias("SIP/2.0/UDP a;branch=1,")


# --- name-addr ----------------------------------------------------------------------------

ADDRESSES = [
    (
        "Bob <sip:bob@biloxi.com>;tag=a6c85cf",
        NameAddr(
            display_name="Bob",
            uri=SipUri(user="bob", host="biloxi.com"),
            params=(("tag", "a6c85cf"),),
        ),
        '"Bob" <sip:bob@biloxi.com>;tag=a6c85cf',
    ),
    (
        '"A. G. Bell" <sip:agb@bell-telephone.com> ;tag=a48s',
        NameAddr(
            display_name="A. G. Bell",
            uri=SipUri(user="agb", host="bell-telephone.com"),
            params=(("tag", "a48s"),),
        ),
        '"A. G. Bell" <sip:agb@bell-telephone.com>;tag=a48s',
    ),
    (
        "sip:+12125551212@server.phone2net.com;tag=887s",
        NameAddr(
            uri=SipUri(user="+12125551212", host="server.phone2net.com"), params=(("tag", "887s"),)
        ),
        "<sip:+12125551212@server.phone2net.com>;tag=887s",
    ),
    (
        "<sip:+12125551212@server.phone2net.com;user=phone>",
        NameAddr(
            uri=SipUri(
                user="+12125551212", host="server.phone2net.com", params=(("user", "phone"),)
            )
        ),
        None,
    ),
    (
        "Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8",
        None,
        '"Anonymous" <sip:c8oqz84zk7z@privacy.org>;tag=hyh8',
    ),
    ('"" <sip:u@h>', NameAddr(display_name="", uri=SipUri(user="u", host="h")), None),
    (
        '"\\"quoted\\" \\\\ name" <sip:u@h>',
        NameAddr(display_name='"quoted" \\ name', uri=SipUri(user="u", host="h")),
        None,
    ),
    ("caller<sip:caller@example.com>;tag=323", None, '"caller" <sip:caller@example.com>;tag=323'),
    (
        "  multi   word\tname <sip:u@h>",
        NameAddr(display_name="multi word name", uri=SipUri(user="u", host="h")),
        '"multi word name" <sip:u@h>',
    ),
    (
        "< sip:t.watson@example.org >",
        NameAddr(uri=SipUri(user="t.watson", host="example.org")),
        "<sip:t.watson@example.org>",
    ),
    (
        "<tel:+1-555;phone-context=x>;expires=60;q=0.5",
        NameAddr(
            uri=TelUri("+1-555", (("phone-context", "x"),)),
            params=(("expires", "60"), ("q", "0.5")),
        ),
        None,
    ),
    ("<urn:service:sos>", NameAddr(uri=AbsoluteUri("urn", "service:sos")), None),
    (
        '"Ünïcødé 名前" <sip:u@h>;x="v, w"',
        NameAddr(
            display_name="Ünïcødé 名前", uri=SipUri(user="u", host="h"), params=(("x", '"v, w"'),)
        ),
        None,
    ),
]


@pytest.mark.parametrize(("text", "expected", "canonical"), ADDRESSES)
def test_name_addr_parse_and_str(
    text: str, expected: NameAddr | None, canonical: str | None
) -> None:
    addr = NameAddr.parse(text)
    if expected is not None:
        assert addr == expected
    assert str(addr) == (canonical or text)
    assert NameAddr.parse(str(addr)) == addr


BAD_ADDRESSES = [
    "",
    "   ",
    '"Mr. J. User <sip:j.user@example.com>',
    "Bell, Alexander <sip:a.g.bell@example.com>",
    '"Joe" <sip:joe@example.org>;;;;',
    "<sip:u@h",
    "<sip:u@h>junk",
    '"Joe" sip:joe@example.org',
    "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
    "<sip:u@h>;tag=",
    "<not a uri>",
    "*",
    "Joe <sip:u@h> <sip:v@h>",
]


@pytest.mark.parametrize("text", BAD_ADDRESSES)
def test_bad_addresses(text: str) -> None:
    with pytest.raises(SipError):
        NameAddr.parse(text)


def test_name_addr_helpers() -> None:
    addr = NameAddr.parse("<sip:u@h>;expires=3600;q=0.7")
    assert addr.expires == 3600 and addr.q == pytest.approx(0.7)
    assert addr.tag is None
    tagged = addr.with_tag("abc")
    assert tagged.tag == "abc" and str(tagged) == "<sip:u@h>;expires=3600;q=0.7;tag=abc"
    assert NameAddr.parse("<sip:u@h>;expires=280297596632815").expires == 2**32 - 1
    assert NameAddr.parse("<sip:u@h>;expires=soon;q=high").expires is None
    assert NameAddr.parse("<sip:u@h>;q=high").q is None
    assert addr.has_param("Q") and not addr.has_param("tag")


def test_contact_lists_and_wildcard() -> None:
    assert parse_contact(" * ") is WILDCARD
    assert str(WILDCARD) == "*"
    contacts = parse_contact(
        '"Mr. Watson" <sip:watson@worcester.bell-telephone.com>;q=0.7; expires=3600, '
        '"Mr. Watson" <mailto:watson@bell-telephone.com> ;q=0.1'
    )
    assert isinstance(contacts, tuple) and len(contacts) == 2
    assert contacts[1].uri == AbsoluteUri("mailto", "watson@bell-telephone.com")
    assert parse_name_addrs("<sip:a,b@h>, <sip:c@h>")[0].uri == SipUri(user="a,b", host="h")
    with pytest.raises(SipError):
        parse_contact("*, <sip:u@h>")


# --- small headers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("4711 INVITE", CSeq(4711, "INVITE"), None),
        ("0009   INVITE", CSeq(9, "INVITE"), "9 INVITE"),
        ("0 ACK", CSeq(0, "ACK"), None),
        ("2147483647 BYE", CSeq(2**31 - 1, "BYE"), None),
        (" 1\tRE%47IST%45R ", CSeq(1, "RE%47IST%45R"), "1 RE%47IST%45R"),
    ],
)
def test_cseq(text: str, expected: CSeq, canonical: str | None) -> None:
    assert CSeq.parse(text) == expected
    assert str(expected) == (canonical or text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "INVITE",
        "1",
        "1INVITE",
        "-1 INVITE",
        "2147483648 INVITE",
        "36893488147419103232 REGISTER",
        "1 INVITE extra",
        "1 IN VITE",
        "١ INVITE",
        "9" * 5000 + " INVITE",
    ],
)
def test_bad_cseq(text: str) -> None:
    with pytest.raises(SipError) as info:
        CSeq.parse(text)
    assert info.value.header == "cseq"


@pytest.mark.parametrize(
    ("text", "mime", "params", "canonical"),
    [
        ("application/sdp", "application/sdp", (), None),
        ("Application/SDP", "application/sdp", (), None),
        (
            "multipart/mixed;boundary=7a9cbec02ceef655",
            "multipart/mixed",
            (("boundary", "7a9cbec02ceef655"),),
            None,
        ),
        (
            'text/plain ; charset="utf-8"',
            "text/plain",
            (("charset", '"utf-8"'),),
            'text/plain;charset="utf-8"',
        ),
        ("message / sipfrag", "message/sipfrag", (), "message/sipfrag"),
    ],
)
def test_content_type(
    text: str, mime: str, params: tuple[tuple[str, str | None], ...], canonical: str | None
) -> None:
    ct = ContentType.parse(text)
    assert ct.mime_type == mime and ct.params == params
    assert str(ct) == (canonical or text)
    assert ContentType.parse(str(ct)) == ct


def test_content_type_param_unquotes() -> None:
    assert ContentType.parse('text/plain;charset="utf-8"').param("CHARSET") == "utf-8"
    assert ContentType.parse("text/plain").param("charset") is None


@pytest.mark.parametrize(
    "text", ["", "application", "application/", "/sdp", "a/b;", "a/b c", "a/b;x="]
)
def test_bad_content_type(text: str) -> None:
    with pytest.raises(SipError):
        ContentType.parse(text)


@pytest.mark.parametrize(
    ("text", "value"), [("0", 0), ("150", 150), (" 0042 ", 42), ("2147483647", 2**31 - 1)]
)
def test_content_length(text: str, value: int) -> None:
    assert ContentLength.parse(text).value == value
    assert ContentLength.parse(str(ContentLength(value))) == ContentLength(value)


@pytest.mark.parametrize("text", ["", "-999", "+5", "1.5", "12a", "2147483648", "9" * 5000, "²"])
def test_bad_content_length(text: str) -> None:
    with pytest.raises(SipError) as info:
        ContentLength.parse(text)
    assert info.value.header == "content-length"


@pytest.mark.parametrize(("text", "value"), [("70", 70), ("0", 0), ("0068", 68), ("255", 255)])
def test_max_forwards(text: str, value: int) -> None:
    assert MaxForwards.parse(text) == MaxForwards(value)
    assert str(MaxForwards(value)) == str(value)


@pytest.mark.parametrize("text", ["", "256", "300", "-1", "seventy", "7 0"])
def test_bad_max_forwards(text: str) -> None:
    with pytest.raises(SipError):
        MaxForwards.parse(text)


# --- grammar helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("a, b,c", ["a", "b", "c"]),
        ("single", ["single"]),
        ('"Doe, John" <sip:j@h>, <sip:k@h>', ['"Doe, John" <sip:j@h>', "<sip:k@h>"]),
        ("<sip:a,b@h>;p=1, <sip:c@h>", ["<sip:a,b@h>;p=1", "<sip:c@h>"]),
        ('"esc \\" , still" <sip:u@h>', ['"esc \\" , still" <sip:u@h>']),
        (";;,,;;,;", [";;", "", ";;", ";"]),
        ("", [""]),
        ('"unbalanced, quote', ['"unbalanced, quote']),
    ],
)
def test_split_comma(value: str, parts: list[str]) -> None:
    assert split_comma(value) == parts


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("nul\x00bel\x07", '"nul\\\x00bel\\\x07"'),
        ("tab\tok", '"tab\tok"'),
    ],
)
def test_quote_unquote(raw: str, quoted: str) -> None:
    assert quote(raw) == quoted
    assert unquote(quoted) == raw


def test_quote_refuses_line_breaks_and_unquote_passes_tokens() -> None:
    with pytest.raises(SipError):
        quote("a\r\nb")
    assert unquote("token") == "token"

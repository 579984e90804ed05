"""Message parsing, the Headers collection, serialisation and response building."""

from __future__ import annotations

import pickle
import time

import pytest

from sip import (
    WILDCARD,
    BadExtensionError,
    CSeq,
    Headers,
    NameAddr,
    Request,
    Response,
    SipError,
    SipUri,
    Via,
    canonical_key,
    display_name,
    make_response,
    parse,
    validate,
)

SDP = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

INVITE = (
    b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
    b"Max-Forwards: 70\r\n"
    b"To: Bob <sip:bob@biloxi.example.com>\r\n"
    b"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    b"Call-ID: a84b4c76e66710\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: " + str(len(SDP)).encode() + b"\r\n\r\n" + SDP
)


def test_parse_request_fields() -> None:
    msg = parse(INVITE)
    assert isinstance(msg, Request)
    assert (msg.method, msg.uri, msg.version) == ("INVITE", "sip:bob@biloxi.example.com", "SIP/2.0")
    assert msg.request_uri == SipUri(user="bob", host="biloxi.example.com")
    assert msg.request_uri is msg.request_uri  # memoised
    assert msg.body == SDP
    assert msg.top_via.branch == "z9hG4bKnashds8"
    assert msg.from_.tag == "1928301774" and msg.to.tag is None
    assert msg.cseq == CSeq(314159, "INVITE")
    assert msg.call_id == "a84b4c76e66710"
    assert msg.max_forwards == 70
    assert msg.content_type is not None and msg.content_type.mime_type == "application/sdp"
    assert msg.contact == (NameAddr(uri=SipUri(user="alice", host="pc33.atlanta.example.com")),)
    assert msg.route == () and msg.record_route == ()
    assert msg.serialize() == INVITE
    assert bytes(msg) == INVITE


def test_parse_response_fields() -> None:
    data = (
        b"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@h>;tag=x\r\n"
        b"From: <sip:a@h>;tag=y\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
    )
    msg = parse(data)
    assert isinstance(msg, Response)
    assert (msg.status, msg.reason, msg.version) == (180, "Ringing", "SIP/2.0")
    assert msg.start_line() == "SIP/2.0 180 Ringing"
    assert msg.serialize() == data
    assert "Response 180" in repr(msg) and "Request INVITE" in repr(parse(INVITE))


def test_compact_forms_and_case_insensitive_lookup() -> None:
    data = (
        b"OPTIONS sip:u@h SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nt: <sip:u@h>\r\n"
        b"f: <sip:a@h>;tag=1\r\ni: abc\r\nCSEQ: 1 OPTIONS\r\nmax-forwards: 70\r\nk: timer\r\n"
        b"s: hello\r\ne: gzip\r\nc: text/plain\r\nm: <sip:a@h>\r\nl: 2\r\n\r\nhi"
    )
    msg = parse(data)
    h = msg.headers
    for long_name, short in [
        ("Via", "v"),
        ("To", "t"),
        ("From", "f"),
        ("Call-ID", "i"),
        ("Supported", "k"),
        ("Subject", "s"),
        ("Content-Encoding", "e"),
        ("Content-Type", "c"),
        ("Contact", "m"),
        ("Content-Length", "l"),
    ]:
        assert h.get(long_name) == h.get(short) == h.get(long_name.upper()) is not None
    assert msg.call_id == "abc" and msg.body == b"hi"
    assert canonical_key("I") == "call-id" and display_name("i") == "Call-ID"
    assert display_name("cseq") == "CSeq" and display_name("www-authenticate") == "WWW-Authenticate"
    assert display_name("x-custom-thing") == "X-Custom-Thing"
    # names are kept as received for faithful re-serialisation
    assert msg.serialize() == data


def test_line_folding_and_whitespace() -> None:
    data = (
        b"OPTIONS sip:u@h SIP/2.0\r\n"
        b"Via  : SIP/2.0/UDP h\r\n ;branch=z9hG4bK1\r\n"
        b"Subject:   first\r\n\t second  \r\n  third\r\n"
        b"To:\r\n <sip:u@h>\r\n"
        b"X-Empty:\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    msg = parse(data)
    assert msg.headers.get("Subject") == "first second third"
    assert msg.headers.get("To") == "<sip:u@h>"
    assert msg.headers.get("X-Empty") == ""
    assert msg.top_via.branch == "z9hG4bK1"
    assert msg.headers.items()[0] == ("Via", "SIP/2.0/UDP h ;branch=z9hG4bK1")
    again = parse(msg.serialize())
    assert again == msg


def test_datagram_body_rules() -> None:
    head = b"MESSAGE sip:u@h SIP/2.0\r\nContent-Length: 5\r\n\r\n"
    assert parse(head + b"hello world").body == b"hello"  # extra octets discarded (§18.3)
    with pytest.raises(SipError) as info:
        parse(head + b"hi")
    assert info.value.header == "content-length" and info.value.status_hint == 400
    no_length = b"MESSAGE sip:u@h SIP/2.0\r\nTo: <sip:u@h>\r\n\r\nrest of datagram"
    assert parse(no_length).body == b"rest of datagram"
    assert parse(bytearray(no_length)).body == b"rest of datagram"


def test_leading_crlf_ignored_and_empty_rejected() -> None:
    assert parse(b"\r\n\r\n" + INVITE).serialize() == INVITE
    for data in (b"", b"\r\n", b"\r\n\r\n", b"\r\n\r\n\r\n"):
        with pytest.raises(SipError):
            parse(data)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"INVITE sip:u@h SIP/2.0\r\nTo: x", "empty line"),
        (b"INVITE sip:u@h SIP/2.0\r\nNo colon here\r\n\r\n", "':'"),
        (b"INVITE sip:u@h SIP/2.0\r\nBad Name: x\r\n\r\n", "header name"),
        (b"INVITE sip:u@h SIP/2.0\r\n: x\r\n\r\n", "header name"),
        (b"INVITE sip:u@h SIP/2.0\r\nX: a\x00b\r\n\r\n", "control"),
        (b"INVITE sip:u@h SIP/2.0\r\nX: a\rb\r\n\r\n", "control"),
        (b"INVITE sip:u@h SIP/2.0\r\nX: a\nb\r\n\r\n", "control"),
        (b"INVITE sip:u@h SIP/2.0\nX: a\r\n\r\n", "control"),
        (b"INVITE sip:u@h\x7f SIP/2.0\r\n\r\n", "control"),
        (b"INVITE  sip:u@h SIP/2.0\r\n\r\n", "whitespace"),
        (b"INVITE sip:u@h SIP/2.0 \r\n\r\n", "whitespace"),
        (b"INVITE sip:u@h; lr SIP/2.0\r\n\r\n", "3 parts"),
        (b"INVITE sip:u@h;x lr SIP/2.0\r\n\r\n", "3 parts"),
        (b"INVITE <sip:u@h> SIP/2.0\r\n\r\n", "Request-URI"),
        (b"INV(ITE sip:u@h SIP/2.0\r\n\r\n", "method"),
        (b"INVITE sip:u@h SIP/2\r\n\r\n", "SIP-Version"),
        (b"INVITE sip:u@h\r\n\r\n", "3 parts"),
        (b"SIP/2.0 4294967301 big\r\n\r\n", "status line"),
        (b"SIP/2.0 20 short\r\n\r\n", "status line"),
        (b"SIP/2.0\r\n\r\n", "status line"),
        (b"\xff\xfe garbage\r\n\r\n", "request line"),
        (
            b"INVITE sip:u@h SIP/2.0\r\nContent-Length: 1\r\nl: 1\r\n\r\nx",
            "duplicate Content-Length",
        ),
        (b"INVITE sip:u@h SIP/2.0\r\nContent-Length: -1\r\n\r\n", "Content-Length"),
        (
            b"INVITE sip:u@h SIP/2.0\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n",
            "Content-Length",
        ),
    ],
)
def test_parse_errors_are_sip_errors_with_a_reason(data: bytes, fragment: str) -> None:
    with pytest.raises(SipError) as info:
        parse(data)
    assert fragment in str(info.value)
    assert info.value.status_hint == 400
    assert info.value.reason == "Bad Request"


def test_quoted_pair_controls_are_allowed() -> None:
    data = b'OPTIONS sip:u@h SIP/2.0\r\nTo: "a\\\x00b" <sip:u@h>\r\n\r\n'
    assert parse(data).to.display_name == "a\x00b"


def test_utf8_and_invalid_utf8_round_trip() -> None:
    data = b"SIP/2.0 200 \xd0\xbe\xd0\xba\r\nX-Bin: \xff\xfe\r\nContent-Length: 0\r\n\r\n"
    msg = parse(data)
    assert isinstance(msg, Response) and msg.reason == "ок"
    assert msg.serialize() == data


def test_typed_errors_name_the_header() -> None:
    msg = parse(b"OPTIONS sip:u@h SIP/2.0\r\nCSeq: x\r\nFrom: Bell, A <sip:a@h>\r\n\r\n")
    with pytest.raises(SipError) as info:
        msg.cseq  # noqa: B018
    assert info.value.header == "cseq" and str(info.value).startswith("CSeq")
    with pytest.raises(SipError) as info:
        msg.from_  # noqa: B018
    assert info.value.header == "from" and str(info.value).startswith("From: ")
    with pytest.raises(SipError) as info:
        msg.to  # noqa: B018
    assert info.value.header == "to" and "missing To" in str(info.value)
    with pytest.raises(SipError):
        msg.top_via  # noqa: B018
    assert msg.max_forwards is None and msg.content_type is None and msg.contact == ()
    assert msg.via == ()


def test_multiple_header_lines_combine() -> None:
    data = (
        b"REGISTER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b\r\n"
        b"Via: SIP/2.0/TCP c\r\nContact: <sip:1@h>, <sip:2@h>\r\nContact: <sip:3@h>\r\n"
        b"Route: <sip:p1;lr>,<sip:p2;lr>\r\nRecord-Route: <sip:rr;lr>\r\n"
        b'Top: x\r\nVia2: "q,\r\n\r\n'
    )
    msg = parse(data)
    assert [v.host for v in msg.via] == ["a", "b", "c"]
    assert msg.top_via.host == "a"
    contacts = msg.contact
    assert isinstance(contacts, tuple) and len(contacts) == 3
    assert [str(r.uri) for r in msg.route] == ["sip:p1;lr", "sip:p2;lr"]
    assert len(msg.record_route) == 1
    star = parse(b"REGISTER sip:h SIP/2.0\r\nContact: *\r\n\r\n")
    assert star.contact is WILDCARD
    both = parse(b"REGISTER sip:h SIP/2.0\r\nContact: *\r\nContact: <sip:u@h>\r\n\r\n")
    with pytest.raises(SipError):
        both.contact  # noqa: B018


def test_top_via_with_quoted_comma() -> None:
    msg = parse(b'OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP a;x="1,2", SIP/2.0/UDP b\r\n\r\n')
    assert msg.top_via.param("x") == '"1,2"'
    assert len(msg.via) == 2


# --- Headers API --------------------------------------------------------------------------


def test_headers_mutation_and_cache_invalidation() -> None:
    msg = parse(INVITE)
    assert msg.top_via.host == "pc33.atlanta.example.com"
    msg.headers.prepend(
        "Via", Via(transport="UDP", host="proxy.example.com", params=(("branch", "z9hG4bKp"),))
    )
    assert msg.top_via.host == "proxy.example.com"
    assert len(msg.via) == 2
    assert msg.headers.pop_first("v") is not None
    assert msg.top_via.host == "pc33.atlanta.example.com"
    msg.headers.set("Max-Forwards", "69")
    assert msg.max_forwards == 69
    msg.headers.set("X-New", "1")
    assert msg.headers.keys()[-1] == "x-new"
    assert msg.headers.remove("x-new") == 1 and msg.headers.remove("x-new") == 0
    assert msg.headers.pop_first("x-new") is None
    msg.headers.add("Supported", "timer, 100rel")
    msg.headers.add("k", "replaces,,")
    assert msg.headers.get_list("Supported") == ["timer", "100rel", "replaces"]
    assert msg.headers.count("supported") == 2
    assert "SUPPORTED" in msg.headers and "Nope" not in msg.headers and 3 not in msg.headers
    msg.headers.insert(0, "X-First", "yes")
    assert msg.headers.items()[0] == ("X-First", "yes")
    assert next(iter(msg.headers)) == ("X-First", "yes")
    assert msg.headers.get("missing", "dflt") == "dflt"
    copy = msg.headers.copy()
    assert copy == msg.headers and copy is not msg.headers
    copy.add("X", "y")
    assert copy != msg.headers
    assert "X-First" in repr(msg.headers)


def test_headers_set_replaces_all_at_first_position() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("a", "3")])
    h.set("A", "9")
    assert h.items() == [("A", "9"), ("B", "2")]
    assert len(h) == 2
    assert h != [("A", "9")]


@pytest.mark.parametrize(
    ("name", "value"), [("Bad Name", "x"), ("", "x"), ("X", "a\r\nb"), ("X:", "v")]
)
def test_headers_refuse_injection(name: str, value: str) -> None:
    with pytest.raises(SipError):
        Headers().add(name, value)


def test_equality_treats_compact_and_long_names_alike() -> None:
    assert Headers([("v", "x")]) == Headers([("Via", "x")])
    assert Headers([("v", "x")]) != Headers([("Via", "y")])


# --- building messages --------------------------------------------------------------------


def test_build_and_serialize_request_recomputes_content_length() -> None:
    req = Request(
        "MESSAGE",
        SipUri(user="bob", host="example.com"),
        [("Via", "SIP/2.0/TCP h;branch=z9hG4bK9"), ("Content-Length", "999"), ("l", "1")],
        b"hello",
    )
    wire = req.serialize()
    assert wire == (
        b"MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK9\r\n"
        b"Content-Length: 5\r\n\r\nhello"
    )
    bare = Request("OPTIONS", "sip:h")
    assert bare.serialize() == b"OPTIONS sip:h SIP/2.0\r\nContent-Length: 0\r\n\r\n"
    assert parse(bare.serialize()) == Request("OPTIONS", "sip:h", [("Content-Length", "0")])
    assert req != bare and req != "MESSAGE"


@pytest.mark.parametrize(
    ("method", "uri"),
    [("IN VITE", "sip:h"), ("INVITE", "sip:a b"), ("INVITE", "<sip:h>"), ("", "sip:h")],
)
def test_request_constructor_validates(method: str, uri: str) -> None:
    with pytest.raises(SipError):
        Request(method, uri)


def test_response_constructor() -> None:
    assert Response(486).reason == "Busy Here"
    assert Response(299).reason == ""
    assert Response(200, "Fine").start_line() == "SIP/2.0 200 Fine"
    for status in (99, 700):
        with pytest.raises(SipError):
            Response(status)
    with pytest.raises(SipError):
        Response(200, "a\r\nb")


def test_make_response_copies_the_right_headers() -> None:
    req = parse(INVITE)
    assert isinstance(req, Request)
    resp = make_response(req, 180, to_tag="as83kd9")
    assert resp.start_line() == "SIP/2.0 180 Ringing"
    assert resp.headers.keys() == ["via", "to", "from", "call-id", "cseq"]
    assert resp.to.tag == "as83kd9" and resp.from_.tag == "1928301774"
    assert resp.cseq == req.cseq and resp.call_id == req.call_id
    tagged = Request("INVITE", "sip:x", [("To", "<sip:b@h>;tag=as83kd9")])
    again = make_response(tagged, 200, to_tag="other")
    assert again.to.tag == "as83kd9"  # an existing tag is never replaced


def test_make_response_for_a_broken_request() -> None:
    req = parse(b"INVITE sip:u@h SIP/2.0\r\nTo: Bell, A <sip:a@h>\r\nCSeq: 1 INVITE\r\n\r\n")
    assert isinstance(req, Request)
    resp = make_response(req, 400, "Bad To", to_tag="t")
    assert resp.headers.items() == [("To", "Bell, A <sip:a@h>"), ("CSeq", "1 INVITE")]
    assert resp.reason == "Bad To"


def test_pop_top_via_splits_comma_lists() -> None:
    msg = parse(
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2\r\n"
        b"Via: SIP/2.0/UDP c\r\nContent-Length: 0\r\n\r\n"
    )
    assert msg.top_via.host == "a"
    assert msg.pop_top_via().host == "a"
    assert msg.top_via.host == "b" and len(msg.via) == 2
    assert msg.headers.get_all("via") == ["SIP/2.0/UDP b;branch=z9hG4bK2", "SIP/2.0/UDP c"]
    assert msg.pop_top_via().host == "b"
    assert msg.pop_top_via().host == "c"
    with pytest.raises(SipError):
        msg.pop_top_via()
    bad = parse(b"SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n")
    with pytest.raises(SipError) as info:
        bad.pop_top_via()
    assert info.value.header == "via"


def test_refer_to() -> None:
    msg = parse(b"REFER sip:u@h SIP/2.0\r\nr: <sip:carol@example.com?Replaces=abc>\r\n\r\n")
    refer = msg.refer_to
    assert refer is not None and isinstance(refer.uri, SipUri)
    assert refer.uri.headers == (("Replaces", "abc"),)
    assert parse(INVITE).refer_to is None


def test_lookups_with_invalid_names_find_nothing() -> None:
    h = parse(INVITE).headers
    assert h.get("Not A Name") is None and "Not A Name" not in h
    assert h.get_all("x y") == [] and h.count("") == 0 and h.remove("a b") == 0


def test_errors_survive_pickling() -> None:
    err = SipError("bad CSeq", 400, "cseq")
    copy = pickle.loads(pickle.dumps(err))
    assert (str(copy), copy.status_hint, copy.header) == ("bad CSeq", 400, "cseq")
    ext = pickle.loads(pickle.dumps(BadExtensionError(("foo", "bar"))))
    assert ext.unsupported == ("foo", "bar") and ext.status_hint == 420


def test_pathological_inputs_stay_fast() -> None:
    # Long blank runs around folds and long URI-ish strings must not trigger regex
    # backtracking blow-ups (each of these would take minutes if quadratic).
    started = time.perf_counter()
    blank = b"OPTIONS sip:u@h SIP/2.0\r\nSubject: a" + b" " * 60_000 + b"b \r\n c\r\n\r\n"
    assert parse(blank).headers.get("Subject") == "a" + " " * 60_000 + "b c"
    numbers = b"OPTIONS tel:+" + b"1" * 60_000 + b"x SIP/2.0\r\n\r\n"
    with pytest.raises(SipError):
        validate(parse(numbers))
    with pytest.raises(SipError):
        NameAddr.parse("<tel:+" + "1" * 60_000 + "x>")
    with pytest.raises(SipError):
        SipUri.parse("sip:" + "a" * 60_000 + "-")
    many = b"OPTIONS sip:u@h SIP/2.0\r\n" + b"X: y\r\n" * 10_000 + b"\r\n"
    assert len(parse(many).headers) == 10_000
    assert time.perf_counter() - started < 5.0


def test_memoised_values_are_shared_but_long_ones_are_not_kept() -> None:
    """Parsed URIs and header values are memoised by their text (immutable results), with
    bounds: a peer's long values are parsed each time and never held."""
    from sip import uri as uri_module
    from sip.parser import parse as parse_message

    def request(to_user: str) -> bytes:
        return (
            f"OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKm\r\n"
            f"From: <sip:a@h>;tag=1\r\nTo: <sip:{to_user}@h>\r\nCall-ID: m\r\n"
            f"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        ).encode()

    first, second = parse_message(request("bob")), parse_message(request("bob"))
    assert first.to is second.to and first.to == second.to
    long_user = "x" * 300
    a, b = parse_message(request(long_user)), parse_message(request(long_user))
    assert a.to == b.to and a.to is not b.to
    assert f"sip:{long_user}@h" not in uri_module._MEMO

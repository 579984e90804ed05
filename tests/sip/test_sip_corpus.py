"""RFC 4475 torture tests: every corpus message, as a datagram and through the TCP framer."""

from __future__ import annotations

import contextlib
import hashlib
import random
from collections.abc import Callable
from typing import Any

import pytest

from sip import (
    AbsoluteUri,
    BadExtensionError,
    NameAddr,
    Request,
    Response,
    SipError,
    SipUri,
    StreamFramer,
    parse,
    validate,
)
from sip.message import Message
from tests.sip.sip_corpus import (
    CORPUS_AVAILABLE,
    SKIP_REASON,
    exercise,
    load_index,
    read,
    read_file,
    run_framer,
    uas_codes,
)

pytestmark = pytest.mark.skipif(not CORPUS_AVAILABLE, reason=SKIP_REASON)

ENTRIES = load_index()
IDS = [entry["name"] for entry in ENTRIES]
BY_NAME = {entry["name"]: entry for entry in ENTRIES}

# Where a byte stream legitimately differs from a datagram (RFC 3261 §18.3).
STREAM_WAITS = {
    "clerr": "Content-Length exceeds the data: a stream waits for the rest",
    "baddn": "the archive copy has no empty line: a stream waits for it",
}
STREAM_NEEDS_LENGTH = {"inv2543": "no Content-Length, which is mandatory on streams"}
STREAM_MORE_MESSAGES = {"dblreq": "octets after Content-Length are the next message"}


def _req(msg: Message) -> Request:
    assert isinstance(msg, Request)
    return msg


def _sip(uri: object) -> SipUri:
    assert isinstance(uri, SipUri)
    return uri


def _contacts(msg: Message) -> tuple[NameAddr, ...]:
    contact = msg.contact
    assert isinstance(contact, tuple)
    return contact


def _check_wsinv(msg: Message) -> None:
    assert msg.to.tag == "1918181833n"
    assert msg.from_.display_name == 'J Rosenberg \\"'
    assert msg.from_.tag == "98asjd8"
    assert msg.max_forwards == 68
    assert (msg.cseq.number, msg.cseq.method) == (9, "INVITE")
    assert [v.branch for v in msg.via] == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"]
    assert [v.transport for v in msg.via] == ["UDP", "TCP", "UDP"]
    assert msg.headers.get("Subject") == ""
    assert msg.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    (contact,) = _contacts(msg)
    assert contact.display_name == 'Quoted string ""'
    assert contact.params == (("newparam", "newvalue"), ("secondparam", None), ("q", "0.33"))
    assert contact.q == pytest.approx(0.33)
    assert _sip(msg.route[0].uri).lr
    assert len(msg.body) == 150


def _check_intmeth(msg: Message) -> None:
    req = _req(msg)
    assert req.method == "!interesting-Method0123456789_*+`.%indeed'~"
    uri = _sip(req.request_uri)
    assert uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert msg.to.display_name == "BEL:\x07 NUL:\x00 DEL:\x7f"
    assert msg.from_.display_name == "token1~` token2'+_ token3*%!.-"
    assert msg.from_.tag == "_token~1'+`*%!-."
    assert msg.from_.param("fromParam''~+*_!.-%") == '"работающий"'
    assert msg.call_id == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"


def _check_esc01(msg: Message) -> None:
    assert _sip(_req(msg).request_uri).user == "sips:user@example.com"
    assert _sip(msg.to.uri).user == "user"
    assert _sip(msg.from_.uri).user == "I have spaces"
    (contact,) = _contacts(msg)
    # Unescaping is done once: %25%34%31 is "%41", never "A".
    assert _sip(contact.uri).params == (("lr", None), ("name", "value%41"))


def _check_escnull(msg: Message) -> None:
    assert _sip(msg.to.uri).user == "null-\x00-null"
    assert [_sip(c.uri).user for c in _contacts(msg)] == ["\x00", "\x00\x00"]


def _check_esc02(msg: Message) -> None:
    assert _req(msg).method == "RE%47IST%45R"
    assert msg.to.display_name == "%Z%45"
    assert len(_contacts(msg)) == 2  # C%6Fntact is some other header
    assert msg.headers.get("C%6Fntact") == "<sip:alias2@host2.example.com>"


def _check_semiuri(msg: Message) -> None:
    assert _sip(_req(msg).request_uri).user == "user;par=u@example.net"
    assert len(msg.headers.get_list("Accept")) == 6


def _check_transports(msg: Message) -> None:
    assert [v.transport for v in msg.via] == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]


def _check_mpart01(msg: Message) -> None:
    assert len(msg.body) == 553
    assert b"\x00" in msg.body
    assert msg.top_via.has_rport and msg.top_via.rport is None
    assert msg.top_via.sent_by == ("127.0.0.1", 5070)
    content_type = msg.content_type
    assert content_type is not None and content_type.param("boundary") == "7a9cbec02ceef655"


def _check_longreq(msg: Message) -> None:
    assert len(msg.via) == 34
    assert msg.via[-1].received == "192.0.2.5"
    assert _sip(msg.to.uri).port == 6000
    tag = msg.from_.tag or ""
    assert len(tag) == 155 and tag.startswith("12982982") and tag.endswith("982424")


def _check_dblreq(msg: Message) -> None:
    assert msg.body == b""  # the trailing INVITE is noise on UDP


def _check_unreason(msg: Message) -> None:
    assert isinstance(msg, Response) and msg.status == 200
    assert msg.reason == "= 2**3 * 5**2 но сто девяносто девять - простое"


def _check_noreason(msg: Message) -> None:
    assert isinstance(msg, Response) and (msg.status, msg.reason) == (100, "")


def _check_unksm2(msg: Message) -> None:
    assert msg.to.uri == AbsoluteUri("isbn", "2983792873")
    assert msg.from_.uri == AbsoluteUri("http", "//www.example.com")
    assert _contacts(msg)[0].uri == AbsoluteUri("name", "John_Smith")


def _check_cparam01(msg: Message) -> None:
    (contact,) = _contacts(msg)
    assert contact.params == (("unknownparam", None),)
    assert _sip(contact.uri).params == ()


def _check_cparam02(msg: Message) -> None:
    (contact,) = _contacts(msg)
    assert contact.params == ()
    assert _sip(contact.uri).params == (("unknownparam", None),)


def _check_regescrt(msg: Message) -> None:
    (contact,) = _contacts(msg)
    assert _sip(contact.uri).headers == (("Route", "<sip:sip.example.com>"),)


def _check_inv2543(msg: Message) -> None:
    assert msg.max_forwards is None
    assert msg.top_via.branch is None and not msg.top_via.is_rfc3261_branch
    assert msg.from_.tag is None
    assert len(msg.body) == 105  # no Content-Length: the rest of the datagram


def _check_zeromf(msg: Message) -> None:
    assert msg.max_forwards == 0


def _check_bcast(msg: Message) -> None:
    assert [v.host for v in msg.via] == ["192.0.2.198", "255.255.255.255"]


def _check_badbranch(msg: Message) -> None:
    assert msg.top_via.branch == "z9hG4bK"


def _no_extra_checks(msg: Message) -> None:
    assert msg.headers


FIELD_CHECKS: dict[str, Callable[[Message], None]] = {
    "wsinv": _check_wsinv,
    "intmeth": _check_intmeth,
    "esc01": _check_esc01,
    "escnull": _check_escnull,
    "esc02": _check_esc02,
    "semiuri": _check_semiuri,
    "transports": _check_transports,
    "mpart01": _check_mpart01,
    "longreq": _check_longreq,
    "dblreq": _check_dblreq,
    "unreason": _check_unreason,
    "noreason": _check_noreason,
    "unksm2": _check_unksm2,
    "cparam01": _check_cparam01,
    "cparam02": _check_cparam02,
    "regescrt": _check_regescrt,
    "inv2543": _check_inv2543,
    "zeromf": _check_zeromf,
    "bcast": _check_bcast,
    "badbranch": _check_badbranch,
}


def _check_start_line(entry: dict[str, Any], msg: Message, data: bytes) -> None:
    # index.json abbreviates very long start lines, so it is a prefix of the real one.
    line = msg.start_line()
    assert line == data.split(b"\r\n", 1)[0].decode("utf-8")
    assert line.startswith(entry["start_line"])
    assert len(entry["start_line"]) >= min(len(line), 100)


def _check_rejection(entry: dict[str, Any], exc: SipError) -> None:
    codes = uas_codes(entry)
    if entry["kind"] == "request" and codes:
        assert exc.status_hint in codes, (exc.status_hint, str(exc))
    assert str(exc)


def test_index_is_complete_and_files_are_intact() -> None:
    assert len(ENTRIES) == 50
    for entry in ENTRIES:
        data = read(entry)
        assert len(data) == entry["octets"], entry["name"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["name"]
    assert set(FIELD_CHECKS) <= set(BY_NAME)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_datagram(entry: dict[str, Any]) -> None:
    data = read(entry)
    must = entry["parser_must"]
    if must == "accept":
        msg = parse(data)
        assert isinstance(msg, Request if entry["kind"] == "request" else Response)
        _check_start_line(entry, msg, data)
        validate(msg, schemes=None)  # well-formed
        codes = uas_codes(entry)
        if 416 in codes:
            with pytest.raises(SipError) as info:
                validate(msg)
            assert info.value.status_hint == 416
        elif 420 in codes:
            validate(msg)
            with pytest.raises(BadExtensionError) as bad:
                validate(msg, supported=("timer", "100rel"))
            assert bad.value.status_hint == 420
            assert bad.value.unsupported == tuple(msg.headers.get_list("Require"))
        else:
            validate(msg)
        FIELD_CHECKS.get(entry["name"], _no_extra_checks)(msg)
        reparsed = parse(msg.serialize())
        assert reparsed.serialize() == msg.serialize()
    elif must == "accept_then_reject":
        msg = parse(data)
        _check_start_line(entry, msg, data)
        with pytest.raises(SipError) as info:
            validate(msg)
        _check_rejection(entry, info.value)
    elif must == "reject":
        with pytest.raises(SipError) as info:
            validate(parse(data))
        _check_rejection(entry, info.value)
    elif must == "reject_or_tolerate":
        try:
            validate(parse(data))
        except SipError as exc:
            _check_rejection(entry, exc)
    else:  # test.dat: unclassified, malformed request line and a header without colon
        with pytest.raises(SipError):
            parse(data)
    with contextlib.suppress(SipError):
        exercise(parse(data))


def test_baddn_terminated_variant_is_rejected_by_validation() -> None:
    msg = parse(read_file("variants/baddn.crlf-terminated.dat"))
    with pytest.raises(SipError) as info:
        validate(msg)
    assert info.value.status_hint == 400
    assert info.value.header == "from"
    assert "From" in str(info.value)


def _stream_expectation(entry: dict[str, Any]) -> None:
    name = entry["name"]
    data = read(entry)
    messages, error, left = run_framer([data])
    if name in STREAM_WAITS:
        assert (messages, error, left) == ([], None, len(data)), STREAM_WAITS[name]
        return
    if name in STREAM_NEEDS_LENGTH:
        assert error is not None and error.header == "content-length"
        return
    try:
        expected = parse(data)
    except SipError as exc:
        assert error is not None and messages == []
        assert (error.status_hint, error.header) == (exc.status_hint, exc.header)
        return
    assert messages and messages[0] == expected
    if name in STREAM_MORE_MESSAGES:
        assert len(messages) == 2 and isinstance(messages[1], Request)
        assert messages[1].method == "INVITE"
    else:
        assert (len(messages), error, left) == (1, None, 0)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_stream_whole(entry: dict[str, Any]) -> None:
    _stream_expectation(entry)


def _outcome(chunks: list[bytes]) -> tuple[list[Message], tuple[object, ...] | None, int]:
    messages, error, left = run_framer(chunks)
    err = None if error is None else (type(error), str(error), error.status_hint, error.header)
    return messages, err, left


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_stream_split_at_every_offset(entry: dict[str, Any]) -> None:
    data = read(entry)
    whole = _outcome([data])
    for k in range(1, len(data)):
        assert _outcome([data[:k], data[k:]]) == whole, k


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_stream_byte_by_byte_and_random_chunks(entry: dict[str, Any]) -> None:
    data = read(entry)
    whole = _outcome([data])
    assert _outcome([data[i : i + 1] for i in range(len(data))]) == whole
    rng = random.Random(entry["name"])
    for _ in range(10):
        cuts = sorted(rng.sample(range(1, len(data)), k=min(8, len(data) - 1)))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        assert _outcome(chunks) == whole


def test_stream_of_all_framable_messages_with_keepalives() -> None:
    wanted: list[Message] = []
    stream = b"\r\n\r\n"
    for entry in ENTRIES:
        name = entry["name"]
        if name in STREAM_WAITS or name in STREAM_NEEDS_LENGTH or name in STREAM_MORE_MESSAGES:
            continue
        data = read(entry)
        try:
            wanted.append(parse(data))
        except SipError:
            continue
        stream += data + b"\r\n\r\n"
    framer = StreamFramer()
    got: list[Message] = []
    for i in range(0, len(stream), 1000):
        framer.feed(stream[i : i + 1000])
        got.extend(framer)
    assert got == wanted
    assert framer.buffered == 0
    assert framer.pings == len(wanted) + 1

"""Hypothesis properties: nothing but SipError escapes, and parse/str/serialize round-trip."""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import os
from collections.abc import Callable
from typing import Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sip import (
    AbsoluteUri,
    ContentType,
    CSeq,
    NameAddr,
    Request,
    Response,
    SipError,
    SipUri,
    StreamFramer,
    TelUri,
    Uri,
    Via,
    canonical_key,
    parse,
    parse_contact,
    parse_uri,
    parse_vias,
    quote,
    split_comma,
)
from tests.sip.sip_corpus import CORPUS_AVAILABLE, exercise, load_index, read

# Sized to keep the suite fast; SIP_FUZZ_SCALE=50 python -m pytest tests/sip for a deep run.
SCALE = int(os.environ.get("SIP_FUZZ_SCALE", "1"))
FAST = settings(
    max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
FUZZ = settings(
    max_examples=400 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

NO_CONTROLS: list[Literal["Cc", "Cs"]] = ["Cc", "Cs"]  # printable text for values
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~"
tokens = st.text(alphabet=TOKEN_ALPHABET, min_size=1, max_size=10)
any_text = st.text(max_size=12)  # any code point but surrogates
line_text = st.text(alphabet=st.characters(exclude_characters="\r\n"), max_size=12)
label = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,6}[A-Za-z0-9])?", fullmatch=True)
hosts = st.one_of(
    st.lists(label, min_size=1, max_size=3).map(".".join),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
)
ports = st.none() | st.integers(0, 65535)
gen_values = st.one_of(
    st.none(),
    st.text(alphabet=TOKEN_ALPHABET + ":[]", min_size=1, max_size=10),
    line_text.map(quote),
)


def generic_params(
    exclude: frozenset[str] = frozenset(),
) -> st.SearchStrategy[tuple[tuple[str, str | None], ...]]:
    names = tokens.filter(lambda n: n.lower() not in exclude)
    return st.lists(st.tuples(names, gen_values), max_size=3).map(tuple)


_sip_uris = st.builds(
    SipUri,
    scheme=st.sampled_from(["sip", "sips"]),
    user=st.none() | st.text(min_size=1, max_size=10),
    password=st.none() | any_text,
    host=hosts,
    port=ports,
    params=st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.none() | st.text(min_size=1, max_size=8)),
        max_size=3,
    ).map(tuple),
    headers=st.lists(st.tuples(st.text(min_size=1, max_size=8), any_text), max_size=2).map(tuple),
)
# a password needs a user part to be representable
sip_uris = _sip_uris.map(
    lambda u: u if u.user is not None else dataclasses.replace(u, password=None)
)
tel_uris = st.builds(
    TelUri,
    st.from_regex(r"\+[0-9][0-9\-.()]{0,12}|[0-9A-F*#][0-9A-F*#\-.pw]{0,8}", fullmatch=True),
    st.lists(
        st.tuples(
            st.from_regex(r"[a-z0-9-]{1,8}", fullmatch=True),
            st.none() | st.from_regex(r"[A-Za-z0-9+:/&$\[\]-]{1,8}", fullmatch=True),
        ),
        max_size=2,
    ).map(tuple),
)
absolute_uris = st.builds(
    AbsoluteUri,
    st.from_regex(r"[a-z][a-z0-9+.-]{0,6}", fullmatch=True).filter(
        lambda s: s not in ("sip", "sips", "tel")
    ),
    st.from_regex(r"[A-Za-z0-9\-_.!~*'();/?:@&=+$,\[\]#]{1,16}", fullmatch=True),
)
uris: st.SearchStrategy[Uri] = st.one_of(sip_uris, tel_uris, absolute_uris)
vias = st.builds(
    Via,
    transport=tokens,
    host=hosts,
    port=ports,
    params=st.tuples(
        st.none() | tokens.map(lambda b: ("branch", "z9hG4bK" + b)),
        st.sampled_from([(), (("rport", None),), (("rport", "5060"),), (("ttl", "1"),)]),
        generic_params(frozenset({"branch", "rport", "ttl"})),
    ).map(lambda t: ((t[0],) if t[0] else ()) + t[1] + t[2]),
    protocol=st.sampled_from(["SIP/2.0", "SIP/3.0"]),
)
name_addrs = st.builds(
    NameAddr, uri=uris, display_name=st.none() | line_text, params=generic_params()
)
cseqs = st.builds(CSeq, st.integers(0, 2**31 - 1), tokens)
content_types = st.builds(ContentType, tokens, tokens, generic_params())


@FAST
@given(sip_uris)
def test_sip_uri_round_trip(uri: SipUri) -> None:
    assert SipUri.parse(str(uri)) == uri
    assert parse_uri(str(uri)) == uri


@FAST
@given(uris)
def test_any_uri_round_trip(uri: Uri) -> None:
    assert parse_uri(str(uri)) == uri


@FAST
@given(vias)
def test_via_round_trip(via: Via) -> None:
    assert Via.parse(str(via)) == via
    assert parse_vias(f"{via}, {via}") == (via, via)


@FAST
@given(name_addrs)
def test_name_addr_round_trip(addr: NameAddr) -> None:
    assert NameAddr.parse(str(addr)) == addr
    assert parse_contact(f"{addr} ,{addr}") == (addr, addr)


@FAST
@given(cseqs, content_types)
def test_small_values_round_trip(cseq: CSeq, ctype: ContentType) -> None:
    assert CSeq.parse(str(cseq)) == cseq
    assert ContentType.parse(str(ctype)) == ctype


@settings(FAST, max_examples=60 * SCALE)
@given(st.lists(name_addrs.map(str), min_size=1, max_size=3))
def test_split_comma_inverts_join(values: list[str]) -> None:
    assert split_comma(", ".join(values)) == values


header_names = tokens.filter(lambda n: canonical_key(n) != "content-length")
header_values = st.text(alphabet=st.characters(exclude_categories=NO_CONTROLS), max_size=30).map(
    lambda s: s.strip(" \t")
)
header_lists = st.lists(st.tuples(header_names, header_values), max_size=8)


@FAST
@given(tokens, sip_uris, header_lists, st.binary(max_size=64))
def test_request_serialize_parse_round_trip(
    method: str, uri: SipUri, headers: list[tuple[str, str]], body: bytes
) -> None:
    msg = Request(method, uri, [*headers, ("Content-Length", str(len(body)))], body)
    assert parse(msg.serialize()) == msg
    assert parse(bytes(msg)).serialize() == msg.serialize()


@FAST
@given(
    st.integers(100, 699),
    st.text(alphabet=st.characters(exclude_categories=NO_CONTROLS), max_size=20),
    header_lists,
    st.binary(max_size=64),
)
def test_response_serialize_parse_round_trip(
    status: int, reason: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    msg = Response(status, reason, [("l", str(len(body))), *headers], body)
    assert parse(msg.serialize()) == msg


def _only_sip_errors(fn: Callable[[], object]) -> None:
    with contextlib.suppress(SipError):
        fn()


def _check_bytes(data: bytes) -> None:
    try:
        msg = parse(data)
    except SipError:
        pass
    else:
        exercise(msg)
        again = parse(msg.serialize())  # whatever we accept, we re-emit parseably
        assert again.serialize() == msg.serialize()
    framer = StreamFramer(max_message_size=4096)
    with contextlib.suppress(SipError):
        for i in range(0, len(data), 7):
            framer.feed(data[i : i + 7])
            for msg in framer:
                exercise(msg)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_sip_error(data: bytes) -> None:
    _check_bytes(data)


SIPISH = [
    b"INVITE",
    b"SIP/2.0",
    b"sip:",
    b"sips:",
    b"tel:",
    b"u",
    b"@",
    b"h.example.com",
    b"[::1]",
    b" ",
    b"  ",
    b"\t",
    b"\r\n",
    b"\r\n ",
    b"\r",
    b"\n",
    b":",
    b";",
    b"=",
    b",",
    b"<",
    b">",
    b'"',
    b"\\",
    b"?",
    b"&",
    b"%",
    b"%4",
    b"%41",
    b"*",
    b"/",
    b"Via",
    b"v",
    b"From",
    b"To",
    b"t",
    b"CSeq",
    b"Call-ID",
    b"Contact",
    b"m",
    b"Route",
    b"Max-Forwards",
    b"Content-Length",
    b"l",
    b"Content-Type",
    b"c",
    b"Require",
    b"Expires",
    b"tag",
    b"branch",
    b"z9hG4bK",
    b"rport",
    b"received",
    b"ttl",
    b"lr",
    b"0",
    b"70",
    b"5060",
    b"99999",
    b"4294967301",
    b"36893488147419103232",
    b"-1",
    b"UDP",
    b"\x00",
    b"\xff",
    b"\xd0\xbd",
    b"SIP/2.0 200 OK",
]
sipish_bytes = st.lists(st.sampled_from(SIPISH), max_size=60).map(b"".join)


@FUZZ
@given(sipish_bytes)
def test_sip_shaped_noise_raises_only_sip_error(data: bytes) -> None:
    _check_bytes(b"OPTIONS sip:u@h SIP/2.0\r\n" + data + b"\r\n\r\n")
    _check_bytes(data)


@FAST
@given(st.lists(st.sampled_from([s.decode("latin-1") for s in SIPISH]), max_size=30).map("".join))
def test_value_parsers_raise_only_sip_error(text: str) -> None:
    for parser in (
        Via.parse,
        NameAddr.parse,
        SipUri.parse,
        TelUri.parse,
        parse_uri,
        CSeq.parse,
        ContentType.parse,
        parse_contact,
        parse_vias,
        split_comma,
    ):
        _only_sip_errors(lambda p=parser: p(text))  # type: ignore[misc]


CORPUS = (
    [read(entry) for entry in load_index()]
    if CORPUS_AVAILABLE
    else [b"OPTIONS sip:u@h SIP/2.0\r\n\r\n"]
)
mutation = st.tuples(
    st.integers(0, 10_000),
    st.sampled_from(["flip", "insert", "delete", "dup", "cut"]),
    st.sampled_from(SIPISH),
)


def _mutate(data: bytes, edits: list[tuple[int, str, bytes]]) -> bytes:
    for pos, op, piece in edits:
        i = pos % (len(data) + 1)
        if op == "flip" and i < len(data):
            data = data[:i] + bytes([data[i] ^ (1 << (pos % 8))]) + data[i + 1 :]
        elif op == "insert":
            data = data[:i] + piece + data[i:]
        elif op == "delete":
            data = data[:i] + data[i + len(piece) :]
        elif op == "dup":
            data = data[:i] + data[i : i + 20] + data[i:]
        else:
            data = data[:i]
    return data


@FUZZ
@given(st.sampled_from(range(len(CORPUS))), st.lists(mutation, min_size=1, max_size=6))
def test_mutated_corpus_messages_raise_only_sip_error(
    index: int, edits: list[tuple[int, str, bytes]]
) -> None:
    _check_bytes(_mutate(CORPUS[index], edits))


def test_ipv6_hosts_strategy_sanity() -> None:
    # guard the strategy itself: bracketed IPv6 literals are what SipUri stores
    assert SipUri.parse(f"sip:[{ipaddress.IPv6Address('2001:db8::1')}]").host == "[2001:db8::1]"

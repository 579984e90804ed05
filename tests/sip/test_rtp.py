"""RTP header: known bytes, round trips, and nothing but RtpError on garbage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sip.errors import SipError
from sip.rtp import (
    RtpError,
    RtpExtension,
    RtpPacket,
    build,
    is_rtcp,
    parse,
    parse_header,
)

# SIPp's dtmf_2833_1.pcap, first packet: marker, pt 101, seq 7984, ts 13280, digit 1 start.
SIPP_DTMF = bytes.fromhex("80e51f30000033e00e05384e010a0000")


def test_parse_a_captured_packet() -> None:
    packet = parse(SIPP_DTMF)
    assert packet == RtpPacket(101, 7984, 13280, 0x0E05384E, bytes.fromhex("010a0000"), True)
    assert packet.to_bytes() == SIPP_DTMF
    assert parse_header(SIPP_DTMF) == (101, 7984, 13280, 0x0E05384E, True, 12, 16)


def test_build_is_the_plain_packet() -> None:
    data = build(0, 65535, 2**32 - 1, 0xDEADBEEF, b"\xff" * 160)
    assert data[:12] == bytes.fromhex("8000ffffffffffffdeadbeef")
    assert parse(data) == RtpPacket(0, 65535, 2**32 - 1, 0xDEADBEEF, b"\xff" * 160)
    # counters wrap, so a sender may keep plain integers
    assert parse(build(8, 65536 + 5, 2**32 + 160, 1, b"", marker=True))[:4] == (8, 5, 160, 1)
    assert parse(build(8, 0, 0, 1, b"", marker=True)).marker


def test_csrcs_extension_and_padding_round_trip() -> None:
    packet = RtpPacket(96, 1, 2, 3, b"abc", False, (10, 11), RtpExtension(0xBEDE, b"\x01" * 8),
                       4)
    data = packet.to_bytes()
    assert data[0] == 0x80 | 0x20 | 0x10 | 2
    assert len(data) == 12 + 8 + 4 + 8 + 3 + 4
    assert parse(data) == packet
    assert parse_header(data)[5:] == (32, 35)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "too short"),
    (b"\x80\x00" + bytes(9), "too short"),
    (b"\x40" + bytes(11), "version 2"),
    (b"\x81" + bytes(11), "longer than the packet"),  # one CSRC announced, none there
    (b"\x90" + bytes(11), "extension truncated"),
    (b"\x90" + bytes(11) + b"\x00\x00\x00\x05", "longer than the packet"),
    (b"\xa0" + bytes(11), "padding without room"),
    (b"\xa0" + bytes(11) + b"\x00", "count of zero"),
    (b"\xa0" + bytes(11) + b"\x09", "longer than the packet"),
])
def test_malformed_packets(data: bytes, message: str) -> None:
    with pytest.raises(RtpError, match=message):
        parse(data)


@pytest.mark.parametrize("packet", [
    RtpPacket(128, 0, 0, 0, b""),
    RtpPacket(0, 70000, 0, 0, b""),
    RtpPacket(0, 0, 0, 0, b"", csrcs=tuple(range(16))),
    RtpPacket(0, 0, 0, 0, b"", extension=RtpExtension(1, b"abc")),
    RtpPacket(0, 0, 0, 0, b"", padding=256),
])
def test_unbuildable_packets(packet: RtpPacket) -> None:
    with pytest.raises(RtpError):
        packet.to_bytes()
    with pytest.raises(RtpError):
        build(200, 0, 0, 0, b"")
    with pytest.raises(RtpError):
        build(0, 0, 0, 2**32, b"")


def test_rtp_error_is_a_sip_error() -> None:
    with pytest.raises(SipError) as caught:
        parse(b"")
    assert isinstance(caught.value, ValueError)


def test_rtcp_is_recognised() -> None:
    assert is_rtcp(bytes.fromhex("80c80006"))  # sender report
    assert is_rtcp(bytes.fromhex("81c90007"))  # receiver report
    assert not is_rtcp(SIPP_DTMF)
    assert not is_rtcp(b"\x80")


@given(st.binary(max_size=80))
def test_random_bytes_raise_only_rtp_error(data: bytes) -> None:
    try:
        packet = parse(data)
    except RtpError:
        return
    # whatever parses serialises to a packet that parses the same (padding bytes are zeroed)
    assert parse(packet.to_bytes()) == packet


def test_padding_content_is_not_kept() -> None:
    data = b"\xa0" + bytes(11) + b"xyz" + bytes(range(1, 8))
    packet = parse(data)
    assert (packet.payload, packet.padding) == (b"xyz", 7)
    assert packet.to_bytes() == b"\xa0" + bytes(11) + b"xyz" + bytes(6) + b"\x07"


packets = st.builds(
    RtpPacket,
    payload_type=st.integers(0, 127),
    sequence=st.integers(0, 0xFFFF),
    timestamp=st.integers(0, 0xFFFFFFFF),
    ssrc=st.integers(0, 0xFFFFFFFF),
    payload=st.binary(max_size=200),
    marker=st.booleans(),
    csrcs=st.lists(st.integers(0, 0xFFFFFFFF), max_size=15).map(tuple),
    extension=st.none() | st.builds(
        RtpExtension, st.integers(0, 0xFFFF),
        st.binary(max_size=40).map(lambda b: b[: len(b) - len(b) % 4])),
    padding=st.integers(0, 255),
)


@given(packets)
def test_build_then_parse_round_trip(packet: RtpPacket) -> None:
    assert parse(packet.to_bytes()) == packet


@given(st.integers(0, 127), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF),
       st.integers(0, 0xFFFFFFFF), st.binary(max_size=200), st.booleans())
def test_fast_path_agrees_with_the_full_parser(pt: int, seq: int, ts: int, ssrc: int,
                                               payload: bytes, marker: bool) -> None:
    data = build(pt, seq, ts, ssrc, payload, marker)
    assert data == RtpPacket(pt, seq, ts, ssrc, payload, marker).to_bytes()
    header = parse_header(data)
    assert header[:5] == (pt, seq, ts, ssrc, marker)
    assert data[header[5]:header[6]] == payload

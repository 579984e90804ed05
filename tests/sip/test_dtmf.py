"""RFC 4733 payloads and the de-duplication rule, down to SIPp's own pcaps."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from sip.dtmf import (
    DtmfReceiver,
    TelephoneEvent,
    build_event,
    digit_to_event,
    event_payloads,
    event_to_digit,
    parse_event,
)
from sip.rtp import RtpError, parse_header

PCAPS = Path("/usr/share/sip-tester")


def test_payload_round_trip() -> None:
    assert parse_event(bytes.fromhex("018a08c0")) == TelephoneEvent(1, True, 10, 2240)
    assert build_event(11, False, 10, 320) == bytes.fromhex("0b0a0140")
    assert parse_event(build_event(16, True, 63, 0xFFFF)) == TelephoneEvent(16, True, 63, 65535)


@pytest.mark.parametrize("payload", [b"", b"\x01\x0a\x00"])
def test_short_payload_is_an_rtp_error(payload: bytes) -> None:
    with pytest.raises(RtpError, match="too short"):
        parse_event(payload)
    with pytest.raises(RtpError):
        DtmfReceiver().feed(payload, 0, True)


def test_out_of_range_fields_are_refused() -> None:
    with pytest.raises(RtpError):
        build_event(1, volume=64)
    with pytest.raises(RtpError):
        build_event(1, duration=70000)


def test_digit_mapping() -> None:
    assert [event_to_digit(e) for e in range(17)] == list("0123456789*#ABCD!")
    assert digit_to_event("#") == 11 and digit_to_event("a") == 12
    for bad in ("E", "12", ""):
        with pytest.raises(ValueError):
            digit_to_event(bad)
    with pytest.raises(ValueError):
        event_to_digit(17)


def test_event_payloads_grow_then_end_three_times() -> None:
    payloads = [parse_event(p) for p in event_payloads(5, duration=800, step=160)]
    assert [(e.end, e.duration) for e in payloads] == [
        (False, 160), (False, 320), (False, 480), (False, 640),
        (True, 800), (True, 800), (True, 800)]
    assert {e.event for e in payloads} == {5}
    with pytest.raises(ValueError):
        event_payloads(5, duration=0)


def press(event: int, ts: int, *, packets: int = 7, ends: int = 3,
          marker: bool = True) -> list[tuple[bytes, int, bool]]:
    """The packets (payload, timestamp, marker) of one press, as SIPp's pcaps have them."""
    out = [(build_event(event, False, 10, 320 * i), ts, marker and i == 0)
           for i in range(packets)]
    return out + [(build_event(event, True, 10, 320 * packets), ts, False)] * ends


def run(packets: list[tuple[bytes, int, bool]], ssrc: int = 1) -> str:
    receiver = DtmfReceiver()
    digits = [receiver.feed_digit(p, ts, m, ssrc) for p, ts, m in packets]
    return "".join(d for d in digits if d is not None)


def test_one_press_is_reported_once_on_its_first_packet() -> None:
    receiver = DtmfReceiver()
    results = [receiver.feed(p, ts, m) for p, ts, m in press(1, 13280)]
    assert results == [1] + [None] * 9


def test_presses_with_their_own_timestamps() -> None:
    assert run(press(1, 100) + press(2, 900) + press(3, 1700) + press(11, 2500)) == "123#"
    assert run(press(1, 100) + press(1, 900)) == "11"  # a real sender: new timestamp


def test_same_digit_twice_with_fixed_timestamps_counts_twice() -> None:
    """SIPp replays one pcap byte for byte: same timestamp, but a new marker after the end."""
    assert run(press(1, 13280) + press(1, 13280)) == "11"
    assert run(press(1, 13280) + press(2, 23200) + press(1, 13280)) == "121"


def test_lost_start_packet_still_reports_the_press() -> None:
    assert run(press(4, 500)[1:]) == "4"
    assert run(press(4, 500)[-1:]) == "4"  # only an end packet got through


def test_late_packets_of_an_ended_press_are_ignored() -> None:
    first = press(7, 100)
    late = (build_event(7, False, 10, 640), 100, False)
    assert run([*first, late]) == "7"
    # even after the next press started, a straggler of the previous one is not a press
    assert run(first[:8] + press(8, 900)[:3] + [first[8], late] + press(8, 900)[3:]) == "78"


def test_same_timestamp_new_event_code_is_a_new_press() -> None:
    assert run(press(1, 100) + press(2, 100)) == "12"


def test_a_replay_whose_marker_packet_is_lost_is_missed() -> None:
    """The documented cost of rule 2: nothing tells it from a late packet."""
    assert run(press(1, 13280) + press(1, 13280)[1:]) == "1"


def test_very_long_press_segments_are_one_press() -> None:
    first = [(build_event(0, False, 10, 0xFFFF), 1000, True)]
    segment = [(build_event(0, False, 10, 800), 1000 + 0xFFFF, False),
               (build_event(0, True, 10, 1600), 1000 + 0xFFFF, False)]
    assert run(first + segment) == "0"


def test_a_new_ssrc_starts_afresh() -> None:
    receiver = DtmfReceiver()
    for p, ts, m in press(1, 100):
        receiver.feed(p, ts, m, ssrc=1)
    assert receiver.feed(build_event(1, True), 100, False, ssrc=2) == 1


def test_non_dtmf_events_are_tracked_but_not_digits() -> None:
    receiver = DtmfReceiver()
    assert receiver.feed(build_event(32), 100, True) == 32
    receiver.reset()
    assert receiver.feed_digit(build_event(32), 100, True) is None


# ------------------------------------------------------------------ SIPp's real captures

def read_pcap(path: Path) -> list[bytes]:
    """UDP payloads of a classic pcap file (Ethernet or raw IPv4 link types)."""
    data = path.read_bytes()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack_from(endian + "I", data, 20)[0]
    offset, payloads = 24, []
    while offset + 16 <= len(data):
        size = struct.unpack_from(endian + "I", data, offset + 8)[0]
        frame = data[offset + 16: offset + 16 + size]
        offset += 16 + size
        ip = frame[14:] if link == 1 else frame
        if ip and ip[0] >> 4 == 4 and ip[9] == 17:  # IPv4, UDP
            payloads.append(ip[(ip[0] & 0x0F) * 4 + 8:])
    return payloads


def feed_rtp(receiver: DtmfReceiver, packets: list[bytes]) -> str:
    digits = []
    for packet in packets:
        pt, _, ts, ssrc, marker, start, end = parse_header(packet)
        assert pt == 101
        digit = receiver.feed_digit(packet[start:end], ts, marker, ssrc)
        if digit is not None:
            digits.append(digit)
    return "".join(digits)


needs_pcaps = pytest.mark.skipif(not (PCAPS / "dtmf_2833_1.pcap").exists(),
                                 reason="SIPp's pcaps not installed (apt-get install sip-tester)")


@needs_pcaps
def test_sipp_pcaps_of_the_dtmf_scenario_give_1_2_3_pound() -> None:
    receiver = DtmfReceiver()
    packets = [p for name in ("1", "2", "3", "pound")
               for p in read_pcap(PCAPS / f"dtmf_2833_{name}.pcap")]
    assert len(packets) == 40  # 7 packets + 3 end packets each
    assert feed_rtp(receiver, packets) == "123#"


@needs_pcaps
def test_sipp_pcaps_same_digit_twice_in_a_row() -> None:
    receiver = DtmfReceiver()
    one, two = read_pcap(PCAPS / "dtmf_2833_1.pcap"), read_pcap(PCAPS / "dtmf_2833_2.pcap")
    assert feed_rtp(receiver, one + one + two + two + two + one) == "112221"


@needs_pcaps
def test_every_sipp_digit_pcap() -> None:
    names = [*"0123456789", "star", "pound"]
    receiver = DtmfReceiver()
    packets = [p for n in names for p in read_pcap(PCAPS / f"dtmf_2833_{n}.pcap")]
    assert feed_rtp(receiver, packets) == "0123456789*#"

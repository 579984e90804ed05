"""The media engine on loopback sockets: prompts, audio both ways, DTMF, latching, hold."""

from __future__ import annotations

import asyncio
import itertools
import random
import select
import struct
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

from live.audio import Prompt, silence_frame
from live.media import Leg, MediaEngine, MediaError
from live.scheduler import Handle, VirtualScheduler
from sip import g711
from sip.rtp import RtpPacket, build, parse
from sip.sdp import Negotiated, Origin, SessionDescription, answer

PCAPS = Path("/usr/share/sip-tester")


class Sink(asyncio.DatagramProtocol):
    """A plain UDP socket that keeps what it receives."""

    def __init__(self) -> None:
        self.packets: list[RtpPacket] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.packets.append(parse(data))

    @property
    def port(self) -> int:
        assert self.transport is not None
        port: int = self.transport.get_extra_info("sockname")[1]
        return port

    def send(self, data: bytes, port: int) -> None:
        assert self.transport is not None
        self.transport.sendto(data, ("127.0.0.1", port))


_SINKS: list[Sink] = []


async def open_sink() -> Sink:
    _, sink = await asyncio.get_running_loop().create_datagram_endpoint(
        Sink, local_addr=("127.0.0.1", 0))
    _SINKS.append(sink)
    return sink


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def media_test(test: Callable[[MediaEngine], object]) -> Callable[[], None]:
    """Run an async test body with an engine on a port range of its own."""

    def wrapper() -> None:
        async def main() -> None:
            base = random.Random().randrange(40000, 59000, 200)
            engine = MediaEngine("127.0.0.1", (base, base + 198), idle="none")
            try:
                await test(engine)  # type: ignore[misc]
            finally:
                await engine.aclose()
                while _SINKS:
                    transport = _SINKS.pop().transport
                    assert transport is not None
                    transport.close()
                await asyncio.sleep(0)
        asyncio.run(main())

    wrapper.__name__ = test.__name__
    wrapper.__doc__ = test.__doc__
    wrapper.body = test  # type: ignore[attr-defined]  # to run it again another way
    return wrapper


def frames(first: int, count: int) -> list[bytes]:
    return [bytes(((first + i) % 256,)) * 160 for i in range(count)]


@media_test
async def test_two_legs_exchange_audio_through_the_clock(engine: MediaEngine) -> None:
    heard: dict[str, list[bytes]] = {"a": [], "b": []}
    a = await engine.open_leg(on_audio=lambda leg, p: heard["a"].append(p))
    b = await engine.open_leg(on_audio=lambda leg, p: heard["b"].append(p))
    engine.set_remote(a, "127.0.0.1", b.port)
    engine.set_remote(b, "127.0.0.1", a.port)
    done: list[tuple[str, bool]] = []
    engine.play(a, frames(0, 25), on_done=lambda ok: done.append(("a", ok)))
    engine.play(b, frames(100, 25), on_done=lambda ok: done.append(("b", ok)))
    await until(lambda: len(heard["a"]) == 25 and len(heard["b"]) == 25)
    assert heard["b"] == frames(0, 25) and heard["a"] == frames(100, 25)
    assert sorted(done) == [("a", True), ("b", True)]
    assert a.stats.sent == b.stats.received == 25
    assert a.latched == ("127.0.0.1", b.port)
    assert len(engine.legs) == 2 and engine.totals().sent == 50


def test_legs_are_read_without_epoll_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where select.epoll does not exist each leg's socket gets its own add_reader."""
    monkeypatch.delattr(select, "epoll")
    media_test(test_two_legs_exchange_audio_through_the_clock.body)()  # type: ignore[attr-defined]


@media_test
async def test_an_engine_closed_then_reused_reads_its_new_legs(engine: MediaEngine) -> None:
    """close() drops the shared reader; the next open_leg makes a new one."""
    first = await engine.open_leg()
    engine.close()
    assert first.closed and first.sock is None
    heard: list[bytes] = []
    a = await engine.open_leg(on_audio=lambda leg, p: heard.append(p))
    b = await engine.open_leg()
    engine.set_remote(b, "127.0.0.1", a.port)
    engine.play(b, frames(0, 3))
    await until(lambda: len(heard) == 3)
    assert heard == frames(0, 3) and a.stats.received == 3


@media_test
async def test_a_prompt_is_played_frame_accurately(engine: MediaEngine) -> None:
    sink = await open_sink()
    leg = await engine.open_leg(remote=("127.0.0.1", sink.port))
    prompt = Prompt("test", tuple(frames(0, 50)), tuple(frames(100, 50)))
    finished = asyncio.get_running_loop().create_future()
    engine.play(leg, prompt, on_done=finished.set_result)
    assert await finished is True
    await until(lambda: len(sink.packets) == 50)
    await asyncio.sleep(0.1)  # idle="none": nothing after the prompt
    got = sink.packets
    assert len(got) == 50 and leg.stats.sent == 50
    assert [p.payload for p in got] == frames(0, 50)  # PCMU frames of the prompt
    assert [p.marker for p in got] == [True] + [False] * 49
    assert {p.payload_type for p in got} == {0} and {p.ssrc for p in got} == {leg.ssrc}
    assert all((q.sequence - p.sequence) % 65536 == 1 for p, q in itertools.pairwise(got))
    assert all((q.timestamp - p.timestamp) % 2**32 == 160 for p, q in itertools.pairwise(got))
    # a second prompt after a pause: marker again, timestamp advanced by the pause
    engine.play(leg, frames(0, 2))
    await until(lambda: len(sink.packets) == 52)
    gap = (sink.packets[50].timestamp - got[49].timestamp) % 2**32
    assert sink.packets[50].marker and gap > 160 and gap % 160 == 0
    assert (sink.packets[50].sequence - got[49].sequence) % 65536 == 1


@media_test
async def test_idle_silence_then_a_prompt_in_pcma(engine: MediaEngine) -> None:
    sink = await open_sink()
    leg = await engine.open_leg(codec="PCMA", idle="silence", remote=("127.0.0.1", sink.port))
    await until(lambda: len(sink.packets) >= 3)
    engine.play(leg, Prompt("p", tuple(frames(0, 3)), tuple(frames(50, 3))))
    await until(lambda: any(p.payload == frames(50, 1)[0] for p in sink.packets))
    await until(lambda: len(sink.packets) >= sink.packets.index(
        next(p for p in sink.packets if p.payload == frames(50, 1)[0])) + 5)
    payloads = [p.payload for p in sink.packets]
    start = payloads.index(frames(50, 1)[0])
    assert payloads[:start] == [silence_frame("PCMA")] * start
    assert payloads[start:start + 3] == frames(50, 3)
    assert payloads[start + 3] == silence_frame("PCMA")
    assert [p.marker for p in sink.packets[: start + 4]] == (
        [True] + [False] * (start - 1) + [True, False, False, False])
    assert all(p.payload_type == 8 for p in sink.packets)


@media_test
async def test_play_replace_stop_and_loop(engine: MediaEngine) -> None:
    sink = await open_sink()
    leg = await engine.open_leg(remote=("127.0.0.1", sink.port))
    results: list[str] = []
    engine.play(leg, frames(0, 100), on_done=lambda ok: results.append(f"first {ok}"))
    engine.play(leg, frames(0, 2), loop=True, on_done=lambda ok: results.append(f"loop {ok}"))
    assert results == ["first False"]
    await until(lambda: len(sink.packets) >= 5)
    assert leg.playing
    engine.stop(leg)
    assert results == ["first False", "loop False"] and not leg.playing
    assert [p.payload for p in sink.packets[:4]] == frames(0, 2) * 2
    engine.play(leg, [], on_done=lambda ok: results.append(f"empty {ok}"))
    assert results[-1] == "empty True"


@media_test
async def test_dtmf_between_two_legs_is_delivered_once_per_digit(engine: MediaEngine) -> None:
    digits: list[str] = []
    a = await engine.open_leg(telephone_event=101)
    b = await engine.open_leg(telephone_event=101, on_digit=lambda leg, d: digits.append(d))
    engine.set_remote(a, "127.0.0.1", b.port)
    engine.send_digits(a, "1223#", duration=0.04, gap=0.02)
    # 1 packet + 3 end packets per digit
    await until(lambda: len(digits) == 5 and b.stats.received == 5 * 4)
    await asyncio.sleep(0.05)
    assert "".join(digits) == "1223#"
    assert b.stats.digits == 5
    assert b.stats.received == a.stats.sent == 5 * 4


def read_pcap(path: Path) -> list[bytes]:
    """UDP payloads of a classic little-endian Ethernet pcap (SIPp's)."""
    data, offset, out = path.read_bytes(), 24, []
    while offset + 16 <= len(data):
        size = struct.unpack_from("<I", data, offset + 8)[0]
        ip = data[offset + 16 + 14: offset + 16 + size]
        out.append(ip[(ip[0] & 0x0F) * 4 + 8:])
        offset += 16 + size
    return out


@pytest.mark.skipif(not (PCAPS / "dtmf_2833_1.pcap").exists(), reason="sip-tester not installed")
@media_test
async def test_sipp_pcaps_replayed_to_a_leg(engine: MediaEngine) -> None:
    """SIPp's fixed-timestamp pcaps: "1" twice in a row still gives two digits."""
    digits: list[str] = []
    sink = await open_sink()
    leg = await engine.open_leg(telephone_event=101, on_digit=lambda leg, d: digits.append(d))
    for name in ("1", "1", "2", "3", "pound"):
        for packet in read_pcap(PCAPS / f"dtmf_2833_{name}.pcap"):
            sink.send(packet, leg.port)
        await asyncio.sleep(0.01)
    await until(lambda: leg.stats.received == 50)
    assert "".join(digits) == "1123#"


@media_test
async def test_unexpected_source_is_ignored_after_latching(engine: MediaEngine) -> None:
    heard: list[bytes] = []
    first, intruder = await open_sink(), await open_sink()
    elsewhere = await open_sink()
    leg = await engine.open_leg(on_audio=lambda leg, p: heard.append(p),
                                remote=("127.0.0.1", elsewhere.port))
    first.send(build(0, 1, 160, 7, b"a" * 160), leg.port)
    await until(lambda: leg.latched is not None)
    intruder.send(build(0, 2, 320, 8, b"b" * 160), leg.port)
    intruder.send(b"garbage", leg.port)
    first.send(build(0, 3, 480, 7, b"c" * 160), leg.port)
    await until(lambda: len(heard) == 2 and leg.stats.unexpected == 2)
    assert heard == [b"a" * 160, b"c" * 160]
    assert leg.latched == ("127.0.0.1", first.port)
    # symmetric RTP: what we send now goes where RTP came from, not to the SDP address
    engine.play(leg, frames(0, 3))
    await until(lambda: len(first.packets) == 3)
    assert elsewhere.packets == [] and intruder.packets == []
    # the same SDP address again (a re-INVITE) keeps the latch, a new one unlatches
    engine.set_remote(leg, "127.0.0.1", elsewhere.port)
    assert leg.latched == ("127.0.0.1", first.port)
    engine.set_remote(leg, "127.0.0.1", intruder.port)
    assert leg.latched is None and leg.target == ("127.0.0.1", intruder.port)


@media_test
async def test_bad_packets_are_counted_not_delivered(engine: MediaEngine) -> None:
    heard: list[bytes] = []
    peer = await open_sink()
    leg = await engine.open_leg(on_audio=lambda leg, p: heard.append(p))
    peer.send(b"\x00" * 20, leg.port)  # not RTP: does not latch
    peer.send(bytes.fromhex("80c80006") + bytes(24), leg.port)  # RTCP sender report
    peer.send(build(13, 1, 160, 7, b"\x40"), leg.port)  # comfort noise payload type
    peer.send(build(101, 2, 160, 7, b"\x01"), leg.port)  # truncated telephone-event
    await until(lambda: leg.stats.invalid == 2 and leg.stats.other_payload == 1)
    assert leg.stats.rtcp == 1 and heard == [] and leg.stats.received == 2


@media_test
async def test_push_relays_and_transcodes(engine: MediaEngine) -> None:
    sink = await open_sink()
    leg = await engine.open_leg(codec="PCMA", remote=("127.0.0.1", sink.port))
    ulaw = bytes(range(160))
    engine.push(leg, ulaw, "PCMU")
    engine.push(leg, ulaw, "PCMA")
    await until(lambda: len(sink.packets) == 2)
    assert [p.payload for p in sink.packets] == [g711.ulaw_to_alaw(ulaw), ulaw]
    for _ in range(7):
        engine.push(leg, b"x" * 160)  # only the 5 newest wait
    await until(lambda: len(sink.packets) == 7)
    assert leg.stats.dropped == 2


@media_test
async def test_hold_stops_sending_and_resume_marks_the_new_talkspurt(engine: MediaEngine
                                                                     ) -> None:
    sink = await open_sink()
    leg = await engine.open_leg(idle="silence", remote=("127.0.0.1", sink.port))
    await until(lambda: len(sink.packets) >= 2)
    engine.set_sending(leg, False)
    await asyncio.sleep(0.03)
    held = len(sink.packets)
    await asyncio.sleep(0.1)
    assert len(sink.packets) == held
    engine.set_sending(leg, True)
    await until(lambda: len(sink.packets) > held)
    before, after = sink.packets[held - 1], sink.packets[held]
    assert after.marker and (after.timestamp - before.timestamp) % 2**32 >= 5 * 160


@media_test
async def test_configure_from_an_sdp_answer(engine: MediaEngine) -> None:
    sink = await open_sink()
    leg = await engine.open_leg()
    offer = SessionDescription.parse(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {sink.port} RTP/AVP 8 96\r\na=rtpmap:96 telephone-event/8000\r\n"
        "a=sendonly\r\n")
    _, negotiated = answer(offer, "127.0.0.1", leg.port, Origin("a", "1", 1, "127.0.0.1"))
    engine.configure(leg, negotiated)
    assert (leg.codec, leg.payload_type, leg.telephone_event) == ("PCMA", 8, 96)
    assert not leg.sending  # we answered recvonly: the caller holds us
    engine.play(leg, frames(0, 2))
    await asyncio.sleep(0.1)
    assert sink.packets == []


@media_test
async def test_a_re_invite_switching_law_keeps_the_prompt_going(engine: MediaEngine) -> None:
    sink = await open_sink()
    leg = await engine.open_leg(remote=("127.0.0.1", sink.port))
    engine.play(leg, Prompt("p", tuple(frames(0, 100)), tuple(frames(100, 100))))
    await until(lambda: len(sink.packets) >= 3)
    engine.configure(leg, Negotiated("PCMA", 8, None, "127.0.0.1", sink.port, "sendrecv"))
    count = len(sink.packets)
    await until(lambda: len(sink.packets) >= count + 3)
    before, after = sink.packets[count - 1], sink.packets[count]
    assert (before.payload_type, after.payload_type) == (0, 8)
    assert after.payload[0] == before.payload[0] + 100 + 1  # next frame, in the new law


@media_test
async def test_closing_legs(engine: MediaEngine) -> None:
    results: list[bool] = []
    leg = await engine.open_leg(remote=("127.0.0.1", 9))
    engine.play(leg, frames(0, 1000), on_done=results.append)
    await until(lambda: leg.stats.sent >= 2)
    port = leg.port
    engine.close_leg(leg)
    engine.close_leg(leg)  # idempotent
    assert results == [False] and port not in engine.pool.in_use
    assert engine.totals().sent == leg.stats.sent and engine.legs == []
    with pytest.raises(MediaError, match="closed"):
        engine.play(leg, frames(0, 1))
    with pytest.raises(MediaError, match="closed"):
        engine.set_remote(leg, "127.0.0.1", 1)
    with pytest.raises(MediaError, match="closed"):
        engine.send_digits(leg, "1")


@media_test
async def test_errors_and_guards(engine: MediaEngine) -> None:
    with pytest.raises(MediaError, match="unsupported codec"):
        await engine.open_leg(codec="G729")
    leg = await engine.open_leg(telephone_event=None)
    with pytest.raises(MediaError, match="IP literal"):
        engine.set_remote(leg, "example.com", 4000)
    with pytest.raises(MediaError, match="telephone-event"):
        engine.send_digits(leg, "1")
    with pytest.raises(ValueError, match="idle"):
        MediaEngine(idle="music")
    assert "leg" in repr(leg)


@media_test
async def test_callback_errors_do_not_stop_the_clock(engine: MediaEngine) -> None:
    sink = await open_sink()
    a = await engine.open_leg(remote=("127.0.0.1", sink.port))
    b = await engine.open_leg(remote=("127.0.0.1", sink.port))

    def broken(ok: bool) -> None:
        raise RuntimeError("prompt callback bug")

    def deaf(leg: Leg, payload: bytes) -> None:
        raise RuntimeError("audio callback bug")

    engine.play(a, frames(0, 1), on_done=broken)
    engine.play(b, frames(0, 30))
    c = await engine.open_leg(on_audio=deaf)
    sink.send(build(0, 1, 160, 9, b"x" * 160), c.port)
    sink.send(build(0, 2, 320, 9, b"y" * 160), c.port)
    await until(lambda: b.stats.sent == 30 and c.stats.received == 2)
    assert engine.lag().ticks >= 30


def test_legs_are_plain_objects() -> None:
    leg = Leg("x", 1, "PCMU", 0, 101, "none", random.Random(1))
    assert leg.target is None and not leg.playing


class LateScheduler(VirtualScheduler):
    """Virtual time; the ``late``-th timer armed runs ``delay`` seconds after its deadline."""

    def __init__(self, late: int, delay: float) -> None:
        super().__init__(start=1000.0)
        self.late, self.delay, self.armed = late, delay, 0

    def call_at(self, when: float, callback: Callable[[], None]) -> Handle:
        self.armed += 1
        return super().call_at(when + (self.delay if self.armed == self.late else 0), callback)


def test_a_blocked_loop_is_caught_up_with_the_right_timestamps() -> None:
    """On a virtual clock: tick 1 runs 45 ms late, so periods 1-3 go out in one burst;
    every leg still sends frames 0-4 once, 160 samples apart."""

    async def main() -> None:
        sink = await open_sink()
        scheduler = LateScheduler(late=2, delay=0.045)
        base = random.Random().randrange(40000, 59000, 200)
        engine = MediaEngine("127.0.0.1", (base, base + 198), idle="none",
                             scheduler=scheduler, phases=1)
        done: list[bool] = []
        try:
            legs = [await engine.open_leg(remote=("127.0.0.1", sink.port)) for _ in range(5)]
            for leg in legs:
                engine.play(leg, frames(0, 5), on_done=done.append)
            scheduler.run(until=1000.2)
            await until(lambda: len(sink.packets) == 25)
            await asyncio.sleep(0.02)
            assert done == [True] * 5 and len(sink.packets) == 25
            assert engine.clock.summary().max == pytest.approx(0.045)
            for leg in legs:
                mine = [p for p in sink.packets if p.ssrc == leg.ssrc]
                assert [p.payload for p in mine] == frames(0, 5)
                assert [p.marker for p in mine] == [True, False, False, False, False]
                assert [(p.timestamp - mine[0].timestamp) % 2**32 for p in mine] == [
                    0, 160, 320, 480, 640]
        finally:
            await engine.aclose()
            assert sink.transport is not None
            sink.transport.close()
            _SINKS.clear()
            await asyncio.sleep(0)

    asyncio.run(main())


class Recorder:
    """Stands in for a leg's socket: notes when (on the virtual clock) each packet left."""

    def __init__(self, scheduler: VirtualScheduler, sent: list[tuple[float, str, int]],
                 name: str) -> None:
        self.scheduler, self.sent, self.name = scheduler, sent, name

    def sendto(self, data: bytes, addr: object) -> None:
        self.sent.append((self.scheduler.now(), self.name, parse(data).timestamp))


def test_legs_are_spread_over_the_phases_of_the_period() -> None:
    """8 legs, 4 phases: 2 legs per 5 ms slot, each leg exactly every 20 ms."""

    async def main() -> None:
        scheduler = VirtualScheduler(start=50.0)
        base = random.Random().randrange(40000, 59000, 200)
        engine = MediaEngine("127.0.0.1", (base, base + 198), idle="silence",
                             scheduler=scheduler, phases=4)
        sent: list[tuple[float, str, int]] = []
        try:
            legs = [await engine.open_leg(remote=("127.0.0.1", 9)) for _ in range(8)]
            real = [leg.sock for leg in legs]
            for leg in legs:
                leg.sock = Recorder(scheduler, sent, leg.name)  # type: ignore[assignment]
            assert sorted(leg.slot for leg in legs) == [0, 0, 1, 1, 2, 2, 3, 3]
            scheduler.run(until=50.0 + 0.2 + 1e-9)
            assert len(sent) == 8 * 10
            assert sorted({round((t - 50.0) * 1000, 3) % 20 for t, _, _ in sent}) == [
                0, 5, 10, 15]
            for leg in legs:
                mine = [(t, ts) for t, name, ts in sent if name == leg.name]
                assert [round(b[0] - a[0], 6) for a, b in itertools.pairwise(mine)] == [0.02] * 9
                assert {(b[1] - a[1]) % 2**32 for a, b in itertools.pairwise(mine)} == {160}
        finally:
            for leg, sock in zip(legs, real, strict=True):
                leg.sock = sock
            await engine.aclose()

    asyncio.run(main())

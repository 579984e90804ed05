"""Call recording (live/recording.py) and the taps' alignment and mix (live/listen.py)."""

from __future__ import annotations

import asyncio
import os
import random
import wave
from array import array
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from live.bridge import Bridge
from live.config import RecordingConfig, ServeConfigError, load_config_text
from live.listen import MAX_BUFFER, Side, Taps, mix
from live.media import Leg, MediaEngine
from live.recording import (
    FRAME,
    Recording,
    RecordingWriter,
    WavFile,
    interleave,
    recording_path,
    sweep,
)
from live.scheduler import VirtualScheduler
from monitoring.engine import ListenError
from sip import events as sip_ev
from sip import g711
from sip.sdp import PCMU, Origin, SessionDescription, answer

DAY = 86_400.0


def samples(path: Path) -> tuple[wave.Wave_read, list[int], list[int]]:
    """The WAV's parameters, its left and right channel."""
    with wave.open(str(path), "rb") as wav:
        data = array("h", wav.readframes(wav.getnframes()))
    return wav, list(data[0::2]), list(data[1::2])


def test_interleave_puts_left_then_right() -> None:
    left = array("h", [1, 2, 3]).tobytes()
    right = array("h", [-1, -2, -3]).tobytes()
    assert list(array("h", interleave(left, right))) == [1, -1, 2, -2, 3, -3]
    with pytest.raises(ValueError):
        interleave(left, right[:2])


def test_wav_header_is_valid_after_each_chunk(tmp_path: Path) -> None:
    wav = WavFile(tmp_path / "d" / "x.wav")
    wav.append(interleave(bytes(320), bytes(320)))
    with wave.open(str(tmp_path / "d" / "x.wav"), "rb") as reader:  # readable while open
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate(),
                reader.getnframes()) == (2, 2, 8000, 160)
    wav.append(interleave(bytes(640), bytes(640)))
    wav.close()
    data = (tmp_path / "d" / "x.wav").read_bytes()
    assert len(data) == 44 + 4 * 480
    assert data[:4] == b"RIFF" and int.from_bytes(data[4:8], "little") == len(data) - 8
    assert int.from_bytes(data[40:44], "little") == 4 * 480


def test_recording_keeps_the_channels_in_step(tmp_path: Path) -> None:
    """Ticks where a side sent nothing are silence in that channel only; the two channels
    always have the same length, and each frame lands at its tick."""
    caller = bytes([0x20]) * FRAME  # PCMU
    agent = bytes([0x55 ^ 0x2A]) * FRAME  # PCMA
    path = tmp_path / "rec.wav"

    async def run() -> Recording:
        writer = RecordingWriter()
        recording = Recording(writer, path, "c1", "support", "PCMU", "PCMA", 1000.0)
        silence_u, silence_a = bytes([0xFF]) * FRAME, bytes([0xD5]) * FRAME
        for tick in range(600):  # 12 s: more than two chunks
            recording.add(caller if tick % 3 else silence_u, agent if tick % 2 else silence_a)
        recording.close(1012.0)
        await writer.aclose()
        return recording

    recording = asyncio.run(run())
    _, left, right = samples(path)
    assert len(left) == len(right) == 600 * FRAME
    expected_left = g711.ulaw_decode_sample(0x20)
    expected_right = g711.alaw_decode_sample(0x55 ^ 0x2A)
    for tick in (0, 1, 2, 3, 299, 300, 599):
        frame_l = set(left[tick * FRAME:(tick + 1) * FRAME])
        frame_r = set(right[tick * FRAME:(tick + 1) * FRAME])
        assert frame_l == {expected_left if tick % 3 else 0}, tick
        assert frame_r == {expected_right if tick % 2 else g711.alaw_decode_sample(0xD5)}, tick
    info = recording.info()
    assert info.seconds == 12.0 and info.ended_at == 1012.0
    assert info.bytes == path.stat().st_size == 44 + 600 * FRAME * 4
    assert info.failed is None


def test_recording_that_cannot_be_written_says_why(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")

    async def run() -> Recording:
        writer = RecordingWriter()
        recording = Recording(writer, tmp_path / "file" / "x.wav", "c1", "q", "PCMU", "PCMU", 0)
        recording.add(bytes(FRAME), bytes(FRAME))
        recording.close(1.0)
        await writer.aclose()
        return recording

    assert asyncio.run(run()).failed is not None


def test_recording_path_is_dated_and_sanitised(tmp_path: Path) -> None:
    path = recording_path(tmp_path, 1_700_000_000.0, "support", "a/../b c@host;x=1")
    assert path.parent == tmp_path / "2023-11-14"
    assert path.name == "221320_support_a_.._b_c_host_x_1.wav"
    assert path.resolve().is_relative_to(tmp_path)


def test_sweep_deletes_old_recordings_only(tmp_path: Path) -> None:
    now = 1_700_000_000.0
    old_day, new_day = tmp_path / "2023-01-01", tmp_path / "2023-11-14"
    old_day.mkdir()
    new_day.mkdir()
    files = {old_day / "a.wav": 100, old_day / "b.wav": 91, new_day / "c.wav": 89,
             new_day / "d.txt": 400}
    for path, age_days in files.items():
        path.write_bytes(b"x")
        os.utime(path, (now - age_days * DAY, now - age_days * DAY))
    deleted = sweep(tmp_path, 90, now)
    assert sorted(p.name for p in deleted) == ["a.wav", "b.wav"]
    assert not old_day.exists()  # emptied day folder removed
    assert (new_day / "c.wav").exists() and (new_day / "d.txt").exists()
    assert sweep(tmp_path / "missing", 90, now) == []


def test_side_takes_one_frame_per_tick_and_absorbs_jitter() -> None:
    side = Side("PCMU")
    a, b = bytes([1]) * FRAME, bytes([2]) * FRAME
    assert side.take() == side.silence  # nothing yet
    side.heard(a, "PCMU")
    side.heard(b, "PCMU")  # two packets in one period (jitter)...
    assert side.take() == a
    assert side.take() == b  # ...the next tick takes the late one
    assert side.take() == side.silence
    side.heard(bytes([0xD5]) * FRAME, "PCMA")  # a codec change is transcoded
    assert side.take() == g711.alaw_to_ulaw(bytes([0xD5]) * FRAME)
    for i in range(10):  # a burst beyond 100 ms: the oldest audio is dropped
        side.heard(bytes([i]) * FRAME, "PCMU")
    assert len(side.buf) == MAX_BUFFER and side.dropped == 5 * FRAME
    assert side.take() == bytes([5]) * FRAME
    assert (side.frames, side.silent) == (4, 2)


def test_mix_sums_both_sides_and_clips() -> None:
    quiet_u = g711.pcm16_to_ulaw(array("h", [1000] * FRAME).tobytes())
    quiet_a = g711.pcm16_to_alaw(array("h", [-3000] * FRAME).tobytes())
    mixed = mix(quiet_u, "PCMU", quiet_a, "PCMA", "PCMU")
    got = set(array("h", g711.ulaw_to_pcm16(mixed)))
    expected = g711.ulaw_decode_sample(0x00FF & g711.ulaw_encode_sample(
        g711.ulaw_decode_sample(quiet_u[0]) + g711.alaw_decode_sample(quiet_a[0])))
    assert got == {expected} and -2200 < expected < -1800
    loud = g711.pcm16_to_alaw(array("h", [30000] * FRAME).tobytes())
    clipped = set(array("h", g711.alaw_to_pcm16(mix(loud, "PCMA", loud, "PCMA", "PCMA"))))
    assert clipped == {g711.alaw_decode_sample(g711.alaw_encode_sample(32767))}


def test_recording_section_of_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "ivr.yaml").write_text("")
    base = "ivr: {file: ivr.yaml}\nqueues: [{name: support, skill: support}]\n"
    config = load_config_text(base + "recording: {retention_days: 30, queues: [support]}\n",
                              base=tmp_path)
    assert config.recording == RecordingConfig(Path("recordings"), 30.0, ("support",))
    assert load_config_text(base, base=tmp_path).recording is None
    assert load_config_text(base + "recording: {dir: /r}\n",
                            base=tmp_path).recording == RecordingConfig(Path("/r"), 90.0, None)
    bad = base + "recording:\n  retention_days: 0\n  queues: [support, sales]\n  colour: red\n"
    with pytest.raises(ServeConfigError) as info:
        load_config_text(bad, filename="a.yaml", base=tmp_path)
    message = str(info.value)
    assert "a.yaml:4: recording.retention_days: must be between 1 and 36500" in message
    assert "a.yaml:5: recording.queues[1]: no queue named 'sales'" in message
    assert "recording.colour" in message


# -------------------------------------------------------------- taps without sockets

def fake_server(tmp_path: Path, phase: str = "queued") -> tuple[Taps, Any]:
    clock = VirtualScheduler(1_700_000_000.0)
    calls = SimpleNamespace(clock=clock, calls={"q1": SimpleNamespace(phase=phase)},
                            media=MediaEngine(scheduler=clock), spawned=[])
    calls.spawn = calls.spawned.append
    agents = SimpleNamespace(on_bridged=None, leg_owners={})
    taps = Taps(calls, agents, RecordingConfig(Path("rec"), 90, ("support",)),  # type: ignore[arg-type]
                tmp_path)
    return taps, calls


def test_listening_refusals_say_why(tmp_path: Path) -> None:
    taps, _ = fake_server(tmp_path)

    def refusal(call_id: str, target: str = "sip:sup@127.0.0.1:5070") -> tuple[int, str]:
        with pytest.raises(ListenError) as info:
            taps.listen(call_id, target, "sup", lambda _s: None)
        return info.value.status, info.value.message

    assert refusal("nope") == (404, "no call 'nope' in progress")
    assert refusal("q1") == (409, "call 'q1' is not connected to an agent (it is queued)")
    caller = Leg("caller", 40000, "PCMU", 0, 101, "silence", random.Random(1))
    agent = Leg("agent", 40002, "PCMA", 8, None, "silence", random.Random(2))
    taps.bridged("q2", "sales", Bridge(taps.calls.media, caller, agent))
    assert refusal("q2", "tel:+331")[0] == 422
    assert refusal("q2", "sip:sup@phones.example.com") == (
        422, "'sip:sup@phones.example.com': give an IP address (the engine does no DNS)")
    assert "q2" not in taps.taps  # queue sales is not recorded


def test_a_recorded_bridge_is_tapped_and_finished_when_it_stops(tmp_path: Path) -> None:
    taps, calls = fake_server(tmp_path)
    caller = Leg("caller", 40000, "PCMU", 0, 101, "silence", random.Random(1))
    agent = Leg("agent", 40002, "PCMA", 8, None, "silence", random.Random(2))
    bridge = Bridge(calls.media, caller, agent)
    bridge.start()
    taps.bridged("q1", "support", bridge)
    assert caller.on_audio is not None and agent.on_audio is not None
    for _ in range(3):
        caller.on_audio(caller, bytes([0x20]) * FRAME)
        calls.clock.run(calls.clock.now() + 0.02)
    agent.on_audio(agent, bytes([0x7F]) * FRAME)
    calls.clock.run(calls.clock.now() + 0.1)
    meta = taps.recording("q1")
    assert meta is not None and meta.ended_at is None and meta.seconds >= 0.1
    tap = taps.taps["q1"]
    assert (tap.caller.frames, tap.agent.frames) == (3, 1)
    bridge.stop()
    assert "q1" not in taps.taps and not taps.clock.running
    meta = taps.recording("q1")
    assert meta is not None and meta.ended_at is not None
    asyncio.run(taps.writer.aclose())
    _, left, right = samples(Path(meta.path))
    assert len(left) == len(right) == round(meta.seconds * 8000)
    assert left.count(g711.ulaw_decode_sample(0x20)) == 3 * FRAME
    assert right.count(g711.alaw_decode_sample(0x7F)) == FRAME


def test_a_supervisor_hears_the_mix_until_hanging_up(tmp_path: Path) -> None:
    """Dial, answer, hear the two sides summed in the supervisor's law, hang up: the session
    ends once, its media is closed, its leg is no longer routed here."""

    async def run() -> None:

        taps, calls = fake_server(tmp_path)
        invites: list[tuple[str, bytes]] = []
        hung_up: list[str] = []
        calls.endpoint = SimpleNamespace(
            invite=lambda uri, sdp, now, from_user: invites.append((uri, sdp)) or "leg-s1",
            hang_up=lambda leg_id, now: hung_up.append(leg_id))
        calls.flush = lambda: None
        calls.media_address = "127.0.0.1"
        caller = Leg("caller", 40000, "PCMU", 0, 101, "silence", random.Random(1))
        agent = Leg("agent", 40002, "PCMA", 8, None, "silence", random.Random(2))
        bridge = Bridge(calls.media, caller, agent)
        bridge.start()
        taps.bridged("c1", "sales", bridge)  # not recorded: tapped only while listened to
        ended: list[Any] = []
        session = taps.listen("c1", "sip:sup@127.0.0.1:5070", "sup1", ended.append)
        await calls.spawned.pop()  # the dial: a media port, then the INVITE
        assert invites[0][0] == "sip:sup@127.0.0.1:5070" and b"a=sendonly" in invites[0][1]
        assert taps.agents.leg_owners["leg-s1"] == taps.on_leg_event
        offer = SessionDescription.parse(invites[0][1])
        reply, _ = answer(offer, "127.0.0.1", 41000, Origin("sup", "1", 1, "127.0.0.1"),
                          codecs=(PCMU,))
        taps.on_leg_event(sip_ev.AgentLegAnswered("leg-s1", reply.to_bytes()))
        listener = taps.by_leg["leg-s1"]
        assert listener.session.state == "listening" and "c1" in taps.taps
        sup_leg = listener.media
        assert sup_leg is not None and sup_leg.on_audio is None and sup_leg.codec == "PCMU"
        assert caller.on_audio is not None and agent.on_audio is not None
        caller.on_audio(caller, bytes([0x2A]) * FRAME)
        agent.on_audio(agent, bytes([0xB5]) * FRAME)
        calls.clock.run(calls.clock.now() + 0.021)
        expected = mix(bytes([0x2A]) * FRAME, "PCMU", bytes([0xB5]) * FRAME, "PCMA", "PCMU")
        assert list(sup_leg._pushed) == [expected]
        taps.on_leg_event(sip_ev.AgentLegHungUp("leg-s1", by_agent=True))
        taps.on_leg_event(sip_ev.AgentLegHungUp("leg-s1", by_agent=True))  # once only
        assert [(s.state, s.reason, s.id) for s in ended] == [
            ("ended", "supervisor_hung_up", session.id)]
        assert ended[0].answered_at is not None and hung_up == []  # the phone hung up
        assert sup_leg.closed and "leg-s1" not in taps.agents.leg_owners
        assert "c1" not in taps.taps and not taps.clock.running  # nothing left to tap
        # a second listener is dropped (BYE) when the call ends
        taps.listen("c1", "sip:sup@127.0.0.1:5070", "sup2", ended.append)
        await calls.spawned.pop()
        bridge.stop()
        assert hung_up == ["leg-s1"] and ended[-1].reason == "call_ended"
        calls.media.close()
        await asyncio.sleep(0)

    asyncio.run(run())


def test_the_server_sweeps_at_start_and_logs_the_count(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    old = tmp_path / "rec" / "2020-01-01" / "x.wav"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"x")
    os.utime(old, (0, 0))

    async def run() -> Taps:
        taps, _ = fake_server(tmp_path)
        taps.start()
        await asyncio.sleep(0)  # the sweeper task's first round
        await taps.aclose()
        return taps

    with caplog.at_level("INFO", logger="accueil.taps"):
        taps = asyncio.run(run())
    assert taps.swept == 1 and not old.exists()
    assert "event=recordings_swept deleted=1 retention_days=90" in caplog.text

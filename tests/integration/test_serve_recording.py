"""A bridged call recorded to WAV, and a supervisor listening to it, in ``accueil serve``.

SIPp does the signalling of the three phones, the test does their RTP (the SDPs point to the
test's UDP sockets, ``sipp/*_rtp_elsewhere.xml``), so the audio is known: the caller sends
PCMU frames of one byte value, the agent (who answers PCMA) frames of another. The WAV's left
channel must hold the caller's samples, its right channel the agent's, in step; the
supervisor's phone (PCMU), dialled through the API, must receive the two mixed; the audit log
must have the access, its start and its end.
"""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import threading
import time
import wave
from array import array
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from live.config import RecordingConfig
from live.serve_thread import ServerThread
from monitoring.auth import hash_token
from queues import records as rec
from sip import g711
from tests.integration.test_serve_agents import Records, finish, serve_config, wait_for
from tests.integration.test_sipp import free_port

HERE = Path(__file__).parent
SIPP = shutil.which("sipp")
pytestmark = pytest.mark.skipif(SIPP is None, reason="SIPp is not installed (binary sipp)")

CALLER_BYTE = 0x2A  # PCMU
AGENT_BYTE = 0xB5  # PCMA
TOKEN = "supervisor-token-for-the-test"
WALL = "wallboard-token-for-the-test"


class RtpPeer:
    """A phone's RTP, done by the test: learns where the engine sends from (symmetric RTP),
    sends one frame of ``byte`` every 20 ms if ``byte`` is set, keeps what it receives."""

    def __init__(self, byte: int | None, payload_type: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]
        self.byte = byte
        self.payload_type = payload_type
        self.engine: tuple[str, int] | None = None
        self.received: list[bytes] = []
        self.sent = 0

    def step(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(2048)
            except BlockingIOError:
                break
            self.engine = addr
            if len(data) > 12 and data[1] & 0x7F in (0, 8):
                self.received.append(data[12:])
        if self.byte is not None and self.engine is not None:
            header = struct.pack("!BBHII", 0x80, self.payload_type, self.sent & 0xFFFF,
                                 160 * self.sent, 0x1234 + self.payload_type)
            self.sock.sendto(header + bytes([self.byte]) * 160, self.engine)
            self.sent += 1


def pump(peers: list[RtpPeer], stop: threading.Event) -> None:
    next_at = time.monotonic()
    while not stop.is_set():
        for peer in peers:
            peer.step()
        next_at += 0.02
        time.sleep(max(0.0, next_at - time.monotonic()))


def phone(tmp: Path, rtp: RtpPeer, codec: str) -> tuple[subprocess.Popen[str], int]:
    assert SIPP is not None
    port = free_port()
    folder = tmp / f"phone-{port}"
    folder.mkdir()
    cmd = [SIPP, "-sf", str(HERE / "sipp" / "phone_rtp_elsewhere.xml"), "-key", "rtp_port",
           str(rtp.port), "-key", "pt", "8" if codec == "PCMA" else "0", "-key", "codec", codec,
           "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1", "-mp",
           str(free_port(even=True)), "-m", "1", "-nostdin", "-timeout", "30s",
           "-timeout_error", "-trace_err"]
    return subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True), port


def test_recorded_call_and_supervisor_listening(tmp_path: Path, redis_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert SIPP is not None
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("ACCUEIL_TOKENS", json.dumps(
        [{"name": "sup1", "role": "supervisor", "sha256": hash_token(TOKEN)},
         {"name": "wall", "role": "wallboard", "sha256": hash_token(WALL)}]))
    caller_rtp, agent_rtp, sup_rtp = RtpPeer(CALLER_BYTE, 0), RtpPeer(AGENT_BYTE, 8), \
        RtpPeer(None, 0)
    agent, agent_port = phone(tmp_path, agent_rtp, "PCMA")
    supervisor, sup_port = phone(tmp_path, sup_rtp, "PCMU")
    http_port = free_port()
    config = replace(serve_config(tmp_path, [("a1", 5, agent_port)]),
                     data_dir=tmp_path / "data", http=("127.0.0.1", http_port),
                     recording=RecordingConfig(Path("rec"), 90, ("support",)))
    records = Records()
    stop = threading.Event()
    pumping = threading.Thread(target=pump, args=([caller_rtp, agent_rtp, sup_rtp], stop),
                               daemon=True)
    pumping.start()
    thread = ServerThread(config, sinks=[records]).start()
    api = httpx.Client(base_url=f"http://127.0.0.1:{http_port}",
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    caller: subprocess.Popen[str] | None = None
    try:
        host, port = thread.sip_address
        caller = subprocess.Popen(
            [SIPP, "-sf", str(HERE / "sipp" / "caller_rtp_elsewhere.xml"), "-key", "rtp_port",
             str(caller_rtp.port), "-s", "agents", f"{host}:{port}", "-i", "127.0.0.1",
             "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
             "-d", "3500", "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error",
             "-trace_err"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        assert wait_for(lambda: bool(records.of(rec.CallAnswered))), records.items
        call_id = records.of(rec.CallAnswered)[0].call_id
        path = f"/api/calls/{quote(call_id, safe='')}"
        target = f"sip:sup1@127.0.0.1:{sup_port}"
        # refusals first: wrong role, bad URI, unknown call
        wall = api.post(f"{path}/listen", json={"target": target},
                        headers={"Authorization": f"Bearer {WALL}"})
        assert wall.status_code == 403, wall.text
        bad = api.post(f"{path}/listen", json={"target": "sip:sup1@phones.example"})
        assert bad.status_code == 422 and "IP address" in bad.json()["detail"], bad.text
        unknown = api.post("/api/calls/nope/listen", json={"target": target})
        assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
        started = api.post(f"{path}/listen", json={"target": target, "reason": "coaching"})
        assert started.status_code == 201, started.text
        assert started.json()["state"] == "calling"
        live = api.get(f"{path}/recording")
        assert live.status_code == 200 and live.json()["ended_at"] is None, live.text
        code, output = finish(caller, 30)
        assert code == 0, output
        assert wait_for(lambda: bool(records.of(rec.CallEnded)))
        results = [finish(agent), finish(supervisor)]
        assert all(c == 0 for c, _ in results), results

        def audited() -> list[str]:
            return [e["action"] for e in api.get("/api/audit").json()
                    if e["target"] == call_id or e["target"] == "nope"]

        assert wait_for(lambda: "listen.end" in audited(), 5), audited()
        entries = {e["action"]: e for e in api.get("/api/audit").json()}
        done = api.get(f"{path}/recording").json()
    finally:
        stop.set()
        for proc in (caller, agent, supervisor):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()
        thread.stop(grace_s=0.5)
        api.close()
        pumping.join(5)
        for peer in (caller_rtp, agent_rtp, sup_rtp):
            peer.sock.close()
    assert sorted(audited_actions := [a for a in entries if a.startswith("listen.")]) == [
        "listen.end", "listen.refused", "listen.start"], audited_actions
    start, end = entries["listen.start"], entries["listen.end"]
    assert (start["who"], start["role"], start["reason"]) == ("sup1", "supervisor", "coaching")
    assert start["detail"]["target"] == target
    assert end["detail"]["reason"] == "call_ended" and end["detail"]["answered_at"] is not None
    assert end["detail"]["ended_at"] >= end["detail"]["answered_at"]

    # the recording: left = the caller, right = the agent, in step
    wav_path = Path(done["path"])
    assert wav_path.is_relative_to(tmp_path / "data" / "rec") and wav_path.exists()
    assert done["ended_at"] is not None and done["bytes"] == wav_path.stat().st_size
    with wave.open(str(wav_path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 8000)
        data = array("h", wav.readframes(wav.getnframes()))
    left, right = list(data[0::2]), list(data[1::2])
    caller_value = g711.ulaw_decode_sample(CALLER_BYTE)
    agent_value = g711.alaw_decode_sample(AGENT_BYTE)
    seconds = len(left) / 8000
    assert 1.5 < seconds < 5, seconds
    assert left.count(caller_value) > 0.8 * len(left), seconds
    assert right.count(agent_value) > 0.8 * len(right), seconds
    assert caller_value not in right and agent_value not in left

    # the supervisor heard both sides mixed (PCMU), and nothing else than silence or them
    mixed = g711.ulaw_encode_sample(caller_value + agent_value) & 0xFF
    frames = sup_rtp.received
    heard = sum(frame == bytes([mixed]) * 160 for frame in frames)
    assert heard > 25, (len(frames), heard, {f[0] for f in frames})


def test_known_audio_crosses_the_bridge_both_ways_across_pcmu_and_pcma(tmp_path: Path) -> None:
    """The caller (PCMU) sends frames of one byte value, the agent (PCMA) of another: each
    must receive the other's frames, transcoded to its own law, byte for byte."""
    assert SIPP is not None
    caller_rtp, agent_rtp = RtpPeer(CALLER_BYTE, 0), RtpPeer(AGENT_BYTE, 8)
    agent, agent_port = phone(tmp_path, agent_rtp, "PCMA")
    config = serve_config(tmp_path, [("a1", 5, agent_port)])
    records = Records()
    stop = threading.Event()
    pumping = threading.Thread(target=pump, args=([caller_rtp, agent_rtp], stop), daemon=True)
    pumping.start()
    thread = ServerThread(config, sinks=[records]).start()
    try:
        host, port = thread.sip_address
        done = subprocess.run(
            [SIPP, "-sf", str(HERE / "sipp" / "caller_rtp_elsewhere.xml"), "-key", "rtp_port",
             str(caller_rtp.port), "-s", "agents", f"{host}:{port}", "-i", "127.0.0.1",
             "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
             "-d", "2500", "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error",
             "-trace_err"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
            check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert wait_for(lambda: bool(records.of(rec.CallEnded)))
        assert finish(agent)[0] == 0
    finally:
        stop.set()
        pumping.join(timeout=2)
        if agent.poll() is None:
            agent.kill()
            agent.communicate()
        thread.stop(grace_s=0.5)
        for peer in (caller_rtp, agent_rtp):
            peer.sock.close()
    to_agent = g711.ulaw_to_alaw(bytes([CALLER_BYTE]) * 160)  # what the agent must get
    to_caller = g711.alaw_to_ulaw(bytes([AGENT_BYTE]) * 160)
    assert to_agent != bytes([CALLER_BYTE]) * 160  # a real transcoding, not a copy
    got_agent = sum(frame == to_agent for frame in agent_rtp.received)
    got_caller = sum(frame == to_caller for frame in caller_rtp.received)
    assert got_agent > 25, (len(agent_rtp.received), {f[0] for f in agent_rtp.received})
    assert got_caller > 25, (len(caller_rtp.received), {f[0] for f in caller_rtp.received})

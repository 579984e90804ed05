"""A queued caller ends up talking to an agent: ``accueil serve`` between two SIPps.

SIPp plays the caller (``-sn uac`` dialling entry ``agents``, which queues into
``support``) and each agent's phone as a UAS on a port the test picks, configured as a
fixed-URI agent: ``-sn uas`` answers, ``sipp/agent_ringing.xml`` rings until cancelled,
``sipp/agent_busy.xml`` answers 486, ``sipp/agent_hangs_up.xml`` answers in PCMA and hangs up.
Both sides echo RTP (``-rtp_echo``), so audio crosses the bridge both ways. The queue
picks the highest level first, so the agent that fails is always offered first.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from acd.model import AgentConfig
from live.bridge import Bridge, PacketCounters
from live.config import AgentLine, ServeConfig, load_config, load_config_text
from live.media import Leg, MediaEngine
from live.serve_agents import failure_reason
from live.serve_endpoint import REALM, registrar_config
from live.serve_thread import ServerThread
from queues import records as rec
from queues.config import QueueConfig
from sip import Response, g711, parse
from sip.digest import digest_response, parse_auth_params, stored_ha1
from tests.integration.test_sipp import free_port
from tests.shared import SIPP_SCENARIOS

HERE = Path(__file__).parent
SIPP = shutil.which("sipp")
R = TypeVar("R")

IVR = """version: 1
defaults: {lang: en}
prompts:
  hello: {file: hello.wav, text: "Hello.", duration_s: 0.3}
entries:
  agents: {start: hello}
nodes:
  hello: {type: play, prompt: hello, next: q_support}
  q_support: {type: queue, queue: support}
"""

needs_sipp = pytest.mark.skipif(SIPP is None, reason="SIPp is not installed (binary sipp)")


class Records:
    """Every record the server published (appended on the server's thread)."""

    def __init__(self) -> None:
        self.items: list[rec.Record] = []

    def __call__(self, record: rec.Record) -> None:
        self.items.append(record)

    def of(self, kind: type[R]) -> list[R]:
        return [r for r in list(self.items) if isinstance(r, kind)]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def agent_phone(tmp: Path, how: str) -> tuple[subprocess.Popen[str], int]:
    """An agent's phone: SIPp as UAS (``uas`` built in, or a scenario of ``sipp/``)."""
    assert SIPP is not None
    port = free_port()
    which = ["-sn", "uas"] if how == "uas" else ["-sf", str(HERE / "sipp" / f"{how}.xml")]
    cmd = [SIPP, *which, "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1",
           "-mp", str(free_port(even=True)), "-rtp_echo", "-m", "1", "-nostdin",
           "-timeout", "40s", "-timeout_error", "-trace_err"]
    folder = tmp / f"agent-{port}"
    folder.mkdir()
    return subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True), port


def finish(proc: subprocess.Popen[str], timeout: float = 20.0) -> tuple[int, str]:
    """Wait (bounded) for a SIPp to exit; kill it if it does not."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return -9, out[-2000:] + err[-2000:]
    return proc.returncode, out[-2000:] + err[-2000:]


def serve_config(tmp: Path, agents: list[tuple[str, int, int]]) -> ServeConfig:
    """The test configuration with our IVR, queue ``support`` and fixed-URI agents
    ``(id, level, port)``."""
    (tmp / "ivr.yaml").write_text(IVR)
    base = load_config(HERE / "accueil_test.yaml").with_overrides(sip="127.0.0.1:0")
    queue = QueueConfig(name="support", skill="support", strategy="highest_level",
                        ring_timeout_s=2.0, max_wait_s=600, fallback="hangup")
    return replace(base, ivr_file=tmp / "ivr.yaml", prompts_dir=tmp, silent_fallback=True,
                   data_dir=None, rtp_ports=(34000, 34999), queues=(queue,),
                   agents=tuple(AgentConfig(a, {"support": level}) for a, level, _ in agents),
                   agent_lines=tuple(AgentLine(a, uri=f"sip:{a}@127.0.0.1:{port}")
                                     for a, _, port in agents))


def call(tmp: Path, phones: list[tuple[str, int, str]], caller: str | None = None,
         hold_ms: int = 3000) -> tuple[Records, PacketCounters | None, list[tuple[int, str]]]:
    """Start the agents' phones ``(id, level, how)``, the server, one SIPp caller; the
    records, the bridged call's packet counters, and each SIPp's exit status and output."""
    assert SIPP is not None
    started = [(agent_id, level, *agent_phone(tmp, how)) for agent_id, level, how in phones]
    records = Records()
    config = serve_config(tmp, [(a, level, port) for a, level, _, port in started])
    thread = ServerThread(config, sinks=[records]).start()
    results: list[tuple[int, str]] = []
    counters: PacketCounters | None = None
    try:
        host, port = thread.sip_address
        which = (["-sn", "uac"] if caller is None
                 else ["-sf", str(SIPP_SCENARIOS / caller)])
        cmd = [SIPP, *which, "-s", "agents", f"{host}:{port}", "-i", "127.0.0.1",
               "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
               "-rtp_echo", "-d", str(hold_ms), "-m", "1", "-nostdin", "-timeout", "40s",
               "-timeout_error", "-trace_err"]
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=60,
                              check=False)
        results.append((done.returncode, done.stdout[-2000:] + done.stderr[-2000:]))
        assert wait_for(lambda: bool(records.of(rec.CallEnded))
                        or bool(records.of(rec.CallAbandoned))), records.items
        results += [finish(proc) for _, _, proc, _ in started]
        answered = records.of(rec.CallAnswered)
        if answered and thread.server.agents is not None:
            agents = thread.server.agents
            call_id = answered[0].call_id
            counters = thread.call(lambda: agents.packet_counters(call_id))
    finally:
        for _, _, proc, _ in started:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        thread.stop(grace_s=0.5)
    return records, counters, results


def register(host: str, port: int, user: str, password: str, contact: str) -> int:
    """REGISTER ``contact`` for ``user`` by hand over UDP, answering the MD5 challenge; the
    final status."""
    lines = [f"REGISTER sip:{host}:{port} SIP/2.0", "", f"From: <sip:{user}@{host}>;tag=r1",
             f"To: <sip:{user}@{host}>", "Call-ID: reg-test-1@127.0.0.1", "",
             f"Contact: <{contact}>", "Expires: 120", "Max-Forwards: 70"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        me = sock.getsockname()[1]
        auth = ""
        for cseq in (1, 2):
            lines[1] = f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK-reg{cseq};rport"
            lines[5] = f"CSeq: {cseq} REGISTER"
            head = "\r\n".join(lines) + (f"\r\nAuthorization: {auth}" if auth else "")
            sock.sendto(f"{head}\r\nContent-Length: 0\r\n\r\n".encode(), (host, port))
            response = parse(sock.recv(65536))
            assert isinstance(response, Response)
            if response.status != 401:
                return response.status
            challenge = next(params for value in response.headers.get_all("www-authenticate")
                             if (params := parse_auth_params(value)).get("algorithm") == "MD5")
            ha1 = stored_ha1(user, REALM, password)["MD5"]
            uri = f"sip:{host}:{port}"
            answer = digest_response("MD5", ha1, "REGISTER", uri, challenge["nonce"],
                                     qop="auth", nc="00000001", cnonce="c1")
            auth = (f'Digest username="{user}", realm="{REALM}", nonce="{challenge["nonce"]}", '
                    f'uri="{uri}", response="{answer}", algorithm=MD5, qop=auth, '
                    f'nc=00000001, cnonce="c1", opaque="{challenge.get("opaque", "")}"')
    return 401


def kinds(records: Records) -> list[str]:
    """The call's ACD records, in order (agent states left out)."""
    return [type(r).__name__ for r in records.items
            if isinstance(r, rec.CallQueued | rec.CallOffered | rec.CallOfferFailed
                          | rec.CallAnswered | rec.CallEnded | rec.CallAbandoned)]


@needs_sipp
def test_queued_caller_talks_to_the_agent(tmp_path: Path) -> None:
    records, counters, results = call(tmp_path, [("a1", 5, "uas")])
    assert all(code == 0 for code, _ in results), results
    assert kinds(records) == ["CallQueued", "CallOffered", "CallAnswered", "CallEnded"]
    assert records.of(rec.CallAnswered)[0].agent_id == "a1"
    ended = records.of(rec.CallEnded)[0]
    assert (ended.agent_id, ended.by) == ("a1", "caller")
    assert counters is not None, "never bridged"
    # both legs sent; the agent's echo came back and was relayed to the caller, and back
    assert counters.caller_sent > 0 and counters.agent_sent > 0, counters
    assert counters.agent_received > 0 and counters.to_caller > 0, counters
    assert counters.caller_received > 0 and counters.to_agent > 0, counters


@needs_sipp
def test_ring_no_answer_goes_to_the_next_agent(tmp_path: Path) -> None:
    records, _, results = call(tmp_path, [("a1", 9, "agent_ringing"), ("a2", 1, "uas")],
                               hold_ms=5000)
    assert all(code == 0 for code, _ in results), results
    assert kinds(records) == ["CallQueued", "CallOffered", "CallOfferFailed", "CallOffered",
                              "CallAnswered", "CallEnded"]
    failed = records.of(rec.CallOfferFailed)[0]
    assert (failed.agent_id, failed.reason) == ("a1", "no_answer")
    assert [r.agent_id for r in records.of(rec.CallOffered)] == ["a1", "a2"]
    assert records.of(rec.CallAnswered)[0].agent_id == "a2"


@needs_sipp
def test_busy_agent_fails_the_offer(tmp_path: Path) -> None:
    records, _, results = call(tmp_path, [("a1", 9, "agent_busy"), ("a2", 1, "uas")])
    assert all(code == 0 for code, _ in results), results
    failed = records.of(rec.CallOfferFailed)
    assert [(f.agent_id, f.reason) for f in failed] == [("a1", "busy")]
    assert records.of(rec.CallAnswered)[0].agent_id == "a2"
    assert kinds(records)[-1] == "CallEnded"


@needs_sipp
def test_agent_hangs_up_then_we_hang_up_the_caller(tmp_path: Path) -> None:
    records, counters, results = call(tmp_path, [("a1", 5, "agent_hangs_up")],
                                      caller="uac_wait_bye.xml")
    assert all(code == 0 for code, _ in results), results
    assert kinds(records) == ["CallQueued", "CallOffered", "CallAnswered", "CallEnded"]
    ended = records.of(rec.CallEnded)[0]
    assert (ended.agent_id, ended.by) == ("a1", "agent")
    assert counters is not None and counters.to_caller > 0, counters  # PCMA -> PCMU


@needs_sipp
def test_caller_hangs_up_while_the_agent_rings(tmp_path: Path) -> None:
    records, counters, results = call(tmp_path, [("a1", 5, "agent_ringing")], hold_ms=1000)
    assert all(code == 0 for code, _ in results), results  # the ringing phone got CANCEL
    assert kinds(records) == ["CallQueued", "CallOffered", "CallAbandoned"]
    assert counters is None


def test_agent_lines_in_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "ivr.yaml").write_text(IVR)
    text = """ivr: {file: ivr.yaml}
queues: [{name: support, skill: support}]
agents:
  - {id: a1, skills: {support: 5}, uri: "sip:a1@127.0.0.1:5081"}
  - {id: a2, skills: {support: 5}, password: s3cret}
  - {id: a3, skills: {support: 5}, ha1: 0123456789abcdef0123456789ABCDEF}
  - {id: a4, skills: {support: 5}}
"""
    config = load_config_text(text, base=tmp_path)
    assert [line.agent_id for line in config.agent_lines] == ["a1", "a2", "a3"]
    assert config.agent_lines[0].uri == "sip:a1@127.0.0.1:5081"
    registrar = registrar_config(config)
    assert registrar is not None
    assert [a.user for a in registrar.accounts] == ["a2", "a3"]
    assert registrar_config(replace(config, agent_lines=config.agent_lines[:1])) is None


def test_bad_agent_lines_are_reported(tmp_path: Path) -> None:
    (tmp_path / "ivr.yaml").write_text(IVR)
    text = """ivr: {file: ivr.yaml}
agents:
  - {id: a1, skills: {support: 5}, uri: "not a uri"}
  - {id: a2, skills: {support: 5}, password: x, ha1: 0123456789abcdef0123456789abcdef}
  - {id: a3, skills: {support: 5}, ha1: nothex}
"""
    with pytest.raises(Exception) as info:
        load_config_text(text, filename="a.yaml", base=tmp_path)
    message = str(info.value)
    assert "agents[0].uri" in message and "agents[1].ha1" in message
    assert "agents[2].ha1" in message


@pytest.mark.parametrize(("status", "reason"), [(486, "busy"), (600, "busy"),
                                                (603, "declined"), (480, "no_answer"),
                                                (408, "no_answer"), (500, "error")])
def test_failure_reasons(status: int, reason: str) -> None:
    assert failure_reason(status) == reason


@needs_sipp
def test_registered_agent_is_logged_in_and_rung(tmp_path: Path) -> None:
    """We REGISTER (digest MD5; SIPp cannot answer the SHA-256 challenge offered first) the
    Contact of a ``-sn uas`` SIPp: agent a3 logs in, and the queued call rings that Contact."""
    assert SIPP is not None
    phone, phone_port = agent_phone(tmp_path, "uas")
    records = Records()
    config = replace(serve_config(tmp_path, []),
                     agents=(AgentConfig("a3", {"support": 5}),),
                     agent_lines=(AgentLine("a3", password="s3cret"),))
    thread = ServerThread(config, sinks=[records]).start()
    try:
        host, port = thread.sip_address
        status = register(host, port, "a3", "s3cret", f"sip:a3@127.0.0.1:{phone_port}")
        assert status == 200
        assert wait_for(lambda: any(isinstance(r, rec.AgentStateChanged) and r.agent_id == "a3"
                                    for r in records.items), 5), records.items
        caller = subprocess.run(
            [SIPP, "-sn", "uac", "-s", "agents", f"{host}:{port}", "-i", "127.0.0.1",
             "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
             "-d", "2000", "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error",
             "-trace_err"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
            check=False)
        assert caller.returncode == 0, caller.stdout[-2000:] + caller.stderr[-2000:]
        assert wait_for(lambda: bool(records.of(rec.CallEnded)))
        code, output = finish(phone)
        assert code == 0, output
    finally:
        if phone.poll() is None:
            phone.kill()
            phone.communicate()
        thread.stop(grace_s=0.5)
    assert kinds(records) == ["CallQueued", "CallOffered", "CallAnswered", "CallEnded"]
    assert records.of(rec.CallAnswered)[0].agent_id == "a3"


def test_bridge_relays_audio_with_transcoding_and_digits() -> None:
    """Without sockets: what one leg hears is queued on the other, PCMU↔PCMA transcoded;
    a digit heard on one side is sent again as RFC 4733 events on the other."""
    media = MediaEngine()
    caller = Leg("caller", 40000, "PCMU", 0, 101, "silence", random.Random(1))
    agent = Leg("agent", 40002, "PCMA", 8, None, "silence", random.Random(2))
    bridge = Bridge(media, caller, agent)
    bridge.start()
    assert caller.on_audio is not None and agent.on_audio is not None
    caller.on_audio(caller, bytes([0xFF]) * 160)  # PCMU silence
    agent.on_audio(agent, bytes([0xD5]) * 160)  # PCMA silence
    assert list(agent._pushed) == [g711.ulaw_to_alaw(bytes([0xFF]) * 160)]
    assert list(caller._pushed) == [g711.alaw_to_ulaw(bytes([0xD5]) * 160)]
    assert agent.on_digit is not None and caller.on_digit is not None
    agent.on_digit(agent, "5")  # the caller negotiated telephone-event: relayed
    caller.on_digit(caller, "1")  # the agent did not: dropped
    assert caller._events and not agent._events
    counters = bridge.counters()
    assert (counters.to_agent, counters.to_caller, counters.digits) == (1, 1, 1)
    bridge.stop()
    assert caller.on_audio is None and agent.on_digit is None


@needs_sipp
def test_stopping_hangs_up_both_sides_of_a_connected_call(tmp_path: Path) -> None:
    """The engine stops during a connected call: BYE to the caller and to the agent."""
    assert SIPP is not None
    phone, phone_port = agent_phone(tmp_path, "uas")
    records = Records()
    thread = ServerThread(serve_config(tmp_path, [("a1", 5, phone_port)]),
                          sinks=[records]).start()
    caller: subprocess.Popen[str] | None = None
    try:
        host, port = thread.sip_address
        caller = subprocess.Popen(
            [SIPP, "-sf", str(SIPP_SCENARIOS / "uac_wait_bye.xml"), "-s", "agents",
             f"{host}:{port}", "-i", "127.0.0.1", "-p", str(free_port()), "-mi", "127.0.0.1",
             "-mp", str(free_port(even=True)), "-rtp_echo", "-m", "1", "-nostdin",
             "-timeout", "40s", "-timeout_error", "-trace_err"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert wait_for(lambda: bool(records.of(rec.CallAnswered))), records.items
        time.sleep(0.5)
    finally:
        thread.stop(grace_s=0.5)
        results = [finish(phone)] + ([finish(caller)] if caller is not None else [])
    assert all(code == 0 for code, _ in results), results
    assert kinds(records) == ["CallQueued", "CallOffered", "CallAnswered", "CallEnded"]
    assert records.of(rec.CallEnded)[0].by == "caller"

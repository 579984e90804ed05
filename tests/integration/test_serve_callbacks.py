"""Callbacks end to end: ``accueil serve`` between SIPp callers, agents and callers' phones.

- A queued caller (``sipp/caller_books_callback.xml``, presenting 0612345678) presses 9
  then #: the callback is booked, the confirmation plays and we hang up. An agent then
  registers (by hand, digest MD5, Contact = a SIPp ``uas``): accueil rings the agent first,
  then dials the caller at ``callbacks.uri`` (another SIPp, ``sipp/agent_hangs_up.xml``:
  answers in PCMA, talks, hangs up), bridges them; the answer counts when the caller is
  reached.
- The caller's phone is busy: the callback is unreached, the agent is freed (BYE) and,
  with one attempt allowed, the callback ends as a lost call.
- A caller abandons in line: the queue calls lost calls back, and reaching them records
  the recovery (T2-IQ04) without counting a second call.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from acd.model import AgentConfig
from live.config import AgentLine, ServeConfig, load_config
from live.serve_thread import ServerThread
from queues import records as rec
from queues.config import QueueConfig
from tests.integration.test_serve_agents import (
    SIPP,
    Records,
    agent_phone,
    finish,
    needs_sipp,
    register,
    wait_for,
)
from tests.integration.test_sipp import free_port

HERE = Path(__file__).parent

IVR = """version: 1
defaults: {lang: en}
prompts:
  hello: {file: hello.wav, text: "Hello.", duration_s: 0.3}
  offer: {file: offer.wav, text: "Press hash.", duration_s: 0.3}
  confirm: {file: confirm.wav, text: "We will call you back.", duration_s: 0.5}
entries:
  agents: {start: hello}
nodes:
  hello: {type: play, prompt: hello, next: q_support}
  q_support: {type: queue, queue: support}
waiting:
  support:
    callback: {key: 9, offer: offer, confirm: confirm}
"""


def serve_config(tmp: Path, phone_port: int, **queue: object) -> ServeConfig:
    (tmp / "ivr.yaml").write_text(IVR)
    base = load_config(HERE / "accueil_test.yaml").with_overrides(sip="127.0.0.1:0")
    support = QueueConfig(name="support", skill="support", ring_timeout_s=5.0,
                          max_wait_s=600, fallback="hangup", **queue)  # type: ignore[arg-type]
    return replace(base, ivr_file=tmp / "ivr.yaml", prompts_dir=tmp, silent_fallback=True,
                   data_dir=None, rtp_ports=(33000, 33999), queues=(support,),
                   agents=(AgentConfig("a1", {"support": 5}),),
                   agent_lines=(AgentLine("a1", password="pw"),),
                   callback_uri=f"sip:{{number}}@127.0.0.1:{phone_port}", callback_ring_s=5.0)


def caller(host: str, port: int, scenario: Path, cwd: Path, hold_ms: int = 1000
           ) -> subprocess.CompletedProcess[str]:
    assert SIPP is not None
    cmd = [SIPP, "-sf", str(scenario), "-s", "agents", f"{host}:{port}", "-i", "127.0.0.1",
           "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
           "-d", str(hold_ms), "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error",
           "-trace_err"]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)


def call_records(records: Records) -> list[str]:
    return [type(r).__name__ for r in records.items if not isinstance(r, rec.AgentStateChanged)
            and not isinstance(r, rec.CallReceived | rec.CallLeftIvr)]


def run(tmp: Path, phone_how: str, *, book: bool, **queue: object
        ) -> tuple[Records, list[tuple[int, str]]]:
    """One caller (booking a callback, or abandoning), then agent a1 registers."""
    phone, phone_port = agent_phone(tmp, phone_how)  # the caller's phone, for the callback
    agent, agent_port = agent_phone(tmp, "uas")
    records = Records()
    thread = ServerThread(serve_config(tmp, phone_port, **queue), sinks=[records]).start()
    results: list[tuple[int, str]] = []
    try:
        host, port = thread.sip_address
        if book:
            done = caller(host, port, HERE / "sipp" / "caller_books_callback.xml", tmp)
        else:  # waits 2.5 s in line, hangs up: a lost call
            done = caller(host, port, HERE / "sipp" / "caller_abandons.xml", tmp,
                          hold_ms=2500)
        results.append((done.returncode, done.stdout[-2000:] + done.stderr[-2000:]))
        assert register(host, port, "a1", "pw", f"sip:a1@127.0.0.1:{agent_port}") == 200
        assert wait_for(lambda: bool(records.of(rec.CallEnded) or records.of(rec.CallRecovered)
                                     or (len(records.of(rec.CallOfferFailed)) > 0
                                     and records.of(rec.CallAbandoned))), 20), records.items
        results += [finish(phone), finish(agent)]
    finally:
        for proc in (phone, agent):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        thread.stop(grace_s=0.5)
    return records, results


@needs_sipp
def test_a_booked_callback_rings_the_agent_then_the_caller(tmp_path: Path) -> None:
    records, results = run(tmp_path, "agent_hangs_up", book=True)
    assert all(code == 0 for code, _ in results), results
    assert call_records(records) == ["CallQueued", "CallbackRequested", "CallOffered",
                                     "CallAnswered", "CallEnded"]
    (requested,) = records.of(rec.CallbackRequested)
    assert requested.number == "0612345678"
    (answered,) = records.of(rec.CallAnswered)
    assert answered.callback and answered.agent_id == "a1"
    (ended,) = records.of(rec.CallEnded)
    assert ended.by == "caller"  # the caller's phone hung up; the agent got our BYE


@needs_sipp
def test_an_unreached_callback_frees_the_agent_and_gives_up(tmp_path: Path) -> None:
    records, results = run(tmp_path, "agent_busy", book=True, callback_attempts=1)
    assert all(code == 0 for code, _ in results), results
    assert call_records(records) == ["CallQueued", "CallbackRequested", "CallOffered",
                                     "CallOfferFailed", "CallAbandoned"]
    (failed,) = records.of(rec.CallOfferFailed)
    assert failed.reason == "callback_busy"
    states = [r.state for r in records.of(rec.AgentStateChanged)]
    assert states[-2:] == ["on_call", "available"]  # freed, no wrap-up, no pause


@needs_sipp
def test_a_lost_call_is_called_back_and_recovered(tmp_path: Path) -> None:
    records, results = run(tmp_path, "agent_hangs_up", book=False, callback_lost=True,
                           callback_lost_after_s=1.0)
    assert results[0][0] == 0, results
    assert wait_for(lambda: bool(records.of(rec.CallRecovered)), 10), records.items
    assert call_records(records) == ["CallQueued", "CallAbandoned", "CallRecovered"]
    (abandoned,) = records.of(rec.CallAbandoned)
    assert records.of(rec.CallRecovered) == [rec.CallRecovered(
        records.of(rec.CallRecovered)[0].at, abandoned.call_id, "callback")]
    assert all(code == 0 for code, _ in results), results


pytestmark = pytest.mark.timeout(90)


@needs_sipp
def test_a_waiting_caller_hears_position_and_wait_announced(tmp_path: Path) -> None:
    """Announcements every second: each is spoken (position, then the wait in words)."""
    records = Records()
    config = serve_config(tmp_path, free_port(), announce_every_s=1.0)
    thread = ServerThread(config, sinks=[records]).start()
    try:
        host, port = thread.sip_address
        done = caller(host, port, HERE / "sipp" / "caller_abandons.xml", tmp_path,
                      hold_ms=3500)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        server = thread.server
        assert server.calls is not None and server.prompts is not None
        calls, prompts = server.calls, server.prompts
        stats = thread.call(lambda: dict(calls.stats))
        names = thread.call(lambda: set(prompts.names()))
    finally:
        thread.stop(grace_s=0.5)
    assert stats.get("announcement", 0) >= 2, stats  # at queueing, then every second
    # nobody logged in: position 1, wait unknown (no agent serves the queue) -> position only
    assert "announce-en-next" in names, sorted(names)
    assert stats.get("prompt", 0) >= 3, stats  # hello + the announcements spoken
    assert [type(r).__name__ for r in records.of(rec.CallAbandoned)] == ["CallAbandoned"]

"""Agents' phones transfer calls and re-offer media: ``accueil serve`` between SIPps.

- ``sipp/agent_transfers.xml`` (agent a1 of ``support``) answers, talks, then REFERs the call
  to ``sip:sales@<accueil>``: accueil answers 202, NOTIFYs 100 then 200 (the phone checks the
  ``Event``, ``Subscription-State`` and sipfrag), the call ends with a1 and is queued again in
  ``sales`` with its original wait start; the built-in ``uas`` of agent s1 answers and the
  caller (built-in ``uac``, still on the line) talks to s1 across a second bridge.
- The same phone REFERs to a number (``-key refer_user 0612345678``): the caller's leg is
  REFERred to its trunk (``uac_accept_refer.xml`` accepts and NOTIFYs 200), the phone gets
  the trunk's verdict by NOTIFY, the call ends with a1 and nothing is queued again.
- ``sipp/agent_transfers_waits.xml`` does the same but stays on the line after the final
  NOTIFY: accueil ends its leg with a BYE a few seconds later.
- ``sipp/agent_holds.xml`` puts the call on hold and resumes it by re-INVITE (checking
  ``a=recvonly`` then ``a=sendrecv`` in our answers) and the call goes on until it hangs up.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from acd.model import AgentConfig
from live.bridge import PacketCounters
from live.config import AgentLine, ServeConfig, load_config
from live.serve_thread import ServerThread
from queues import records as rec
from queues.config import QueueConfig
from tests.integration.test_serve_agents import (
    HERE,
    SIPP,
    Records,
    finish,
    needs_sipp,
    wait_for,
)
from tests.integration.test_sipp import free_port
from tests.shared import SIPP_SCENARIOS

IVR = """version: 1
defaults: {lang: en}
prompts:
  hello: {file: hello.wav, text: "Hello.", duration_s: 0.3}
entries:
  agents: {start: hello}
  sales: {start: q_sales}
nodes:
  hello: {type: play, prompt: hello, next: q_support}
  q_support: {type: queue, queue: support}
  q_sales: {type: queue, queue: sales}
"""

Phone = tuple[str, dict[str, int], str, tuple[str, ...]]
"""An agent: id, skills, the scenario (``uas`` or a file of ``sipp/``), extra SIPp args."""


def start_phone(tmp: Path, how: str, extra: tuple[str, ...]) -> tuple[subprocess.Popen[str], int]:
    assert SIPP is not None
    port = free_port()
    which = ["-sn", "uas"] if how == "uas" else ["-sf", str(HERE / "sipp" / f"{how}.xml")]
    cmd = [SIPP, *which, *extra, "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1",
           "-mp", str(free_port(even=True)), "-rtp_echo", "-m", "1", "-nostdin",
           "-timeout", "40s", "-timeout_error", "-trace_err"]
    folder = tmp / f"agent-{port}"
    folder.mkdir()
    return subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True), port


def config(tmp: Path, agents: list[tuple[str, dict[str, int], int]]) -> ServeConfig:
    (tmp / "ivr.yaml").write_text(IVR)
    base = load_config(HERE / "accueil_test.yaml").with_overrides(sip="127.0.0.1:0")
    queues = tuple(QueueConfig(name=name, skill=name, strategy="highest_level",
                               ring_timeout_s=3.0, max_wait_s=600, fallback="hangup",
                               wrapup_s=2.0)
                   for name in ("support", "sales"))
    return replace(base, ivr_file=tmp / "ivr.yaml", prompts_dir=tmp, silent_fallback=True,
                   data_dir=None, rtp_ports=(35000, 35999), queues=queues,
                   agents=tuple(AgentConfig(a, skills) for a, skills, _ in agents),
                   agent_lines=tuple(AgentLine(a, uri=f"sip:{a}@127.0.0.1:{port}")
                                     for a, _, port in agents))


def run(tmp: Path, phones: list[Phone], caller: list[str],
        done: Callable[[Records], bool]) -> tuple[Records, PacketCounters | None,
                                                   list[tuple[int, str]]]:
    """Start the phones, the server and one SIPp caller (``caller``: its scenario args);
    wait for ``done``; the records, the last bridge's counters, each SIPp's exit and output."""
    assert SIPP is not None
    started = [(agent_id, skills, *start_phone(tmp, how, extra))
               for agent_id, skills, how, extra in phones]
    records = Records()
    thread = ServerThread(config(tmp, [(a, s, port) for a, s, _, port in started]),
                          sinks=[records]).start()
    results: list[tuple[int, str]] = []
    counters: PacketCounters | None = None
    try:
        host, port = thread.sip_address
        cmd = [SIPP, *caller, "-s", "agents", f"{host}:{port}", "-i", "127.0.0.1",
               "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
               "-rtp_echo", "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error",
               "-trace_err"]
        out = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=60,
                             check=False)
        results.append((out.returncode, out.stdout[-2000:] + out.stderr[-2000:]))
        assert wait_for(lambda: done(records), timeout=15.0), records.items
        results += [finish(proc) for _, _, proc, _ in started]
        answered = records.of(rec.CallAnswered)
        agents = thread.server.agents
        if answered and agents is not None:
            call_id = answered[0].call_id
            counters = thread.call(lambda: agents.packet_counters(call_id))
    finally:
        for _, _, proc, _ in started:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        thread.stop(grace_s=0.5)
    return records, counters, results


def story(records: Records) -> list[tuple[str, str, str]]:
    """The call's ACD records: (kind, queue, agent)."""
    return [(type(r).__name__, r.queue, getattr(r, "agent_id", ""))
            for r in records.items
            if isinstance(r, rec.CallQueued | rec.CallAnswered | rec.CallEnded
                          | rec.CallAbandoned)]


@needs_sipp
def test_agent_transfers_the_caller_to_a_queue(tmp_path: Path) -> None:
    phones: list[Phone] = [("a1", {"support": 5}, "agent_transfers", ("-key", "refer_user",
                                                                        "sales")),
                           ("s1", {"sales": 5}, "uas", ())]
    records, counters, results = run(tmp_path, phones, ["-sn", "uac", "-d", "8000"],
                                     lambda r: len(r.of(rec.CallEnded)) >= 2)
    assert all(code == 0 for code, _ in results), results
    assert story(records) == [
        ("CallQueued", "support", ""),
        ("CallAnswered", "support", "a1"),
        ("CallEnded", "support", "a1"),
        ("CallQueued", "sales", ""),
        ("CallAnswered", "sales", "s1"),
        ("CallEnded", "sales", "s1"),
    ]
    queued, answered = records.of(rec.CallQueued), records.of(rec.CallAnswered)
    ended = records.of(rec.CallEnded)
    ids = {q.call_id for q in queued} | {a.call_id for a in answered}
    assert len(ids | {e.call_id for e in ended}) == 1  # one call throughout
    assert ended[0].by == "agent" and ended[1].by == "caller"
    # the wait in sales runs from the transfer (what sales' KPIs measure); the call jumped
    # ahead there by its extra points, keeping its priority class
    assert abs(answered[1].wait_s - (answered[1].at - queued[1].at)) < 0.05
    assert queued[1].priority == queued[0].priority
    states = [(r.agent_id, r.state) for r in records.of(rec.AgentStateChanged)]
    assert ("a1", "wrap_up") in states
    # audio crossed the second bridge (caller <-> s1) both ways
    assert counters is not None and counters.to_agent > 0 and counters.to_caller > 0, counters


@needs_sipp
def test_agent_transfers_the_caller_to_a_number(tmp_path: Path) -> None:
    phones: list[Phone] = [("a1", {"support": 5}, "agent_transfers", ("-key", "refer_user",
                                                                        "0612345678"))]
    records, _, results = run(tmp_path, phones,
                              ["-sf", str(SIPP_SCENARIOS / "uac_accept_refer.xml")],
                              lambda r: bool(r.of(rec.CallEnded)))
    assert all(code == 0 for code, _ in results), results
    assert story(records) == [
        ("CallQueued", "support", ""),
        ("CallAnswered", "support", "a1"),
        ("CallEnded", "support", "a1"),
    ]
    assert records.of(rec.CallEnded)[0].by == "agent"


@needs_sipp
def test_agent_holds_and_resumes_the_call(tmp_path: Path) -> None:
    phones: list[Phone] = [("a1", {"support": 5}, "agent_holds", ())]
    records, counters, results = run(tmp_path, phones,
                                     ["-sf", str(SIPP_SCENARIOS / "uac_wait_bye.xml")],
                                     lambda r: bool(r.of(rec.CallEnded)))
    assert all(code == 0 for code, _ in results), results  # recvonly, then sendrecv
    assert story(records) == [
        ("CallQueued", "support", ""),
        ("CallAnswered", "support", "a1"),
        ("CallEnded", "support", "a1"),
    ]
    answered, ended = records.of(rec.CallAnswered)[0], records.of(rec.CallEnded)[0]
    assert ended.by == "agent" and ended.at - answered.at > 3.0  # the call went on
    assert counters is not None and counters.to_caller > 0, counters


@needs_sipp
def test_transferring_phone_that_stays_gets_our_bye(tmp_path: Path) -> None:
    phones: list[Phone] = [("a1", {"support": 5}, "agent_transfers_waits",
                            ("-key", "refer_user", "sales")),
                           ("s1", {"sales": 5}, "uas", ())]
    records, _, results = run(tmp_path, phones, ["-sn", "uac", "-d", "8000"],
                              lambda r: len(r.of(rec.CallEnded)) >= 2)
    assert all(code == 0 for code, _ in results), results  # a1's phone got our BYE
    assert [(kind, queue) for kind, queue, _ in story(records)] == [
        ("CallQueued", "support"), ("CallAnswered", "support"), ("CallEnded", "support"),
        ("CallQueued", "sales"), ("CallAnswered", "sales"), ("CallEnded", "sales"),
    ]

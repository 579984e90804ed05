"""End to end: SIPp callers and SIPp agents against ``accueil serve``; the engine's KPIs for
the run must match the counts taken from SIPp's own statistics and from the CDRs.

Callers: 6 dial ``support`` and key a code in RFC 4733 digits (the shared
``uac_dtmf_rfc2833.xml``), 6 dial ``sales`` (SIPp's built-in ``uac``); each hangs up 4 s
after the IVR answered, whether an agent took the call by then or not (an abandon).
Agents (fixed URIs, one SIPp each, strategy highest level first):

- ``n1`` (support 9, sales 9): rings and never answers (``agent_ringing.xml``): ring-no-answer,
  the call goes back to its place and ``n1`` is paused;
- ``b1`` (sales 8): busy (``agent_busy.xml``, 486): the same;
- ``s1`` (support 5) and ``s2`` (support 3, sales 3): answer (SIPp ``uas``).

Every caller ends talking to an agent with the required skill or abandoned; the counts
agree three ways: the KPI engine fed by the server, SIPp's ``-trace_stat`` figures of each
process, and the CDRs folded from the same record stream (store/cdr.py).
"""

from __future__ import annotations

import csv
import math
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from acd.model import AgentConfig
from live.config import AgentLine, ServeConfig, load_config
from live.serve_thread import ServerThread
from queues import records as rec
from queues.config import QueueConfig
from queues.kpi import KpiEngine
from store.cdr import Cdr, apply
from tests.integration.test_serve_agents import SIPP, Records, needs_sipp, wait_for
from tests.integration.test_sipp import free_port
from tests.shared import SIPP_SCENARIOS

HERE = Path(__file__).parent
CALLERS = 6  # per entry point
SKILLS = {"n1": {"support": 9, "sales": 9}, "b1": {"sales": 8},
          "s1": {"support": 5}, "s2": {"support": 3, "sales": 3}}
PHONES = {"n1": "agent_ringing", "b1": "agent_busy", "s1": "uas", "s2": "uas"}

IVR = """version: 1
defaults: {lang: en, timeout_s: 3, inter_digit_s: 2}
prompts:
  hello: {file: hello.wav, text: "Hello.", duration_s: 0.2}
  code: {file: code.wav, text: "Your code, then hash.", duration_s: 0.2}
entries:
  support: {start: code}
  sales: {start: hello}
nodes:
  code: {type: collect, prompt: code, variable: code, max_digits: 8, terminator: "#",
         next: q_support, on_fail: q_support}
  hello: {type: play, prompt: hello, next: q_sales}
  q_support: {type: queue, queue: support}
  q_sales: {type: queue, queue: sales}
"""


def sipp_stats(path: Path) -> dict[str, int]:
    """The last line of a SIPp ``-trace_stat`` file, cumulative counters as integers."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert rows, f"no statistics in {path}"
    last = rows[-1]
    return {key[:-3]: int(value) for key, value in last.items()
            if key and key.endswith("(C)") and value and value.isdigit()}


def start_phone(tmp: Path, agent_id: str) -> tuple[subprocess.Popen[str], int, Path]:
    assert SIPP is not None
    port = free_port()
    how = PHONES[agent_id]
    which = ["-sn", "uas"] if how == "uas" else ["-sf", str(HERE / "sipp" / f"{how}.xml")]
    folder = tmp / agent_id
    folder.mkdir()
    stats = folder / "stats.csv"
    cmd = [SIPP, *which, "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1",
           "-mp", str(free_port(even=True)), "-rtp_echo", "-nostdin", "-trace_stat",
           "-stf", str(stats), "-fd", "1"]
    proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, text=True)
    return proc, port, stats


def serve_config(tmp: Path, ports: dict[str, int]) -> ServeConfig:
    (tmp / "ivr.yaml").write_text(IVR)
    base = load_config(HERE / "accueil_test.yaml").with_overrides(sip="127.0.0.1:0")
    queues = tuple(QueueConfig(name=q, skill=q, strategy="highest_level", ring_timeout_s=1.5,
                               max_wait_s=600, fallback="hangup") for q in ("support", "sales"))
    return replace(base, ivr_file=tmp / "ivr.yaml", prompts_dir=tmp, silent_fallback=True,
                   data_dir=None, rtp_ports=(32000, 32999), queues=queues,
                   agents=tuple(AgentConfig(a, s) for a, s in SKILLS.items()),
                   agent_lines=tuple(AgentLine(a, uri=f"sip:{a}@127.0.0.1:{p}")
                                     for a, p in ports.items()))


def run_callers(tmp: Path, host: str, port: int) -> list[tuple[subprocess.Popen[str], Path]]:
    assert SIPP is not None
    out = []
    for entry, which in (("support", ["-sf", str(SIPP_SCENARIOS / "uac_dtmf_rfc2833.xml")]),
                         ("sales", ["-sn", "uac"])):
        folder = tmp / f"callers-{entry}"
        folder.mkdir()
        stats = folder / "stats.csv"
        cmd = [SIPP, *which, "-s", entry, f"{host}:{port}", "-i", "127.0.0.1",
               "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
               "-d", "4000", "-r", "2", "-m", str(CALLERS), "-l", str(CALLERS), "-nostdin",
               "-timeout", "60s", "-timeout_error", "-trace_stat", "-stf", str(stats),
               "-fd", "1"]
        out.append((subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, text=True), stats))
    return out


@needs_sipp
@pytest.mark.timeout(120)
def test_kpis_match_sipp_statistics_and_cdrs(tmp_path: Path) -> None:
    phones = {a: start_phone(tmp_path, a) for a in SKILLS}
    records = Records()
    config = serve_config(tmp_path, {a: port for a, (_, port, _) in phones.items()})
    thread = ServerThread(config, sinks=[records]).start()
    try:
        host, port = thread.sip_address
        callers = run_callers(tmp_path, host, port)
        for proc, _ in callers:
            assert proc.wait(timeout=60) == 0, "a SIPp caller failed"
        assert wait_for(lambda: len([r for r in records.items
                                     if isinstance(r, rec.CallEnded | rec.CallAbandoned)])
                        == 2 * CALLERS, 15), records.items
        time.sleep(2.2)  # let each phone's SIPp write its statistics (every second)
        caller_stats = [sipp_stats(stats) for _, stats in callers]
        phone_stats = {a: sipp_stats(stats) for a, (_, _, stats) in phones.items()}
    finally:
        for proc, _, _ in phones.values():
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        thread.stop(grace_s=0.5)

    # SIPp's view of the callers: every call completed, none failed
    assert [s["SuccessfulCall"] for s in caller_stats] == [CALLERS, CALLERS], caller_stats
    assert [s["FailedCall"] for s in caller_stats] == [0, 0], caller_stats

    # the engine's KPIs
    kpi = KpiEngine()
    kpi.feed_many(records.items)
    day = math.floor(records.items[0].at / 86400) * 86400
    overall = kpi.counts(day, day + 2 * 86400)
    assert overall.received == 2 * CALLERS
    assert overall.answered + overall.abandoned == overall.received  # nothing else happened
    assert overall.answered >= 2  # the answering agents did take calls
    print(f"e2e: received {overall.received}, answered {overall.answered}, abandoned "
          f"{overall.abandoned}; phones: " + ", ".join(
              f"{a} {s['IncomingCall']}" for a, s in phone_stats.items()))

    # SIPp's view of the agents' phones: each answered call is one call received there
    # (IncomingCall: the built-in uas keeps a finished call 4 s for late retransmissions
    # before counting it successful), and none failed
    answered = records.of(rec.CallAnswered)
    for agent_id in ("s1", "s2"):
        mine = [a for a in answered if a.agent_id == agent_id]
        assert phone_stats[agent_id]["IncomingCall"] == len(mine), (agent_id, phone_stats)
        assert phone_stats[agent_id]["FailedCall"] == 0, phone_stats
    failed = records.of(rec.CallOfferFailed)
    assert sorted((f.agent_id, f.reason) for f in failed) == [("b1", "busy"),
                                                              ("n1", "no_answer")]
    for agent_id in ("n1", "b1"):  # rung once, then paused "no answer"
        assert phone_stats[agent_id]["IncomingCall"] == 1, (agent_id, phone_stats)
        assert phone_stats[agent_id]["FailedCall"] == 0, phone_stats
        assert all(a.agent_id != agent_id for a in answered)
    assert sum(s["IncomingCall"] for a, s in phone_stats.items()
               if a in ("s1", "s2")) == overall.answered

    # every answered call went to an agent with the queue's skill
    for a in answered:
        assert SKILLS[a.agent_id].get(a.queue, 0) >= 1, a

    # the CDRs folded from the same stream say the same
    cdrs: dict[str, Cdr] = {}
    for r in records.items:
        call_id = getattr(r, "call_id", None)
        if call_id is not None and not isinstance(r, rec.AgentStateChanged):
            cdr = apply(cdrs.get(call_id), r)
            if cdr is not None:
                cdrs[call_id] = cdr
    outcomes = [c.outcome for c in cdrs.values()]
    assert len(cdrs) == overall.received
    assert outcomes.count("answered") == overall.answered
    assert outcomes.count("abandoned") == overall.abandoned
    assert {c.agent_id for c in cdrs.values() if c.outcome == "answered"} <= {"s1", "s2"}

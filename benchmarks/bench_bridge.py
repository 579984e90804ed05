"""Bridged calls under load: SIPp callers and SIPp agents' phones on both sides of the B2BUA.

Run from the repository root (SIPp = Debian package sip-tester)::

    python benchmarks/bench_bridge.py [--calls 300] [--hold 60] [--rate 50]

``accueil serve`` runs in this process on its own event loop (a thread) with ``--calls``
fixed-URI agents, all reached at one SIPp ``uas`` that echoes every RTP packet
(``-rtp_echo``). ``--calls`` SIPp callers (``benchmarks/sipp/caller_streams.xml``) dial an
entry that queues them at once; each streams PCMU audio all along (SIPp ``rtp_stream``, 50
packets/s) and hangs up ``--hold`` seconds after the IVR answered. So each bridged call is
two legs and four RTP streams through the server: caller → us → agent → (echo) → us → caller.

Printed, while every call is bridged (a measurement window inside the hold): event-loop lag
p50/p99 (a 10 ms probe timer) and the media clock's tick lag p99, against the same probe on
the idle server measured first in the same run (the baseline); server CPU in % of one core
and per bridged call; RTP packets/s; failed calls on both SIPp sides (must be 0).

Target (issue 4): 300 bridged calls (600 legs) for 60 s, no failed call, media clock lag
p99 under 20 ms.

Measured (2 cores shared with both SIPps, CPython 3.11, load average 0.7 before the run):
300 of 300 calls bridged, 52 s window: loop lag p50 0.7 ms, p99 4.2 ms (idle baseline p99
2.1 ms); media tick lag p99 1.2 ms; server 36 % of one core, 0.12 % per bridged call;
59,800 RTP packets/s; 0 failed calls on either side. Target met.
"""

from __future__ import annotations

import argparse
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lagprobe import Probe, failed_calls, free_port, percentile, successful_calls

from acd.model import AgentConfig
from live.config import AgentLine, load_config
from live.serve_thread import ServerThread
from queues.config import QueueConfig
from sip import g711

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

IVR = """version: 1
defaults: {lang: en}
prompts:
  hello: {file: hello.wav, text: "Hello.", duration_s: 0.2}
entries:
  bridge: {start: hello}
nodes:
  hello: {type: play, prompt: hello, next: q_support}
  q_support: {type: queue, queue: support}
"""






def write_ulaw_wav(path: Path, seconds: float, hz: float = 440.0) -> None:
    """A μ-law WAV (format 7) of a tone, what SIPp's rtp_stream sends as PCMU."""
    n = round(seconds * 8000)
    pcm = struct.pack(f"<{n}h", *(round(6000 * math.sin(2 * math.pi * hz * i / 8000))
                                  for i in range(n)))
    data = g711.pcm16_to_ulaw(pcm)
    fmt = struct.pack("<HHIIHHH", 7, 1, 8000, 8000, 1, 8, 0)
    body = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"fact" + struct.pack("<II", 4, n) + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)


def write_pcm_wav(path: Path, seconds: float) -> None:
    import wave

    n = round(seconds * 8000)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * n)






def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="bridged calls at once")
    parser.add_argument("--hold", type=float, default=60.0, help="seconds each call lasts")
    parser.add_argument("--rate", type=int, default=50, help="new calls per second")
    args = parser.parse_args()
    sipp = shutil.which("sipp")
    if sipp is None:
        sys.exit("sipp is not installed (Debian package sip-tester)")
    n = args.calls
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "ivr.yaml").write_text(IVR)
        write_pcm_wav(work / "hello.wav", 0.2)
        wav = work / "talk.wav"
        write_ulaw_wav(wav, 4.0)
        scenario = work / "caller_streams.xml"  # SIPp does not expand [field0] in exec
        scenario.write_text((HERE / "sipp" / "caller_streams.xml").read_text()
                            .replace("[field0]", str(wav)))
        agent_port = free_port()
        base = load_config(ROOT / "tests/integration/accueil_test.yaml")
        agents = tuple(f"a{i:04d}" for i in range(n))
        config = replace(
            base, sip_host="127.0.0.1", sip_port=0, ivr_file=work / "ivr.yaml",
            prompts_dir=work, silent_fallback=True, data_dir=None, transports=("udp",),
            rtp_ports=(20000, 29999),
            queues=(QueueConfig("support", "support", ring_timeout_s=10, max_wait_s=600),),
            agents=tuple(AgentConfig(a, {"support": 1}) for a in agents),
            agent_lines=tuple(AgentLine(a, uri=f"sip:{a}@127.0.0.1:{agent_port}")
                              for a in agents))
        phones = subprocess.Popen(
            [sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", str(agent_port), "-mi", "127.0.0.1",
             "-mp", str(free_port(even=True)), "-rtp_echo", "-nostdin", "-l", str(n + 50),
             "-max_socket", str(2 * n + 100), "-m", str(n)],
            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with ServerThread(config) as server:
            host, port = server.sip_address
            print(f"server on {host}:{port}; {n} agents at one SIPp uas (RTP echo)")
            media, calls, agents_side = (server.server.media, server.server.calls,
                                         server.server.agents)
            assert media is not None and calls is not None and agents_side is not None
            # baseline: the idle server, same probe
            probe = Probe(server.loop)
            server.call(probe.start)
            time.sleep(3)
            server.call(probe.stop)
            idle = list(probe.lags)
            callers = subprocess.Popen(
                [sipp, "-sf", str(scenario), "-s", "bridge", f"{host}:{port}", "-i", "127.0.0.1",
                 "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
                 "-d", str(int(args.hold * 1000)), "-r", str(args.rate), "-m", str(n),
                 "-l", str(n + 10), "-nostdin", "-timeout", f"{int(args.hold + 120)}s",
                 "-timeout_error", "-max_socket", str(n + 100)],
                cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

            def bridged() -> int:
                return sum(1 for o in agents_side.offers.values() if o.state == "connected")

            deadline = time.monotonic() + n / args.rate + 20
            while time.monotonic() < deadline and server.call(bridged) < n:
                time.sleep(0.2)
            up = server.call(bridged)
            window = max(5.0, args.hold - (time.monotonic() - (deadline - 20)) - 8)
            probe = Probe(server.loop)
            server.call(probe.start)
            server.call(media.clock.reset_stats)
            totals0 = server.call(lambda: media.totals().sent + media.totals().received)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            time.sleep(window)
            cpu1, wall1 = time.process_time(), time.perf_counter()
            totals1 = server.call(lambda: media.totals().sent + media.totals().received)
            up_after = server.call(bridged)
            server.call(probe.stop)
            lag = server.call(media.lag)
            out, err = callers.communicate(timeout=args.hold + 180)
            try:  # the built-in uas keeps each ended call 4 s for late retransmissions
                phone_out, phone_err = phones.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                phones.terminate()
                phone_out, phone_err = phones.communicate(timeout=10)
            server.server.config = replace(server.server.config, grace_s=0)
        wall = wall1 - wall0
        cpu = 100 * (cpu1 - cpu0) / wall
        lags = probe.lags
        p99, idle_p99 = percentile(lags, 0.99), percentile(idle, 0.99)
        print(f"bridged: {up}..{up_after} of {n} calls ({2 * n} legs) over a {wall:.0f} s "
              f"window; loop lag p50 {1000 * percentile(lags, 0.5):.1f} ms p99 "
              f"{1000 * p99:.1f} ms (idle baseline p99 {1000 * idle_p99:.1f} ms, ratio "
              f"{p99 / idle_p99 if idle_p99 else float('inf'):.1f}x); media tick lag p99 "
              f"{1000 * lag.p99:.1f} ms")
        print(f"server CPU {cpu:.0f} % of one core, {cpu / max(1, up_after):.3f} % per bridged "
              f"call; {(totals1 - totals0) / wall:,.0f} RTP packets/s")
        print(f"callers: SIPp exit {callers.returncode}, successful "
              f"{successful_calls(out)}, failed {failed_calls(out)}; phones: SIPp exit "
              f"{phones.returncode}, successful {successful_calls(phone_out)}, failed "
              f"{failed_calls(phone_out)}")
        if callers.returncode != 0:
            print(out[-1500:], err[-1500:], sep="\n")
        if phones.returncode != 0:
            print(phone_out[-1500:], phone_err[-1500:], sep="\n")
        met = (up == n and failed_calls(out) == 0 and failed_calls(phone_out) == 0
               and lag.p99 < 0.020)
        print(f"target (all {n} bridged, no failed call, media clock lag p99 < 20 ms): "
              f"{'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()

"""``accueil serve`` under SIPp load: call set-up rate, and concurrent calls with media.

Run from the repository root (SIPp = Debian package sip-tester)::

    python benchmarks/bench_sip.py [--rate 1200] [--concurrent 1000] [--hold 20]

The server runs in this process on its own event loop (a thread), over the test
configuration (``tests/integration/accueil_test.yaml``, IVR ``sipp_ivr.yaml``, tone prompts)
on 127.0.0.1; SIPp runs as a separate process on the same cores.

1. **Set-up rate**: SIPp's built-in ``uac`` with ``-d 0 -r R -m 10R``: INVITE, 100, 200
   (after the IVR answered and a media leg was bound), ACK, BYE, 200, as fast as ``R`` calls
   a second. Reported: calls/s achieved, failed calls (SIPp's count, must be 0).
2. **Concurrent calls with media**: ``uac_dtmf_rfc2833.xml`` with ``-d HOLD -r N/10 -m N
   -l N+10``: about ``N`` calls up at once, each with a leg sending 50 packets/s (prompts,
   then silence in the queue) and SIPp echoing them back, RFC 4733 digits driving the IVR.
   Reported while all calls are up: event-loop lag p50/p99 (a 10 ms probe timer), the media
   clock's tick lag p99, CPU of the server process (% of one core), RTP packets/s sent and
   received. ``--no-echo`` leaves out SIPp's ``-rtp_echo`` (only its DTMF comes back).

Targets: >= 1,000 set-ups/s with no failure; >= 1,000 concurrent calls with media under
20 ms event-loop lag p99.

Measured (2 cores shared with SIPp and other engineers' jobs, CPython 3.11, asyncio's
default loop). Before/after issue 3's work, run back to back at the same load (load average
1.6-2.3):

* set-up rate at 1,000/s asked: before 869-908/s, server 86-87 % of one core (about half of
  it in the SIP message layer's parse/validate); after 983-999/s (SIPp's ceiling for that
  rate), 61-73 %. At 1,200/s asked: before 580/s (overloaded, throughput collapsing); after
  1,181-1,197/s, 75-85 %. At 1,500/s asked: before 148/s with 76 failed calls; after
  1,327-1,351/s, no failure, 96-97 % (and ~840/s in one run at load 2.9). No failed call in
  any other run.
* 1,000 calls with media, SIPp echoing every packet (~100,000 packets/s): loop lag p99
  before 21.0-23.1 ms (media tick lag p99 16-19 ms), server 80-95 % of a core; after 7.5-7.7
  ms (tick 2.4-3.2 ms), 56-57 %. Over the other runs after (CPU 53-82 % of a core, the
  figure swings with what shares the cores): p99 5.3-19.7 ms in most (6.9-8.0 ms at load
  1-1.4), but 30-140 ms in about a third of the runs made while other jobs loaded the
  machine (load 2-4), most of those with the server's CPU and packets/s dropping at the same
  time (starved, not busy). The p99 is over a 3 s window (~300 probe samples): the third-
  worst stall. Without echo (52,000 packets/s): 39-43 % of a core, p99 9.6 ms at load 1.
* Full-heap garbage collections (two per run, 15-65 ms) fall in the ramp-up, not in the
  measured window; an application-level gc.freeze()/threshold would keep them out of calls.

Since (gc.freeze() after start as `accueil serve` does, 1,200/s asked, the lag window once
all calls are up and past their menu), three runs in a row on the quiet machine (load average
0.7-1.2, nothing else running): set-up rate 1,186-1,199/s with 0 failed calls, server 71-73 %
of one core; 1,000 calls with media and SIPp echoing (100,000 packets/s): loop lag p99
2.1-3.1 ms, media tick lag p99 1.1-1.9 ms, server 60-64 % of one core, 0 failed calls. Both
targets met. With another engineer's benchmark loading the cores (load 2.4-2.9) the lag p99
was 20-54 ms in four runs of five: the figure needs the cores the target assumes.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lagprobe import Probe, failed_calls, free_port, percentile

from live.config import load_config
from live.serve_thread import ServerThread

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = Path(__file__).resolve().parents[1].parent / "shared" / "sipp"
#: the recordings sipp_ivr.yaml names, as tones of the length it declares
TONES = {"welcome.wav": 0.6, "enter_code.wav": 0.6, "goodbye.wav": 1.5, "transfer.wav": 0.3,
         "menu.wav": 0.3}


def write_tone(path: Path, seconds: float, hz: float = 440.0) -> None:
    n = round(seconds * 8000)
    samples = (round(8000 * math.sin(2 * math.pi * hz * i / 8000)) for i in range(n))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack(f"<{n}h", *samples))






def sipp_command(server: ServerThread, service: str, scenario: str | None,
                 *args: str) -> list[str]:
    host, port = server.sip_address
    which = ["-sn", "uac"] if scenario is None else ["-sf", str(SCENARIOS / scenario)]
    return ["sipp", *which, "-s", service, f"{host}:{port}", "-i", "127.0.0.1",
            "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
            "-nostdin", "-timeout_error", *args]


def sipp_rate(output: str) -> float:
    """SIPp's final cumulative "Call Rate" (calls created per second over the run)."""
    found = re.findall(r"Call Rate\s*\|[^|]*\|\s*([\d.]+) cps", output)
    return float(found[-1]) if found else 0.0




def setup_rate(server: ServerThread, rate: int, workdir: Path) -> None:
    calls = 10 * rate
    cmd = sipp_command(server, "answer", None, "-d", "0", "-r", str(rate), "-m", str(calls),
                       "-l", str(max(200, rate)), "-timeout", "120s",
                       "-max_socket", "2000")
    cpu0 = time.process_time()
    children0 = os.times()
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, check=False,
                          timeout=300)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    children = os.times()
    sipp_cpu = (children.children_user - children0.children_user
                + children.children_system - children0.children_system)
    failed = failed_calls(done.stdout)
    measured = sipp_rate(done.stdout)
    print(f"set-up rate: {calls} calls asked at {rate}/s: SIPp measured "
          f"{measured:,.0f} calls/s ({calls / wall:,.0f} over the {wall:.1f} s "
          f"wall time with SIPp's start), SIPp exit {done.returncode}, failed calls {failed}, "
          f"server CPU {100 * cpu / wall:.0f} % of one core, SIPp {100 * sipp_cpu / wall:.0f} %")
    met = measured >= 1000 and failed == 0 and done.returncode == 0
    print(f"target (>= 1,000 set-ups/s, no failed call): {'met' if met else 'NOT met'}")
    if done.returncode != 0:
        print(done.stdout[-1500:], done.stderr[-1500:], sep="\n")


def concurrent(server: ServerThread, n: int, hold_s: float, workdir: Path,
               echo: bool = True) -> None:
    rate = max(1, n // 10)
    cmd = sipp_command(server, "answer", "uac_dtmf_rfc2833.xml", *(["-rtp_echo"] * echo),
                       "-d", str(int(hold_s * 1000)), "-r", str(rate), "-m", str(n),
                       "-l", str(n + 10), "-timeout", f"{int(hold_s + 60)}s",
                       "-max_socket", str(n + 100))
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    media = server.server.media
    calls = server.server.calls
    assert media is not None and calls is not None
    # ramp-up: N/rate = 10 s; measure once every call is up and the last ones are past
    # their menu (digits, queueing), in the steady state, until the first ones end
    began = time.monotonic()
    deadline = began + 15
    while time.monotonic() < deadline and server.call(lambda: len(calls.calls)) < n:
        time.sleep(0.2)
    time.sleep(1.5)
    up = server.call(lambda: len(calls.calls))
    window = max(1.0, min(5.0, hold_s - (time.monotonic() - began) - 1.0))
    probe = Probe(server.loop)
    server.call(probe.start)
    server.call(media.clock.reset_stats)
    sent0 = server.call(lambda: media.totals().sent + media.totals().received)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    time.sleep(window)
    cpu1, wall1 = time.process_time(), time.perf_counter()
    sent1 = server.call(lambda: media.totals().sent + media.totals().received)
    up_after = server.call(lambda: len(calls.calls))
    server.call(probe.stop)
    lag = server.call(media.lag)
    out, err = proc.communicate(timeout=hold_s + 120)
    wall = wall1 - wall0
    lags = probe.lags
    print(f"concurrent{' (SIPp echoing RTP)' if echo else ''}: {up}..{up_after} calls up "
          f"with media; loop lag p50 "
          f"{1000 * percentile(lags, 0.5):.1f} ms p99 {1000 * percentile(lags, 0.99):.1f} ms; "
          f"media tick lag p99 {1000 * lag.p99:.1f} ms; server CPU "
          f"{100 * (cpu1 - cpu0) / wall:.0f} % of one core; "
          f"{(sent1 - sent0) / wall:,.0f} RTP packets/s; SIPp exit {proc.returncode}, "
          f"failed calls {failed_calls(out)}; digits via RFC 4733: "
          f"{calls.stats.get('digit_rfc4733', 0)}")
    met = (up >= n and percentile(lags, 0.99) < 0.020 and failed_calls(out) == 0
           and proc.returncode == 0)
    print(f"target (>= {n} calls with media, loop lag p99 < 20 ms, no failed call): "
          f"{'met' if met else 'NOT met'}")
    if proc.returncode != 0:
        print(out[-1500:], err[-1500:], sep="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=1200,
                        help="set-ups per second asked (above the 1,000/s target: SIPp never "
                             "exceeds the rate it is asked)")
    parser.add_argument("--concurrent", type=int, default=1000, help="calls up at once")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds each call lasts")
    parser.add_argument("--no-echo", action="store_true",
                        help="SIPp does not echo our RTP back (only its DTMF comes in)")
    parser.add_argument("--skip-rate", action="store_true")
    parser.add_argument("--skip-concurrent", action="store_true")
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (Debian package sip-tester)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, seconds in TONES.items():
            write_tone(work / name, seconds)
        config = load_config(ROOT / "tests/integration/accueil_test.yaml")
        config = replace(config, sip_host="127.0.0.1", sip_port=0, prompts_dir=work,
                         rtp_ports=(20000, 29999), transports=("udp",))
        with ServerThread(config) as server:
            gc.freeze()  # as `accueil serve` does once started
            print(f"server on {server.sip_address[0]}:{server.sip_address[1]}")
            if not args.skip_rate:
                setup_rate(server, args.rate, work)
            if not args.skip_concurrent:
                time.sleep(2)
                concurrent(server, args.concurrent, args.hold, work, echo=not args.no_echo)
            server.server.config = replace(server.server.config, grace_s=0)


if __name__ == "__main__":
    main()

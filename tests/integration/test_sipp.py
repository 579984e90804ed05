"""SIPp plays the trunk and calls ``accueil serve``: every scenario of /work/shared/sipp.

The server runs in this process (its own loop in a thread) on 127.0.0.1 with ports picked
here, over ``tests/integration/accueil_test.yaml`` and the IVR ``sipp_ivr.yaml``; prompts
are tones of known length. Each scenario runs with the README's command line (3 calls,
``-m 3 -r 3 -l 3``, bounded ``-timeout``); SIPp must exit 0 and the engine's records must
tell the same story (the IVR outcome of every call, queues reached by DTMF...).
"""

from __future__ import annotations

import math
import shutil
import socket
import struct
import subprocess
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from live.config import load_config
from live.serve_thread import ServerThread
from queues import records as rec
from tests.shared import SIPP_SCENARIOS

HERE = Path(__file__).parent
SCENARIOS = SIPP_SCENARIOS
SIPP = shutil.which("sipp")
PCAPS = Path("/usr/share/sip-tester")

pytestmark = pytest.mark.skipif(SIPP is None, reason="SIPp is not installed (Debian package "
                                "sip-tester, binary sipp)")

#: prompt file -> seconds (the lengths sipp_ivr.yaml declares)
TONES = {"welcome.wav": 0.6, "enter_code.wav": 0.6, "goodbye.wav": 1.5, "transfer.wav": 0.3,
         "menu.wav": 0.3}


def write_tone(path: Path, seconds: float, hz: float = 440.0) -> None:
    """A 16-bit 8 kHz sine, as a recorded prompt."""
    n = round(seconds * 8000)
    samples = (round(8000 * math.sin(2 * math.pi * hz * i / 8000)) for i in range(n))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack(f"<{n}h", *samples))


def free_port(kind: int = socket.SOCK_DGRAM, even: bool = False) -> int:
    """A port free for UDP now (and even, for SIPp's RTP echo: it also takes port + 2)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if not even or (port % 2 == 0 and port < 65000):
            return port
    raise RuntimeError("no free port")


class Records:
    """Every record the server published (appended on the server's thread)."""

    def __init__(self) -> None:
        self.items: list[rec.Record] = []

    def __call__(self, record: rec.Record) -> None:
        self.items.append(record)

    def mark(self) -> int:
        return len(self.items)

    def since(self, mark: int) -> list[rec.Record]:
        return list(self.items[mark:])


@pytest.fixture(scope="module")
def records() -> Records:
    return Records()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, records: Records) -> Iterator[ServerThread]:
    prompts = tmp_path_factory.mktemp("prompts")
    for name, seconds in TONES.items():
        write_tone(prompts / name, seconds)
    config = load_config(HERE / "accueil_test.yaml").with_overrides(sip="127.0.0.1:0")
    config = replace(config, prompts_dir=prompts,
                     data_dir=None, rtp_ports=(36000, 37999))
    thread = ServerThread(config, sinks=[records]).start()
    try:
        yield thread
    finally:
        thread.stop(grace_s=1.0)


def sipp(server: ServerThread, cwd: Path, service: str, scenario: str | None = None,
         *extra: str, calls: int = 3, duration_ms: int = 1000) -> subprocess.CompletedProcess[str]:
    """Run SIPp as the README says: 3 calls at 3/s, at most 3 at once, bounded."""
    host, port = server.sip_address
    assert SIPP is not None
    which = ["-sn", "uac"] if scenario is None else ["-sf", str(SCENARIOS / scenario)]
    cmd = [SIPP, *which, "-s", service, f"{host}:{port}", "-i", "127.0.0.1",
           "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port(even=True)),
           "-rtp_echo", "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err",
           "-d", str(duration_ms), "-m", str(calls), "-r", str(calls), "-l", str(calls),
           *extra]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=75,
                          check=False)
    if done.returncode != 0:
        errors = "\n".join(p.read_text(errors="replace")[-3000:] for p in cwd.glob("*errors*"))
        pytest.fail(f"sipp exited {done.returncode}: {' '.join(cmd)}\n"
                    f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}\n{errors}")
    return done


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


R = TypeVar("R")


def of(items: list[rec.Record], kind: type[R]) -> list[R]:
    return [r for r in items if isinstance(r, kind)]


def outcomes(items: list[rec.Record]) -> list[str]:
    return sorted(r.outcome for r in items if isinstance(r, rec.CallLeftIvr))


def calls_over(server: ServerThread) -> bool:
    return server.call(lambda: not server.server.calls or not server.server.calls.calls)


def settle(server: ServerThread, records: Records, mark: int,
           done: Callable[[list[rec.Record]], bool]) -> list[rec.Record]:
    """The records since ``mark`` once ``done`` holds and no call is left (or 5 s)."""
    wait_for(lambda: done(records.since(mark)) and calls_over(server))
    return records.since(mark)


def test_builtin_uac_answer(server: ServerThread, records: Records, tmp_path: Path) -> None:
    mark = records.mark()
    sipp(server, tmp_path, "answer")
    got = settle(server, records, mark, lambda r: len(outcomes(r)) == 3)
    assert [r.entry for r in of(got, rec.CallReceived)] == ["answer"] * 3
    assert outcomes(got) == ["hangup"] * 3  # the caller's BYE after 1 s, in the IVR


def test_builtin_uac_over_tcp(server: ServerThread, records: Records, tmp_path: Path) -> None:
    mark = records.mark()
    sipp(server, tmp_path, "answer", None, "-t", "t1")
    got = settle(server, records, mark, lambda r: len(outcomes(r)) == 3)
    assert len(of(got, rec.CallReceived)) == 3
    assert outcomes(got) == ["hangup"] * 3


@pytest.mark.skipif(not PCAPS.is_dir(), reason="SIPp's DTMF pcaps are not installed")
def test_rfc4733_digits_complete_the_collect(server: ServerThread, records: Records,
                                             tmp_path: Path) -> None:
    """1 2 3 # as RFC 4733 events: '#' ends the collect, the call reaches queue support."""
    mark = records.mark()
    sipp(server, tmp_path, "answer", "uac_dtmf_rfc2833.xml")
    got = settle(server, records, mark, lambda r: len(of(r, rec.CallAbandoned)) == 3)
    assert [r.queue for r in of(got, rec.CallQueued)] == ["support"] * 3
    assert [r.queue for r in of(got, rec.CallAbandoned)] == ["support"] * 3
    assert outcomes(got) == []  # the IVR handed every call over: no CallLeftIvr


@pytest.mark.skipif(not PCAPS.is_dir(), reason="SIPp's DTMF pcaps are not installed")
def test_rfc4733_digits_walk_three_menus(server: ServerThread, records: Records,
                                         tmp_path: Path) -> None:
    """Menus 1 -> 2 -> 3 reach queue sales; '#' after the queue is ignored."""
    mark = records.mark()
    sipp(server, tmp_path, "menu", "uac_dtmf_rfc2833.xml")
    got = settle(server, records, mark, lambda r: len(of(r, rec.CallAbandoned)) == 3)
    assert [r.entry for r in of(got, rec.CallReceived)] == ["menu"] * 3
    assert [r.queue for r in of(got, rec.CallQueued)] == ["sales"] * 3


def test_cancel_while_ringing(server: ServerThread, records: Records, tmp_path: Path) -> None:
    mark = records.mark()
    sipp(server, tmp_path, "ring", "uac_cancel.xml")
    got = settle(server, records, mark, lambda r: len(outcomes(r)) == 3)
    assert [r.entry for r in of(got, rec.CallReceived)] == ["ring"] * 3
    assert outcomes(got) == ["hangup"] * 3
    assert of(got, rec.CallQueued) == []


def test_engine_hangs_up_after_message(server: ServerThread, records: Records,
                                       tmp_path: Path) -> None:
    mark = records.mark()
    started = time.monotonic()
    sipp(server, tmp_path, "hangup", "uac_wait_bye.xml")
    got = settle(server, records, mark, lambda r: len(outcomes(r)) == 3)
    assert outcomes(got) == ["message"] * 3
    assert time.monotonic() - started >= 1.5  # the 1.5 s message played before the BYE


def test_info_digit_and_hold_resume(server: ServerThread, records: Records,
                                    tmp_path: Path) -> None:
    mark = records.mark()
    before = server.call(lambda: dict(server.server.calls.stats))  # type: ignore[union-attr]
    sipp(server, tmp_path, "answer", "uac_info_hold.xml")
    got = settle(server, records, mark, lambda r: len(outcomes(r)) == 3)
    after = server.call(lambda: dict(server.server.calls.stats))  # type: ignore[union-attr]
    assert outcomes(got) == ["hangup"] * 3
    assert after.get("digit_info", 0) - before.get("digit_info", 0) == 3
    assert after.get("reoffer", 0) - before.get("reoffer", 0) == 6


def test_transfer_by_refer(server: ServerThread, records: Records, tmp_path: Path) -> None:
    mark = records.mark()
    sipp(server, tmp_path, "refer", "uac_accept_refer.xml")
    got = settle(server, records, mark, lambda r: len(outcomes(r)) == 3)
    assert outcomes(got) == ["transfer"] * 3


def test_invite_retransmitted_after_200(server: ServerThread, records: Records,
                                        tmp_path: Path) -> None:
    mark = records.mark()
    sipp(server, tmp_path, "answer", "uac_invite_retrans.xml", duration_ms=500)
    got = settle(server, records, mark, lambda r: len(outcomes(r)) == 3)
    assert len(of(got, rec.CallReceived)) == 3  # not a second call per retransmission
    assert outcomes(got) == ["hangup"] * 3


def test_options_keepalive(server: ServerThread, records: Records, tmp_path: Path) -> None:
    mark = records.mark()
    sipp(server, tmp_path, "answer", "uac_options.xml")
    time.sleep(0.2)
    assert of(records.since(mark), rec.CallReceived) == []

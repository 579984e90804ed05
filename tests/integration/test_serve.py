"""``accueil serve`` over real sockets, driven by hand-written SIP (no SIPp needed).

The configuration errors and the command line; a number nobody serves (404); a trunk
keep-alive; an INVITE split across TCP reads; a late offer; file 0; and the clean stop:
503 with Retry-After for new calls, a BYE for the calls still up after the grace period.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import pytest

from live.config import ServeConfig, load_config
from live.serve import register, run_serve
from live.serve_thread import ServerThread
from monitoring.auth import hash_token
from queues import records as rec
from queues.config import QueueConfig
from sip import Request, Response, parse

HERE = Path(__file__).parent
SDP = (b"v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       b"m=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
       b"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n")


def config(tmp: Path) -> ServeConfig:
    base = load_config(HERE / "accueil_test.yaml").with_overrides(sip="127.0.0.1:0")
    return replace(base, prompts_dir=tmp, silent_fallback=True, rtp_ports=(38000, 38999))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerThread, list[rec.Record]]]:
    records: list[rec.Record] = []
    thread = ServerThread(config(tmp_path), sinks=[records.append]).start()
    try:
        yield thread, records
    finally:
        thread.stop(grace_s=0.5)


class Phone:
    """A UDP SIP user agent written by hand."""

    def __init__(self, server: ServerThread) -> None:
        self.target = server.sip_address
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.count = 0

    def close(self) -> None:
        self.sock.close()

    def request(self, method: str, user: str, call_id: str, *, cseq: int = 1,
                to_tag: str = "", body: bytes = b"", branch: str = "",
                extra: str = "", content_type: str = "application/sdp") -> bytes:
        self.count += 1
        host, port = self.target
        branch = branch or f"z9hG4bK-test-{call_id}-{self.count}"
        to = f"<sip:{user}@{host}:{port}>" + (f";tag={to_tag}" if to_tag else "")
        head = (f"{method} sip:{user}@{host}:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch={branch};rport\r\n"
                f"From: <sip:0612345678@127.0.0.1:{self.port}>;tag=caller-{call_id}\r\n"
                f"To: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n"
                f"Contact: <sip:0612345678@127.0.0.1:{self.port}>\r\nMax-Forwards: 70\r\n"
                f"{extra}"
                + (f"Content-Type: {content_type}\r\n" if body else "")
                + f"Content-Length: {len(body)}\r\n\r\n")
        data = head.encode() + body
        self.sock.sendto(data, self.target)
        return data

    def receive(self, timeout: float = 5.0) -> Request | Response:
        self.sock.settimeout(timeout)
        data, _ = self.sock.recvfrom(65535)
        return parse(data)

    def final(self, timeout: float = 5.0) -> Response:
        """The next final response (provisional ones skipped)."""
        end = time.monotonic() + timeout
        while True:
            msg = self.receive(max(0.05, end - time.monotonic()))
            if isinstance(msg, Response) and msg.status >= 200:
                return msg

    def answer(self, request: Request, status: int = 200) -> None:
        h = request.headers
        lines = [f"SIP/2.0 {status} OK"]
        for name in ("via", "from", "to", "call-id", "cseq"):
            lines += [f"{name}: {value}" for value in h.get_all(name)]
        data = ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()
        self.sock.sendto(data, self.target)


def to_tag(response: Response) -> str:
    value = response.headers.get("to") or ""
    return value.split("tag=")[1].split(";")[0] if "tag=" in value else ""


# ---------------------------------------------------------------------------- command line

def test_register_adds_serve_with_its_options() -> None:
    parser = argparse.ArgumentParser(prog="accueil")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", "--config", "x.yaml", "--sip", "127.0.0.1:5099",
                              "--http", "127.0.0.1:0", "--data", "/tmp/d"])
    assert (args.config, args.sip, args.http, args.data) == (
        "x.yaml", "127.0.0.1:5099", "127.0.0.1:0", "/tmp/d")
    assert args.func is run_serve


def test_bad_config_names_file_line_field_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("sip:\n  listen: nowhere\nrtp:\n  ports: 1-2\nivr: {}\n"
                    "queues:\n  - {name: q, skill: q, strategy: fastest}\n")
    err = io.StringIO()
    args = argparse.Namespace(config=str(path), sip=None, http=None, data=None)
    assert run_serve(args, err=err) == 2
    text = err.getvalue()
    assert f"{path}:2: sip.listen: expected HOST:PORT" in text
    assert f"{path}:4: rtp.ports:" in text
    assert f"{path}:5: ivr.file: required field is missing" in text
    assert f"{path}:7: queues[0]:" in text and "strategy" in text
    assert "Traceback" not in text


def test_bad_override_and_missing_ivr_file(tmp_path: Path) -> None:
    err = io.StringIO()
    args = argparse.Namespace(config=str(HERE / "accueil_test.yaml"), sip="5060", http=None,
                              data=None)
    assert run_serve(args, err=err) == 2
    assert "--sip: expected HOST:PORT" in err.getvalue()
    path = tmp_path / "c.yaml"
    path.write_text("ivr: {file: missing.yaml}\n")
    err = io.StringIO()
    args = argparse.Namespace(config=str(path), sip="127.0.0.1:0", http=None, data=None)
    assert run_serve(args, err=err) == 1
    assert "missing.yaml: cannot read the file" in err.getvalue()


# ------------------------------------------------------------------------------- calls

def test_unknown_number_gets_404_and_no_call(
        server: tuple[ServerThread, list[rec.Record]]) -> None:
    thread, records = server
    phone = Phone(thread)
    try:
        phone.request("INVITE", "nobody", "c404", body=SDP)
        response = phone.final()
        assert response.status == 404
        phone.request("ACK", "nobody", "c404", to_tag=to_tag(response),
                      branch="z9hG4bK-test-c404-1")
    finally:
        phone.close()
    time.sleep(0.1)
    assert not [r for r in records if isinstance(r, rec.CallReceived)]


def test_options_keepalive_gets_200(server: tuple[ServerThread, list[rec.Record]]) -> None:
    thread, _ = server
    phone = Phone(thread)
    try:
        phone.request("OPTIONS", "anyone", "opt1")
        assert phone.final().status == 200
    finally:
        phone.close()


def test_late_offer_gets_our_offer_in_the_200(
        server: tuple[ServerThread, list[rec.Record]]) -> None:
    thread, records = server
    phone = Phone(thread)
    try:
        phone.request("INVITE", "answer", "late1")
        response = phone.final()
        assert response.status == 200
        assert b"m=audio " in response.body and b"PCMU" in response.body
        phone.request("ACK", "answer", "late1", to_tag=to_tag(response), body=SDP)
        phone.request("BYE", "answer", "late1", cseq=2, to_tag=to_tag(response))
        assert phone.final().status == 200
    finally:
        phone.close()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not any(
            isinstance(r, rec.CallLeftIvr) for r in records):
        time.sleep(0.05)
    assert [r.outcome for r in records if isinstance(r, rec.CallLeftIvr)] == ["hangup"]


def test_invite_split_over_tcp(server: tuple[ServerThread, list[rec.Record]]) -> None:
    """An INVITE cut in three reads, an OPTIONS glued to its end: both answered on the
    connection they came on."""
    thread, _ = server
    host, port = thread.sip_address
    with socket.create_connection((host, port), timeout=5) as sock:
        local = sock.getsockname()[1]
        msg = (f"OPTIONS sip:x@{host}:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/TCP 127.0.0.1:{local};branch=z9hG4bK-tcp-1\r\n"
               f"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:x@{host}>\r\nCall-ID: tcp-1\r\n"
               f"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()
        second = msg.replace(b"tcp-1", b"tcp-2")
        sock.sendall(msg[:10])
        time.sleep(0.05)
        sock.sendall(msg[10:-3])
        time.sleep(0.05)
        sock.sendall(msg[-3:] + second)
        data = b""
        end = time.monotonic() + 5
        while data.count(b"SIP/2.0 200") < 2 and time.monotonic() < end:
            data += sock.recv(65535)
    assert data.count(b"SIP/2.0 200") == 2
    assert b"tcp-1" in data and b"tcp-2" in data


@dataclass(frozen=True)
class Message:
    id: str
    mode: Literal["inform", "dissuade"]
    prompt: str


def test_file0_dissuades(tmp_path: Path) -> None:
    records: list[rec.Record] = []

    def provider(entry: str, now: float) -> Message | None:
        return Message("incident-1", "dissuade", "goodbye") if entry == "answer" else None

    thread = ServerThread(config(tmp_path), sinks=[records.append], file0=provider).start()
    phone = Phone(thread)
    try:
        phone.request("INVITE", "answer", "f0", body=SDP)
        response = phone.final()
        assert response.status == 200
        phone.request("ACK", "answer", "f0", to_tag=to_tag(response))
        bye = phone.receive(timeout=5)  # the 1.5 s message, then our BYE
        assert isinstance(bye, Request) and bye.method == "BYE"
        phone.answer(bye)
        time.sleep(0.2)
    finally:
        phone.close()
        thread.stop(grace_s=0.5)
    assert [r.message_id for r in records if isinstance(r, rec.CallDissuaded)] == ["incident-1"]


def test_stop_refuses_new_calls_then_hangs_up(tmp_path: Path) -> None:
    thread = ServerThread(config(tmp_path)).start()
    phone = Phone(thread)
    stopping: Future[None] | None = None
    try:
        phone.request("INVITE", "answer", "up1", body=SDP)
        response = phone.final()
        assert response.status == 200
        phone.request("ACK", "answer", "up1", to_tag=to_tag(response))
        stopping = asyncio.run_coroutine_threadsafe(thread.server.stop(grace_s=1.0),
                                                    thread.loop)
        time.sleep(0.1)
        phone.request("INVITE", "answer", "new1", body=SDP)
        refused = phone.final()
        assert refused.status == 503
        assert refused.headers.get("retry-after") == "30"
        phone.request("ACK", "answer", "new1", to_tag=to_tag(refused),
                      branch=f"z9hG4bK-test-new1-{phone.count}")
        started = time.monotonic()
        while True:  # the call still up gets our BYE once the grace period is over
            msg = phone.receive(timeout=5)
            if isinstance(msg, Request) and msg.method == "BYE":
                break
        assert time.monotonic() - started >= 0.5
        phone.answer(msg)
        stopping.result(10)
    finally:
        phone.close()
        thread.stop()


def test_ivr_reload_keeps_the_tree_when_the_file_is_bad(tmp_path: Path) -> None:
    ivr = tmp_path / "ivr.yaml"
    ivr.write_text((HERE / "sipp_ivr.yaml").read_text())
    thread = ServerThread(replace(config(tmp_path), ivr_file=ivr)).start()
    try:
        service = thread.server.ivr
        assert service is not None
        ivr.write_text("entries: {x: {start: nowhere}}\n")
        assert thread.call(thread.server.reload_ivr) is False
        assert service.version == 1
        ivr.write_text((HERE / "sipp_ivr.yaml").read_text().replace("ring_s: 2", "ring_s: 1"))
        assert thread.call(thread.server.reload_ivr) is True
        deadline = time.monotonic() + 5
        while service.version == 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert service.version == 2
        entry = service.tree.entry_for("ring")
        assert entry is not None and entry.ring_s == 1
    finally:
        thread.stop()


def test_queued_call_shows_in_the_supervision_api(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Digits by SIP INFO end the collect, the call waits in queue support: the store and
    the API see it waiting, then abandoned when the caller hangs up."""
    token = "wallboard-token-for-the-test"
    monkeypatch.setenv("ACCUEIL_TOKENS", json.dumps(
        [{"name": "wall", "role": "wallboard", "sha256": hash_token(token)}]))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        http_port = probe.getsockname()[1]
    cfg = replace(config(tmp_path), http=("127.0.0.1", http_port), data_dir=tmp_path / "data")
    records: list[rec.Record] = []
    thread = ServerThread(cfg, sinks=[records.append]).start()
    phone = Phone(thread)

    def waiting() -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{http_port}/api/queues/support",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(json.load(response)["waiting"])

    try:
        phone.request("INVITE", "answer", "q1", body=SDP)
        response = phone.final()
        tag = to_tag(response)
        phone.request("ACK", "answer", "q1", to_tag=tag)
        for cseq, digit in enumerate("42#", start=2):
            phone.request("INFO", "answer", "q1", cseq=cseq, to_tag=tag,
                          body=f"Signal={digit}\r\nDuration=160\r\n".encode(),
                          content_type="application/dtmf-relay")
            assert phone.final().status == 200
        deadline = time.monotonic() + 5
        while waiting() != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert waiting() == 1
        phone.request("BYE", "answer", "q1", cseq=9, to_tag=tag)
        assert phone.final().status == 200
        deadline = time.monotonic() + 5
        while waiting() != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert waiting() == 0
    finally:
        phone.close()
        thread.stop()
    assert [type(r).__name__ for r in records if r.call_id == "q1"] == [
        "CallReceived", "CallQueued", "CallAbandoned"]


def test_subprocess_serves_then_stops_on_sigterm(tmp_path: Path) -> None:
    """``accueil serve`` as a process: it answers OPTIONS, and SIGTERM stops it cleanly."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "live.serve", "serve", "--config",
         str(HERE / "accueil_test.yaml"), "--sip", f"127.0.0.1:{port}",
         "--data", str(tmp_path / "data")],
        cwd=HERE.parents[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # prompts are synthesised (or read from the cache) first
            if "accueil serve: SIP on" in line:
                break
        assert proc.poll() is None, "accueil serve did not start"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(5)
            me = sock.getsockname()[1]
            sock.sendto((f"OPTIONS sip:x@127.0.0.1:{port} SIP/2.0\r\n"
                         f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK-sub;rport\r\n"
                         f"From: <sip:t@127.0.0.1>;tag=a\r\nTo: <sip:x@127.0.0.1>\r\n"
                         f"Call-ID: sub@test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                         f"Content-Length: 0\r\n\r\n").encode(), ("127.0.0.1", port))
            assert sock.recv(65535).startswith(b"SIP/2.0 200")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_queue_timeout_plays_the_fallback_then_hangs_up(tmp_path: Path) -> None:
    """max_wait_s passes with no agent: the queue's fallback prompt plays, then our BYE."""
    queues = (QueueConfig("support", "support", max_wait_s=0.5, fallback="goodbye"),
              QueueConfig("sales", "sales"))
    records: list[rec.Record] = []
    thread = ServerThread(replace(config(tmp_path), queues=queues),
                          sinks=[records.append]).start()
    phone = Phone(thread)
    try:
        phone.request("INVITE", "answer", "fb1", body=SDP)
        tag = to_tag(phone.final())
        phone.request("ACK", "answer", "fb1", to_tag=tag)
        for cseq, digit in enumerate("7#", start=2):
            phone.request("INFO", "answer", "fb1", cseq=cseq, to_tag=tag,
                          body=f"Signal={digit}\r\n".encode(),
                          content_type="application/dtmf-relay")
            assert phone.final().status == 200
        started = time.monotonic()
        while True:
            msg = phone.receive(timeout=10)
            if isinstance(msg, Request) and msg.method == "BYE":
                break
        phone.answer(msg)
        assert time.monotonic() - started >= 0.5 + 1.0  # the wait, then most of the message
        time.sleep(0.2)
    finally:
        phone.close()
        thread.stop()
    kinds = [type(r).__name__ for r in records if getattr(r, "call_id", None) == "fb1"]
    assert kinds[:2] == ["CallReceived", "CallQueued"]
    assert "CallOverflowed" in kinds or "CallRejected" in kinds

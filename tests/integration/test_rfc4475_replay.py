"""The RFC 4475 torture messages replayed at a running ``accueil serve``.

Every message of /work/shared/sip/rfc4475 goes to the server three ways, each against a
fresh server: as a UDP datagram, whole on a TCP connection, and on a TCP connection cut in
four pieces (inside the start line, inside the blank line ending the headers, at the body).
Each must get what ``index.json`` expects of a UAS that is neither proxy nor registrar (the
status of the first final response, or a provisional for an INVITE that is processed:
the replay IVR rings), nothing may crash (the transport counts endpoint failures, and an
OPTIONS still gets 200 at the end), and no call may be created by an invalid message.

Responses to UDP requests go where RFC 3261 §18.2.2 says: ``received=127.0.0.1`` at the
top Via's sent-by port (5060 when absent, 5050 for quotbal, the source port with rport).
So the UDP replay runs in a private network namespace (``unshare --net``, loopback up)
where 5060 is ours; where namespaces are not available (not root) it binds those ports only
if they are free and leaves the messages whose answer it cannot see unchecked. TCP answers
come back on the connection, so the TCP replays run anywhere.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest

from live.config import load_config
from live.serve_thread import ServerThread
from queues import records as rec
from tests.shared import RFC4475

CORPUS = RFC4475
HERE = Path(__file__).parent
SERVER_PORT = 5082
VIA_PORTS = (5060, 5050)

PROCESS = frozenset({100, 180, 183, 200})
"""An INVITE that is processed: the replay IVR rings it (100 Trying, 180 Ringing)."""
NONE = frozenset({0})
"""No answer at all (0 stands for "nothing came back")."""
ANY = frozenset(range(100, 700))

#: name -> acceptable statuses on UDP (index.json's expected_uas and its alternatives)
EXPECTED: dict[str, frozenset[int]] = {
    # wsinv carries a To tag: the dialog we do not know is recreated (RFC 3261 §12.2.2)
    "wsinv": PROCESS, "intmeth": frozenset({501}), "esc01": PROCESS,
    "escnull": frozenset({405}), "esc02": frozenset({501}), "lwsdisp": frozenset({200}),
    "longreq": PROCESS, "dblreq": frozenset({405}), "semiuri": frozenset({200}),
    "transports": frozenset({200}), "mpart01": frozenset({405, 501, 415}),
    "unreason": NONE, "noreason": NONE, "badinv01": frozenset({400}),
    "clerr": frozenset({400}), "ncl": frozenset({400}), "scalar02": frozenset({400}),
    "scalarlg": NONE, "quotbal": frozenset({400}), "ltgtruri": frozenset({400}) | PROCESS,
    "lwsruri": frozenset({400}) | PROCESS, "lwsstart": frozenset({400}) | PROCESS,
    "trws": frozenset({400, 200}), "escruri": frozenset({400}) | PROCESS,
    "baddate": frozenset({400}) | PROCESS, "regbadct": frozenset({400, 405}),
    "badaspec": frozenset({400, 200}), "baddn": frozenset({400}),
    "badvers": frozenset({505}), "mismatch01": frozenset({400}),
    "mismatch02": frozenset({501, 400}), "bigcode": NONE,
    "badbranch": frozenset({400, 200}), "insuf": frozenset({400}),
    "unkscm": frozenset({416}), "novelsc": frozenset({416, 404}),
    "unksm2": frozenset({405, 400}), "bext01": frozenset({420}),
    "invut": frozenset({415}), "regaut01": frozenset({405, 401, 200}),
    "multi01": frozenset({400}), "mcl01": frozenset({400}), "bcast": NONE,
    "zeromf": frozenset({200}), "cparam01": frozenset({405}), "cparam02": frozenset({405}),
    "regescrt": frozenset({405}), "sdp01": frozenset({406, 400, 488}), "inv2543": PROCESS,
    "test": ANY | NONE,
}

#: On TCP, Content-Length frames the stream (RFC 3261 §18.3): where it is missing, wrong or
#: doubled the stream is lost; answering 400 before closing, or just closing, are both right.
TCP_EXPECTED: dict[str, frozenset[int]] = {
    # waits for the rest of the body: nothing within the replay's 0.5 s (the stall timeout
    # answers 400 and closes, test_tcp_stalled_messages_are_answered_then_closed)
    "clerr": NONE,
    "ncl": NONE | frozenset({400}),
    "mcl01": NONE | frozenset({400}),
    "inv2543": NONE | frozenset({400}),  # no Content-Length: not framable on a stream
    "dblreq": frozenset({405}),  # the INVITE after it is a real message on a stream
    "mpart01": frozenset({405, 501, 415, 400}),
    # a start line the parser refuses, in a head whose Content-Length still says where the
    # message ends: answered 400, then the connection is closed
    "ltgtruri": frozenset({400}), "lwsruri": frozenset({400}),
    "lwsstart": frozenset({400}), "trws": frozenset({400}),
    # the corpus copy never ends its head (no CRLFCRLF): like clerr, a stalled message
    "baddn": NONE,
}
#: Incomplete on a stream: answered when the connection stalls (RFC 4475 clerr: "wait for
#: more bytes, close connection on timeout"; baddn's head never ends).
STALLED = ("clerr", "baddn")

IVR = """\
# Every number rings (never answered): a processed INVITE shows as 100/180.
entries:
  "*": {start: hello, ring_s: 60, file0: false}
prompts:
  hello: {file: absent.wav, duration_s: 0.2}
nodes:
  hello: {type: message, prompt: hello}
"""


def messages() -> list[dict[str, str]]:
    index = json.loads((CORPUS / "index.json").read_text())
    return list(index["messages"])


def pieces(data: bytes) -> list[bytes]:
    """Four pieces: cut in the start line, inside CRLFCRLF, and where the body starts."""
    end = data.find(b"\r\n\r\n")
    cuts = sorted({min(5, len(data) - 1), end + 2 if end > 0 else len(data) // 2,
                   end + 4 if end > 0 else 3 * len(data) // 4})
    cuts = [c for c in cuts if 0 < c < len(data)]
    out, last = [], 0
    for cut in cuts:
        out.append(data[last:cut])
        last = cut
    return [*out, data[last:]]


def status_of(data: bytes, call_id: str | None = None) -> int | None:
    """The status of a response (of the call ``call_id`` only, when given)."""
    if not (data.startswith(b"SIP/2.0 ") and data[8:11].isdigit()):
        return None
    if call_id is not None and call_id_of(data) != call_id:
        return None  # e.g. a 4xx to an earlier INVITE, retransmitted until its ACK
    return int(data[8:11])


def call_id_of(data: bytes) -> str | None:
    for line in data.split(b"\r\n"):
        if line.lower().startswith((b"call-id:", b"i:")):
            return line.split(b":", 1)[1].strip().decode("latin-1")
        if not line:
            break
    return None


def verdict(statuses: list[int]) -> int:
    """What the message got: its first final status; for an INVITE processed, 180/100;
    0 for nothing."""
    finals = [s for s in statuses if s >= 200]
    if finals:
        return finals[0]
    return max(statuses) if statuses else 0


class Receivers:
    """UDP sockets where responses may land: an ephemeral sender, and the Via ports."""

    def __init__(self, ports: tuple[int, ...]) -> None:
        self.sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sender.bind(("127.0.0.1", 0))
        self.socks = [self.sender]
        self.bound: set[int] = set()
        for port in ports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            self.socks.append(sock)
            self.bound.add(port)

    def drain(self, timeout: float, until_final: bool, call_id: str | None) -> list[int]:
        statuses: list[int] = []
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return statuses
            ready, _, _ = select.select(self.socks, [], [], left)
            for sock in ready:
                data = sock.recv(65535)
                status = status_of(data, call_id)
                if status is not None:
                    statuses.append(status)
            if until_final and any(s >= 180 for s in statuses):
                # a final (or the 180 of a processed INVITE) is what we wait for
                end = min(end, time.monotonic() + 0.05)

    def close(self) -> None:
        for sock in self.socks:
            sock.close()


def start_server(tmp: Path, port: int, records: list[rec.Record]) -> ServerThread:
    (tmp / "replay_ivr.yaml").write_text(IVR)
    config = load_config(HERE / "accueil_test.yaml").with_overrides(sip=f"127.0.0.1:{port}")
    config = replace(config, ivr_file=tmp / "replay_ivr.yaml", queues=(), trunks=(),
                     prompts_dir=tmp, silent_fallback=True, rtp_ports=(39000, 39999))
    return ServerThread(config, sinks=[records.append]).start()


def transaction_key(data: bytes) -> tuple[bytes, ...]:
    """Roughly what RFC 3261 §17.2.3 matches a request on: method, top Via sent-by and branch.

    Several corpus messages share one (cparam01/cparam02, escnull/regescrt...): sent within
    Timer J of each other, the second is a retransmission of the first and gets the first's
    response again, as it should. Each must be judged on its own, so it goes to a new server.
    """
    lines = data.split(b"\r\n")
    method = lines[0].split(b" ", 1)[0]
    via = next((line for line in lines[1:] if line.lower().startswith((b"via", b"v:", b"v "))),
               b"")
    return method, b"".join(via.lower().split())


class Servers:
    """The server of a replay, replaced by a fresh one when a transaction would repeat."""

    def __init__(self, tmp: Path, port: int) -> None:
        self.tmp, self.port = tmp, port
        self.records: list[rec.Record] = []
        self.errors = 0
        self.keys: set[tuple[bytes, ...]] = set()
        self.thread = start_server(tmp, port, self.records)

    def for_message(self, data: bytes) -> ServerThread:
        key = transaction_key(data)
        if key in self.keys:
            self.close()
            self.keys.clear()
            self.thread = start_server(self.tmp, self.port, self.records)
        self.keys.add(key)
        return self.thread

    def close(self) -> None:
        transport = self.thread.server.transport
        if transport is not None:
            self.errors += self.thread.call(lambda: transport.errors)
        self.thread.stop(grace_s=0)


def replay_udp(servers: Servers) -> tuple[dict[str, int], set[int]]:
    receivers = Receivers(VIA_PORTS)
    out: dict[str, int] = {}
    try:
        for message in messages():
            data = (CORPUS / message["file"]).read_bytes()
            receivers.sender.sendto(data, servers.for_message(data).sip_address)
            wait = 0.25 if EXPECTED[message["name"]] == NONE else 0.5
            statuses = receivers.drain(wait, True, call_id_of(data))
            out[message["name"]] = verdict(statuses)
    finally:
        receivers.close()
    return out, receivers.bound


def replay_tcp(servers: Servers, split: bool) -> dict[str, int]:
    out: dict[str, int] = {}
    for message in messages():
        data = (CORPUS / message["file"]).read_bytes()
        address = servers.for_message(data).sip_address
        with socket.create_connection(address, timeout=2) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for piece in pieces(data) if split else [data]:
                sock.sendall(piece)
                if split:
                    time.sleep(0.01)
            out[message["name"]] = verdict(read_statuses(sock))
    return out


def read_statuses(sock: socket.socket) -> list[int]:
    statuses: list[int] = []
    buffer = b""
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        ready, _, _ = select.select([sock], [], [], end - time.monotonic())
        if not ready:
            break
        chunk = sock.recv(65535)
        if not chunk:
            break  # the server closed the connection
        buffer += chunk
        statuses = [int(line[8:11]) for line in buffer.split(b"\r\n")
                    if line.startswith(b"SIP/2.0 ") and line[8:11].isdigit()]
        if any(s >= 180 for s in statuses):
            end = min(end, time.monotonic() + 0.05)
    return statuses


def run_mode(mode: str, tmp: Path, port: int) -> dict[str, object]:
    """Replay the corpus one way against fresh servers; the observations as JSON data."""
    servers = Servers(tmp, port)
    bound: set[int] = set()
    try:
        if mode == "udp":
            got, bound = replay_udp(servers)
        else:
            got = replay_tcp(servers, split=mode == "tcp-split")
        alive = options_ok(servers.thread)
    finally:
        servers.close()
    calls = sorted(r.call_id for r in servers.records if isinstance(r, rec.CallReceived))
    return {"got": got, "bound": sorted(bound), "errors": servers.errors, "alive": alive,
            "calls": calls}


def options_ok(thread: ServerThread) -> bool:
    host, port = thread.sip_address
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(2)
        me = sock.getsockname()[1]
        sock.sendto((f"OPTIONS sip:ping@{host}:{port} SIP/2.0\r\n"
                     f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK-alive;rport\r\n"
                     f"From: <sip:t@127.0.0.1>;tag=a\r\nTo: <sip:ping@{host}>\r\n"
                     f"Call-ID: alive@test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                     f"Content-Length: 0\r\n\r\n").encode(), (host, port))
        try:
            return status_of(sock.recv(65535)) == 200
        except TimeoutError:
            return False


# ------------------------------------------------------------------------------- tests

def namespaces_work() -> bool:
    if os.environ.get("ACCUEIL_NO_NETNS") or shutil.which("unshare") is None:
        return False
    done = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    return done.returncode == 0 and shutil.which("ip") is not None


def call_ids() -> dict[str, str]:
    """Call-ID of each message (its verdict says whether it may create a call)."""
    out = {}
    for message in messages():
        call_id = call_id_of((CORPUS / message["file"]).read_bytes())
        if call_id is not None:
            out[message["name"]] = call_id
    return out


def check(result: dict[str, object], expected: dict[str, frozenset[int]],
          skip: frozenset[str] = frozenset()) -> None:
    got = result["got"]
    assert isinstance(got, dict)
    wrong = {name: status for name, status in got.items()
             if name not in skip and status not in expected[name]}
    assert not wrong, f"unexpected answers (0: none): {wrong}"
    assert result["errors"] == 0, "the endpoint or the application raised"
    assert result["alive"], "the server no longer answers OPTIONS"
    # an invalid message may make a call only where the RFC lets a liberal receiver process it
    invalid = {call_ids().get(m["name"]) for m in messages()
               if m["verdict"] == "invalid" and not expected[m["name"]] & PROCESS}
    created = set(result["calls"])  # type: ignore[call-overload]
    assert not created & invalid, f"calls created by invalid messages: {created & invalid}"


@pytest.fixture(scope="module")
def namespaced() -> Iterator[dict[str, object] | None]:
    """The UDP replay run in a private network namespace (None where there is none)."""
    if not namespaces_work():
        yield None
        return
    script = f"ip link set lo up && exec {sys.executable} {__file__} udp"
    done = subprocess.run(["unshare", "--net", "sh", "-c", script], capture_output=True,
                          text=True, timeout=100, check=False, cwd=HERE.parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    yield json.loads(done.stdout.strip().splitlines()[-1])


def test_udp_replay(namespaced: dict[str, object] | None, tmp_path: Path) -> None:
    if namespaced is not None:
        check(namespaced, EXPECTED)
        return
    result = run_mode("udp", tmp_path, 0)
    # without a namespace, answers sent to a Via port we could not bind are not seen (only
    # mpart01's rport brings its answer back to our own socket)
    bound = set(result["bound"])  # type: ignore[call-overload]
    unseen = frozenset() if bound >= set(VIA_PORTS) else frozenset(
        m["name"] for m in messages() if m["name"] != "mpart01")
    check(result, EXPECTED, skip=unseen)


def test_tcp_replay_whole(tmp_path: Path) -> None:
    check(run_mode("tcp", tmp_path, 0), {**EXPECTED, **TCP_EXPECTED})


def test_tcp_replay_in_pieces(tmp_path: Path) -> None:
    check(run_mode("tcp-split", tmp_path, 0), {**EXPECTED, **TCP_EXPECTED})


def test_tcp_stalled_messages_are_answered_then_closed(tmp_path: Path) -> None:
    """A peer that stops in the middle of a message gets 400 and the connection closes once
    nothing came for the stall timeout (shortened here), not after the 300 s idle timeout."""
    records: list[rec.Record] = []
    thread = start_server(tmp_path, 0, records)
    try:
        transport = thread.server.transport
        assert transport is not None

        def shorten() -> None:
            assert transport is not None
            transport.stall_timeout = 0.3

        thread.call(shorten)
        for name in STALLED:
            data = (CORPUS / f"{name}.dat").read_bytes()
            with socket.create_connection(thread.sip_address, timeout=2) as sock:
                sock.sendall(data)
                start = time.monotonic()
                buffer = b""
                while chunk := sock.recv(65535):  # until the server closes
                    buffer += chunk
                took = time.monotonic() - start
            assert status_of(buffer) == 400, (name, buffer[:80])
            assert 0.25 < took < 1.5, (name, took)
        assert thread.call(lambda: transport.errors) == 0
        assert not [r for r in records if isinstance(r, rec.CallReceived)]
    finally:
        thread.stop(grace_s=0)


if __name__ == "__main__":  # the inside of the namespace: replay, print one JSON line
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run_mode(sys.argv[1], Path(tmp), SERVER_PORT)))

"""SIPp's RFC 2833 scenario against the media engine: real pcaps, real timing, real echo.

A few lines of throw-away SIP in the test stand in for the (future) dialog layer: answer the
INVITE with :func:`sip.sdp.answer`, ignore the ACK, answer the BYE. What is checked is the
media: SIPp's DTMF pcaps (fixed timestamps, replayed through a raw socket) come out as the
digits 1 2 3 # exactly once each, and SIPp's ``-rtp_echo`` sends our own audio back from the
address we latch onto.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import socket
from pathlib import Path
from typing import cast

import pytest

from live.media import Leg, MediaEngine
from sip.sdp import Origin, SessionDescription, answer, revise
from tests.shared import SIPP_SCENARIOS

SCENARIOS = SIPP_SCENARIOS

pytestmark = pytest.mark.skipif(
    shutil.which("sipp") is None or not (SCENARIOS / "uac_dtmf_rfc2833.xml").exists()
    or not Path("/usr/share/sip-tester/dtmf_2833_1.pcap").exists(),
    reason="needs SIPp (apt-get install sip-tester) and the shared scenarios")


def free_udp_port(*offsets: int) -> int:
    """An even port free for UDP, with its neighbours at ``offsets`` (SIPp's video echo)."""
    for _ in range(200):
        port = random.Random().randrange(30000, 39000, 2)
        socks: list[socket.socket] = []
        try:
            for offset in (0, *offsets):
                socks.append(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                socks[-1].bind(("127.0.0.1", port + offset))
            return port
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no free UDP port")


def headers(message: str) -> dict[str, str]:
    head = message.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head)}


def response(request: str, status: str, extra: str = "", body: str = "") -> bytes:
    h = headers(request)
    lines = [f"SIP/2.0 {status}"] + [f"{name}: {h[name.lower()]}" for name in (
        "Via", "From", "Call-ID", "CSeq")]
    to = h["to"] if ";tag=" in h["to"] else h["to"] + ";tag=accueil1"
    lines += [f"To: {to}", "Contact: <sip:ivr@127.0.0.1>", *filter(None, [extra]),
              f"Content-Length: {len(body.encode())}", "", body]
    return "\r\n".join(lines).encode()


class Uas(asyncio.DatagramProtocol):
    """Just enough of a UAS: (re-)INVITE answered by the SDP layer, INFO and BYE with 200."""

    def __init__(self, engine: MediaEngine) -> None:
        self.engine = engine
        self.digits: list[str] = []
        self.echoed: list[bytes] = []
        self.answers: list[tuple[str, int, bool]] = []  # (direction, o= version, sending)
        self.calls: dict[str, tuple[Leg, SessionDescription]] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.tasks: set[asyncio.Future[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        task = asyncio.ensure_future(self.handle(data.decode(), addr))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def handle(self, message: str, addr: tuple[str | object, ...]) -> None:
        assert self.transport is not None
        if message.startswith("INVITE"):
            body = await self.invite(message)
            self.transport.sendto(response(message, "200 OK", "Content-Type: application/sdp",
                                           body), addr)
        elif message.startswith(("BYE", "INFO")):
            self.transport.sendto(response(message, "200 OK"), addr)

    async def invite(self, message: str) -> str:
        offer = SessionDescription.parse(message.split("\r\n\r\n", 1)[1])
        call_id = headers(message)["call-id"]
        if call_id in self.calls:
            leg, previous = self.calls[call_id]
        else:
            leg = await self.engine.open_leg(on_digit=lambda leg, d: self.digits.append(d),
                                             on_audio=lambda leg, p: self.echoed.append(p))
            self.engine.play(leg, [bytes((i,)) * 160 for i in range(50)], loop=True)
            previous = None
        desc, negotiated = answer(offer, "127.0.0.1", leg.port,
                                  Origin("accueil", "1", 1, "127.0.0.1"))
        desc = desc if previous is None else revise(previous, desc)
        self.engine.configure(leg, negotiated)
        self.calls[call_id] = (leg, desc)
        self.answers.append((negotiated.direction, desc.origin.version, leg.sending))
        return str(desc)


async def run_sipp(scenario: str, tmp_path: Path) -> tuple[Uas, int, str, int]:
    """Run one SIPp call of ``scenario`` against a UAS on the media engine."""
    base = random.Random().randrange(40000, 59000, 200)
    engine = MediaEngine("127.0.0.1", (base, base + 198), idle="silence")
    loop = asyncio.get_running_loop()
    transport, uas = await loop.create_datagram_endpoint(
        lambda: Uas(engine), local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        process = await asyncio.create_subprocess_exec(
            "sipp", "-sf", str(SCENARIOS / scenario), "-s", "answer",
            f"127.0.0.1:{port}", "-i", "127.0.0.1", "-p", str(free_udp_port()),
            "-mi", "127.0.0.1", "-mp", str(free_udp_port(2)), "-rtp_echo",
            "-m", "1", "-l", "1", "-d", "1000", "-nostdin", "-timeout", "30s",
            "-timeout_error", "-trace_err", "-error_file", str(tmp_path / "err.log"),
            cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(process.communicate(), 60)
        unexpected = sum(leg.stats.unexpected for leg in engine.legs)
    finally:
        await engine.aclose()
        transport.close()
        await asyncio.sleep(0)
    assert process.returncode is not None
    return uas, process.returncode, out.decode(errors="replace")[-2000:], unexpected


def test_sipp_rfc2833_digits_arrive_once_each_and_echo_latches(tmp_path: Path) -> None:
    uas, code, output, unexpected = asyncio.run(run_sipp("uac_dtmf_rfc2833.xml", tmp_path))
    assert code == 0, output
    assert "".join(uas.digits) == "123#"
    assert unexpected == 0  # the pcaps and the echo come from the one latched address
    sent = {bytes((i,)) * 160 for i in range(50)}
    assert len(uas.echoed) > 50 and set(uas.echoed) <= sent


def test_sipp_hold_and_resume_re_invites(tmp_path: Path) -> None:
    uas, code, output, _ = asyncio.run(run_sipp("uac_info_hold.xml", tmp_path))
    assert code == 0, output
    # answer, hold (we stop sending), resume (we send again); o= version bumps on change
    assert uas.answers == [("sendrecv", 1, True), ("recvonly", 2, False), ("sendrecv", 3, True)]

"""The agent leg over real UDP: our UAC core calls SIPp on 127.0.0.1.

A tiny asyncio harness (a datagram endpoint, one ``call_at`` timer re-armed at
``ep.next_deadline()``) drives :class:`sip.uas.SipEndpoint`.  Against SIPp's built-in
``-sn uas``: INVITE, 180, 200, ACK, then our BYE and its 200.  Against a ringing-only
scenario: INVITE, 180, our CANCEL, 200, 487, ACK.  SIPp must exit 0 each time.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import socket
import subprocess
from pathlib import Path
from typing import cast

import pytest

from sip.events import AgentLegAnswered, AgentLegFailed, AgentLegHungUp, AgentLegRinging, SipEvent
from sip.uas import EndpointConfig, SipEndpoint

SIPP = shutil.which("sipp")
pytestmark = pytest.mark.skipif(SIPP is None, reason="SIPp is not installed (binary sipp)")

SDP = (
    b"v=0\r\no=accueil 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class _Driver(asyncio.DatagramProtocol):
    """Feeds the endpoint, sends what it queues, keeps one timer armed, collects events."""

    def __init__(self, ep: SipEndpoint, loop: asyncio.AbstractEventLoop) -> None:
        self.ep = ep
        self.loop = loop
        self.transport: asyncio.DatagramTransport | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.events: asyncio.Queue[SipEvent] = asyncio.Queue()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.ep.receive(data, (str(addr[0]), int(str(addr[1]))), self.loop.time())
        self.flush()

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP port unreachable while SIPp starts: Timer A retransmits

    def flush(self) -> None:
        assert self.transport is not None
        for out in self.ep.datagrams_to_send():
            self.transport.sendto(out.data, out.destination)
        while (event := self.ep.next_event()) is not None:
            self.events.put_nowait(event)
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        deadline = self.ep.next_deadline()
        if deadline is not None:
            self.timer = self.loop.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self.timer = None
        self.ep.handle_timer(self.loop.time())
        self.flush()


async def _call_sipp(our_port: int, sipp_port: int, *, cancel: bool = False) -> list[SipEvent]:
    loop = asyncio.get_running_loop()
    ep = SipEndpoint(EndpointConfig(host="127.0.0.1", port=our_port), rng=random.SystemRandom())
    transport, driver = await loop.create_datagram_endpoint(
        lambda: _Driver(ep, loop), local_addr=("127.0.0.1", our_port)
    )
    seen: list[SipEvent] = []
    try:
        leg = ep.invite(f"sip:agent@127.0.0.1:{sipp_port}", SDP, loop.time(), from_user="sales")
        driver.flush()
        while not any(isinstance(e, AgentLegAnswered | AgentLegFailed) for e in seen):
            seen.append(await asyncio.wait_for(driver.events.get(), 20))
            if cancel and isinstance(seen[-1], AgentLegRinging):
                await asyncio.sleep(0.2)
                assert ep.cancel(leg, loop.time())
                driver.flush()
        if isinstance(seen[-1], AgentLegAnswered):
            await asyncio.sleep(0.3)
            assert ep.hang_up(leg, loop.time())
            driver.flush()
            seen.append(await asyncio.wait_for(driver.events.get(), 20))
    finally:
        if driver.timer is not None:
            driver.timer.cancel()
        transport.close()
    return seen


RINGING_ONLY = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="agent rings until cancelled">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

]]></send>
  <recv request="CANCEL"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [cseq] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
"""


def _run(tmp_path: Path, which: list[str], *, cancel: bool = False) -> list[SipEvent]:
    assert SIPP is not None
    sipp_port, our_port = _free_udp_port(), _free_udp_port()
    cmd = [SIPP, *which, "-i", "127.0.0.1", "-p", str(sipp_port), "-m", "1",
           "-nostdin", "-timeout", "30s", "-timeout_error", "-trace_err"]
    sipp = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        seen = asyncio.run(_call_sipp(our_port, sipp_port, cancel=cancel))
        out, err = sipp.communicate(timeout=40)
    finally:
        if sipp.poll() is None:
            sipp.kill()
            sipp.communicate()
    assert sipp.returncode == 0, out[-2000:] + err[-2000:]
    return seen


def test_agent_answers_then_we_hang_up(tmp_path: Path) -> None:
    seen = _run(tmp_path, ["-sn", "uas"])
    kinds = [type(e) for e in seen]
    assert kinds[0] is AgentLegRinging and AgentLegAnswered in kinds, seen
    assert isinstance(seen[-1], AgentLegHungUp) and seen[-1].status == 200, seen


def test_ringing_agent_is_cancelled(tmp_path: Path) -> None:
    scenario = tmp_path / "ringing_only.xml"
    scenario.write_text(RINGING_ONLY)
    seen = _run(tmp_path, ["-sf", str(scenario)], cancel=True)
    assert [type(e) for e in seen] == [AgentLegRinging, AgentLegFailed], seen
    failed = seen[-1]
    assert isinstance(failed, AgentLegFailed) and failed.status == 487 and failed.cancelled

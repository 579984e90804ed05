"""Agents' phones behind NAT: INVITEs go where the REGISTER came from."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from live.config import AgentLine
from live.serve_agents import Agents, behind_nat
from sip import events as sip_ev


@pytest.mark.parametrize(("contact", "source", "expected"), [
    ("sip:a@192.168.1.20:5060", ("80.67.169.40", 40123), True),  # home NAT
    ("sip:a@10.0.0.3:5060", ("172.16.4.9", 5060), True),  # another private network
    ("sip:a@[fd00::1]:5060;transport=udp", ("2001:db8::1", 5070), True),
    ("sip:a@192.168.1.20:5060", ("192.168.1.20", 5060), False),  # reachable as written
    ("sip:a@80.67.169.12:5060", ("80.67.169.40", 5060), False),  # a public Contact: trusted
    ("sip:a@10.0.0.3", ("127.0.0.1", 5070), False),  # a phone on this host
    ("sip:a@phone.example.com", ("80.67.169.40", 5070), False),  # a name: trusted
])
def test_behind_nat(contact: str, source: tuple[str, int], expected: bool) -> None:
    assert behind_nat(contact, source) is expected


class Endpoint:
    def __init__(self) -> None:
        self.invites: list[tuple[str, dict[str, Any]]] = []

    def invite(self, target: str, sdp: bytes, now: float, **kw: Any) -> str:
        self.invites.append((target, kw))
        return f"leg{len(self.invites)}"


def agents_with(endpoint: Endpoint) -> Agents:
    calls = SimpleNamespace(endpoint=endpoint, clock=SimpleNamespace(now=lambda: 0.0),
                            submit=lambda event: True)
    return Agents(calls, (AgentLine("a1", password="pw"), AgentLine("a2", password="pw")))  # type: ignore[arg-type]


def registered(user: str, contact: str, source: tuple[str, int]) -> sip_ev.AgentRegistered:
    return sip_ev.AgentRegistered(f"sip:{user}@accueil", contact, 100.0, source, user=user)


def test_a_natted_phone_is_called_at_the_registers_source() -> None:
    endpoint = Endpoint()
    agents = agents_with(endpoint)
    agents.on_event(registered("a1", "sip:a1@192.168.1.20:5060", ("80.67.169.40", 40123)))
    agents.on_event(registered("a2", "sip:a2@80.67.169.12:5062", ("80.67.169.12", 5062)))
    assert agents.invite("a1", b"v=0", "0612345678") == "leg1"
    assert agents.invite("a2", b"v=0", "0612345678") == "leg2"
    (t1, kw1), (t2, kw2) = endpoint.invites
    assert t1 == "sip:a1@192.168.1.20:5060" and kw1["destination"] == ("80.67.169.40", 40123)
    assert t2 == "sip:a2@80.67.169.12:5062" and "destination" not in kw2
    assert agents.invite("nobody", b"v=0", "x") is None

"""Agents end to end in the core: REGISTER, then an offer to the registered contact; fuzz."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sip.config import AgentAccount, EndpointConfig, RegistrarConfig
from sip.events import (
    AgentLegAnswered,
    AgentLegFailed,
    AgentLegHungUp,
    AgentLegRinging,
    AgentRegistered,
)
from sip.message import Request
from sip.uas import SipEndpoint
from tests.sip.test_registrar import PHONE, REALM, SECRET, Phone
from tests.sip.test_uac import Agent, _call, _request
from tests.sip.test_uas_support import SDP_ANSWER, SDP_OFFER, drain, endpoint, events


def test_offer_to_a_registered_agent() -> None:
    reg = RegistrarConfig(REALM, SECRET, (AgentAccount.from_password("alice", REALM, "pw"),))
    ep = SipEndpoint(EndpointConfig(registrar=reg), rng=random.Random(5))
    phone = Phone(ep)
    # The phone is behind NAT: its Contact is private, the REGISTER's source is public.
    assert phone.login(0.0, contact="<sip:alice@10.1.1.5:5062>").status == 200
    (registered,) = events(ep)
    assert isinstance(registered, AgentRegistered) and registered.source == PHONE
    (binding,) = ep.registrar.bindings("alice")  # type: ignore[union-attr]
    leg = ep.invite(binding.uri, SDP_OFFER, 1.0, from_user="sales", destination=binding.source)
    ((invite, out),) = drain(ep)
    assert isinstance(invite, Request) and out.destination == PHONE
    assert invite.uri == "sip:alice@10.1.1.5:5062"
    agent = Agent(ep)
    agent.respond(invite, 180, 1.1)
    sent = agent.respond(invite, 200, 2.0, body=SDP_ANSWER)
    assert _request(sent, "ACK") is not None and sent[0][1].destination == PHONE
    assert events(ep) == [AgentLegRinging(leg), AgentLegAnswered(leg, SDP_ANSWER)]


_STEP = st.one_of(
    st.tuples(st.just("respond"), st.sampled_from(["INVITE", "CANCEL", "BYE"]),
              st.sampled_from([100, 180, 183, 200, 202, 302, 404, 408, 481, 486, 487, 500, 603])),
    st.tuples(st.just("timer"), st.floats(0.0, 40.0), st.just(0)),
    st.tuples(st.sampled_from(["cancel", "hang_up", "agent_bye"]), st.just(""), st.just(0)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_STEP, max_size=25))
def test_random_responses_and_timers_never_raise(steps: list[tuple[str, object, int]]) -> None:
    ep = endpoint()
    leg, agent, invite = _call(ep)
    now = 0.0
    sent: dict[str, Request] = {"INVITE": invite}
    seen = []
    for kind, arg, status in steps:
        now += 0.01
        if kind == "respond":
            request = sent.get(str(arg))
            if request is not None:
                out = agent.respond(request, status, now, body=SDP_ANSWER if status < 300 else b"")
                sent.update((m.method, m) for m, _ in out if isinstance(m, Request))
        elif kind == "timer":
            now += float(arg)  # type: ignore[arg-type]
            ep.handle_timer(now)
        elif kind == "agent_bye":
            agent.bye(now)
        else:
            getattr(ep, kind)(leg, now)
        sent.update((m.method, m) for m, _ in drain(ep) if isinstance(m, Request))
        seen += events(ep)
    # The application gives up, time passes: every leg ends, exactly once.
    ep.hang_up(leg, now)
    for _ in range(6):
        now += 40.0
        ep.handle_timer(now)
        sent.update((m.method, m) for m, _ in drain(ep) if isinstance(m, Request))
    seen += events(ep)
    ends = [e for e in seen if isinstance(e, AgentLegFailed | AgentLegHungUp)]
    answered = [e for e in seen if isinstance(e, AgentLegAnswered)]
    assert len(ends) == 1, seen
    assert len(answered) <= 1
    if answered:
        assert isinstance(ends[0], AgentLegHungUp)
        assert seen.index(answered[0]) < seen.index(ends[0])
    assert ep.leg_state(leg) is None
    assert ep.next_deadline() is None
    assert not ep.legs._txns and not ep.legs._by_call  # nothing leaks


def test_agent_registered_over_tcp_is_called_on_its_connection() -> None:
    reg = RegistrarConfig(REALM, SECRET, (AgentAccount.from_password("alice", REALM, "pw"),))
    ep = SipEndpoint(EndpointConfig(registrar=reg), rng=random.Random(6))
    Phone(ep, transport="tcp", conn=7).login(0.0)
    (registered,) = events(ep)
    assert isinstance(registered, AgentRegistered)
    assert registered.transport == "tcp" and registered.conn == 7
    (binding,) = ep.registrar.bindings("alice")  # type: ignore[union-attr]
    ep.invite(binding.uri, SDP_OFFER, 1.0, from_user="s", destination=binding.source,
              transport=binding.transport, conn=binding.conn)
    ((invite, out),) = drain(ep)
    assert out.transport == "tcp" and out.conn == 7 and out.destination == PHONE
    assert isinstance(invite, Request) and "SIP/2.0/TCP" in (invite.headers.get("via") or "")

"""Trunk security: allow-lists, per-source token buckets failing closed, refusal counters."""

from __future__ import annotations

import pytest

from sip.events import CallArrived, RequestRefused
from sip.security import RateLimiter, Security, TokenBucket, TrunkConfig
from tests.sip.test_uas_support import Uac, endpoint, events, statuses

PBX = TrunkConfig("pbx", ("192.0.2.0/29", "2001:db8::/64"))
LOCAL = TrunkConfig("local", ("127.0.0.1",), rate=2.0, burst=3)


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"allow": ("10.0.0/8",)},
        {"allow": ("10.0.0.0/8",), "rate": 0.0},
        {"allow": ("10.0.0.0/8",), "rate": float("inf")},
        {"allow": ("10.0.0.0/8",), "rate": 1.0, "burst": 0},
        {"allow": ("10.0.0.0/8",), "reject_with": 200},
    ],
)
def test_bad_trunk_configs_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TrunkConfig("t", **kwargs)  # type: ignore[arg-type]


def test_trunk_defaults() -> None:
    assert TrunkConfig("t", ["10.0.0.0/8"]).allow == ("10.0.0.0/8",)  # type: ignore[arg-type]
    assert TrunkConfig("t", (), rate=2.5).bucket_size == 3
    assert TrunkConfig("t", (), rate=0.2).bucket_size == 1
    assert TrunkConfig("t", (), rate=10, burst=50).bucket_size == 50


# -- allow-lists ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "trunk"),
    [
        ("192.0.2.1", "pbx"),
        ("192.0.2.7", "pbx"),
        ("192.0.2.8", None),
        ("2001:db8::5", "pbx"),
        ("2001:db9::5", None),
        ("::ffff:192.0.2.3", "pbx"),  # a dual-stack socket's view of an IPv4 peer
        ("127.0.0.1", "local"),
        ("not an ip", None),
        ("", None),
    ],
)
def test_admit(ip: str, trunk: str | None) -> None:
    sec = Security((PBX, LOCAL))
    admitted, found = sec.admit(ip)
    assert admitted is (trunk is not None)
    assert (found.name if found else None) == trunk
    assert sec.admit(ip) == (admitted, found)  # cached answer is the same
    assert sec.refusals["not_allowed"] == (0 if admitted else 2)


def test_no_trunks_means_no_allow_list() -> None:
    sec = Security()
    assert sec.open and sec.admit("203.0.113.9") == (True, None)
    assert sec.charge("203.0.113.9", None, 0.0) is None


# -- token buckets ----------------------------------------------------------------------------


def test_token_bucket_refills_with_the_given_time() -> None:
    bucket = TokenBucket(rate=2.0, burst=2, now=10.0)
    assert [bucket.take(10.0) for _ in range(3)] == [True, True, False]
    assert not bucket.take(10.4)  # 0.8 token
    assert bucket.take(10.5)
    assert not bucket.take(9.0)  # a clock going backwards refills nothing
    assert bucket.idle(100.0)


def test_rate_limiter_fails_closed_when_full() -> None:
    limiter = RateLimiter(max_sources=2)
    assert limiter.check("a", 1.0, 1, 0.0) is None
    assert limiter.check("b", 1.0, 1, 0.0) is None
    assert limiter.check("c", 1.0, 1, 0.5) == "rate_table_full"  # a and b still busy
    assert limiter.check("a", 1.0, 1, 0.5) == "rate_limited"
    assert limiter.check("c", 1.0, 1, 2.0) is None  # a is idle again: evicted for c
    assert len(limiter) == 2
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_charge_counts_per_reason_and_trunk() -> None:
    sec = Security((LOCAL,), max_sources=1)
    assert [sec.charge("127.0.0.1", LOCAL, 0.0) for _ in range(4)] == [
        None, None, None, "rate_limited",
    ]
    assert sec.charge("127.0.0.2", LOCAL, 0.0) == "rate_table_full"
    assert sec.refusals["rate_limited"] == 1 and sec.refusals["local:rate_limited"] == 1
    assert sec.refusals["rate_table_full"] == 1


# -- through the endpoint ---------------------------------------------------------------------


def test_unknown_source_gets_nothing_but_is_counted() -> None:
    ep = endpoint(trunks=(PBX,))
    uac = Uac(ep, source=("203.0.113.5", 5060))
    assert uac.invite(0.0) == []
    (refused,) = events(ep)
    assert refused == RequestRefused(None, "not_allowed", ("203.0.113.5", 5060))
    assert ep.security.refusals["not_allowed"] == 1 and ep.active_calls == 0


def test_unknown_source_gets_403_where_configured_within_a_budget() -> None:
    ep = endpoint(trunks=(PBX,), reject_with=403, refusal_response_rate=1.0,
                  refusal_response_burst=2)
    uac = Uac(ep, source=("203.0.113.5", 5060))
    got = [statuses(uac.invite(0.0)) for _ in range(3)]
    assert got == [[403], [403], []]  # the third exceeds the response budget
    assert [e.status for e in events(ep) if isinstance(e, RequestRefused)] == [403, 403, None]
    assert uac.ack(0.1, same_branch=True) == []  # an ACK is never answered
    assert statuses(uac.send(b"garbage\r\n\r\n", 5.0)) == []  # not even parseable


def test_allowed_source_is_served() -> None:
    ep = endpoint(trunks=(PBX,))
    Uac(ep, source=("192.0.2.3", 5060)).invite(0.0)
    (arrived,) = events(ep)
    assert isinstance(arrived, CallArrived) and arrived.trunk == "pbx"


def test_new_calls_are_rate_limited_but_dialogs_are_not() -> None:
    ep = endpoint(trunks=(LOCAL,))
    callers = [Uac(ep, n=i) for i in range(5)]
    results = [statuses(c.invite(0.0)) for c in callers]
    assert results == [[100], [100], [100], [], []]  # burst 3
    arrived = [e for e in events(ep) if isinstance(e, CallArrived)]
    assert len(arrived) == 3 and ep.security.refusals["rate_limited"] == 2
    first = callers[0]
    ep.answer(first.call_id, b"", 0.0)
    first.take()
    first.ack(0.0)
    for _ in range(5):  # in-dialog requests do not spend tokens
        assert statuses(first.in_dialog("INFO", 0.1)) == [200]
    assert statuses(callers[3].invite(1.0)) == [100]  # refilled at 2/s
    assert statuses(callers[0].invite_again(1.0)) == [200]  # a retransmission is free


def test_rate_limited_requests_get_the_trunks_reject_status() -> None:
    trunk = TrunkConfig("t", ("127.0.0.1",), rate=1.0, burst=1, reject_with=503)
    ep = endpoint(trunks=(trunk,))
    assert statuses(Uac(ep, n=1).invite(0.0)) == [100]
    assert statuses(Uac(ep, n=2).invite(0.0)) == [503]
    refused = [e for e in events(ep) if isinstance(e, RequestRefused)]
    assert [(e.status, e.reason) for e in refused] == [(503, "rate_limited")]


def test_malformed_requests_are_counted_and_charged() -> None:
    trunk = TrunkConfig("t", ("127.0.0.1",), rate=1.0, burst=2)
    ep = endpoint(trunks=(trunk,))
    uac = Uac(ep)
    bad = uac.build("OPTIONS", cseq=1).replace(b"CSeq: 1 OPTIONS", b"CSeq: x OPTIONS")
    got = [statuses(uac.send(bad, 0.0)) for _ in range(3)]
    assert got == [[400], [400], []]
    assert ep.security.refusals["malformed"] == 3
    assert ep.security.refusals["rate_limited"] == 1


def test_refusal_events_are_bounded() -> None:
    ep = endpoint(trunks=(PBX,), max_pending_refusals=3)
    uac = Uac(ep, source=("203.0.113.5", 5060))
    for _ in range(10):
        uac.invite(0.0)
    assert len(events(ep)) == 3
    assert ep.security.refusals["not_allowed"] == 10
    assert ep.security.refusals["events_suppressed"] == 7
    uac.invite(1.0)
    assert len(events(ep)) == 1  # drained: reported again


def test_refused_tcp_peer_is_disconnected() -> None:
    ep = endpoint(trunks=(PBX,))
    uac = Uac(ep, source=("203.0.113.5", 40000), transport="tcp", conn=7)
    assert uac.invite(0.0) == []
    assert ep.connections_to_close() == [7]
    assert ep.connections_to_close() == []

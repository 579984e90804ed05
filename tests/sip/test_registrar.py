"""The registrar: digest challenge, bindings, refresh, expiry, unregister (RFC 3261 §10.3)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sip.config import AgentAccount, EndpointConfig, RegistrarConfig
from sip.digest import digest_response, parse_auth_params, stored_ha1
from sip.events import AgentRegistered, AgentUnregistered
from sip.message import Response
from sip.registrar import Registrar
from sip.uas import SipEndpoint
from tests.sip.test_uas_support import drain, events

REALM = "accueil.test"
SECRET = b"registrar-secret-0123456789abcdef"
PHONE = ("192.0.2.10", 5062)


def _endpoint(**kw: object) -> SipEndpoint:
    reg = RegistrarConfig(
        REALM, SECRET, (AgentAccount.from_password("alice", REALM, "pw"),), **kw  # type: ignore[arg-type]
    )
    cfg = EndpointConfig(host="127.0.0.1", port=5060, registrar=reg)
    return SipEndpoint(cfg, rng=random.Random(3))


@dataclass
class Phone:
    """A SIP phone registering as ``user``."""

    ep: SipEndpoint
    user: str = "alice"
    password: str = "pw"
    call_id: str = "reg-1@192.0.2.10"
    cseq: int = 0
    nc: int = 0
    challenge: dict[str, str] | None = None
    algorithm: str = "SHA-256"
    transport: str = "udp"
    conn: int | None = None

    def register(
        self, now: float, *, expires: int | None = None,
        contact: str = "<sip:alice@192.0.2.10:5062>", contact_expires: int | None = None,
        cseq: int | None = None, auth: bool = True, auth_uri: str | None = None,
    ) -> Response:
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        uri = f"sip:{REALM}"
        if contact_expires is not None:
            contact += f";expires={contact_expires}"
        lines = [
            f"REGISTER {uri} SIP/2.0",
            f"Via: SIP/2.0/{self.transport.upper()} {PHONE[0]}:{PHONE[1]};"
            f"branch=z9hG4bK-r{cseq}-{now}",
            f"From: <sip:{self.user}@{REALM}>;tag=ph1",
            f"To: <sip:{self.user}@{REALM}>",
            f"Call-ID: {self.call_id}",
            f"CSeq: {cseq} REGISTER",
            f"Contact: {contact}",
            "Max-Forwards: 70",
        ]
        if expires is not None:
            lines.append(f"Expires: {expires}")
        if auth and self.challenge is not None:
            self.nc += 1
            c = self.challenge
            ha1 = stored_ha1(self.user, REALM, self.password)[self.algorithm]
            nc = f"{self.nc:08x}"
            digest_uri = auth_uri or uri
            resp = digest_response(self.algorithm, ha1, "REGISTER", digest_uri, c["nonce"],
                                   qop="auth", nc=nc, cnonce="xyz")
            lines.append(
                f'Authorization: Digest username="{self.user}", realm="{REALM}", '
                f'nonce="{c["nonce"]}", uri="{digest_uri}", response="{resp}", '
                f'algorithm={self.algorithm}, qop=auth, nc={nc}, cnonce="xyz", '
                f'opaque="{c["opaque"]}"'
            )
        data = ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()
        self.ep.receive(data, PHONE, now, self.transport, self.conn)
        ((msg, out),) = drain(self.ep)
        assert isinstance(msg, Response) and out.destination == PHONE
        if msg.status == 401:
            challenges = msg.headers.get_all("www-authenticate")
            self.challenge = parse_auth_params(challenges[0])
            self.nc = 0
        return msg

    def login(self, now: float, **kw: object) -> Response:
        first = self.register(now, **kw)  # type: ignore[arg-type]
        assert first.status == 401
        return self.register(now, **kw)  # type: ignore[arg-type]


def test_register_without_registrar_is_still_405() -> None:
    ep = SipEndpoint(EndpointConfig(), rng=random.Random(1))
    phone = Phone(ep)
    assert phone.register(0.0).status == 405


def test_challenge_register_refresh_expire() -> None:
    ep = _endpoint()
    phone = Phone(ep)
    first = phone.register(0.0)
    assert first.status == 401
    values = first.headers.get_all("www-authenticate")
    assert "SHA-256" in values[0] and "MD5" in values[1]
    assert events(ep) == []

    ok = phone.register(1.0, expires=120)
    assert ok.status == 200
    contact = ok.headers.get("contact") or ""
    assert "alice@192.0.2.10:5062" in contact and "expires=120" in contact
    (reg,) = events(ep)
    assert reg == AgentRegistered(
        "sip:alice@accueil.test", "sip:alice@192.0.2.10:5062", 121.0, PHONE, False, "alice"
    )
    ep.handle_timer(40.0)  # the server transactions' Timer J
    assert ep.next_deadline() == 121.0
    assert ep.registrar is not None
    assert [b.uri for b in ep.registrar.bindings("alice")] == ["sip:alice@192.0.2.10:5062"]

    refreshed = phone.register(60.0, expires=120)
    assert refreshed.status == 200
    (again,) = events(ep)
    assert isinstance(again, AgentRegistered) and again.refreshed and again.expires_at == 180.0
    ep.handle_timer(121.0)  # the old deadline passes harmlessly
    assert events(ep) == []
    ep.handle_timer(100.0)
    assert ep.next_deadline() == 180.0
    ep.handle_timer(180.0)
    assert events(ep) == [
        AgentUnregistered("sip:alice@accueil.test", "expired", "sip:alice@192.0.2.10:5062", 0)
    ]
    assert ep.next_deadline() is None


def test_md5_client_and_unregister() -> None:
    ep = _endpoint()
    phone = Phone(ep, algorithm="MD5")
    assert phone.login(0.0).status == 200
    events(ep)
    bye = phone.register(5.0, expires=0)
    assert bye.status == 200 and bye.headers.get("contact") is None
    assert events(ep) == [
        AgentUnregistered("sip:alice@accueil.test", "removed", "sip:alice@192.0.2.10:5062", 0)
    ]


def test_contact_star_removes_every_binding() -> None:
    ep = _endpoint()
    phone = Phone(ep)
    phone.login(0.0)
    assert phone.register(1.0, contact="<sip:alice@192.0.2.11:5070>").status == 200
    ok = phone.register(2.0, contact="<sip:alice@192.0.2.12>", contact_expires=300)
    assert len(ok.headers.get_all("contact")) == 3
    events(ep)
    assert phone.register(3.0, contact="*", expires=0).status == 200
    gone = events(ep)
    assert [e.reason for e in gone if isinstance(e, AgentUnregistered)] == ["removed"] * 3
    assert gone[-1] == AgentUnregistered(
        "sip:alice@accueil.test", "removed", "sip:alice@192.0.2.12", 0
    )
    assert phone.register(4.0, contact="*", expires=60).status == 400


def test_interval_too_brief() -> None:
    ep = _endpoint(min_expires=60)
    phone = Phone(ep)
    phone.register(0.0)
    brief = phone.register(1.0, expires=30)
    assert brief.status == 423 and brief.headers.get("min-expires") == "60"
    assert events(ep) == []
    long = phone.register(2.0, contact_expires=99999)
    assert long.status == 200 and "expires=3600" in (long.headers.get("contact") or "")


def test_out_of_order_cseq_is_refused() -> None:
    ep = _endpoint()
    phone = Phone(ep)
    phone.login(0.0)
    events(ep)
    late = phone.register(1.0, cseq=1, expires=0)
    assert late.status == 500
    assert events(ep) == []
    other = Phone(ep, call_id="reg-2@192.0.2.10", challenge=phone.challenge, nc=phone.nc)
    assert other.register(2.0, cseq=1, expires=0).status == 200  # another Call-ID: applied


def test_unknown_user_and_wrong_password() -> None:
    ep = _endpoint()
    mallory = Phone(ep, user="mallory")
    assert mallory.register(0.0).status == 401  # no enumeration before credentials
    assert mallory.register(0.0).status == 403
    wrong = Phone(ep, password="guess")
    wrong.register(0.0)
    assert wrong.register(0.0).status == 403
    assert events(ep) == []


def test_credentials_for_another_uri_are_refused() -> None:
    ep = _endpoint()
    phone = Phone(ep)
    phone.register(0.0)
    assert phone.register(1.0, auth_uri="sip:elsewhere.example").status == 400
    assert phone.register(2.0, auth_uri=f"sip:{REALM.upper()}").status == 200  # same URI


def test_stale_nonce_and_replay() -> None:
    ep = _endpoint(nonce_ttl=30.0)
    phone = Phone(ep)
    assert phone.login(0.0).status == 200
    stale = phone.register(100.0)
    assert stale.status == 401
    assert "stale=true" in (stale.headers.get("www-authenticate") or "")
    assert phone.register(100.0).status == 200
    phone.nc -= 1  # reuse the last nonce count
    assert phone.register(101.0).status == 401


def test_query_and_registrar_direct_api() -> None:
    reg = Registrar(RegistrarConfig(REALM, SECRET, ()))
    assert reg.bindings("sip:nobody@accueil.test") == [] and reg.next_deadline() is None
    with pytest.raises(ValueError):
        RegistrarConfig(REALM, SECRET, min_expires=100, default_expires=50)
    ep = _endpoint()
    phone = Phone(ep)
    phone.login(0.0)
    assert ep.registrar is not None
    assert len(ep.registrar.bindings("sip:alice@ACCUEIL.test")) == 1


_HEADER_VALUES = st.sampled_from([
    "Expires: 0", "Expires: 30", "Expires: 99999999999", "Expires: -1", "Expires: x",
    "Contact: *", "Contact: <sip:alice@192.0.2.10>;expires=0", "Contact: <sip:a@b>;expires=5",
    "Contact: <sip:alice@192.0.2.13>, <sip:alice@192.0.2.14>;expires=70",
    'Authorization: Digest username="alice"', "Authorization: Basic Zm9vOmJhcg==",
    'Authorization: Digest username="alice", realm="accueil.test", nonce="x", uri="u", '
    'response="00"',
    "Authorization: Digest ,,,", 'Authorization: Digest realm="other", nonce="x"',
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(_HEADER_VALUES, max_size=4), st.integers(1, 5),
                          st.sampled_from(["alice", "bob", "x%41"]), st.floats(0, 5000)),
                max_size=12))
def test_random_registers_never_raise(steps: list[tuple[list[str], int, str, float]]) -> None:
    ep = _endpoint()
    now = 0.0
    for n, (extra, cseq, user, dt) in enumerate(steps):
        now += dt
        lines = [
            f"REGISTER sip:{REALM} SIP/2.0",
            f"Via: SIP/2.0/UDP {PHONE[0]}:{PHONE[1]};branch=z9hG4bK-f{n}",
            f"From: <sip:{user}@{REALM}>;tag=f", f"To: <sip:{user}@{REALM}>",
            "Call-ID: fuzz", f"CSeq: {cseq} REGISTER", "Max-Forwards: 70", *extra,
            "Content-Length: 0",
        ]
        ep.receive(("\r\n".join(lines) + "\r\n\r\n").encode(), PHONE, now)
        ep.handle_timer(now)
        for msg, _ in drain(ep):
            assert isinstance(msg, Response) and msg.status in (400, 401, 403, 404, 423, 500)
        events(ep)
